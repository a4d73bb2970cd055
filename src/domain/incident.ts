/**
 * The incident lifecycle and the status-page vocabulary, exactly Atlassian Statuspage's codes so the public page and
 * its JSON read like Statuspage's.
 */

export const INCIDENT_STATES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

export const INCIDENT_STATE_LABELS: Record<IncidentState, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

export const COMPONENT_STATES = [
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
  'under_maintenance',
] as const;
export type ComponentState = (typeof COMPONENT_STATES)[number];

export const COMPONENT_STATE_LABELS: Record<ComponentState, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
};

export const isIncidentState = (value: unknown): value is IncidentState =>
  typeof value === 'string' && (INCIDENT_STATES as readonly string[]).includes(value);
export const isComponentState = (value: unknown): value is ComponentState =>
  typeof value === 'string' && (COMPONENT_STATES as readonly string[]).includes(value);

export function incidentRef(id: number): string {
  return `INC-${id}`;
}

/** A resolved incident takes no more updates; any other state may move to any state (as on Statuspage). */
export function canMoveTo(from: IncidentState, _to: IncidentState): boolean {
  return from !== 'resolved';
}

/** Which per-state timestamp a move into `state` sets (the first time only), or undefined. */
export function stateTimestampField(
  state: IncidentState,
): 'identifiedAt' | 'monitoringAt' | 'resolvedAt' | undefined {
  if (state === 'identified') return 'identifiedAt';
  if (state === 'monitoring') return 'monitoringAt';
  if (state === 'resolved') return 'resolvedAt';
  return undefined;
}

/**
 * What one status update records for each component. An update speaks for its own incident only: it records the
 * components the incident affects (their state in this incident) and any other component whose state the person
 * changed in the form; every other component is left to whatever else holds it. Resolving returns each component
 * this incident holds, or affected, to operational; a component the person set to another state while resolving
 * is refused (a resolved incident can no longer hold it, so the state would vanish the moment it was written).
 *
 * `held` is the last state this incident set per component; `submitted` the form's choice per component shown
 * (a component the form did not show keeps its state).
 */
export function componentStatesOfUpdate({
  affected,
  held,
  submitted,
  resolving,
}: {
  affected: readonly string[];
  held: Readonly<Record<string, ComponentState>>;
  submitted: Readonly<Record<string, ComponentState>>;
  resolving: boolean;
}): { states: Record<string, ComponentState>; refused: string[] } {
  const states: Record<string, ComponentState> = {};
  const refused: string[] = [];
  const isAffected = new Set(affected);
  for (const id of new Set([...affected, ...Object.keys(held), ...Object.keys(submitted)])) {
    const before = held[id] ?? 'operational';
    const chosen = submitted[id] ?? before;
    if (resolving) {
      if (chosen !== 'operational' && chosen !== before) refused.push(id);
      else if (isAffected.has(id) || before !== 'operational') states[id] = 'operational';
    } else if (isAffected.has(id) || chosen !== before) {
      states[id] = chosen;
    }
  }
  return { states, refused };
}

/** Slack channel names: lowercase letters, digits, dashes; at most 80 characters. */
export function dedicatedChannelName(incidentId: number, title: string): string {
  const slug = title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/g, '');
  return `inc-${incidentId}${slug ? `-${slug}` : ''}`;
}

/** Minutes of silence after which an open incident of each severity gets a reminder. */
export interface ReminderMinutes {
  sev1: number;
  sev2: number;
  sev3: number;
  sev4: number;
}

export const SNOOZE_MINUTES = [30, 60, 90] as const;

/** Whether an open incident is due a reminder at `now`. */
export function reminderDue(
  incident: {
    state: string;
    severity: string;
    createdAt: Date;
    lastUpdateAt: Date | null;
    remindedAt: Date | null;
    snoozedUntil: Date | null;
  },
  minutes: ReminderMinutes,
  now: Date,
): boolean {
  if (incident.state === 'resolved') return false;
  if (incident.snoozedUntil && incident.snoozedUntil > now) return false;
  const limit = minutes[incident.severity as keyof ReminderMinutes] ?? minutes.sev3;
  const lastUpdate = incident.lastUpdateAt ?? incident.createdAt;
  // A snooze that ended since the last reminder, with no update since that reminder: remind now.
  if (
    incident.snoozedUntil &&
    incident.remindedAt &&
    incident.snoozedUntil > incident.remindedAt &&
    lastUpdate <= incident.remindedAt
  )
    return true;
  const quietSince = Math.max(lastUpdate.getTime(), incident.remindedAt?.getTime() ?? 0);
  return now.getTime() - quietSince >= limit * 60_000;
}
