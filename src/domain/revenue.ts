import { formatMoney, formatUnitAmount } from './money.js';

/**
 * Monthly recurring revenue from subscription items, in minor units: each item's charge for one billing period (see
 * {@link periodAmount}) brought to one month whatever its interval (a yearly price counts a twelfth, a weekly one
 * 52/12), less the subscription's lasting discounts (a one-off coupon is not recurring). Rounded once, at the end,
 * to the nearest minor unit.
 */
export type Interval = 'day' | 'week' | 'month' | 'year';

/** One tier of a tiered price: units up to `upTo` (null: every unit beyond the previous tier). */
export interface PriceTier {
  upTo: number | null;
  unitAmountMinor: number;
  flatAmountMinor: number;
}

/**
 * How a price charges when it is not a flat amount per unit (Stripe: `transform_quantity`, `billing_scheme: tiered`,
 * `usage_type: metered`):
 *   - package: `unitAmountMinor` buys `divideBy` units, and a part package is rounded up or down;
 *   - volume tiers: the tier the whole quantity falls in prices every unit;
 *   - graduated tiers: each tier prices the units that fall in it;
 *   - metered: what is billed depends on reported usage, so no recurring figure can be read from the price;
 *   - unread: a tiered price whose tiers Stripe did not give us (they are read on their own and that read failed).
 */
export type NonFlatPricing =
  | { scheme: 'package'; divideBy: number; round: 'up' | 'down' }
  | { scheme: 'tiered'; mode: 'volume' | 'graduated'; tiers: readonly PriceTier[] }
  | { scheme: 'metered' }
  | { scheme: 'unread' };

export interface RecurringItem {
  /** The amount per unit (per package for package pricing); may hold a fraction of a minor unit. 0 when tiered. */
  unitAmountMinor: number;
  quantity: number;
  /** Absent for a flat amount per unit. */
  pricing?: NonFlatPricing | undefined;
  interval: Interval;
  intervalCount: number;
  currency: string;
}

const MONTHS_PER: Record<Interval, number> = { day: 12 / 365, week: 12 / 52, month: 1, year: 12 };

/**
 * What one billing period of an item charges, before discounts, unrounded; undefined for a metered price, whose
 * charge depends on usage, and for a price whose tiers could not be read.
 */
export function periodAmount(
  item: Pick<RecurringItem, 'unitAmountMinor' | 'quantity' | 'pricing'>,
): number | undefined {
  const pricing = item.pricing;
  const quantity = Math.max(0, item.quantity);
  if (!pricing) return item.unitAmountMinor * quantity;
  switch (pricing.scheme) {
    case 'metered':
    case 'unread':
      return undefined;
    case 'package': {
      const packages = quantity / Math.max(1, pricing.divideBy);
      return item.unitAmountMinor * (pricing.round === 'up' ? Math.ceil(packages) : Math.floor(packages));
    }
    case 'tiered': {
      let total = 0;
      let below = 0;
      for (const tier of pricing.tiers) {
        const top = tier.upTo ?? Number.POSITIVE_INFINITY;
        if (pricing.mode === 'volume') {
          if (quantity <= top) return tier.unitAmountMinor * quantity + tier.flatAmountMinor;
          continue;
        }
        // A quantity of 0 still reaches the first tier: its flat amount is a base fee.
        if (below > 0 && quantity <= below) break;
        total += tier.unitAmountMinor * (Math.min(quantity, top) - below) + tier.flatAmountMinor;
        below = top;
      }
      return total;
    }
  }
}

/**
 * An item's charge brought to one month (0 when it has no figure). Stripe rounds each invoice line to a whole minor
 * unit (half up), so the period's charge is rounded as Stripe would bill it before it is spread over the months.
 */
export function monthlyAmount(item: RecurringItem): number {
  const periodMonths = MONTHS_PER[item.interval] * Math.max(1, item.intervalCount);
  return Math.round(periodAmount(item) ?? 0) / periodMonths;
}

/**
 * A discount that applies to every invoice of a subscription (Stripe: a coupon whose duration is `forever` or
 * `repeating`): a percentage off, or an amount off each invoice in one currency.
 */
export type RecurringDiscount =
  | { kind: 'percent'; percentOff: number }
  | { kind: 'amount'; amountOffMinor: number; currency: string };

/** How a discount reads on the billing card: "10% off", "$50.00 off each invoice". */
export function discountLabel(discount: RecurringDiscount): string {
  return discount.kind === 'percent'
    ? `${discount.percentOff}% off`
    : `${formatMoney(discount.amountOffMinor, discount.currency)} off each invoice`;
}

/**
 * MRR per currency (customers can in principle pay in more than one). Discounts apply in their order to what is
 * left; an amount off each invoice counts per month of the subscription's billing period, and never takes a
 * currency below zero.
 */
export function monthlyRecurringRevenue(
  items: readonly RecurringItem[],
  discounts: readonly RecurringDiscount[] = [],
): Map<string, number> {
  const totals = new Map<string, number>();
  for (const item of items) totals.set(item.currency, (totals.get(item.currency) ?? 0) + monthlyAmount(item));
  const periodMonths = new Map(
    items.map((item) => [item.currency, MONTHS_PER[item.interval] * Math.max(1, item.intervalCount)]),
  );
  for (const discount of discounts) {
    for (const [currency, amount] of totals) {
      if (discount.kind === 'percent')
        totals.set(currency, amount * (1 - Math.min(100, Math.max(0, discount.percentOff)) / 100));
      else if (discount.currency === currency)
        totals.set(
          currency,
          Math.max(0, amount - discount.amountOffMinor / (periodMonths.get(currency) ?? 1)),
        );
    }
  }
  return new Map([...totals].map(([currency, amount]) => [currency, Math.round(amount)]));
}

/** Annual recurring revenue from monthly figures: twelve months of each currency's MRR. */
export function annualRecurringRevenue(monthly: ReadonlyMap<string, number>): Map<string, number> {
  return new Map([...monthly].map(([currency, amount]) => [currency, amount * 12]));
}

/**
 * How an item's price reads, with its charge per billing period: "$480.00/month (10 × $48.00)", "$90.00/month (25
 * units, $10.00 per 10)", "$1,150.00/month (120 units, graduated tiers)", "usage-based ($0.50 per unit)".
 */
export function describePrice(item: RecurringItem): string {
  const per = item.intervalCount === 1 ? item.interval : `${item.intervalCount} ${item.interval}s`;
  const money = (amount: number) => formatMoney(Math.round(amount), item.currency);
  const unit = formatUnitAmount(item.unitAmountMinor, item.currency);
  const pricing = item.pricing;
  const amount = periodAmount(item);
  if (amount === undefined) {
    if (pricing?.scheme === 'unread') return 'amount not available (Stripe did not give its tiers)';
    if (pricing?.scheme === 'metered' && item.unitAmountMinor > 0) return `usage-based (${unit} per unit)`;
    return 'usage-based';
  }
  const charge = `${money(amount)}/${per}`;
  if (!pricing)
    return item.quantity <= 1 && Number.isInteger(item.unitAmountMinor)
      ? charge
      : `${charge} (${item.quantity} × ${unit})`;
  if (pricing.scheme === 'package')
    return `${charge} (${item.quantity} units, ${unit} per ${pricing.divideBy})`;
  if (pricing.scheme === 'tiered') return `${charge} (${item.quantity} units, ${pricing.mode} tiers)`;
  return charge;
}
