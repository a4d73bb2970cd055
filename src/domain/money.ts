/** Money is integer minor units with a currency code; these turn it into text for people. */

const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** How many minor units make one major unit in this currency (cents per dollar, 1 for yen). */
export function minorUnitsPerMajor(currency: string): number {
  const code = currency.toLowerCase();
  if (ZERO_DECIMAL.has(code)) return 1;
  if (THREE_DECIMAL.has(code)) return 1000;
  return 100;
}

/** Digits after the decimal point of the major unit: 2 for dollars, 0 for yen, 3 for dinars. */
export function fractionDigits(currency: string): number {
  const per = minorUnitsPerMajor(currency);
  return per === 1 ? 0 : per === 1000 ? 3 : 2;
}

/** One formatter per currency: making an `Intl.NumberFormat` costs about a hundred times what using one does. */
const formatters = new Map<string, Intl.NumberFormat>();

export function formatMoney(amountMinor: number, currency: string): string {
  const code = currency.toUpperCase();
  const per = minorUnitsPerMajor(currency);
  let formatter = formatters.get(code);
  if (!formatter) {
    const digits = fractionDigits(currency);
    formatter = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: code,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    formatters.set(code, formatter);
  }
  return formatter.format(amountMinor / per);
}

/**
 * A price's unit amount, which (a decimal price) may hold a fraction of a minor unit: "$0.005" for half a cent. Whole
 * minor units read as {@link formatMoney} has them.
 */
export function formatUnitAmount(amountMinor: number, currency: string): string {
  if (Number.isInteger(amountMinor)) return formatMoney(amountMinor, currency);
  const digits = fractionDigits(currency);
  return new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency: currency.toUpperCase(),
    minimumFractionDigits: digits,
    // Stripe keeps 12 decimal places of a minor unit.
    maximumFractionDigits: digits + 12,
  }).format(amountMinor / minorUnitsPerMajor(currency));
}

/** Amounts in several currencies as one line ("$1,200.00 + €80.00"); `empty` when there is nothing. */
export function formatMoneyTotals(
  totals: ReadonlyMap<string, number>,
  empty = formatMoney(0, 'usd'),
): string {
  const parts = [...totals].filter(([, amount]) => amount !== 0);
  if (parts.length === 0) return empty;
  return parts.map(([currency, amount]) => formatMoney(amount, currency)).join(' + ');
}
