import type { KnownBlock } from '@slack/types';
import { REFUND_REASON_LABELS, type RefundReason } from '../domain/account-actions.js';
import { CATEGORY_LABELS, type Category } from '../domain/escalation.js';
import {
  type ActionKindFigures,
  change,
  emptyCategoryFigures,
  formatChange,
  formatChangeBrief,
  formatDuration,
  formatShare,
  type MoneyTotals,
  monthLabel,
  type PeriodFigures,
  type RefundReasonFigures,
  type ReportPeriod,
  share,
  UNSPECIFIED_REFUND_REASON,
  type WeeklyTrendPoint,
} from '../domain/metrics.js';
import { formatMoney } from '../domain/money.js';
import { truncate } from './mrkdwn.js';

/**
 * The monthly billing support report as a Slack message: seed 003's report built from Frontline's own records, each
 * figure with its change against the previous month. Pure: figures in, Block Kit out.
 */
export interface ReportModel {
  period: ReportPeriod;
  previousPeriod: ReportPeriod;
  current: PeriodFigures;
  previous: PeriodFigures;
  trend: WeeklyTrendPoint[];
  /** Where the definitions live, linked from the footer. */
  definitionsUrl?: string;
}

const categoryLabel = (category: string) => CATEGORY_LABELS[category as Category] ?? category;
const actionLabel = (kind: string) =>
  kind
    .split('_')
    .map((word, index) => (index === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : word))
    .join(' ');
const refundReasonLabel = (reason: string) =>
  reason === UNSPECIFIED_REFUND_REASON
    ? 'No reason given'
    : (REFUND_REASON_LABELS[reason as RefundReason] ?? actionLabel(reason));

/** Slack's limit on a section's text. */
export const SECTION_TEXT_LIMIT = 3000;

function vs(text: string): string {
  return text ? ` _(${text})_` : '';
}

function count(label: string, current: number, previous: number): string {
  return `• ${label}: *${current}*${vs(formatChange(current, previous, 'count'))}`;
}

/** A part of the figure above it, indented under it. */
function part(label: string, current: number, previous: number): string {
  return `    ◦ ${label}: ${current}${vs(formatChange(current, previous, 'count'))}`;
}

function duration(label: string, current: number | null, previous: number | null): string {
  return `• ${label}: *${formatDuration(current)}*${vs(formatChange(current, previous, 'duration'))}`;
}

function withShare(label: string, part: number, whole: number, prevPart: number, prevWhole: number): string {
  const now = share(part, whole);
  const before = share(prevPart, prevWhole);
  return `• ${label}: *${part}* (${formatShare(now)})${vs(formatChange(now, before, 'share'))}`;
}

export function formatTotals(totals: MoneyTotals): string {
  const entries = Object.entries(totals).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return formatMoney(0, 'usd');
  return entries.map(([currency, amount]) => formatMoney(amount, currency)).join(' + ');
}

/**
 * Change per currency, with the relative change as for counts: "+$12.00 (+10.0%), −€5.00 (−50.0%)"; a currency only
 * this month has is "(from none)". Currencies are never added together.
 */
export function formatTotalsChange(current: MoneyTotals, previous: MoneyTotals): string {
  const currencies = [...new Set([...Object.keys(current), ...Object.keys(previous)])].sort();
  const parts = currencies.flatMap((currency) => {
    const moved = change(current[currency] ?? 0, previous[currency] ?? 0);
    if (!moved || moved.delta === 0) return [];
    const sign = moved.delta > 0 ? '+' : '−';
    const relative =
      moved.relative === null ? 'from none' : `${sign}${(Math.abs(moved.relative) * 100).toFixed(1)}%`;
    return [`${sign}${formatMoney(Math.abs(moved.delta), currency)} (${relative})`];
  });
  return parts.length > 0 ? parts.join(', ') : 'no change';
}

function moneyChange(count: number, totals: MoneyTotals, prevCount: number, prevTotals: MoneyTotals) {
  const counted = formatChange(count, prevCount, 'count');
  const moved = formatTotalsChange(totals, prevTotals);
  return vs(counted === 'no change' && moved === 'no change' ? counted : `${counted}; ${moved}`);
}

function pad(text: string, width: number): string {
  return text.length >= width ? text.slice(0, width) : text + ' '.repeat(width - text.length);
}
/** Right-aligned in `width`; a wider text still keeps one space before it, so columns never run together. */
function padLeft(text: string, width: number): string {
  return ' '.repeat(Math.max(1, width - text.length)) + text;
}

/** A table cell: the value, and in brackets its change since the previous month. */
/** A table cell: this month's figure, with its change since the month before in brackets ("4 (+2)"). */
function changeCell(
  current: number | null,
  previous: number | null,
  unit: 'count' | 'share' | 'duration',
  width: number,
): string {
  const value =
    unit === 'share'
      ? formatShare(current)
      : unit === 'duration'
        ? formatDuration(current)
        : String(current ?? 0);
  const brief = formatChangeBrief(current, previous, unit);
  return padLeft(brief ? `${value} (${brief})` : value, width);
}

/**
 * Rows of this month and the previous one, matched by key: a row only one month has is compared with zero, so a
 * category that disappeared still shows (with its fall).
 */
function paired<T>(
  current: readonly T[],
  previous: readonly T[],
  key: (row: T) => string,
  none: (key: string) => T,
): Array<{ now: T; before: T }> {
  const before = new Map(previous.map((row) => [key(row), row]));
  const rows = current.map((row) => ({ now: row, before: before.get(key(row)) ?? none(key(row)) }));
  const seen = new Set(current.map(key));
  for (const row of previous) if (!seen.has(key(row))) rows.push({ now: none(key(row)), before: row });
  return rows;
}

/**
 * A monospace table in one section, within Slack's text limit: rows that do not fit are left out, and a line says
 * how many (the CSV in the thread has every record).
 */
function codeTable(title: string, head: string, lines: readonly string[]): string {
  const render = (shown: number) => {
    const body = `\`\`\`${[head, ...lines.slice(0, shown)].join('\n')}\`\`\``;
    const left = lines.length - shown;
    return `${title}\n${body}${left > 0 ? `\n_…and ${left} more rows; the CSV in the thread has them all._` : ''}`;
  };
  let shown = lines.length;
  while (shown > 0 && render(shown).length > SECTION_TEXT_LIMIT) shown -= 1;
  return render(shown);
}

function categoryTable(title: string, current: PeriodFigures, previous: PeriodFigures): string {
  if (current.categories.length === 0 && previous.categories.length === 0)
    return `${title}\n_No escalations this month._`;
  const rows = paired(current.categories, previous.categories, (c) => c.category, emptyCategoryFigures);
  const head = `${pad('Category', 22)}${padLeft('Raised', 13)}${padLeft('No eng.', 20)}${padLeft('Dupes', 13)}${padLeft('Avg resolution', 21)}`;
  const lines = rows.map(({ now, before }) =>
    [
      pad(categoryLabel(now.category), 22),
      changeCell(now.escalations, before.escalations, 'count', 13),
      changeCell(
        share(now.resolvedWithoutEngineering, now.escalations),
        share(before.resolvedWithoutEngineering, before.escalations),
        'share',
        20,
      ),
      changeCell(now.duplicatesAvoided, before.duplicatesAvoided, 'count', 13),
      changeCell(now.averageResolutionMs, before.averageResolutionMs, 'duration', 21),
    ].join(''),
  );
  return codeTable(title, head, lines);
}

const noActionKind = (kind: string): ActionKindFigures => ({
  kind,
  requested: 0,
  succeeded: 0,
  failed: 0,
  averageMs: null,
});

function actionsTable(title: string, current: PeriodFigures, previous: PeriodFigures): string {
  if (current.actions.byKind.length === 0 && previous.actions.byKind.length === 0)
    return `${title}\n_No account actions requested this month._`;
  const rows = paired(current.actions.byKind, previous.actions.byKind, (k) => k.kind, noActionKind);
  const head = `${pad('Action', 24)}${padLeft('Count', 13)}${padLeft('Success', 20)}${padLeft('Avg time', 21)}`;
  const lines = rows.map(({ now, before }) =>
    [
      pad(actionLabel(now.kind), 24),
      changeCell(now.requested, before.requested, 'count', 13),
      changeCell(
        share(now.succeeded, now.succeeded + now.failed),
        share(before.succeeded, before.succeeded + before.failed),
        'share',
        20,
      ),
      changeCell(now.averageMs, before.averageMs, 'duration', 21),
    ].join(''),
  );
  return codeTable(title, head, lines);
}

const noReason = (reason: string): RefundReasonFigures => ({ reason, count: 0, totals: {} });

function paymentFailureLines(current: PeriodFigures, previous: PeriodFigures): string[] {
  const now = current.paymentFailures;
  if (!now)
    return [
      '• Payment failures and recovery rate: _no data_ — no Stripe webhook events have been received (see the README).',
    ];
  const before = previous.paymentFailures;
  const rate = share(now.recovered, now.failures);
  const rateBefore = before ? share(before.recovered, before.failures) : null;
  return [
    `• Payment failures: *${now.failures}*${vs(formatChange(now.failures, before?.failures ?? null, 'count'))}`,
    `    ◦ Paid afterwards: ${now.recovered}${vs(formatChange(now.recovered, before?.recovered ?? null, 'count'))} — recovery rate *${formatShare(rate)}*${vs(formatChange(rate, rateBefore, 'share'))}`,
  ];
}

const section = (text: string): KnownBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: truncate(text, SECTION_TEXT_LIMIT) },
});

export function reportMessage(model: ReportModel): { text: string; blocks: KnownBlock[] } {
  const { current: c, previous: p } = model;
  const month = monthLabel(model.period);
  const before = monthLabel(model.previousPeriod);
  const e = c.escalations;
  const pe = p.escalations;

  const escalations = [
    count('Escalations raised', e.total, pe.total),
    withShare(
      'Resolved without engineering',
      e.resolvedWithoutEngineering,
      e.total,
      pe.resolvedWithoutEngineering,
      pe.total,
    ),
    withShare(
      'Escalated to engineering',
      e.escalatedToEngineering,
      e.total,
      pe.escalatedToEngineering,
      pe.total,
    ),
    count('Still waiting for a problem or a closure', e.pending, pe.pending),
    count('Duplicate escalations avoided', e.duplicatesAvoided, pe.duplicatesAvoided),
    count('Resolved (customer confirmed)', e.resolved, pe.resolved),
    duration('Average time to resolution', e.averageResolutionMs, pe.averageResolutionMs),
    duration('90th percentile time to resolution', e.p90ResolutionMs, pe.p90ResolutionMs),
  ].join('\n');

  const problems = [
    count('Problems confirmed', c.problems.total, p.problems.total),
    part('Bugs', c.problems.bug, p.problems.bug),
    part('Incidents', c.problems.incident, p.problems.incident),
    part('Not classified yet', c.problems.unclassified, p.problems.unclassified),
    count('Incidents declared', c.incidents.opened, p.incidents.opened),
    duration(
      'Average time to first status update',
      c.incidents.averageFirstUpdateMs,
      p.incidents.averageFirstUpdateMs,
    ),
    duration(
      'Average time to identified (MTTA)',
      c.incidents.averageToIdentifiedMs,
      p.incidents.averageToIdentifiedMs,
    ),
    duration(
      'Average time to resolved (MTTR)',
      c.incidents.averageToResolvedMs,
      p.incidents.averageToResolvedMs,
    ),
    count('RCA tickets opened', c.rcaTickets.opened, p.rcaTickets.opened),
    count('RCA tickets closed', c.rcaTickets.closed, p.rcaTickets.closed),
  ].join('\n');

  const approvals = [
    count('Account actions requested', c.actions.requested, p.actions.requested),
    withShare(
      'Needing approval',
      c.actions.needingApproval,
      c.actions.requested,
      p.actions.needingApproval,
      p.actions.requested,
    ),
    count('Approvals requested (one per stage)', c.approvals.requested, p.approvals.requested),
    part('Approved', c.approvals.approved, p.approvals.approved),
    part('Denied', c.approvals.denied, p.approvals.denied),
    part('Expired', c.approvals.expired, p.approvals.expired),
    part('Still waiting', c.approvals.pending, p.approvals.pending),
    duration('Average time to decision', c.approvals.averageDecisionMs, p.approvals.averageDecisionMs),
  ].join('\n');

  const reasons = paired(c.refunds.byReason, p.refunds.byReason, (r) => r.reason, noReason).map(
    ({ now, before }) =>
      `    ◦ ${refundReasonLabel(now.reason)}: ${now.count} for ${formatTotals(now.totals)}${moneyChange(now.count, now.totals, before.count, before.totals)}`,
  );
  const money = [
    `• Refunds: *${c.refunds.count}* for *${formatTotals(c.refunds.totals)}*${moneyChange(c.refunds.count, c.refunds.totals, p.refunds.count, p.refunds.totals)}`,
    ...reasons,
    `• Credits: *${c.credits.count}* for *${formatTotals(c.credits.totals)}*${moneyChange(c.credits.count, c.credits.totals, p.credits.count, p.credits.totals)}`,
    ...paymentFailureLines(c, p),
  ].join('\n');

  const weeks = model.trend
    .map((w) => `${w.label}: ${w.escalations} raised, ${w.duplicatesAvoided} duplicates avoided`)
    .join(' · ');

  const text = `Billing support report for ${month}: ${e.total} escalations, ${formatShare(share(e.resolvedWithoutEngineering, e.total))} resolved without engineering, ${e.duplicatesAvoided} duplicates avoided.`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: `Billing support report — ${month}` } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Changes are against ${before}. Months are UTC. ${model.definitionsUrl ? `<${model.definitionsUrl}|How each figure is counted>` : 'Definitions: docs/metrics.md'}.`,
        },
      ],
    },
    section(`*Escalations*\n${escalations}`),
    section(categoryTable(`*By category* — in brackets, the change since ${before}`, c, p)),
    section(`*Problems, incidents and RCA*\n${problems}`),
    section(`*Account actions and approvals*\n${approvals}`),
    section(actionsTable(`*By kind of action* — in brackets, the change since ${before}`, c, p)),
    section(`*Money*\n${money}`),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Weekly trend (chart in the thread): ${weeks || 'no weeks'}. The CSV in the thread lists every record behind these figures.`.slice(
            0,
            3000,
          ),
        },
      ],
    },
  ];
  return { text, blocks };
}
