import type { ComponentState, Impact, IncidentState, PageStatus, Uptime } from '../../domain/status-page.js';

/**
 * What the public status page shows, built by `services/status-page.ts` from public fields only. Every view of the
 * page (HTML, JSON, Atom) is a pure function of this model.
 */
export interface StatusPageModel {
  page: {
    /** Stable id for the JSON API's `page.id` / `page_id`. */
    id: string;
    title: string;
    /** The page's public address (`PUBLIC_URL` + `/status`). */
    url: string;
    /** Where links start: `PUBLIC_URL` without a trailing slash. */
    baseUrl: string;
    updatedAt: Date;
  };
  status: PageStatus;
  components: ComponentModel[];
  /** Unresolved incidents and those of the window, newest first. */
  incidents: IncidentModel[];
  /**
   * Resolved incidents older than the window that are among the most recent ones, newest first: only the JSON list of
   * incidents shows them (Statuspage's lists the 50 most recent, whatever their age).
   */
  olderIncidents?: IncidentModel[];
  /** Days covered by the uptime bars and the incident history. */
  windowDays: number;
  now: Date;
}

export interface ComponentModel {
  id: string;
  name: string;
  description: string | null;
  /** 1-based, in the order of the settings. */
  position: number;
  state: ComponentState;
  createdAt: Date;
  updatedAt: Date;
  uptime: Uptime;
}

export interface IncidentModel {
  id: number;
  title: string;
  summary: string;
  impact: Impact;
  state: IncidentState;
  createdAt: Date;
  identifiedAt: Date | null;
  monitoringAt: Date | null;
  resolvedAt: Date | null;
  updatedAt: Date;
  /** The incident's public address. */
  url: string;
  /** The affected components, with their current state. */
  components: Array<{ id: string; name: string; state: ComponentState }>;
  /** Oldest first. */
  updates: UpdateModel[];
}

export interface UpdateModel {
  id: number;
  state: IncidentState;
  message: string;
  createdAt: Date;
  /** Components whose state this update set, with the state before it. */
  affected: Array<{ id: string; name: string; oldState: ComponentState; newState: ComponentState }>;
}
