/**
 * The billing support figures (seed 003's dashboard and monthly report, seed 000's "is incident-based work paying
 * off"): report periods in UTC, the shape of a month's figures, and the arithmetic on them (shares, changes against
 * the previous month). What each figure counts is defined in docs/metrics.md — the one place for definitions; the
 * SQL that computes them is in db/repositories/metrics.ts and follows that page.
 */

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

/** A half-open interval of time [from, to) in UTC, named by its month (`2026-01`). */
export interface ReportPeriod {
  month: string;
  from: Date;
  to: Date;
}

export function monthPeriod(year: number, monthIndex: number): ReportPeriod {
  const from = new Date(Date.UTC(year, monthIndex, 1));
  const to = new Date(Date.UTC(year, monthIndex + 1, 1));
  const month = `${from.getUTCFullYear()}-${String(from.getUTCMonth() + 1).padStart(2, '0')}`;
  return { month, from, to };
}

/** The last month that has fully ended at `now` (UTC): on 1 March at 00:00 that is February. */
export function lastFullMonth(now: Date): ReportPeriod {
  return monthPeriod(now.getUTCFullYear(), now.getUTCMonth() - 1);
}

export function previousMonth(period: ReportPeriod): ReportPeriod {
  return monthPeriod(period.from.getUTCFullYear(), period.from.getUTCMonth() - 1);
}

export function monthLabel(period: ReportPeriod): string {
  return `${MONTH_NAMES[period.from.getUTCMonth()]} ${period.from.getUTCFullYear()}`;
}

export type PeriodChoice = { ok: true; period: ReportPeriod } | { ok: false; message: string };

/**
 * The month asked for (`YYYY-MM`), or the last full month when nothing was given. A month that has not started yet
 * is refused; the current month is allowed and reported so far.
 */
export function choosePeriod(text: string, now: Date): PeriodChoice {
  const given = text.trim();
  if (!given) return { ok: true, period: lastFullMonth(now) };
  const match = /^(\d{4})-(\d{2})$/.exec(given);
  const year = Number(match?.[1]);
  const month = Number(match?.[2]);
  if (!match || month < 1 || month > 12 || year < 2000) {
    return {
      ok: false,
      message: `"${given.slice(0, 20)}" is not a month. Write it as YYYY-MM, e.g. \`/frontline report ${lastFullMonth(now).month}\`, or leave it out for last month.`,
    };
  }
  const period = monthPeriod(year, month - 1);
  if (period.from.getTime() > now.getTime()) {
    return { ok: false, message: `${monthLabel(period)} has not started yet; pick a month up to this one.` };
  }
  return { ok: true, period };
}

/** One week of the trend chart: Monday-based UTC weeks, clipped to the period. */
export interface WeekBucket {
  /** The Monday the week starts on (may be before the period), `YYYY-MM-DD`; how SQL groups rows. */
  weekStart: string;
  /** The first day of the week inside the period, `YYYY-MM-DD`; how the chart labels it. */
  label: string;
  from: Date;
  to: Date;
}

const DAY_MS = 86_400_000;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);

export function weeksOf(period: ReportPeriod): WeekBucket[] {
  const weeks: WeekBucket[] = [];
  const firstDay = period.from.getUTCDay(); // 0 = Sunday
  let monday = new Date(period.from.getTime() - ((firstDay + 6) % 7) * DAY_MS);
  while (monday.getTime() < period.to.getTime()) {
    const next = new Date(monday.getTime() + 7 * DAY_MS);
    const from = monday.getTime() < period.from.getTime() ? period.from : monday;
    const to = next.getTime() > period.to.getTime() ? period.to : next;
    weeks.push({ weekStart: isoDay(monday), label: isoDay(from), from, to });
    monday = next;
  }
  return weeks;
}

/** A sum of money per currency (integer minor units); amounts in different currencies are never added. */
export type MoneyTotals = Record<string, number>;

export interface CategoryFigures {
  category: string;
  escalations: number;
  resolvedWithoutEngineering: number;
  duplicatesAvoided: number;
  resolved: number;
  averageResolutionMs: number | null;
}

export interface ActionKindFigures {
  kind: string;
  requested: number;
  succeeded: number;
  failed: number;
  averageMs: number | null;
}

export interface RefundReasonFigures {
  reason: string;
  count: number;
  totals: MoneyTotals;
}

/** Everything one period's report says, as computed from Frontline's own records (see docs/metrics.md). */
export interface PeriodFigures {
  escalations: {
    total: number;
    /** Linked to a problem that was already known, or closed by support without any problem. */
    resolvedWithoutEngineering: number;
    /** Became the first case of a new problem: engineering work. */
    escalatedToEngineering: number;
    /** Neither yet: no problem and not closed. */
    pending: number;
    /** Links to an already-known problem made in the period. */
    duplicatesAvoided: number;
    /** Closed (customer-confirmed) in the period, and how long that took from the escalation. */
    resolved: number;
    averageResolutionMs: number | null;
    p90ResolutionMs: number | null;
  };
  categories: CategoryFigures[];
  problems: { total: number; bug: number; incident: number; unclassified: number };
  incidents: {
    opened: number;
    averageFirstUpdateMs: number | null;
    averageToIdentifiedMs: number | null;
    averageToResolvedMs: number | null;
  };
  rcaTickets: { opened: number; closed: number };
  actions: {
    requested: number;
    needingApproval: number;
    byKind: ActionKindFigures[];
  };
  approvals: {
    requested: number;
    approved: number;
    denied: number;
    expired: number;
    pending: number;
    averageDecisionMs: number | null;
  };
  refunds: { count: number; totals: MoneyTotals; byReason: RefundReasonFigures[] };
  credits: { count: number; totals: MoneyTotals };
  /** Null while Frontline has no record of Stripe payment failures (no webhook data): shown as "no data". */
  paymentFailures: { failures: number; recovered: number } | null;
}

export interface WeeklyTrendPoint {
  label: string;
  escalations: number;
  duplicatesAvoided: number;
}

/** part / whole, or null when there is nothing to divide (an empty month has no shares). */
export function share(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

export type FigureUnit = 'count' | 'share' | 'duration' | 'money';

export interface Change {
  /** current − previous, in the figure's own unit (shares in percentage points × 0.01). */
  delta: number;
  /** delta / previous, for counts, durations and money; null when there is no previous value to compare with. */
  relative: number | null;
}

/** How a figure moved since the previous period; null when either side has no value. */
export function change(current: number | null, previous: number | null): Change | null {
  if (current === null || previous === null) return null;
  const delta = current - previous;
  return { delta, relative: previous !== 0 ? delta / previous : null };
}

export function formatShare(value: number | null): string {
  return value === null ? '—' : `${(value * 100).toFixed(1)}%`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  const minutes = ms / 60_000;
  if (Math.abs(minutes) < 1) return `${Math.round(ms / 1000)} s`;
  if (Math.abs(minutes) < 90) return `${minutes.toFixed(1)} min`;
  const hours = minutes / 60;
  if (Math.abs(hours) < 48) return `${hours.toFixed(1)} h`;
  return `${(hours / 24).toFixed(1)} d`;
}

/** "+12 (+10.9%)", "−1.5 pts", "+2.0 h", "no change", "+3 (from none)" when last period had zero. */
export function formatChange(
  current: number | null,
  previous: number | null,
  unit: Exclude<FigureUnit, 'money'>,
): string {
  const moved = change(current, previous);
  if (!moved) return current === null ? '' : 'no earlier figure';
  if (moved.delta === 0) return 'no change';
  const sign = moved.delta > 0 ? '+' : '−';
  const size = Math.abs(moved.delta);
  if (unit === 'share') return `${sign}${(size * 100).toFixed(1)} pts`;
  const amount = unit === 'duration' ? formatDuration(size) : String(size);
  if (moved.relative === null) return `${sign}${amount} (from none)`;
  return `${sign}${amount} (${sign}${(Math.abs(moved.relative) * 100).toFixed(1)}%)`;
}

/**
 * The same change, short enough for a table cell: "+3", "−1.5 pts", "+2.0 h", "=" (no change), "new" (nothing to
 * compare with last period), "" (no value now). Relative changes are left to the full form.
 */
export function formatChangeBrief(
  current: number | null,
  previous: number | null,
  unit: Exclude<FigureUnit, 'money'>,
): string {
  const moved = change(current, previous);
  if (!moved) return current === null ? '' : 'new';
  if (moved.delta === 0) return '=';
  const sign = moved.delta > 0 ? '+' : '−';
  const size = Math.abs(moved.delta);
  if (unit === 'share') return `${sign}${(size * 100).toFixed(1)} pts`;
  return `${sign}${unit === 'duration' ? formatDuration(size) : String(size)}`;
}

/** One category's figures before any record counts (a category only the other month has, or the first row). */
export function emptyCategoryFigures(category: string): CategoryFigures {
  return {
    category,
    escalations: 0,
    resolvedWithoutEngineering: 0,
    duplicatesAvoided: 0,
    resolved: 0,
    averageResolutionMs: null,
  };
}

/** An empty period: what a month with no records reports. */
export function emptyFigures(): PeriodFigures {
  return {
    escalations: {
      total: 0,
      resolvedWithoutEngineering: 0,
      escalatedToEngineering: 0,
      pending: 0,
      duplicatesAvoided: 0,
      resolved: 0,
      averageResolutionMs: null,
      p90ResolutionMs: null,
    },
    categories: [],
    problems: { total: 0, bug: 0, incident: 0, unclassified: 0 },
    incidents: {
      opened: 0,
      averageFirstUpdateMs: null,
      averageToIdentifiedMs: null,
      averageToResolvedMs: null,
    },
    rcaTickets: { opened: 0, closed: 0 },
    actions: { requested: 0, needingApproval: 0, byKind: [] },
    approvals: { requested: 0, approved: 0, denied: 0, expired: 0, pending: 0, averageDecisionMs: null },
    refunds: { count: 0, totals: {}, byReason: [] },
    credits: { count: 0, totals: {} },
    paymentFailures: null,
  };
}

/**
 * The account-action states and kinds the figures read (the account-actions feature owns the lifecycle; these are
 * its terminal states). An action counts as succeeded when it ran in Stripe, failed when Stripe refused it.
 */
export const ACTION_SUCCEEDED_STATES = ['executed', 'succeeded'] as const;
export const ACTION_FAILED_STATES = ['failed'] as const;
/** States after which an action request waits for nobody any more. */
export const ACTION_FINISHED_STATES = [
  ...ACTION_SUCCEEDED_STATES,
  ...ACTION_FAILED_STATES,
  'denied',
  'expired',
  'cancelled',
] as const;
export const REFUND_KIND = 'refund';
/** The refund reason a refund is grouped under when its request carries none. */
export const UNSPECIFIED_REFUND_REASON = 'unspecified';
export const CREDIT_KIND = 'credit';
export const APPROVAL_DECISIONS = { approved: 'approved', denied: 'denied', expired: 'expired' } as const;

/** Incident states in which an incident is still going on (shown on every App Home). */
export const ACTIVE_INCIDENT_STATES = ['investigating', 'identified', 'monitoring'] as const;
