/** Billing-period arithmetic in unix seconds, in UTC, the way Stripe anchors periods to a day of the month. */

/** `day`, `week`, `month` or `year`; anything else counts as a month. */
export type Interval = string;

export const DAY = 86_400;

/** The start of the `n`-th period after `anchor` (n may be negative); months clamp to the month's last day. */
export function periodBoundary(anchor: number, interval: Interval, intervalCount: number, n: number): number {
  if (interval === 'day') return anchor + n * intervalCount * DAY;
  if (interval === 'week') return anchor + n * intervalCount * 7 * DAY;
  const months = (interval === 'year' ? 12 : 1) * intervalCount * n;
  const date = new Date(anchor * 1000);
  const day = date.getUTCDate();
  const target = new Date(
    Date.UTC(
      date.getUTCFullYear(),
      date.getUTCMonth() + months,
      1,
      date.getUTCHours(),
      date.getUTCMinutes(),
      date.getUTCSeconds(),
    ),
  );
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return Math.floor(target.getTime() / 1000);
}

export function addInterval(from: number, interval: Interval, intervalCount = 1): number {
  return periodBoundary(from, interval, intervalCount, 1);
}

/** The period of `anchor`'s cycle that contains `at`. */
export function periodContaining(
  anchor: number,
  interval: Interval,
  intervalCount: number,
  at: number,
): { start: number; end: number } {
  let n = 0;
  if (at >= anchor) {
    while (periodBoundary(anchor, interval, intervalCount, n + 1) <= at) n += 1;
  } else {
    while (periodBoundary(anchor, interval, intervalCount, n) > at) n -= 1;
  }
  return {
    start: periodBoundary(anchor, interval, intervalCount, n),
    end: periodBoundary(anchor, interval, intervalCount, n + 1),
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12 Jan 2026`, as Stripe writes dates in proration line descriptions. */
export function formatDay(seconds: number): string {
  const date = new Date(seconds * 1000);
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

const SYMBOLS: Record<string, string> = { usd: '$', eur: '€', gbp: '£', cad: 'CA$', aud: 'A$' };

/** `$2,400.00` from 240000 minor units. */
export function formatMoney(amount: number, currency: string): string {
  const sign = amount < 0 ? '-' : '';
  const major = (Math.abs(amount) / 100).toLocaleString('en-US', {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  const symbol = SYMBOLS[currency.toLowerCase()];
  return symbol ? `${sign}${symbol}${major}` : `${sign}${major} ${currency.toUpperCase()}`;
}
