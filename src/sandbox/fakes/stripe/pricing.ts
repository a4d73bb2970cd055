import { formatMoney } from './calendar.js';
import type { Price } from './types.js';

/**
 * What a price charges for a quantity, the way Stripe computes it for each billing scheme. Amounts are decimal
 * strings of minor units with at most 12 decimal places (`unit_amount_decimal`, `flat_amount_decimal`), so the
 * arithmetic is exact: a value is held as a whole number of 10⁻¹² minor units, and a line's amount is rounded to a
 * whole minor unit only at the end, as Stripe rounds each invoice line.
 */

export type PriceTier = NonNullable<Price['tiers']>[number];

/** Decimal places Stripe keeps in a decimal amount. */
export const DECIMAL_PLACES = 12;
const SCALE = 10n ** BigInt(DECIMAL_PLACES);

/** A non-negative decimal string ("0.5", "1200", "7.250") in 10⁻¹² units; undefined when it is not one. */
export function toScaled(text: string): bigint | undefined {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return undefined;
  const whole = match[1] ?? '0';
  const fraction = match[2] ?? '';
  if (fraction.length > DECIMAL_PLACES) return undefined;
  return BigInt(whole) * SCALE + BigInt(fraction.padEnd(DECIMAL_PLACES, '0'));
}

/** The shortest decimal string for a value in 10⁻¹² units: `500`, `0.5`, `12.125`. */
export function fromScaled(value: bigint): string {
  const sign = value < 0n ? '-' : '';
  const magnitude = value < 0n ? -value : value;
  const fraction = (magnitude % SCALE).toString().padStart(DECIMAL_PLACES, '0').replace(/0+$/, '');
  return `${sign}${magnitude / SCALE}${fraction ? `.${fraction}` : ''}`;
}

/** Rounds a value in 10⁻¹² units to whole minor units, half away from zero. */
export function roundScaled(value: bigint): number {
  const magnitude = value < 0n ? -value : value;
  const rounded = (magnitude + SCALE / 2n) / SCALE;
  return Number(value < 0n ? -rounded : rounded);
}

/** A value in 10⁻¹² units as a (possibly fractional) number of minor units, for prorations. */
export function scaledToNumber(value: bigint): number {
  // Whole minor units and the fraction apart, so a whole amount converts exactly however large it is.
  return Number(value / SCALE) + Number(value % SCALE) / Number(SCALE);
}

/**
 * An amount as Stripe writes it in a pair of fields: the integer (`unit_amount`) when the decimal is whole, else
 * null, and the normalized decimal string (`unit_amount_decimal`).
 */
export function amountPair(decimal: string | null | undefined): {
  whole: number | null;
  decimal: string | null;
} {
  if (decimal === null || decimal === undefined) return { whole: null, decimal: null };
  const scaled = toScaled(decimal);
  if (scaled === undefined) throw new Error(`Not a decimal amount: ${decimal}`);
  return { whole: scaled % SCALE === 0n ? Number(scaled / SCALE) : null, decimal: fromScaled(scaled) };
}

/** One tier as a price renders it when `tiers` is expanded. */
export function newTier(fields: {
  upTo: number | null;
  unitAmountDecimal?: string | null;
  flatAmountDecimal?: string | null;
}): PriceTier {
  const unit = amountPair(fields.unitAmountDecimal);
  const flat = amountPair(fields.flatAmountDecimal);
  return {
    flat_amount: flat.whole,
    flat_amount_decimal: flat.decimal,
    unit_amount: unit.whole,
    unit_amount_decimal: unit.decimal,
    up_to: fields.upTo,
  };
}

function scaledOf(whole: number | null | undefined, decimal: string | null | undefined): bigint {
  if (decimal !== null && decimal !== undefined) return toScaled(decimal) ?? 0n;
  return BigInt(whole ?? 0) * SCALE;
}

/** Whether the price bills reported usage rather than the item's quantity. */
export function isMetered(price: Price): boolean {
  return price.recurring?.usage_type === 'metered';
}

/**
 * The exact charge (10⁻¹² minor units) of `quantity` units of `price`:
 *   - per_unit: the unit amount times the quantity; with `transform_quantity`, times the quantity divided by
 *     `divide_by` and rounded up or down (package pricing);
 *   - tiered, volume: the tier the whole quantity falls in prices every unit, plus that tier's flat amount;
 *   - tiered, graduated: each tier prices the units that fall in it, plus the flat amount of every tier reached.
 * A quantity of 0 falls in the first tier, so its flat amount is charged (Stripe's "base fee" tier).
 */
export function exactCharge(price: Price, quantity: number): bigint {
  const units = BigInt(Math.max(0, Math.trunc(quantity)));
  if (price.billing_scheme === 'tiered') {
    const tiers = price.tiers ?? [];
    if (price.tiers_mode === 'volume') {
      const tier = tiers.find((entry) => entry.up_to === null || units <= BigInt(entry.up_to));
      if (!tier) return 0n;
      return (
        scaledOf(tier.unit_amount, tier.unit_amount_decimal) * units +
        scaledOf(tier.flat_amount, tier.flat_amount_decimal)
      );
    }
    let total = 0n;
    let below = 0n;
    for (const [index, tier] of tiers.entries()) {
      if (index > 0 && units <= below) break;
      const top = tier.up_to === null ? units : BigInt(tier.up_to);
      const inTier = (units < top ? units : top) - below;
      total +=
        scaledOf(tier.unit_amount, tier.unit_amount_decimal) * (inTier > 0n ? inTier : 0n) +
        scaledOf(tier.flat_amount, tier.flat_amount_decimal);
      if (tier.up_to === null) break;
      below = top;
    }
    return total;
  }
  const unit = scaledOf(price.unit_amount, price.unit_amount_decimal);
  const transform = price.transform_quantity;
  if (!transform) return unit * units;
  const divideBy = BigInt(Math.max(1, transform.divide_by));
  const packages = transform.round === 'up' ? (units + divideBy - 1n) / divideBy : units / divideBy;
  return unit * packages;
}

/** The charge of `quantity` units, rounded to whole minor units as on an invoice line. */
export function chargeFor(price: Price, quantity: number): number {
  return roundScaled(exactCharge(price, quantity));
}

/** A decimal amount of minor units as money: `$48.00`, and for a fraction of a cent as many places as it needs: `$0.005`. */
export function formatDecimalMoney(decimal: string, currency: string): string {
  const scaled = toScaled(decimal) ?? 0n;
  if (scaled % SCALE === 0n) return formatMoney(Number(scaled / SCALE), currency);
  const places = DECIMAL_PLACES + 2;
  const digits = scaled.toString().padStart(places + 1, '0');
  const whole = BigInt(digits.slice(0, -places)).toLocaleString('en-US');
  const fraction = digits.slice(-places).replace(/0+$/, '').padEnd(2, '0');
  return formatMoney(0, currency).replace('0.00', `${whole}.${fraction}`);
}

/** How a line describes the rate it charges at: `at $48.00`, `at $5.00 per 10 units`, `Tier 2 at $6.50`. */
export function describeRate(price: Price, quantity: number): string {
  const currency = price.currency;
  const money = (whole: number | null, decimal: string | null) =>
    decimal !== null ? formatDecimalMoney(decimal, currency) : formatMoney(whole ?? 0, currency);
  if (price.billing_scheme === 'tiered') {
    const tiers = price.tiers ?? [];
    if (price.tiers_mode !== 'volume') return 'graduated tiers';
    const index = tiers.findIndex((entry) => entry.up_to === null || quantity <= entry.up_to);
    const tier = tiers[index];
    if (!tier) return 'volume tiers';
    const flat =
      tier.flat_amount_decimal !== null ? ` + ${money(tier.flat_amount, tier.flat_amount_decimal)}` : '';
    return `Tier ${index + 1} at ${money(tier.unit_amount, tier.unit_amount_decimal)}${flat}`;
  }
  const rate = `at ${money(price.unit_amount, price.unit_amount_decimal)}`;
  return price.transform_quantity ? `${rate} per ${price.transform_quantity.divide_by} units` : rate;
}
