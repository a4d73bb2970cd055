import { and, asc, desc, eq, gt, inArray, isNull, lte, ne, or, sql } from 'drizzle-orm';
import { type ComponentState, isComponentState } from '../../domain/status-page.js';
import { invalidInput } from '../../errors.js';
import type { Executor } from '../client.js';
import { queryRows } from '../client.js';
import { componentStateChanges, incidents, statusUpdates } from '../schema/index.js';

/**
 * What the public status page reads, and the component-state history it is drawn from. Every read here selects
 * public columns only: `status_updates.internal_note`, owners and Slack references never leave this file.
 */

export interface PublicIncident {
  id: number;
  publicTitle: string;
  publicSummary: string;
  severity: string;
  state: string;
  components: string[];
  createdAt: Date;
  identifiedAt: Date | null;
  monitoringAt: Date | null;
  resolvedAt: Date | null;
  lastUpdateAt: Date | null;
}

export interface PublicUpdate {
  id: number;
  incidentId: number;
  state: string;
  publicMessage: string;
  componentStates: Record<string, string>;
  createdAt: Date;
}

export interface ComponentStateChange {
  componentId: string;
  state: ComponentState;
  incidentId: number | null;
  /** When the incident that set this state was resolved (null: not resolved, or set outside an incident). */
  incidentResolvedAt: Date | null;
  at: Date;
}

/**
 * Records components' states from a moment on (one row per component). Called by a status update inside its own
 * transaction, so the page's history and the update are written together; `incidentId` is null for a change made
 * outside an incident.
 */
export async function recordComponentStates(
  executor: Executor,
  { incidentId, states, at }: { incidentId: number | null; states: Record<string, string>; at: Date },
): Promise<void> {
  const rows = Object.entries(states).map(([componentId, state]) => {
    if (!isComponentState(state))
      throw invalidInput(`"${state}" is not a component state for ${componentId}.`);
    return { componentId, state, incidentId, at };
  });
  if (rows.length === 0) return;
  await executor.insert(componentStateChanges).values(rows);
}

const publicIncidentColumns = {
  id: incidents.id,
  publicTitle: incidents.publicTitle,
  publicSummary: incidents.publicSummary,
  severity: incidents.severity,
  state: incidents.state,
  components: incidents.components,
  createdAt: incidents.createdAt,
  identifiedAt: incidents.identifiedAt,
  monitoringAt: incidents.monitoringAt,
  resolvedAt: incidents.resolvedAt,
  lastUpdateAt: incidents.lastUpdateAt,
};

const publicUpdateColumns = {
  id: statusUpdates.id,
  incidentId: statusUpdates.incidentId,
  state: statusUpdates.state,
  publicMessage: statusUpdates.publicMessage,
  componentStates: statusUpdates.componentStates,
  createdAt: statusUpdates.createdAt,
};

/** Unresolved incidents, and incidents created or resolved since `since`; newest first. */
export async function listPublicIncidents(executor: Executor, since: Date): Promise<PublicIncident[]> {
  return executor
    .select(publicIncidentColumns)
    .from(incidents)
    .where(or(isNull(incidents.resolvedAt), gt(incidents.resolvedAt, since), gt(incidents.createdAt, since)))
    .orderBy(desc(incidents.createdAt), desc(incidents.id));
}

/** The `limit` most recent incidents, whatever their age; newest first. */
export async function listRecentPublicIncidents(
  executor: Executor,
  limit: number,
): Promise<PublicIncident[]> {
  return executor
    .select(publicIncidentColumns)
    .from(incidents)
    .orderBy(desc(incidents.createdAt), desc(incidents.id))
    .limit(limit);
}

export async function getPublicIncident(executor: Executor, id: number): Promise<PublicIncident | undefined> {
  const [row] = await executor.select(publicIncidentColumns).from(incidents).where(eq(incidents.id, id));
  return row;
}

/** The public side of these incidents' updates, oldest first. */
export async function listPublicUpdates(
  executor: Executor,
  incidentIds: readonly number[],
): Promise<PublicUpdate[]> {
  if (incidentIds.length === 0) return [];
  return executor
    .select(publicUpdateColumns)
    .from(statusUpdates)
    .where(inArray(statusUpdates.incidentId, [...incidentIds]))
    .orderBy(asc(statusUpdates.createdAt), asc(statusUpdates.id));
}

/** When each component first changed state, over all time (a component's creation time on the public API). */
export async function componentFirstChanges(executor: Executor): Promise<Map<string, Date>> {
  const rows = await executor
    .select({
      componentId: componentStateChanges.componentId,
      first: sql<Date | string>`min(${componentStateChanges.at})`,
    })
    .from(componentStateChanges)
    .groupBy(componentStateChanges.componentId);
  return new Map(rows.map((row) => [row.componentId, new Date(row.first)]));
}

/**
 * Every component's changes since `since`, plus what held each component when the window starts: the last change
 * each incident still open at `since` made to it, and the last change made outside any incident. Oldest first.
 */
export async function listComponentStateChanges(
  executor: Executor,
  since: Date,
): Promise<ComponentStateChange[]> {
  const columns = {
    componentId: componentStateChanges.componentId,
    state: componentStateChanges.state,
    incidentId: componentStateChanges.incidentId,
    incidentResolvedAt: incidents.resolvedAt,
    at: componentStateChanges.at,
  };
  const inside = await executor
    .select(columns)
    .from(componentStateChanges)
    .leftJoin(incidents, eq(incidents.id, componentStateChanges.incidentId))
    .where(gt(componentStateChanges.at, since))
    .orderBy(asc(componentStateChanges.at), asc(componentStateChanges.id));
  // DISTINCT ON treats the null incident (changes made outside incidents) as one group, as intended.
  const before = await executor
    .selectDistinctOn([componentStateChanges.componentId, componentStateChanges.incidentId], columns)
    .from(componentStateChanges)
    .leftJoin(incidents, eq(incidents.id, componentStateChanges.incidentId))
    .where(
      and(
        lte(componentStateChanges.at, since),
        or(
          isNull(componentStateChanges.incidentId),
          isNull(incidents.resolvedAt),
          gt(incidents.resolvedAt, since),
        ),
      ),
    )
    .orderBy(
      asc(componentStateChanges.componentId),
      asc(componentStateChanges.incidentId),
      desc(componentStateChanges.at),
      desc(componentStateChanges.id),
    );
  return [...before.sort((a, b) => new Date(a.at).getTime() - new Date(b.at).getTime()), ...inside]
    .filter((row): row is typeof row & { state: ComponentState } => isComponentState(row.state))
    .map((row) => ({
      ...row,
      at: new Date(row.at),
      incidentResolvedAt: row.incidentResolvedAt ? new Date(row.incidentResolvedAt) : null,
    }));
}

/** The last state one incident set for each component it ever set. */
export async function incidentComponentStates(
  executor: Executor,
  incidentId: number,
): Promise<Record<string, ComponentState>> {
  const rows = await executor
    .selectDistinctOn([componentStateChanges.componentId], {
      componentId: componentStateChanges.componentId,
      state: componentStateChanges.state,
    })
    .from(componentStateChanges)
    .where(eq(componentStateChanges.incidentId, incidentId))
    .orderBy(
      asc(componentStateChanges.componentId),
      desc(componentStateChanges.at),
      desc(componentStateChanges.id),
    );
  return Object.fromEntries(
    rows.flatMap((row) => (isComponentState(row.state) ? [[row.componentId, row.state]] : [])),
  );
}

/** What every other unresolved incident holds: its last state per component, where that is not operational. */
export async function componentHoldsOfOpenIncidents(
  executor: Executor,
  exceptIncidentId: number,
): Promise<Array<{ incidentId: number; componentId: string; state: ComponentState }>> {
  const rows = await executor
    .selectDistinctOn([componentStateChanges.incidentId, componentStateChanges.componentId], {
      incidentId: componentStateChanges.incidentId,
      componentId: componentStateChanges.componentId,
      state: componentStateChanges.state,
    })
    .from(componentStateChanges)
    .innerJoin(incidents, eq(incidents.id, componentStateChanges.incidentId))
    .where(and(isNull(incidents.resolvedAt), ne(incidents.id, exceptIncidentId)))
    .orderBy(
      asc(componentStateChanges.incidentId),
      asc(componentStateChanges.componentId),
      desc(componentStateChanges.at),
      desc(componentStateChanges.id),
    );
  return rows.flatMap((row) =>
    row.incidentId !== null && isComponentState(row.state) && row.state !== 'operational'
      ? [{ incidentId: row.incidentId, componentId: row.componentId, state: row.state }]
      : [],
  );
}

/**
 * A cheap fingerprint of everything the public page shows: it changes whenever an incident (open or of the last
 * `since` window), a status update or a component state changes. Pages are rendered again only when it does.
 */
export async function statusPageVersion(executor: Executor, since: Date): Promise<string> {
  const [row] = await queryRows<{ updates: string | number; changes: string | number; incidents: string }>(
    executor,
    sql`select
          (select coalesce(max(id), 0) from status_updates) as updates,
          (select coalesce(max(id), 0) from component_state_changes) as changes,
          (select count(*) || ':' || md5(coalesce(string_agg(concat_ws('|', id, public_title, public_summary,
                    severity, state, components::text, created_at, identified_at, monitoring_at, resolved_at,
                    last_update_at), ',' order by id), ''))
             from incidents
            where resolved_at is null or resolved_at > ${since.toISOString()}::timestamptz
               or created_at > ${since.toISOString()}::timestamptz) as incidents`,
  );
  return `${row?.updates ?? 0}/${row?.changes ?? 0}/${row?.incidents ?? ''}`;
}
