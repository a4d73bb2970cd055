import { formatMoney, minorUnitsPerMajor } from './money.js';

/**
 * Money in several currencies, measured against thresholds that are written in one (the base currency).
 *
 * Amounts in different currencies are never compared or added as they are: ₩1,000,000 is about $700, not $10,000.
 * An amount in another currency is converted only at a rate someone configured. A rate says what one major unit of
 * that currency is worth in major units of the base currency, the way exchange rates are quoted (`eur: "1.08"` with
 * base `usd`: €1 = $1.08). It is kept as decimal text and applied in integer arithmetic, with each currency's own
 * minor units (cents, yen, fils), so a converted amount is a whole number of the base currency's minor units, rounded
 * half away from zero. Without a rate an amount is not converted; callers decide what that means and say so.
 */

export interface CurrencyBase {
  /** The currency of money thresholds (lower-case ISO code); thresholds are minor units of it. */
  currency: string;
  /** Currency code → value of one major unit in major units of `currency`, as decimal text ("1.08", "0.00071"). */
  exchangeRates: Readonly<Record<string, string>>;
}

const DECIMAL = /^(\d+)(?:\.(\d*))?(?:e([+-]?\d+))?$/i;
/** More decimal places than any published rate needs; keeps the integer arithmetic small. */
const MAX_RATE_DECIMALS = 18;

/** A non-negative decimal as an exact fraction `digits / 10^scale`; undefined when the text is not one. */
function parseDecimal(text: string): { digits: bigint; scale: number } | undefined {
  const match = DECIMAL.exec(text.trim());
  if (!match) return undefined;
  const whole = match[1] ?? '0';
  const fraction = match[2] ?? '';
  const exponent = Number(match[3] ?? 0);
  let digits = BigInt(`${whole}${fraction}`);
  let scale = fraction.length - exponent;
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  // Trailing zeros after the point say nothing: "1.50" is "1.5".
  while (scale > 0 && digits % 10n === 0n) {
    digits /= 10n;
    scale -= 1;
  }
  return { digits, scale };
}

/**
 * A configured rate (a YAML number or decimal text) as plain decimal text without an exponent ("7e-7" →
 * "0.0000007"); undefined when it is not a positive decimal of at most 18 decimal places.
 */
export function normalizeRate(value: number | string): string | undefined {
  if (typeof value === 'number' && !Number.isFinite(value)) return undefined;
  // String(number) is the shortest text that reads back as the same number: what the settings file said.
  const parsed = parseDecimal(String(value));
  if (!parsed || parsed.digits === 0n || parsed.scale > MAX_RATE_DECIMALS) return undefined;
  const text = parsed.digits.toString().padStart(parsed.scale + 1, '0');
  if (parsed.scale === 0) return text;
  return `${text.slice(0, text.length - parsed.scale)}.${text.slice(text.length - parsed.scale)}`;
}

/** `numerator / denominator` rounded half away from zero (denominator positive). */
function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const sign = numerator < 0n ? -1n : 1n;
  const magnitude = numerator * sign;
  return sign * ((magnitude * 2n + denominator) / (denominator * 2n));
}

const sameCurrency = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * An amount (integer minor units of `currency`) in minor units of the base currency: unchanged in the base currency,
 * converted at the configured rate otherwise, undefined when no rate is configured for `currency`.
 */
export function toBaseMinor(amountMinor: number, currency: string, base: CurrencyBase): number | undefined {
  if (sameCurrency(currency, base.currency)) return amountMinor;
  const rate = base.exchangeRates[currency.toLowerCase()];
  const parsed = rate === undefined ? undefined : parseDecimal(rate);
  if (!parsed) return undefined;
  // amount / perMajor(from) major units × rate = that many major units of the base × perMajor(base) minor units.
  const numerator =
    BigInt(Math.round(amountMinor)) * parsed.digits * BigInt(minorUnitsPerMajor(base.currency));
  const denominator = 10n ** BigInt(parsed.scale) * BigInt(minorUnitsPerMajor(currency));
  return Number(divideRounded(numerator, denominator));
}

export interface MoneyAmount {
  currency: string;
  amountMinor: number;
}

/** Amounts in several currencies, measured in the base currency as far as configured rates allow. */
export interface BaseTotal {
  /** The sum, in base minor units, of the amounts in the base currency and of those converted. */
  countedMinor: number;
  /** Whether any counted amount was converted from another currency. */
  converted: boolean;
  /** Amounts (per currency) that have no configured rate and are in no sum. */
  unconverted: MoneyAmount[];
}

export function totalInBase(amounts: readonly MoneyAmount[], base: CurrencyBase): BaseTotal {
  let countedMinor = 0;
  let converted = false;
  const unconverted = new Map<string, number>();
  for (const { currency, amountMinor } of amounts) {
    // Nothing is nothing in any currency: it needs no rate.
    if (amountMinor === 0) continue;
    const inBase = toBaseMinor(amountMinor, currency, base);
    if (inBase === undefined) {
      const code = currency.toLowerCase();
      unconverted.set(code, (unconverted.get(code) ?? 0) + amountMinor);
      continue;
    }
    countedMinor += inBase;
    if (!sameCurrency(currency, base.currency)) converted = true;
  }
  return {
    countedMinor,
    converted,
    unconverted: [...unconverted].map(([currency, amountMinor]) => ({ currency, amountMinor })),
  };
}

/** "no exchange rate from KRW to USD is configured" (or "from KRW or JPY"): why amounts were not counted. */
export function noRateReason(currencies: readonly string[], base: CurrencyBase): string {
  const codes = [...new Set(currencies.map((code) => code.toUpperCase()))];
  const from = codes.length > 1 ? `${codes.slice(0, -1).join(', ')} or ${codes.at(-1)}` : (codes[0] ?? '');
  return `no exchange rate from ${from} to ${base.currency.toUpperCase()} is configured`;
}

/** A monthly amount as people read it: "$1,200.00/mo". */
export const perMonth = (amount: MoneyAmount) => `${formatMoney(amount.amountMinor, amount.currency)}/mo`;
