import { describe, expect, it } from 'vitest';
import {
  type AffectedCustomer,
  customerSegment,
  DEFAULT_PRIORITY_SETTINGS,
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
