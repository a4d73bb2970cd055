import { formatMoney } from './money.js';

/**
 * Monthly recurring revenue from subscription items, in integer minor units: each item's price times its quantity,
 * brought to one month whatever its interval (a yearly price counts a twelfth, a weekly one 52/12), less the
 * subscription's lasting discounts (a one-off coupon is not recurring). Rounded once, at the end, to the nearest
 * minor unit.
 */
export type Interval = 'day' | 'week' | 'month' | 'year';

export interface RecurringItem {
  unitAmountMinor: number;
  quantity: number;
  interval: Interval;
  intervalCount: number;
  currency: string;
}

const MONTHS_PER: Record<Interval, number> = { day: 12 / 365, week: 12 / 52, month: 1, year: 12 };

export function monthlyAmount(item: RecurringItem): number {
  const periodMonths = MONTHS_PER[item.interval] * Math.max(1, item.intervalCount);
  return (item.unitAmountMinor * item.quantity) / periodMonths;
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
