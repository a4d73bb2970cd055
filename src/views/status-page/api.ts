import {
  type ComponentState,
  type Impact,
  type IncidentState,
  type Indicator,
  RECENT_INCIDENTS_LIMIT,
} from '../../domain/status-page.js';
import type { ComponentModel, IncidentModel, StatusPageModel, UpdateModel } from './model.js';

/**
 * The JSON API, shaped like Atlassian Statuspage's public API v2 (`/api/v2/*.json`): the same field names, types
 * and codes, so status aggregators and widgets written for Statuspage read it unchanged. Fields Statuspage has and
 * we do not (groups, tweets) carry their "absent" values.
 */

export interface StatuspagePage {
  id: string;
  name: string;
  url: string;
  time_zone: string;
  updated_at: string;
}

export interface StatuspageStatus {
  indicator: Indicator;
  description: string;
}

export interface StatuspageComponent {
  id: string;
  name: string;
  status: ComponentState;
  created_at: string;
  updated_at: string;
  position: number;
  description: string | null;
  showcase: boolean;
  start_date: string | null;
  group_id: string | null;
  page_id: string;
  group: boolean;
  only_show_if_degraded: boolean;
}

export interface StatuspageAffectedComponent {
  code: string;
  name: string;
  old_status: ComponentState;
  new_status: ComponentState;
}

export interface StatuspageIncidentUpdate {
  id: string;
  status: IncidentState;
  body: string;
  incident_id: string;
  created_at: string;
  updated_at: string;
  display_at: string;
  affected_components: StatuspageAffectedComponent[] | null;
  deliver_notifications: boolean;
  custom_tweet: string | null;
  tweet_id: string | null;
}

export interface StatuspageIncident {
  id: string;
  name: string;
  status: IncidentState;
  created_at: string;
  updated_at: string;
  monitoring_at: string | null;
  resolved_at: string | null;
  impact: Impact;
  shortlink: string;
  started_at: string;
  page_id: string;
  /** Newest first, as Statuspage lists them. */
  incident_updates: StatuspageIncidentUpdate[];
  components: StatuspageComponent[];
}

const iso = (at: Date) => at.toISOString();
const isoOrNull = (at: Date | null) => (at ? at.toISOString() : null);

export function pageJson(model: StatusPageModel): StatuspagePage {
  return {
    id: model.page.id,
    name: model.page.title,
    url: model.page.url,
    time_zone: 'Etc/UTC',
    updated_at: iso(model.page.updatedAt),
  };
}

export function componentJson(model: StatusPageModel, component: ComponentModel): StatuspageComponent {
  return {
    id: component.id,
    name: component.name,
    status: component.state,
    created_at: iso(component.createdAt),
    updated_at: iso(component.updatedAt),
    position: component.position,
    description: component.description,
    showcase: true,
    start_date: null,
    group_id: null,
    page_id: model.page.id,
    group: false,
    only_show_if_degraded: false,
  };
}

function updateJson(incident: IncidentModel, update: UpdateModel): StatuspageIncidentUpdate {
  return {
    id: String(update.id),
    status: update.state,
    body: update.message,
    incident_id: String(incident.id),
    created_at: iso(update.createdAt),
    updated_at: iso(update.createdAt),
    display_at: iso(update.createdAt),
    affected_components:
      update.affected.length > 0
        ? update.affected.map((change) => ({
            code: change.id,
            name: change.name,
            old_status: change.oldState,
            new_status: change.newState,
          }))
        : null,
    deliver_notifications: true,
    custom_tweet: null,
    tweet_id: null,
  };
}

export function incidentJson(model: StatusPageModel, incident: IncidentModel): StatuspageIncident {
  const byId = new Map(model.components.map((component) => [component.id, component]));
  return {
    id: String(incident.id),
    name: incident.title,
    status: incident.state,
    created_at: iso(incident.createdAt),
    updated_at: iso(incident.updatedAt),
    monitoring_at: isoOrNull(incident.monitoringAt),
    resolved_at: isoOrNull(incident.resolvedAt),
    impact: incident.impact,
    shortlink: incident.url,
    started_at: iso(incident.createdAt),
    page_id: model.page.id,
    incident_updates: [...incident.updates].reverse().map((update) => updateJson(incident, update)),
    components: incident.components.flatMap((affected) => {
      const component = byId.get(affected.id);
      return component ? [componentJson(model, component)] : [];
    }),
  };
}

const unresolved = (model: StatusPageModel) =>
  model.incidents.filter((incident) => incident.state !== 'resolved');

export function statusJson(model: StatusPageModel) {
  return { page: pageJson(model), status: { ...model.status } satisfies StatuspageStatus };
}

export function componentsJson(model: StatusPageModel) {
  return {
    page: pageJson(model),
    components: model.components.map((component) => componentJson(model, component)),
  };
}

export function incidentsJson(model: StatusPageModel) {
  return {
    page: pageJson(model),
    incidents: [...model.incidents, ...(model.olderIncidents ?? [])]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id)
      .slice(0, RECENT_INCIDENTS_LIMIT)
      .map((incident) => incidentJson(model, incident)),
  };
}

export function unresolvedIncidentsJson(model: StatusPageModel) {
  return {
    page: pageJson(model),
    incidents: unresolved(model).map((incident) => incidentJson(model, incident)),
  };
}

export function summaryJson(model: StatusPageModel) {
  return {
    page: pageJson(model),
    components: model.components.map((component) => componentJson(model, component)),
    incidents: unresolved(model).map((incident) => incidentJson(model, incident)),
    scheduled_maintenances: [] as StatuspageIncident[],
    status: { ...model.status } satisfies StatuspageStatus,
  };
}
