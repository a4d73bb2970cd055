import { describe, expect, it } from 'vitest';
import {
  type ChargeFacts,
  churnRisk,
  type InvoiceFacts,
  type InvoiceLine,
  monthsActive,
  type PlanItem,
  paymentHistory,
  recurringRevenue,
  type SubscriptionFacts,
  uncountedItems,
} from '../../src/domain/billing.js';
import { buildTimeline } from '../../src/domain/lifecycle.js';
import { formatMoney, formatMoneyTotals } from '../../src/domain/money.js';
import {
  changePlanPlaybook,
  explainInvoice,
  failureReason,
  findDuplicateCharges,
  PLAYBOOK_FOR_CATEGORY,
  refundEligibility,
} from '../../src/domain/playbooks.js';
import {
  annualRecurringRevenue,
  describePrice,
  monthlyRecurringRevenue,
  type NonFlatPricing,
  periodAmount,
} from '../../src/domain/revenue.js';
import { chargeFacts } from '../support/billing-facts.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

const card = { brand: 'visa', last4: '4242', expMonth: 3, expYear: 2027, fingerprint: 'fp1' };

function charge(overrides: Partial<ChargeFacts>): ChargeFacts {
  return chargeFacts({ id: 'ch_1', createdAt: ago(1), card, ...overrides });
}

function item(overrides: Partial<PlanItem>): PlanItem {
  return {
    itemId: 'si_1',
    priceId: 'price_plan',
    productId: 'prod_plan',
    productName: 'Plan',
    unitAmountMinor: 4_800,
    currency: 'usd',
    quantity: 50,
    interval: 'month',
    intervalCount: 1,
    addOn: false,
    ...overrides,
  };
}

function subscription(overrides: Partial<SubscriptionFacts>): SubscriptionFacts {
  return {
    id: 'sub_1',
    status: 'active',
    createdAt: ago(600),
    startedAt: ago(600),
    currentPeriodStart: ago(18),
    currentPeriodEnd: new Date(NOW.getTime() + 12 * DAY),
    cancelAtPeriodEnd: false,
    cancelAt: undefined,
    canceledAt: undefined,
    trialStart: undefined,
    trialEnd: undefined,
    paused: undefined,
    items: [item({})],
    discounts: [],
    seatsUsed: 45,
    metadata: {},
    ...overrides,
  };
}

function line(overrides: Partial<InvoiceLine>): InvoiceLine {
  return {
    description: 'line',
    amountMinor: 0,
    currency: 'usd',
    quantity: 1,
    priceId: undefined,
    productId: undefined,
    proration: false,
    periodStart: ago(30),
    periodEnd: ago(0),
    ...overrides,
  };
}

function invoice(overrides: Partial<InvoiceFacts>): InvoiceFacts {
  return {
    id: 'in_1',
    number: 'INV-1',
    status: 'paid',
    createdAt: ago(18),
    periodStart: ago(18),
    periodEnd: ago(-12),
    totalMinor: 240_000,
    subtotalMinor: 240_000,
    taxMinor: 0,
    discountMinor: 0,
    amountPaidMinor: 240_000,
    amountRemainingMinor: 0,
    currency: 'usd',
    paidAt: ago(18),
    attemptCount: 1,
    nextAttemptAt: undefined,
    hostedUrl: undefined,
    pdfUrl: undefined,
    billingReason: 'subscription_cycle',
    subscriptionId: 'sub_1',
    paymentIntentIds: [],
    lines: [],
    creditAppliedMinor: 0,
    ...overrides,
  };
}

describe('recurring revenue', () => {
  it('takes an amount off each invoice per month of the billing period, applies discounts in order, never below zero', () => {
    const yearly = [
      { unitAmountMinor: 120_000, quantity: 1, interval: 'year' as const, intervalCount: 1, currency: 'usd' },
    ];
    // 1,200/year = 100/month; 240 off each yearly invoice = 20/month.
    expect(
      monthlyRecurringRevenue(yearly, [{ kind: 'amount', amountOffMinor: 24_000, currency: 'usd' }]).get(
        'usd',
      ),
    ).toBe(8_000);
    // 10% of 100 = 90, then 20 off: 70; the other order: 100 − 20 = 80, then 10%: 72.
    expect(
      monthlyRecurringRevenue(yearly, [
        { kind: 'percent', percentOff: 10 },
        { kind: 'amount', amountOffMinor: 24_000, currency: 'usd' },
      ]).get('usd'),
    ).toBe(7_000);
    expect(
      monthlyRecurringRevenue(yearly, [
        { kind: 'amount', amountOffMinor: 24_000, currency: 'usd' },
        { kind: 'percent', percentOff: 10 },
      ]).get('usd'),
    ).toBe(7_200);
    // An amount in another currency does not touch this one; a larger amount stops at zero.
    expect(
      monthlyRecurringRevenue(yearly, [{ kind: 'amount', amountOffMinor: 24_000, currency: 'eur' }]).get(
        'usd',
      ),
    ).toBe(10_000);
    expect(
      monthlyRecurringRevenue(yearly, [{ kind: 'amount', amountOffMinor: 500_000, currency: 'usd' }]).get(
        'usd',
      ),
    ).toBe(0);
  });

  it('normalises intervals, quantities and percentage discounts to one month, and ARR is twelve of them', () => {
    const mrr = recurringRevenue([
      subscription({
        items: [
          item({ unitAmountMinor: 4_800, quantity: 50 }),
          item({ itemId: 'si_2', unitAmountMinor: 50_000, quantity: 1, addOn: true }),
        ],
      }),
      subscription({
        id: 'sub_2',
        items: [item({ unitAmountMinor: 99_000, quantity: 1, interval: 'year' })],
        discounts: [{ kind: 'percent', percentOff: 10 }],
      }),
      subscription({
        id: 'sub_3',
        status: 'canceled',
        items: [item({ unitAmountMinor: 100_000, quantity: 1 })],
      }),
      subscription({
        id: 'sub_4',
        status: 'trialing',
        items: [item({ unitAmountMinor: 9_900, quantity: 1 })],
      }),
    ]);
    // 2,400 + 500 + 990 × 0.9 / 12 = 2,974.25
    expect(mrr.get('usd')).toBe(290_000 + 7_425);
    expect(annualRecurringRevenue(mrr).get('usd')).toBe((290_000 + 7_425) * 12);
    expect(
      formatMoneyTotals(
        new Map([
          ['usd', 340_000],
          ['eur', 8_000],
        ]),
      ),
    ).toBe('$3,400.00 + €80.00');
    expect(formatMoney(12_345, 'jpy')).toBe('¥12,345');
  });

  const graduated: NonFlatPricing = {
    scheme: 'tiered',
    mode: 'graduated',
    tiers: [
      { upTo: 10, unitAmountMinor: 1_000, flatAmountMinor: 5_000 },
      { upTo: 50, unitAmountMinor: 800, flatAmountMinor: 0 },
      { upTo: null, unitAmountMinor: 500, flatAmountMinor: 0 },
    ],
  };

  it('prices tiers, packages and fractions of a cent as Stripe bills them; usage-based items have no figure', () => {
    // Graduated, 60 units: 50 + 10 × 10 in the first tier, 40 × 8 in the second, 10 × 5 in the third.
    expect(periodAmount({ unitAmountMinor: 0, quantity: 60, pricing: graduated })).toBe(
      5_000 + 10_000 + 32_000 + 5_000,
    );
    // Graduated, 5 units: only the first tier.
    expect(periodAmount({ unitAmountMinor: 0, quantity: 5, pricing: graduated })).toBe(5_000 + 5_000);
    // Volume, 60 units: every unit at the third tier's price; 10 units: the first tier's, with its flat amount.
    const volume: NonFlatPricing = { ...graduated, mode: 'volume' };
    expect(periodAmount({ unitAmountMinor: 0, quantity: 60, pricing: volume })).toBe(30_000);
    expect(periodAmount({ unitAmountMinor: 0, quantity: 10, pricing: volume })).toBe(10_000 + 5_000);
    // Packages of 10 at $25: 23 units are 3 packages rounded up, 2 rounded down.
    const packages = (round: 'up' | 'down'): NonFlatPricing => ({ scheme: 'package', divideBy: 10, round });
    expect(periodAmount({ unitAmountMinor: 2_500, quantity: 23, pricing: packages('up') })).toBe(7_500);
    expect(periodAmount({ unitAmountMinor: 2_500, quantity: 23, pricing: packages('down') })).toBe(5_000);
    // Half a cent per unit.
    expect(periodAmount({ unitAmountMinor: 0.5, quantity: 1_001 })).toBe(500.5);
    expect(
      periodAmount({ unitAmountMinor: 3, quantity: 10, pricing: { scheme: 'metered' } }),
    ).toBeUndefined();

    const subscriptions = [
      subscription({
        items: [
          item({ unitAmountMinor: 0, quantity: 60, pricing: graduated }),
          item({ itemId: 'si_2', unitAmountMinor: 0.5, quantity: 1_001, addOn: true }),
          item({
            itemId: 'si_3',
            unitAmountMinor: 3,
            quantity: 1,
            pricing: { scheme: 'metered' },
            addOn: true,
          }),
        ],
      }),
    ];
    // 520.00 + 5.005, rounded once at the end; the metered item adds nothing and is called out.
    expect(recurringRevenue(subscriptions).get('usd')).toBe(52_000 + 501);
    expect(uncountedItems(subscriptions)).toEqual(['usage']);
    expect(uncountedItems([subscription({ items: [item({})] })])).toEqual([]);
    expect(
      uncountedItems([
        subscription({ items: [item({ unitAmountMinor: 0, pricing: { scheme: 'unread' } })] }),
      ]),
    ).toEqual(['unread']);
  });

  it('counts tier boundaries inclusively, charges a base fee at quantity 0, and rounds each item as Stripe bills it', () => {
    const volume: NonFlatPricing = { ...graduated, mode: 'volume' };
    // Exactly 10 units stay in the first tier; 11 reach the second.
    expect(periodAmount({ unitAmountMinor: 0, quantity: 10, pricing: graduated })).toBe(5_000 + 10_000);
    expect(periodAmount({ unitAmountMinor: 0, quantity: 11, pricing: graduated })).toBe(5_000 + 10_000 + 800);
    expect(periodAmount({ unitAmountMinor: 0, quantity: 50, pricing: volume })).toBe(40_000);
    // Quantity 0: the first tier's flat amount is a base fee; a package price charges nothing.
    expect(periodAmount({ unitAmountMinor: 0, quantity: 0, pricing: graduated })).toBe(5_000);
    expect(periodAmount({ unitAmountMinor: 0, quantity: 0, pricing: volume })).toBe(5_000);
    expect(
      periodAmount({
        unitAmountMinor: 2_500,
        quantity: 0,
        pricing: { scheme: 'package', divideBy: 10, round: 'up' },
      }),
    ).toBe(0);
    // Two items of half a cent each: Stripe bills each line as 1 cent, so MRR is 2, not the 1 one rounding gives.
    const halfCent = {
      unitAmountMinor: 0.5,
      quantity: 1,
      interval: 'month' as const,
      intervalCount: 1,
      currency: 'usd',
    };
    expect(monthlyRecurringRevenue([halfCent, halfCent]).get('usd')).toBe(2);
  });

  it('a plan change to or from a plan billed by usage is neither called an upgrade nor a downgrade', () => {
    const live = subscription({ items: [item({ unitAmountMinor: 2_900, quantity: 1 })] });
    const result = changePlanPlaybook({
      subscription: live,
      current: live.items[0],
      target: {
        priceId: 'price_usage',
        name: 'Usage',
        unitAmountMinor: 2,
        pricing: { scheme: 'metered' },
        currency: 'usd',
        interval: 'month',
        intervalCount: 1,
      },
      preview: undefined,
    });
    expect(result.finding).toContain('no fixed amount');
    expect(result.facts.find((fact) => fact.label === 'Kind of change')?.value).toMatch(/^Cannot tell/);
    expect(result.facts.find((fact) => fact.label === 'Target plan')?.value).toBe(
      'Usage · usage-based ($0.02 per unit)',
    );
    expect(result.draft).toContain('depends on your usage');
  });

  it('describes each kind of price with what it charges per period', () => {
    const base = { currency: 'usd', interval: 'month' as const, intervalCount: 1 };
    expect(describePrice({ ...base, unitAmountMinor: 4_800, quantity: 10 })).toBe(
      '$480.00/month (10 × $48.00)',
    );
    expect(describePrice({ ...base, unitAmountMinor: 4_800, quantity: 1, interval: 'year' })).toBe(
      '$48.00/year',
    );
    expect(describePrice({ ...base, unitAmountMinor: 0, quantity: 60, pricing: graduated })).toBe(
      '$520.00/month (60 units, graduated tiers)',
    );
    expect(
      describePrice({
        ...base,
        unitAmountMinor: 2_500,
        quantity: 23,
        pricing: { scheme: 'package', divideBy: 10, round: 'up' },
      }),
    ).toBe('$75.00/month (23 units, $25.00 per 10)');
    expect(describePrice({ ...base, unitAmountMinor: 0.5, quantity: 2_000, intervalCount: 3 })).toBe(
      '$10.00/3 months (2000 × $0.005)',
    );
    expect(describePrice({ ...base, unitAmountMinor: 3, quantity: 1, pricing: { scheme: 'metered' } })).toBe(
      'usage-based ($0.03 per unit)',
    );
  });
});

describe('payment history', () => {
  it('shows the newest invoices first with the card that paid each, and marks refunds and failures', () => {
    const rows = paymentHistory(
      [
        invoice({ id: 'in_a', createdAt: ago(40), paymentIntentIds: ['pi_a'] }),
        invoice({
          id: 'in_b',
          createdAt: ago(10),
          status: 'open',
          attemptCount: 2,
          paymentIntentIds: ['pi_b'],
        }),
        invoice({ id: 'in_c', createdAt: ago(70), paymentIntentIds: ['pi_c'] }),
      ],
      [
        charge({ id: 'ch_a', paymentIntentId: 'pi_a', refundedMinor: 1_000 }),
        charge({ id: 'ch_b', paymentIntentId: 'pi_b', status: 'failed' }),
        charge({ id: 'ch_c', paymentIntentId: 'pi_c' }),
      ],
    );
    expect(rows.map((row) => [row.invoiceId, row.status, row.method])).toEqual([
      ['in_b', 'failed', 'Visa ending 4242'],
      ['in_a', 'partly_refunded', 'Visa ending 4242'],
      ['in_c', 'paid', 'Visa ending 4242'],
    ]);
  });
});

describe('churn risk', () => {
  const base = { now: NOW, invoices: [invoice({})], card, lowSeatUsePercent: 50 };

  it('is low with on-time payments and high seat use, and says why', () => {
    expect(churnRisk({ ...base, subscription: subscription({}), charges: [charge({})] })).toEqual({
      level: 'low',
      reasons: ['payments on time', 'high seat use (90%)'],
    });
  });

  it('is medium with one lesser signal (low seat use)', () => {
    const risk = churnRisk({ ...base, subscription: subscription({ seatsUsed: 10 }), charges: [charge({})] });
    expect(risk).toEqual({ level: 'medium', reasons: ['low seat use: 10 of 50 (20%)'] });
  });

  it('is high with a scheduled cancellation, failures in a row, or two lesser signals', () => {
    expect(
      churnRisk({ ...base, subscription: subscription({ cancelAtPeriodEnd: true }), charges: [charge({})] })
        .level,
    ).toBe('high');
    const failing = churnRisk({
      ...base,
      subscription: subscription({}),
      charges: [
        charge({ status: 'failed', id: 'ch_2' }),
        charge({ status: 'failed', id: 'ch_3', createdAt: ago(2) }),
        charge({ createdAt: ago(40) }),
      ],
    });
    expect(failing.level).toBe('high');
    expect(failing.reasons[0]).toBe('2 failed payments in a row');
    const downgradeAndSeats = churnRisk({
      ...base,
      invoices: [invoice({ lines: [line({ proration: true, amountMinor: -5_000 })] })],
      subscription: subscription({ seatsUsed: 10 }),
      charges: [charge({})],
    });
    expect(downgradeAndSeats).toEqual({
      level: 'high',
      reasons: ['downgraded in the last 90 days', 'low seat use: 10 of 50 (20%)'],
    });
  });

  it('warns when the card expires before the next renewal', () => {
    const risk = churnRisk({
      ...base,
      card: { ...card, expMonth: 11, expYear: 2026 },
      subscription: subscription({ currentPeriodEnd: new Date('2026-12-05T00:00:00Z') }),
      charges: [charge({})],
    });
    expect(risk.reasons).toContain('card expires 11/2026, before the next renewal');
  });

  it('calls a card past its expiry month expired, not expiring', () => {
    const risk = churnRisk({
      ...base,
      card: { ...card, expMonth: 10, expYear: 2026 },
      subscription: subscription({ currentPeriodEnd: new Date('2026-12-05T00:00:00Z') }),
      charges: [charge({})],
    });
    expect(risk.reasons).toContain('card expired 10/2026');
    expect(risk.reasons.join('; ')).not.toContain('before the next renewal');
  });
});

describe('playbook rules', () => {
  it('charged twice: same amount, same card fingerprint, within the window, not refunded', () => {
    const first = charge({ id: 'ch_first', createdAt: new Date(NOW.getTime() - 60 * 60_000) });
    const second = charge({ id: 'ch_second', createdAt: new Date(NOW.getTime() - 57 * 60_000) });
    expect(findDuplicateCharges([second, first], 24)).toEqual([{ original: first, duplicate: second }]);
    expect(findDuplicateCharges([first, { ...second, refundedMinor: 9_900 }], 24)).toEqual([]);
    expect(findDuplicateCharges([first, { ...second, card: { ...card, fingerprint: 'other' } }], 24)).toEqual(
      [],
    );
    expect(findDuplicateCharges([first, { ...second, amountMinor: 9_901 }], 24)).toEqual([]);
    expect(findDuplicateCharges([{ ...first, createdAt: ago(3) }, second], 24)).toEqual([]);
  });

  it('refund eligibility: window and amounts already refunded (who approves comes from the permission matrix)', () => {
    const policy = { windowDays: 30 };
    expect(refundEligibility(charge({ createdAt: ago(5) }), policy, NOW)).toMatchObject({
      eligible: true,
      refundableMinor: 9_900,
    });
    expect(refundEligibility(charge({ createdAt: ago(45) }), policy, NOW)).toMatchObject({
      eligible: false,
      reasons: ['paid 45 days ago, outside the 30-day refund window'],
    });
    expect(refundEligibility(charge({ refundedMinor: 9_900 }), policy, NOW)).toMatchObject({
      eligible: false,
      reasons: ['already refunded in full'],
    });
    expect(refundEligibility(charge({ amountMinor: 340_000 }), policy, NOW)).toMatchObject({
      eligible: true,
      refundableMinor: 340_000,
    });
  });

  it('overcharged: explains proration, seat changes, new add-ons, removed lines and tax', () => {
    const usual = invoice({
      lines: [
        line({
          priceId: 'price_plan',
          quantity: 10,
          amountMinor: 48_000,
          description: '10 × Enterprise Pro',
        }),
        line({
          priceId: 'price_old',
          amountMinor: 20_000,
          description: 'API Extra Pack',
          productId: 'prod_api',
        }),
      ],
    });
    const current = invoice({
      taxMinor: 1_000,
      lines: [
        line({
          priceId: 'price_plan',
          quantity: 12,
          amountMinor: 57_600,
          description: '12 × Enterprise Pro',
        }),
        line({
          priceId: 'price_addon',
          productId: 'prod_analytics',
          amountMinor: 50_000,
          description: 'Advanced Analytics',
        }),
        line({
          proration: true,
          priceId: 'price_plan',
          amountMinor: 3_200,
          description: 'Remaining time on 2 seats',
        }),
      ],
    });
    const explained = explainInvoice(current, usual, new Set(['prod_analytics', 'prod_api']));
    expect(explained.map((l) => [l.kind, l.difference])).toEqual([
      ['seats', 'quantity went from 10 to 12'],
      ['add_on', 'add-on newly added this period'],
      ['proration', expect.stringContaining('prorated charge')],
      ['plan', 'no longer billed (was $200.00)'],
      ['tax', 'was $0.00'],
    ]);
  });

  it('maps escalation categories to playbooks and decline codes to plain words', () => {
    expect(PLAYBOOK_FOR_CATEGORY.duplicate_charge).toBe('charged_twice');
    expect(PLAYBOOK_FOR_CATEGORY.tax_question).toBe('tax_invoice');
    expect(PLAYBOOK_FOR_CATEGORY.other).toBeUndefined();
    expect(failureReason({ failureCode: 'card_declined', declineCode: 'insufficient_funds' })).toBe(
      'the bank reported insufficient funds',
    );
    expect(failureReason({ failureCode: 'expired_card', declineCode: 'expired_card' })).toBe(
      'the card has expired',
    );
  });
});

describe('lifecycle and months active', () => {
  it('orders the timeline newest first with failures and the recovery', () => {
    const entries = buildTimeline({
      subscriptions: [subscription({ cancelAtPeriodEnd: true })],
      invoices: [invoice({ billingReason: 'subscription_update', createdAt: ago(50), totalMinor: 3_200 })],
      charges: [
        charge({ id: 'f', status: 'failed', createdAt: ago(30), failureCode: 'expired_card' }),
        charge({ id: 's', createdAt: ago(28) }),
      ],
      events: [],
      now: NOW,
    });
    expect(entries.map((entry) => entry.kind)).toEqual([
      'cancellation',
      'recovery',
      'failure',
      'change',
      'created',
    ]);
    expect(monthsActive(new Date('2025-02-05T00:00:00Z'), NOW)).toBe(22);
  });
});
