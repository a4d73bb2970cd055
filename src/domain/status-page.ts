/**
 * The public status page's rules: component states, the page's overall indicator, incident impact and the 90-day
 * uptime figures. Vocabulary and codes follow Atlassian Statuspage, so the JSON API reads like theirs.
 */

import {
  COMPONENT_STATES,
  type ComponentState,
  INCIDENT_STATES,
  type IncidentState,
  isComponentState,
  isIncidentState,
} from './incident.js';

// One vocabulary with the incidents that write these states.
export {
  COMPONENT_STATES,
  type ComponentState,
  INCIDENT_STATES,
  type IncidentState,
  isComponentState,
  isIncidentState,
};

/** How many incidents the JSON list of incidents holds: Statuspage's lists the 50 most recent, whatever their age. */
export const RECENT_INCIDENTS_LIMIT = 50;

/** Statuspage's incident impact and page indicator codes. */
export type Impact = 'none' | 'minor' | 'major' | 'critical';
export type Indicator = Impact | 'maintenance';

/** SEV1 is what Statuspage calls a critical incident; SEV4 has no customer-visible impact. */
export function impactOfSeverity(severity: string): Impact {
  switch (severity.toLowerCase()) {
    case 'sev1':
      return 'critical';
    case 'sev2':
      return 'major';
    case 'sev3':
      return 'minor';
    default:
      return 'none';
  }
}

/** How bad a state is, for picking the worst of several (maintenance is planned, so it ranks below degraded). */
const STATE_RANK: Record<ComponentState, number> = {
  operational: 0,
  under_maintenance: 1,
  degraded_performance: 2,
  partial_outage: 3,
  major_outage: 4,
};

export function worstState(states: Iterable<ComponentState>): ComponentState {
  let worst: ComponentState = 'operational';
  for (const state of states) if (STATE_RANK[state] > STATE_RANK[worst]) worst = state;
  return worst;
}

const INDICATOR_RANK: Record<Indicator, number> = {
  none: 0,
  maintenance: 1,
  minor: 2,
  major: 3,
  critical: 4,
};

const INDICATOR_OF_STATE: Record<ComponentState, Indicator> = {
  operational: 'none',
  under_maintenance: 'maintenance',
  degraded_performance: 'minor',
  partial_outage: 'major',
  major_outage: 'critical',
};

/** Statuspage's own descriptions of its indicators; aggregators match on them, so they are kept verbatim. */
const INDICATOR_DESCRIPTION: Record<Indicator, string> = {
  none: 'All Systems Operational',
  maintenance: 'Service Under Maintenance',
  minor: 'Minor Service Outage',
  major: 'Partial System Outage',
  critical: 'Major Service Outage',
};

export interface PageStatus {
  indicator: Indicator;
  description: string;
}

/**
 * The page's overall status: the worst of what the components say and what the unresolved incidents' impacts say
 * (an open SEV2 with every component still operational is a major indicator, as on Statuspage).
 */
export function pageStatus(
  componentStates: Iterable<ComponentState>,
  unresolvedImpacts: Iterable<Impact>,
): PageStatus {
  let indicator: Indicator = 'none';
  const consider = (candidate: Indicator) => {
    if (INDICATOR_RANK[candidate] > INDICATOR_RANK[indicator]) indicator = candidate;
  };
  for (const state of componentStates) consider(INDICATOR_OF_STATE[state]);
  for (const impact of unresolvedImpacts) consider(impact);
  return { indicator, description: INDICATOR_DESCRIPTION[indicator] };
}

export interface StateChange {
  state: ComponentState;
  at: Date;
}

export interface RecordedChange extends StateChange {
  /** The incident that set this state; null for a change made outside any incident (planned maintenance). */
  incidentId: number | null;
  /** When that incident was resolved; null while it is open, and for a change made outside an incident. */
  incidentResolvedAt: Date | null;
}

/**
 * A component's history as the page tells it, derived from what holds it. Each incident holds the component in the
 * last state it set for it, from then until the incident is resolved (a state set at the moment of resolving ends at
 * once); a change made outside any incident holds until the next such change. At every moment the component is in
 * the worst state anything holds it in, and operational when nothing does. So an update or the resolution of one
 * incident never undoes what another open incident says about the same component.
 *
 * The answer has one entry per change of the derived state, oldest first.
 */
export function effectiveHistory(changes: readonly RecordedChange[]): StateChange[] {
  const events: Array<{ at: number; holder: string; state: ComponentState | undefined }> = [];
  const released = new Set<string>();
  for (const change of changes) {
    const holder = change.incidentId === null ? 'outside' : `incident:${change.incidentId}`;
    const resolvedAt = change.incidentResolvedAt?.getTime();
    // A state set when its incident was already resolved holds nothing.
    if (resolvedAt !== undefined && resolvedAt <= change.at.getTime()) continue;
    events.push({ at: change.at.getTime(), holder, state: change.state });
    if (resolvedAt !== undefined && !released.has(holder)) {
      released.add(holder);
      events.push({ at: resolvedAt, holder, state: undefined });
    }
  }
  // By time; at the same moment, what is set before what is released.
  events.sort((a, b) => a.at - b.at || (a.state ? 0 : 1) - (b.state ? 0 : 1));
  const holds = new Map<string, ComponentState>();
  const history: StateChange[] = [];
  for (let index = 0; index < events.length; ) {
    const at = (events[index] as { at: number }).at;
    for (; index < events.length && (events[index] as { at: number }).at === at; index += 1) {
      const event = events[index] as { holder: string; state: ComponentState | undefined };
      if (event.state) holds.set(event.holder, event.state);
      else holds.delete(event.holder);
    }
    const state = worstState(holds.values());
    if (history.at(-1)?.state !== state) history.push({ state, at: new Date(at) });
  }
  return history;
}

export interface UptimeDay {
  /** The UTC day, `YYYY-MM-DD`. */
  date: string;
  /** Share of the observed part of the day counted as up, 0..1 (see `uptimeDays`). */
  uptime: number;
  /** The worst state the component was in at any moment of that day. */
  worst: ComponentState;
  /** Seconds spent in each non-operational state that day. */
  seconds: Partial<Record<ComponentState, number>>;
}

export interface Uptime {
  days: UptimeDay[];
  /** Over the whole window, 0..1. */
  uptime: number;
}

const DAY_MS = 86_400_000;

/** Share of time in a state that counts as down: Statuspage's weighting (a partial outage is 30% down). */
const DOWNTIME_WEIGHT: Record<ComponentState, number> = {
  operational: 0,
  under_maintenance: 0,
  degraded_performance: 0,
  partial_outage: 0.3,
  major_outage: 1,
};

export function startOfUtcDay(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

export function utcDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/**
 * A component's uptime per UTC day over the last `days` days (today included, counted up to `now`).
 *
 * The component's state is a step function of time: each change holds until the next; before the first change it
 * is operational. For each day, with `major` and `partial` the seconds spent in a major and a partial outage and
 * `observed` the seconds of the day that have passed:
 *
 *     uptime(day) = 1 − (major + 0.3 × partial) / observed
 *
 * Degraded performance and maintenance count as up (they are shown by the day's colour, which is the worst state
 * of the day). The window's uptime weighs every day by its observed seconds: 1 − Σ downtime / Σ observed.
 *
 * `changes` must hold every change inside the window plus the last change before it (if any), in any order.
 */
export function uptimeDays(changes: readonly StateChange[], now: Date, days = 90): Uptime {
  const sorted = [...changes].sort((a, b) => a.at.getTime() - b.at.getTime());
  const today = startOfUtcDay(now).getTime();
  const windowStart = today - (days - 1) * DAY_MS;
  const end = now.getTime();

  // Segments [from, to) of constant state covering the window.
  let state: ComponentState = 'operational';
  let index = 0;
  while (index < sorted.length && (sorted[index] as StateChange).at.getTime() <= windowStart) {
    state = (sorted[index] as StateChange).state;
    index += 1;
  }
  const segments: Array<{ from: number; to: number; state: ComponentState }> = [];
  let from = windowStart;
  for (; index < sorted.length; index += 1) {
    const change = sorted[index] as StateChange;
    const at = Math.min(change.at.getTime(), end);
    if (at > from) segments.push({ from, to: at, state });
    from = Math.max(from, at);
    state = change.state;
  }
  if (end > from) segments.push({ from, to: end, state });

  const result: UptimeDay[] = [];
  let totalDown = 0;
  let totalObserved = 0;
  let segment = 0;
  for (let day = 0; day < days; day += 1) {
    const dayStart = windowStart + day * DAY_MS;
    const dayEnd = Math.min(dayStart + DAY_MS, end);
    const seconds: Partial<Record<ComponentState, number>> = {};
    let worst: ComponentState = 'operational';
    let down = 0;
    while (segment < segments.length && (segments[segment] as { to: number }).to <= dayStart) segment += 1;
    for (let look = segment; look < segments.length; look += 1) {
      const current = segments[look] as { from: number; to: number; state: ComponentState };
      if (current.from >= dayEnd) break;
      const overlap = (Math.min(current.to, dayEnd) - Math.max(current.from, dayStart)) / 1000;
      if (overlap <= 0) continue;
      if (current.state !== 'operational') {
        seconds[current.state] = (seconds[current.state] ?? 0) + overlap;
        worst = worstState([worst, current.state]);
        down += overlap * DOWNTIME_WEIGHT[current.state];
      }
    }
    const observed = Math.max(0, (dayEnd - dayStart) / 1000);
    totalDown += down;
    totalObserved += observed;
    result.push({
      date: utcDate(new Date(dayStart)),
      uptime: observed > 0 ? 1 - down / observed : 1,
      worst,
      seconds,
    });
  }
  return { days: result, uptime: totalObserved > 0 ? 1 - totalDown / totalObserved : 1 };
}

/** Uptime as shown: two decimals, never rounded up to 100% while any downtime was counted. */
export function formatUptime(uptime: number): string {
  const percent = Math.floor(uptime * 10_000) / 100;
  return `${percent.toFixed(2)}%`;
}
