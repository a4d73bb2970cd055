import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { StatusComponent } from '../config/settings.js';
import { type Executor, schemaEpoch } from '../db/client.js';
import {
  type ComponentStateChange,
  componentFirstChanges,
  getPublicIncident,
  listComponentStateChanges,
  listPublicIncidents,
  listPublicUpdates,
  listRecentPublicIncidents,
  type PublicIncident,
  type PublicUpdate,
  statusPageVersion,
} from '../db/repositories/status-page.js';
import {
  type ComponentState,
  effectiveHistory,
  type IncidentState,
  impactOfSeverity,
  isComponentState,
  isIncidentState,
  pageStatus,
  RECENT_INCIDENTS_LIMIT,
  startOfUtcDay,
  uptimeDays,
  utcDate,
} from '../domain/status-page.js';
import type {
  ComponentModel,
  IncidentModel,
  StatusPageModel,
  UpdateModel,
} from '../views/status-page/model.js';

/** Days of history the page shows: uptime bars and past incidents. */
export const STATUS_WINDOW_DAYS = 90;

const DAY_MS = 86_400_000;

export interface StatusPageSettings {
  title: string;
  components: readonly StatusComponent[];
}

/** The first instant the window covers: midnight UTC, `STATUS_WINDOW_DAYS - 1` days before today. */
export function windowStart(now: Date): Date {
  return new Date(startOfUtcDay(now).getTime() - (STATUS_WINDOW_DAYS - 1) * DAY_MS);
}

const maxDate = (dates: Array<Date | null | undefined>, fallback: Date) =>
  dates.reduce<Date>((latest, date) => (date && date > latest ? date : latest), fallback);

/**
 * The page's model from public rows: pure, so the same rows always give the same page. A component was created when
 * it first changed state (`firstChanges`, over all time, so the date does not move as the window slides);
 * `fallbackTime` stands in for "created/updated" of components that have never changed state (Statuspage requires a
 * time there) and must be the same on every instance, so that their pages and ETags agree.
 */
export function buildStatusPageModel({
  settings,
  publicUrl,
  now,
  fallbackTime,
  incidents,
  olderIncidents = [],
  updates,
  changes,
  firstChanges = new Map(),
}: {
  settings: StatusPageSettings;
  publicUrl: string;
  now: Date;
  fallbackTime: Date;
  incidents: readonly PublicIncident[];
  /** Resolved incidents before the window that are among the most recent (for the JSON list only). */
  olderIncidents?: readonly PublicIncident[];
  updates: readonly PublicUpdate[];
  changes: readonly ComponentStateChange[];
  firstChanges?: ReadonlyMap<string, Date>;
}): StatusPageModel {
  const baseUrl = publicUrl.replace(/\/+$/, '');
  const changesOf = new Map<string, ComponentStateChange[]>();
  for (const change of changes) {
    changesOf.set(change.componentId, [...(changesOf.get(change.componentId) ?? []), change]);
  }
  const components: ComponentModel[] = settings.components.map((component, index) => {
    const history = effectiveHistory(changesOf.get(component.id) ?? []);
    const last = history.at(-1);
    return {
      id: component.id,
      name: component.name,
      description: component.description ?? null,
      position: index + 1,
      state: last?.state ?? 'operational',
      createdAt: firstChanges.get(component.id) ?? history[0]?.at ?? fallbackTime,
      updatedAt: last?.at ?? fallbackTime,
      uptime: uptimeDays(history, now, STATUS_WINDOW_DAYS),
    };
  });
  const componentById = new Map(components.map((component) => [component.id, component]));

  const updatesOf = new Map<number, PublicUpdate[]>();
  for (const update of updates) {
    updatesOf.set(update.incidentId, [...(updatesOf.get(update.incidentId) ?? []), update]);
  }
  const incidentModels = incidents.map((incident) =>
    buildIncident(incident, updatesOf.get(incident.id) ?? [], componentById, baseUrl),
  );

  const status = pageStatus(
    components.map((component) => component.state),
    incidentModels.filter((incident) => incident.state !== 'resolved').map((incident) => incident.impact),
  );
  // The last change the page shows; the fallback only when nothing has ever changed.
  const changedAt = [
    ...incidentModels.map((incident) => incident.updatedAt),
    ...changes.map((change) => change.at),
  ];
  const updatedAt = changedAt.length > 0 ? maxDate(changedAt, new Date(0)) : fallbackTime;
  return {
    page: {
      id: createHash('sha256').update(baseUrl).digest('hex').slice(0, 12),
      title: settings.title,
      url: `${baseUrl}/status`,
      baseUrl,
      updatedAt,
    },
    status,
    components,
    incidents: incidentModels,
    olderIncidents: olderIncidents.map((incident) =>
      buildIncident(incident, updatesOf.get(incident.id) ?? [], componentById, baseUrl),
    ),
    windowDays: STATUS_WINDOW_DAYS,
    now,
  };
}

function buildIncident(
  incident: PublicIncident,
  rows: readonly PublicUpdate[],
  componentById: ReadonlyMap<string, ComponentModel>,
  baseUrl: string,
): IncidentModel {
  const sorted = [...rows].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id);
  const stateOf = new Map<string, ComponentState>();
  const updates: UpdateModel[] = sorted.map((row) => {
    const affected: UpdateModel['affected'] = [];
    // In the page's component order (a jsonb object does not keep the order its keys were written in).
    const states = row.componentStates ?? {};
    for (const component of componentById.values()) {
      const componentId = component.id;
      const state = states[componentId];
      if (state === undefined || !isComponentState(state)) continue;
      const oldState = stateOf.get(componentId) ?? 'operational';
      stateOf.set(componentId, state);
      affected.push({ id: componentId, name: component.name, oldState, newState: state });
    }
    return {
      id: row.id,
      state: asIncidentState(row.state),
      message: row.publicMessage,
      createdAt: new Date(row.createdAt),
      affected,
    };
  });
  const affectedIds = incident.components.length > 0 ? incident.components : [...stateOf.keys()];
  const createdAt = new Date(incident.createdAt);
  return {
    id: incident.id,
    title: incident.publicTitle,
    summary: incident.publicSummary,
    impact: impactOfSeverity(incident.severity),
    state: asIncidentState(incident.state),
    createdAt,
    identifiedAt: incident.identifiedAt,
    monitoringAt: incident.monitoringAt,
    resolvedAt: incident.resolvedAt,
    updatedAt: maxDate(
      [
        incident.lastUpdateAt,
        incident.resolvedAt,
        incident.monitoringAt,
        incident.identifiedAt,
        ...updates.map((u) => u.createdAt),
      ],
      createdAt,
    ),
    url: `${baseUrl}/status/incidents/${incident.id}`,
    components: affectedIds.flatMap((id) => {
      const component = componentById.get(id);
      return component ? [{ id, name: component.name, state: component.state }] : [];
    }),
    updates,
  };
}

function asIncidentState(state: string): IncidentState {
  return isIncidentState(state) ? state : 'investigating';
}

/** Reads the public rows of the window and builds the page's model. */
export async function loadStatusPageModel(
  db: Executor,
  options: { settings: StatusPageSettings; publicUrl: string; now: Date; fallbackTime: Date },
): Promise<StatusPageModel> {
  const since = windowStart(options.now);
  const [incidents, recent] = await Promise.all([
    listPublicIncidents(db, since),
    listRecentPublicIncidents(db, RECENT_INCIDENTS_LIMIT),
  ]);
  const shown = new Set(incidents.map((incident) => incident.id));
  const olderIncidents = recent.filter((incident) => !shown.has(incident.id));
  const [updates, changes, firstChanges] = await Promise.all([
    listPublicUpdates(
      db,
      [...incidents, ...olderIncidents].map((incident) => incident.id),
    ),
    listComponentStateChanges(db, since),
    componentFirstChanges(db),
  ]);
  return buildStatusPageModel({ ...options, incidents, olderIncidents, updates, changes, firstChanges });
}

export interface RenderedResource {
  /** The body, encoded once. */
  body: Uint8Array<ArrayBuffer>;
  /** The body compressed once, for clients that accept gzip. */
  gzipped: Uint8Array<ArrayBuffer>;
  /** A strong validator: the hash of the body. */
  etag: string;
}

const RENDERED_LIMIT = 1_000;

interface Snapshot {
  version: string;
  loadedAt: number;
  model: StatusPageModel;
  rendered: Map<string, RenderedResource | null>;
}

/**
 * Renders each public resource once per change of the data. Every request costs one cheap version query
 * (`statusPageVersion`); only when it differs (or the snapshot is older than `maxAgeMs`, which bounds staleness
 * for what the version does not cover) are the rows read again and the pages rendered again. Concurrent requests
 * share one reload.
 */
export class StatusPageCache {
  private snapshot: Snapshot | undefined;
  private reloading: Promise<Snapshot> | undefined;
  private versionQuery: Promise<string> | undefined;
  private knownVersion: { version: string; at: number } | undefined;
  private readonly fallbackTime: Date;

  constructor(
    private readonly options: {
      db: Executor;
      settings: StatusPageSettings;
      publicUrl: string;
      now: () => Date;
      maxAgeMs?: number;
      /** How long a version answer is trusted without asking again (default 0: every request asks). */
      versionTtlMs?: number;
    },
  ) {
    this.fallbackTime = schemaEpoch();
  }

  /** A resource rendered from the current model; `render` answering undefined means "not found". */
  async resource(
    key: string,
    render: (model: StatusPageModel) => string | undefined | Promise<string | undefined>,
  ): Promise<RenderedResource | null> {
    const snapshot = await this.current();
    const cached = snapshot.rendered.get(key);
    if (cached !== undefined) return cached;
    const body = await render(snapshot.model);
    const resource =
      body === undefined
        ? null
        : {
            body: new Uint8Array(Buffer.from(body, 'utf8')),
            gzipped: new Uint8Array(gzipSync(body)),
            etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
          };
    // Bounded, so requests for made-up incident ids cannot grow it without limit.
    if (snapshot.rendered.size < RENDERED_LIMIT) snapshot.rendered.set(key, resource);
    return resource;
  }

  /** An incident outside the window (older than 90 days), read on its own. */
  async olderIncident(model: StatusPageModel, id: number): Promise<IncidentModel | undefined> {
    const incident = await getPublicIncident(this.options.db, id);
    if (!incident) return undefined;
    const updates = await listPublicUpdates(this.options.db, [id]);
    const single = buildStatusPageModel({
      settings: this.options.settings,
      publicUrl: this.options.publicUrl,
      now: model.now,
      fallbackTime: this.fallbackTime,
      incidents: [incident],
      updates,
      changes: [],
    });
    const built = single.incidents[0];
    if (!built) return undefined;
    // Components are shown with their state now, not as of the old incident.
    const stateNow = new Map(model.components.map((component) => [component.id, component.state]));
    return {
      ...built,
      components: built.components.map((component) => ({
        ...component,
        state: stateNow.get(component.id) ?? component.state,
      })),
    };
  }

  /**
   * The data version, asked once for all requests waiting at the same moment: in a spike, one query answers every
   * request that arrives while it runs (so an answer may predate a request by that query's few milliseconds).
   */
  private version(now: Date): Promise<string> {
    const ttl = this.options.versionTtlMs ?? 0;
    if (this.knownVersion && ttl > 0 && Date.now() - this.knownVersion.at < ttl) {
      return Promise.resolve(this.knownVersion.version);
    }
    this.versionQuery ??= statusPageVersion(this.options.db, windowStart(now))
      .then((version) => {
        const full = `${utcDate(now)}|${version}`;
        this.knownVersion = { version: full, at: Date.now() };
        return full;
      })
      .finally(() => {
        this.versionQuery = undefined;
      });
    return this.versionQuery;
  }

  private async current(): Promise<Snapshot> {
    const now = this.options.now();
    const snapshot = this.snapshot;
    let version: string;
    try {
      version = await this.version(now);
    } catch (error) {
      // The database is unreachable: the last page we had is better than an error for a worried customer.
      if (snapshot) return snapshot;
      throw error;
    }
    const maxAgeMs = this.options.maxAgeMs ?? 60_000;
    if (snapshot && snapshot.version === version && Date.now() - snapshot.loadedAt < maxAgeMs)
      return snapshot;
    this.reloading ??= this.reload(version, now).finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private async reload(version: string, now: Date): Promise<Snapshot> {
    const model = await loadStatusPageModel(this.options.db, {
      settings: this.options.settings,
      publicUrl: this.options.publicUrl,
      now,
      fallbackTime: this.fallbackTime,
    });
    const snapshot: Snapshot = { version, loadedAt: Date.now(), model, rendered: new Map() };
    this.snapshot = snapshot;
    return snapshot;
  }
}
