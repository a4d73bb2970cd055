import type { KnownBlock } from '@slack/types';
import { CATEGORY_LABELS, type Category } from '../domain/escalation.js';
import {
  type CategoryFigures,
  formatChange,
  formatDuration,
  formatShare,
  type MoneyTotals,
  monthLabel,
  type PeriodFigures,
  type ReportPeriod,
  share,
  type WeeklyTrendPoint,
} from '../domain/metrics.js';
import { formatMoney } from '../domain/money.js';

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

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function vs(text: string): string {
  return text ? ` _(${text})_` : '';
}

function count(label: string, current: number, previous: number): string {
  return `• ${label}: *${current}*${vs(formatChange(current, previous, 'count'))}`;
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

/** Change per currency ("+$12.00, −€5.00"); a currency only one month has counts from zero. */
export function formatTotalsChange(current: MoneyTotals, previous: MoneyTotals): string {
  const currencies = [...new Set([...Object.keys(current), ...Object.keys(previous)])].sort();
  const parts = currencies.flatMap((currency) => {
    const delta = (current[currency] ?? 0) - (previous[currency] ?? 0);
    if (delta === 0) return [];
    return [`${delta > 0 ? '+' : '−'}${formatMoney(Math.abs(delta), currency)}`];
  });
  return parts.length > 0 ? parts.join(', ') : 'no change';
}

function pad(text: string, width: number): string {
  return text.length >= width ? text.slice(0, width) : text + ' '.repeat(width - text.length);
}
function padLeft(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}

function categoryTable(categories: CategoryFigures[]): string {
  if (categories.length === 0) return '_No escalations this month._';
  const head = `${pad('Category', 22)}${padLeft('Raised', 7)}${padLeft('No eng.', 9)}${padLeft('Dupes', 7)}${padLeft('Avg resolution', 16)}`;
  const lines = categories.map(
    (c) =>
      `${pad(categoryLabel(c.category), 22)}${padLeft(String(c.escalations), 7)}${padLeft(formatShare(share(c.resolvedWithoutEngineering, c.escalations)), 9)}${padLeft(String(c.duplicatesAvoided), 7)}${padLeft(formatDuration(c.averageResolutionMs), 16)}`,
  );
  return `\`\`\`${[head, ...lines].join('\n')}\`\`\``;
}

function actionsTable(figures: PeriodFigures): string {
  if (figures.actions.byKind.length === 0) return '_No account actions requested this month._';
  const head = `${pad('Action', 24)}${padLeft('Count', 7)}${padLeft('Success', 9)}${padLeft('Avg time', 12)}`;
  const lines = figures.actions.byKind.map(
    (k) =>
      `${pad(actionLabel(k.kind), 24)}${padLeft(String(k.requested), 7)}${padLeft(formatShare(share(k.succeeded, k.succeeded + k.failed)), 9)}${padLeft(formatDuration(k.averageMs), 12)}`,
  );
  return `\`\`\`${[head, ...lines].join('\n')}\`\`\``;
}

const section = (text: string): KnownBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: text.slice(0, 3000) },
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
    `• Problems confirmed: *${c.problems.total}* — ${plural(c.problems.bug, 'bug')}, ${plural(c.problems.incident, 'incident')}, ${c.problems.unclassified} not classified yet${vs(formatChange(c.problems.total, p.problems.total, 'count'))}`,
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
    `• Approvals requested: *${c.approvals.requested}* — ${c.approvals.approved} approved, ${c.approvals.denied} denied, ${c.approvals.expired} expired, ${c.approvals.pending} still waiting${vs(formatChange(c.approvals.requested, p.approvals.requested, 'count'))}`,
    duration('Average time to decision', c.approvals.averageDecisionMs, p.approvals.averageDecisionMs),
  ].join('\n');

  const reasons = c.refunds.byReason
    .map((r) => `    ◦ ${actionLabel(r.reason)}: ${r.count} (${formatTotals(r.totals)})`)
    .join('\n');
  const money = [
    `• Refunds: *${c.refunds.count}* for *${formatTotals(c.refunds.totals)}*${vs(`${formatChange(c.refunds.count, p.refunds.count, 'count')}; ${formatTotalsChange(c.refunds.totals, p.refunds.totals)}`)}`,
    ...(reasons ? [reasons] : []),
    `• Credits: *${c.credits.count}* for *${formatTotals(c.credits.totals)}*${vs(`${formatChange(c.credits.count, p.credits.count, 'count')}; ${formatTotalsChange(c.credits.totals, p.credits.totals)}`)}`,
    c.paymentFailures
      ? `• Payment failures: *${c.paymentFailures.failures}*, recovered ${formatShare(share(c.paymentFailures.recovered, c.paymentFailures.failures))}`
      : '• Payment failures and recovery rate: _no data_ — no Stripe webhook events have been received (see the README).',
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
    section(`*By category*\n${categoryTable(c.categories)}`),
    section(`*Problems, incidents and RCA*\n${problems}`),
    section(`*Account actions and approvals*\n${approvals}`),
    section(actionsTable(c)),
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
