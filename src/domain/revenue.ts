/**
 * Monthly recurring revenue from subscription items, in integer minor units: each item's price times its quantity,
 * brought to one month whatever its interval (a yearly price counts a twelfth, a weekly one 52/12), less any
 * percentage discount. Rounded once, at the end, to the nearest minor unit.
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

/** MRR per currency (customers can in principle pay in more than one). */
export function monthlyRecurringRevenue(
  items: readonly RecurringItem[],
  percentOff = 0,
): Map<string, number> {
  const totals = new Map<string, number>();
  for (const item of items) totals.set(item.currency, (totals.get(item.currency) ?? 0) + monthlyAmount(item));
  const factor = 1 - Math.min(100, Math.max(0, percentOff)) / 100;
  return new Map([...totals].map(([currency, amount]) => [currency, Math.round(amount * factor)]));
}

/** Annual recurring revenue from monthly figures: twelve months of each currency's MRR. */
export function annualRecurringRevenue(monthly: ReadonlyMap<string, number>): Map<string, number> {
  return new Map([...monthly].map(([currency, amount]) => [currency, amount * 12]));
}
