import type { Segment } from './customers.js';
import {
  type CurrencyBase,
  type MoneyAmount,
  noRateReason,
  perMonth,
  toBaseMinor,
  totalInBase,
} from './exchange-rates.js';

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
 *
 * Money references are minor units of one currency (`currency`). Revenue in another currency counts only once it is
 * converted at a configured rate (`exchangeRates`, see `exchange-rates.ts`); it is never compared or added raw. A
 * customer whose MRR cannot be converted counts for size by its seats alone, its revenue is left out of the impact
 * sum, and the explanation says so.
 */

export interface PriorityWeights {
  size: number;
  segment: number;
  age: number;
  impact: number;
}

export interface PrioritySettings extends CurrencyBase {
  weights: PriorityWeights;
  /** How much each segment counts (0..1); a customer without a known segment counts as `unknown`. */
  segmentValues: Record<Segment | 'unknown', number>;
  /** A customer this large (MRR in minor units of `currency`, seats) counts fully for size. */
  fullSize: { mrrMinor: number; seats: number };
  /** A customer with us this long counts fully for age. */
  fullAgeYears: number;
  /** This many affected customers, or this much summed MRR (minor units of `currency`), count fully for impact. */
  fullImpact: { customers: number; mrrMinor: number };
}

export const DEFAULT_PRIORITY_SETTINGS: PrioritySettings = {
  weights: { size: 30, segment: 25, age: 15, impact: 30 },
  segmentValues: { enterprise: 1, hybrid: 0.7, self_serve: 0.2, unknown: 0.2 },
  fullSize: { mrrMinor: 5_000_000, seats: 1000 },
  fullAgeYears: 5,
  fullImpact: { customers: 100, mrrMinor: 10_000_000 },
  currency: 'usd',
  exchangeRates: {},
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

/** A customer's MRR in minor units of the base currency; undefined when its currency has no configured rate. */
const baseMrr = (customer: AffectedCustomer, settings: PrioritySettings) =>
  customer.mrrMinor === 0 ? 0 : toBaseMinor(customer.mrrMinor, customer.currency, settings);

/** MRR (mostly) and seats; an MRR that cannot be converted counts as none, so the size is the seats' share alone. */
function sizeValue(customer: AffectedCustomer, settings: PrioritySettings): number {
  return (
    0.7 * logScale(baseMrr(customer, settings) ?? 0, settings.fullSize.mrrMinor) +
    0.3 * logScale(customer.seats, settings.fullSize.seats)
  );
}

const seatsText = (seats: number) => `${seats} seat${seats === 1 ? '' : 's'}`;

/** The size line: what of the largest customer was counted, and whose revenue could not be. */
function sizeText(
  largest: AffectedCustomer,
  customers: readonly AffectedCustomer[],
  settings: PrioritySettings,
): string {
  const mrr = { currency: largest.currency, amountMinor: largest.mrrMinor };
  const inBase = baseMrr(largest, settings);
  const facts =
    inBase === undefined
      ? `${seatsText(largest.seats)}; its ${perMonth(mrr)} not counted: ${noRateReason([largest.currency], settings)}`
      : inBase === 0 || largest.currency.toLowerCase() === settings.currency.toLowerCase()
        ? `${perMonth(mrr)}, ${seatsText(largest.seats)}`
        : `${perMonth(mrr)} ≈ ${perMonth({ currency: settings.currency, amountMinor: inBase })}, ${seatsText(largest.seats)}`;
  const others = customers.filter(
    (customer) => customer.id !== largest.id && baseMrr(customer, settings) === undefined,
  );
  const uncounted =
    others.length === 0
      ? ''
      : `; MRR of ${others.length} other customer${others.length === 1 ? '' : 's'} not counted: ${noRateReason(
          others.map((customer) => customer.currency),
          settings,
        )}`;
  return `Size: largest affected customer ${largest.name} (${facts})${uncounted}`;
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

/** Amounts of one currency added up, per currency, in the order they first appear. */
function sumPerCurrency(amounts: readonly MoneyAmount[]): MoneyAmount[] {
  const byCurrency = new Map<string, number>();
  for (const { currency, amountMinor } of amounts)
    byCurrency.set(currency, (byCurrency.get(currency) ?? 0) + amountMinor);
  return [...byCurrency].map(([currency, amountMinor]) => ({ currency, amountMinor }));
}

/**
 * Revenue in several currencies as people read it, and how much of it counts against a threshold in the base
 * currency: "$1,200.00/mo + ₩1,000,000/mo (≈ $1,907.00/mo in USD)" when every currency converts, and "… ($1,200.00/mo
 * counted; ₩1,000,000/mo not counted: no exchange rate from KRW to USD is configured)" when some do not. Amounts in
 * the base currency alone read as they always did: "$1,200.00/mo".
 */
export function revenueInBase(
  perCurrency: readonly MoneyAmount[],
  base: CurrencyBase,
): { countedMinor: number; text: string } {
  const parts = [...perCurrency];
  const total = totalInBase(parts, base);
  if (parts.length === 0) return { countedMinor: 0, text: 'no recurring revenue known' };
  const listed = parts.map(perMonth).join(' + ');
  const counted = perMonth({ currency: base.currency, amountMinor: total.countedMinor });
  if (total.unconverted.length > 0) {
    const left = total.unconverted.map(perMonth).join(' + ');
    const reason = noRateReason(
      total.unconverted.map((amount) => amount.currency),
      base,
    );
    const text =
      total.unconverted.length === parts.length
        ? `${listed} (not counted: ${reason})`
        : `${listed} (${counted} counted; ${left} not counted: ${reason})`;
    return { countedMinor: total.countedMinor, text };
  }
  if (total.converted)
    return {
      countedMinor: total.countedMinor,
      text: `${listed} (≈ ${counted} in ${base.currency.toUpperCase()})`,
    };
  return { countedMinor: total.countedMinor, text: listed };
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
  const sizeLine = largest ? sizeText(largest.item, customers, settings) : 'Size: no affected customer yet';

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

  const revenue = revenueInBase(
    sumPerCurrency(
      customers.map((customer) => ({ currency: customer.currency, amountMinor: customer.mrrMinor })),
    ),
    settings,
  );
  const impact =
    0.5 * logScale(customers.length, settings.fullImpact.customers) +
    0.5 * logScale(revenue.countedMinor, settings.fullImpact.mrrMinor);
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

/**
 * Whether a problem is large enough to tell marketing (settings `notifications.largeImpact`): this many customers, or
 * this much monthly revenue in the base currency. Revenue in a currency without a configured rate counts towards no
 * threshold (it is never compared raw), and the revenue text names it as not counted.
 */
export function largeImpact(
  impact: { customers: number; revenueAtRisk: readonly MoneyAmount[] },
  threshold: { customers: number; mrrMinor: number },
  base: CurrencyBase,
): { large: boolean; revenueText: string } {
  const revenue = revenueInBase(impact.revenueAtRisk, base);
  return {
    large: impact.customers >= threshold.customers || revenue.countedMinor >= threshold.mrrMinor,
    revenueText: impact.revenueAtRisk.length > 0 ? revenue.text : 'none',
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
