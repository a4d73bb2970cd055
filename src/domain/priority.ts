import type { Segment } from './customers.js';
import { formatMoney } from './money.js';

/**
 * How much a problem hurts, as one number from 0 to the sum of the weights, explained one line per factor.
 *
 * Escalation count alone ranks a cosmetic glitch that thirty small accounts noticed above a billing failure at one
 * large enterprise. The score instead looks at who is affected:
 * - size: the largest affected customer, by monthly recurring revenue (mostly) and seats;
 * - segment: the most demanding segment affected (enterprise over hybrid over self-serve);
 * - age: how long the longest-standing affected customer has been with us;
 * - impact: how many distinct customers are affected and how much monthly revenue they bring together.
 * Each factor is a value between 0 and 1 on a logarithmic scale (the step from $100 to $1,000 a month matters as
 * much as the one from $1,000 to $10,000), multiplied by its weight. Weights and references are configuration.
 */

export interface PriorityWeights {
  size: number;
  segment: number;
  age: number;
  impact: number;
}

export interface PrioritySettings {
  weights: PriorityWeights;
  /** How much each segment counts (0..1); a customer without a known segment counts as `unknown`. */
  segmentValues: Record<Segment | 'unknown', number>;
  /** A customer this large (MRR in minor units, seats) counts fully for size. */
  fullSize: { mrrMinor: number; seats: number };
  /** A customer with us this long counts fully for age. */
  fullAgeYears: number;
  /** This many affected customers, or this much summed MRR, count fully for impact. */
  fullImpact: { customers: number; mrrMinor: number };
}

export const DEFAULT_PRIORITY_SETTINGS: PrioritySettings = {
  weights: { size: 30, segment: 25, age: 15, impact: 30 },
  segmentValues: { enterprise: 1, hybrid: 0.7, self_serve: 0.2, unknown: 0.2 },
  fullSize: { mrrMinor: 5_000_000, seats: 1000 },
  fullAgeYears: 5,
  fullImpact: { customers: 100, mrrMinor: 10_000_000 },
};

/** One affected customer, as its escalations recorded it. */
export interface AffectedCustomer {
  id: string;
  name: string;
  mrrMinor: number;
  currency: string;
  seats: number;
  segment: Segment | undefined;
  /** When the customer was created in Stripe; unknown counts as new. */
  since: Date | undefined;
}

export interface PriorityScore {
  score: number;
  /** One line per factor, in the order size, segment, age, impact. */
  explanation: string[];
  factors: Record<keyof PriorityWeights, { value: number; points: number }>;
}

const SEGMENT_LABELS: Record<Segment | 'unknown', string> = {
  enterprise: 'enterprise',
  hybrid: 'hybrid',
  self_serve: 'self-serve',
  unknown: 'unknown segment',
};

const YEAR_MS = 365.25 * 24 * 3600 * 1000;

/** log(1 + x) / log(1 + full), capped at 1: 0 for nothing, 1 from `full` on. */
function logScale(x: number, full: number): number {
  if (x <= 0 || full <= 0) return 0;
  return Math.min(1, Math.log1p(x) / Math.log1p(full));
}

const round1 = (n: number) => Math.round(n * 10) / 10;

function sizeValue(customer: AffectedCustomer, settings: PrioritySettings): number {
  return (
    0.7 * logScale(customer.mrrMinor, settings.fullSize.mrrMinor) +
    0.3 * logScale(customer.seats, settings.fullSize.seats)
  );
}

function ageYears(customer: AffectedCustomer, now: Date): number {
  if (!customer.since) return 0;
  return Math.max(0, (now.getTime() - customer.since.getTime()) / YEAR_MS);
}

function maxBy<T>(items: readonly T[], value: (item: T) => number): { item: T; value: number } | undefined {
  let best: { item: T; value: number } | undefined;
  for (const item of items) {
    const v = value(item);
    if (!best || v > best.value) best = { item, value: v };
  }
  return best;
}

/** Sums MRR per currency (customers are counted once each) and writes it as text. */
function revenueText(customers: readonly AffectedCustomer[]): { totalMinor: number; text: string } {
  const byCurrency = new Map<string, number>();
  for (const customer of customers)
    byCurrency.set(customer.currency, (byCurrency.get(customer.currency) ?? 0) + customer.mrrMinor);
  const parts = [...byCurrency].map(([currency, amount]) => `${formatMoney(amount, currency)}/mo`);
  // Amounts in different currencies are added as they are: close enough for ranking, never shown summed.
  const totalMinor = [...byCurrency.values()].reduce((sum, amount) => sum + amount, 0);
  return { totalMinor, text: parts.length > 0 ? parts.join(' + ') : 'no recurring revenue known' };
}

export function priorityScore(
  affected: readonly AffectedCustomer[],
  now: Date,
  settings: PrioritySettings = DEFAULT_PRIORITY_SETTINGS,
): PriorityScore {
  // One entry per customer, however many escalations it raised.
  const customers = [...new Map(affected.map((customer) => [customer.id, customer])).values()];
  const { weights } = settings;
  const points = (weight: number, value: number) => weight * value;

  const largest = maxBy(customers, (customer) => sizeValue(customer, settings));
  const size = largest?.value ?? 0;
  const sizeLine = largest
    ? `Size: largest affected customer ${largest.item.name} (${formatMoney(largest.item.mrrMinor, largest.item.currency)}/mo, ${largest.item.seats} seat${largest.item.seats === 1 ? '' : 's'})`
    : 'Size: no affected customer yet';

  const segmentOf = (customer: AffectedCustomer) => customer.segment ?? 'unknown';
  const topSegment = maxBy(customers, (customer) => settings.segmentValues[segmentOf(customer)]);
  const segment = topSegment?.value ?? 0;
  const segmentLine = topSegment
    ? `Segment: ${SEGMENT_LABELS[segmentOf(topSegment.item)]} (${topSegment.item.name})`
    : 'Segment: no affected customer yet';

  const oldest = maxBy(customers, (customer) => ageYears(customer, now));
  const age = oldest ? Math.min(1, oldest.value / settings.fullAgeYears) : 0;
  const ageLine = oldest?.item.since
    ? `Age: longest-standing customer ${oldest.item.name}, with us ${round1(oldest.value)} years`
    : 'Age: customer age unknown';

  const revenue = revenueText(customers);
  const impact =
    0.5 * logScale(customers.length, settings.fullImpact.customers) +
    0.5 * logScale(revenue.totalMinor, settings.fullImpact.mrrMinor);
  const impactLine = `Impact: ${customers.length} customer${customers.length === 1 ? '' : 's'} affected, ${revenue.text} at risk`;

  const factors = {
    size: { value: size, points: points(weights.size, size) },
    segment: { value: segment, points: points(weights.segment, segment) },
    age: { value: age, points: points(weights.age, age) },
    impact: { value: impact, points: points(weights.impact, impact) },
  };
  const line = (text: string, factor: keyof PriorityWeights) =>
    `${text} → ${round1(factors[factor].points)} of ${weights[factor]}`;
  const total = Object.values(factors).reduce((sum, factor) => sum + factor.points, 0);
  return {
    score: Math.round(total),
    explanation: [
      line(sizeLine, 'size'),
      line(segmentLine, 'segment'),
      line(ageLine, 'age'),
      line(impactLine, 'impact'),
    ],
    factors,
  };
}

/** The segment a customer's own metadata names, else the one its plan (price or product id) maps to. */
export function customerSegment(
  named: Segment | undefined,
  planIds: readonly string[],
  planSegments: Readonly<Record<string, Segment>>,
): Segment | undefined {
  if (named) return named;
  for (const id of planIds) {
    const segment = planSegments[id];
    if (segment) return segment;
  }
  return undefined;
}
