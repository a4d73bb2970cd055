import { describe, expect, it } from 'vitest';
import { settingsSchema } from '../../src/config/settings.js';
import { normalizeRate, toBaseMinor, totalInBase } from '../../src/domain/exchange-rates.js';
import {
  type AffectedCustomer,
  customerSegment,
  DEFAULT_PRIORITY_SETTINGS,
  largeImpact,
  priorityScore,
} from '../../src/domain/priority.js';

const NOW = new Date('2026-11-01T00:00:00Z');
const yearsAgo = (years: number) => new Date(NOW.getTime() - years * 365.25 * 24 * 3600 * 1000);

const customer = (overrides: Partial<AffectedCustomer> = {}): AffectedCustomer => ({
  id: 'cus_base',
  name: 'Base Co',
  mrrMinor: 10_000,
  currency: 'usd',
  seats: 5,
  segment: 'self_serve',
  since: yearsAgo(1),
  ...overrides,
});

const score = (customers: AffectedCustomer[], settings = DEFAULT_PRIORITY_SETTINGS) =>
  priorityScore(customers, NOW, settings);

/** 30 small self-serve customers, one escalation each (a cosmetic glitch many noticed). */
const cosmeticThirty = Array.from({ length: 30 }, (_, index) =>
  customer({
    id: `cus_small${index}`,
    name: `Small ${index}`,
    mrrMinor: 2_900,
    seats: 1,
    since: yearsAgo(0.5),
  }),
);
/** One enterprise customer who escalated twice (the same customer counts once). */
const enterpriseTwo = [
  customer({
    id: 'cus_DemoHalcyonFreight',
    name: 'Halcyon Freight',
    mrrMinor: 240_000,
    seats: 50,
    segment: 'enterprise',
    since: yearsAgo(3),
  }),
  customer({
    id: 'cus_DemoHalcyonFreight',
    name: 'Halcyon Freight',
    mrrMinor: 240_000,
    seats: 50,
    segment: 'enterprise',
    since: yearsAgo(3),
  }),
];

describe('priority score', () => {
  it('rises with customer size: MRR and seats', () => {
    const base = score([customer()]).score;
    expect(score([customer({ mrrMinor: 500_000 })]).score).toBeGreaterThan(base);
    expect(score([customer({ seats: 400 })]).score).toBeGreaterThan(base);
  });

  it('rises with segment: self-serve < hybrid < enterprise', () => {
    const selfServe = score([customer({ segment: 'self_serve' })]).score;
    const hybrid = score([customer({ segment: 'hybrid' })]).score;
    const enterprise = score([customer({ segment: 'enterprise' })]).score;
    expect(hybrid).toBeGreaterThan(selfServe);
    expect(enterprise).toBeGreaterThan(hybrid);
  });

  it('rises with customer age', () => {
    expect(score([customer({ since: yearsAgo(4) })]).score).toBeGreaterThan(score([customer()]).score);
  });

  it('rises with total impact: more customers and more revenue at risk', () => {
    const one = score([customer()]).score;
    const three = score([customer(), customer({ id: 'cus_b' }), customer({ id: 'cus_c' })]).score;
    expect(three).toBeGreaterThan(one);
  });

  it("ranks an enterprise customer's problem with 2 escalations above a self-serve cosmetic problem with 30", () => {
    expect(score(enterpriseTwo).score).toBeGreaterThan(score(cosmeticThirty).score);
  });

  it('follows the configured weights: with only impact weighed, the 30-customer problem comes first', () => {
    const impactOnly = {
      ...DEFAULT_PRIORITY_SETTINGS,
      weights: { size: 0, segment: 0, age: 0, impact: 100 },
    };
    expect(score(cosmeticThirty, impactOnly).score).toBeGreaterThan(score(enterpriseTwo, impactOnly).score);
  });

  it('explains itself in one line per factor, naming the customer and the points', () => {
    const result = score(enterpriseTwo);
    expect(result.explanation).toHaveLength(4);
    expect(result.explanation[0]).toMatch(/^Size: .*Halcyon Freight.*\$2,400\.00\/mo, 50 seats.* of 30$/);
    expect(result.explanation[1]).toMatch(/^Segment: enterprise/);
    expect(result.explanation[2]).toMatch(/^Age: .*3 years/);
    expect(result.explanation[3]).toMatch(/^Impact: 1 customer affected, \$2,400\.00\/mo at risk/);
    const sum = Object.values(result.factors).reduce((total, factor) => total + factor.points, 0);
    expect(result.score).toBe(Math.round(sum));
  });

  it('scores nothing when nobody is affected yet', () => {
    expect(score([]).score).toBe(0);
  });

  it("takes the segment from the customer's metadata, else from its plan by configuration", () => {
    const plans = { price_enterprise_annual: 'enterprise', prod_team: 'hybrid' } as const;
    expect(customerSegment('self_serve', ['price_enterprise_annual'], plans)).toBe('self_serve');
    expect(customerSegment(undefined, ['price_other', 'prod_team'], plans)).toBe('hybrid');
    expect(customerSegment(undefined, ['price_other'], plans)).toBeUndefined();
  });
});

describe('priority score across currencies', () => {
  // The reviewer's case: ₩1,000,000/mo is about $710, not $10,000.
  const won = customer({ id: 'cus_won', name: 'Seoul Co', mrrMinor: 1_000_000, currency: 'krw', seats: 10 });
  const dollars10k = customer({
    id: 'cus_usd10k',
    name: 'Big Co',
    mrrMinor: 1_000_000,
    currency: 'usd',
    seats: 10,
  });
  const dollars900 = customer({
    id: 'cus_usd900',
    name: 'Small Co',
    mrrMinor: 90_000,
    currency: 'usd',
    seats: 10,
  });
  const withRates = {
    ...DEFAULT_PRIORITY_SETTINGS,
    exchangeRates: { krw: '0.00071', jpy: '0.0065', kwd: '3.25' },
  };

  it('with a configured rate, ranks ₩1,000,000/mo as about $710/mo: below $10,000/mo, near $900/mo', () => {
    const wonScore = score([won], withRates);
    expect(wonScore.score).toBeLessThan(score([dollars10k], withRates).score);
    expect(wonScore.factors.size.value).toBeCloseTo(
      score([customer({ ...won, currency: 'usd', mrrMinor: 71_000 })]).factors.size.value,
      10,
    );
    expect(wonScore.factors.size.value).toBeLessThan(score([dollars900], withRates).factors.size.value);
    expect(wonScore.explanation[0]).toContain('₩1,000,000/mo ≈ $710.00/mo, 10 seats');
    expect(wonScore.explanation[3]).toContain('₩1,000,000/mo (≈ $710.00/mo in USD) at risk');
  });

  it('without a rate, never counts won as dollars: size from seats only, revenue left out, and says so', () => {
    const wonScore = score([won]);
    expect(wonScore.score).toBeLessThan(score([dollars10k]).score);
    expect(wonScore.score).toBeLessThan(score([dollars900]).score);
    const seatsOnly = score([customer({ ...won, currency: 'usd', mrrMinor: 0 })]);
    expect(wonScore.factors.size.value).toBeCloseTo(seatsOnly.factors.size.value, 10);
    expect(wonScore.factors.impact.value).toBeCloseTo(seatsOnly.factors.impact.value, 10);
    expect(wonScore.explanation[0]).toContain(
      '10 seats; its ₩1,000,000/mo not counted: no exchange rate from KRW to USD is configured',
    );
    expect(wonScore.explanation[3]).toContain(
      '₩1,000,000/mo (not counted: no exchange rate from KRW to USD is configured) at risk',
    );
  });

  it('never adds currencies raw for impact: counts dollars, converts won only at a rate, names what it left out', () => {
    const dollars5k = customer({ id: 'cus_usd5k', name: 'Mid Co', mrrMinor: 500_000, currency: 'usd' });
    const mixed = score([won, dollars5k]);
    const dollarsAndSeats = score([customer({ ...won, currency: 'usd', mrrMinor: 0 }), dollars5k]);
    expect(mixed.factors.impact.value).toBeCloseTo(dollarsAndSeats.factors.impact.value, 10);
    expect(mixed.explanation[0]).toMatch(
      /Mid Co \(\$5,000\.00\/mo, 5 seats\); MRR of 1 other customer not counted: no exchange rate from KRW to USD/,
    );
    expect(mixed.explanation[3]).toContain(
      '₩1,000,000/mo + $5,000.00/mo ($5,000.00/mo counted; ₩1,000,000/mo not counted: no exchange rate from KRW to USD is configured) at risk',
    );
    const converted = score([won, dollars5k], withRates);
    const inDollars = score([customer({ ...won, currency: 'usd', mrrMinor: 71_000 }), dollars5k]);
    expect(converted.factors.impact.value).toBeCloseTo(inDollars.factors.impact.value, 10);
    expect(converted.explanation[3]).toContain(
      '₩1,000,000/mo + $5,000.00/mo (≈ $5,710.00/mo in USD) at risk',
    );
  });

  it('measures against a base currency other than dollars, and leaves dollars out without a rate', () => {
    const inEuros = { ...DEFAULT_PRIORITY_SETTINGS, currency: 'eur', exchangeRates: {} };
    const euros = customer({ id: 'cus_eur', name: 'Euro Co', mrrMinor: 500_000, currency: 'eur' });
    expect(score([euros], inEuros).explanation[0]).toContain('€5,000.00/mo, 5 seats');
    expect(score([dollars10k], inEuros).explanation[0]).toContain('no exchange rate from USD to EUR');
  });

  it('keeps the wording of single-currency data as it was', () => {
    const result = score([customer({ mrrMinor: 0 })]);
    expect(result.explanation[0]).toMatch(
      /^Size: largest affected customer Base Co \(\$0\.00\/mo, 5 seats\) → /,
    );
    expect(result.explanation[3]).toMatch(/^Impact: 1 customer affected, \$0\.00\/mo at risk → /);
  });
});

describe('exchange rates', () => {
  const base = (currency: string, exchangeRates: Record<string, string> = {}) => ({
    currency,
    exchangeRates,
  });

  it('converts minor units of zero- and three-decimal currencies exactly, rounding half away from zero', () => {
    // ¥100,000 at $0.0065 = $650.00
    expect(toBaseMinor(100_000, 'jpy', base('usd', { jpy: '0.0065' }))).toBe(65_000);
    // KWD 1.000 (1,000 fils) at $3.25 = $3.25
    expect(toBaseMinor(1_000, 'kwd', base('usd', { kwd: '3.25' }))).toBe(325);
    // $10.00 at ¥150 = ¥1,500; into a three-decimal base: $1.00 at 0.307 KWD = 307 fils
    expect(toBaseMinor(1_000, 'usd', base('jpy', { usd: '150' }))).toBe(1_500);
    expect(toBaseMinor(100, 'usd', base('kwd', { usd: '0.307' }))).toBe(307);
    // ₩15 at $0.0001 = 0.15 cents → 0; ₩50 → 0.5 cents → 1 (half away from zero)
    expect(toBaseMinor(15, 'krw', base('usd', { krw: '0.0001' }))).toBe(0);
    expect(toBaseMinor(50, 'krw', base('usd', { krw: '0.0001' }))).toBe(1);
    // Decimal, not floating point: 0.1 + 0.2 worth of rate stays exact.
    expect(toBaseMinor(1_000_000_000_000, 'eur', base('usd', { eur: '0.3' }))).toBe(300_000_000_000);
    expect(toBaseMinor(500, 'usd', base('usd'))).toBe(500);
    expect(toBaseMinor(500, 'KRW', base('usd'))).toBeUndefined();
  });

  it('normalises configured rates to plain decimal text and refuses what is not a positive rate', () => {
    expect(normalizeRate(1.08)).toBe('1.08');
    expect(normalizeRate('0.000710')).toBe('0.00071');
    expect(normalizeRate(7e-7)).toBe('0.0000007');
    expect(normalizeRate(150)).toBe('150');
    expect(normalizeRate('1e3')).toBe('1000');
    for (const bad of [
      0,
      -1,
      '0',
      'abc',
      '1,08',
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '0.0000000000000000001',
    ])
      expect(normalizeRate(bad)).toBeUndefined();
  });

  it('totals amounts in the base currency, keeping unconvertible ones apart', () => {
    const total = totalInBase(
      [
        { currency: 'usd', amountMinor: 500_000 },
        { currency: 'krw', amountMinor: 1_000_000 },
        { currency: 'jpy', amountMinor: 100_000 },
        { currency: 'gbp', amountMinor: 0 },
      ],
      base('usd', { krw: '0.00071' }),
    );
    expect(total).toEqual({
      countedMinor: 571_000,
      converted: true,
      unconverted: [{ currency: 'jpy', amountMinor: 100_000 }],
    });
  });
});

describe('large impact across currencies', () => {
  const threshold = { customers: 25, mrrMinor: 1_000_000 };
  const usd = { currency: 'usd', exchangeRates: {} };

  it('judges dollars alone as before', () => {
    expect(
      largeImpact(
        { customers: 3, revenueAtRisk: [{ currency: 'usd', amountMinor: 1_000_000 }] },
        threshold,
        usd,
      ),
    ).toEqual({
      large: true,
      revenueText: '$10,000.00/mo',
    });
    expect(largeImpact({ customers: 3, revenueAtRisk: [] }, threshold, usd)).toEqual({
      large: false,
      revenueText: 'none',
    });
  });

  it('does not fire on won and dollars added raw, and names the won it could not count', () => {
    // $9,000 + ₩1,000,000 (about $710) is below $10,000; added raw it would be "2,000,000" and fire.
    const impact = {
      customers: 3,
      revenueAtRisk: [
        { currency: 'krw', amountMinor: 1_000_000 },
        { currency: 'usd', amountMinor: 900_000 },
      ],
    };
    const judged = largeImpact(impact, threshold, usd);
    expect(judged.large).toBe(false);
    expect(judged.revenueText).toBe(
      '₩1,000,000/mo + $9,000.00/mo ($9,000.00/mo counted; ₩1,000,000/mo not counted: no exchange rate from KRW to USD is configured)',
    );
    expect(largeImpact(impact, threshold, { currency: 'usd', exchangeRates: { krw: '0.00071' } }).large).toBe(
      false,
    );
  });

  it('fires when the converted total reaches the threshold, and says it was converted', () => {
    const impact = {
      customers: 3,
      revenueAtRisk: [
        { currency: 'usd', amountMinor: 900_000 },
        { currency: 'krw', amountMinor: 1_500_000 },
      ],
    };
    expect(largeImpact(impact, threshold, usd).large).toBe(false);
    const judged = largeImpact(impact, threshold, { currency: 'usd', exchangeRates: { krw: '0.00071' } });
    expect(judged).toEqual({
      large: true,
      revenueText: '$9,000.00/mo + ₩1,500,000/mo (≈ $10,065.00/mo in USD)',
    });
  });
});

describe('priority currency settings', () => {
  it('default to dollars and no rates, and keep the other defaults', () => {
    const { priority, notifications } = settingsSchema.parse({});
    expect(priority.currency).toBe('usd');
    expect(priority.exchangeRates).toEqual({});
    expect(priority.fullSize).toEqual(DEFAULT_PRIORITY_SETTINGS.fullSize);
    expect(notifications.largeImpact).toEqual({ customers: 25, mrrMinor: 1_000_000 });
  });

  it('take rates as numbers or decimal text and keep them as exact decimal text', () => {
    const { priority } = settingsSchema.parse({
      priority: { currency: 'eur', exchangeRates: { usd: 0.92, krw: '0.00065', jpy: 6e-3 } },
    });
    expect(priority).toMatchObject({
      currency: 'eur',
      exchangeRates: { usd: '0.92', krw: '0.00065', jpy: '0.006' },
    });
  });

  it('refuse a rate that is not positive, a code that is not a currency, and a rate for the base currency', () => {
    for (const priority of [
      { exchangeRates: { krw: 0 } },
      { exchangeRates: { krw: -0.1 } },
      { exchangeRates: { krw: 'about 0.0007' } },
      { exchangeRates: { KRW: 0.0007 } },
      { exchangeRates: { usd: 1 } },
      { currency: 'US$' },
    ]) {
      expect(settingsSchema.safeParse({ priority }).success, JSON.stringify(priority)).toBe(false);
    }
  });
});
