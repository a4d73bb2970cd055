import { describe, expect, it } from 'vitest';
import { settingsSchema } from '../../src/config/settings.js';
import {
  idempotencyKey,
  MAX_AMOUNT_MINOR,
  parseMoney,
  parsePercent,
  policyRequestOf,
  readMoney,
  validateActionForm,
} from '../../src/domain/account-actions.js';
import { DEFAULT_PERMISSIONS, decide } from '../../src/domain/permissions.js';
import { classifyStripeError } from '../../src/integrations/stripe/actions.js';
import { parseDecision, parseOpenActions } from '../../src/views/account-action-ids.js';
import {
  type ApprovalRequestView,
  approvalRequestBlocks,
  auditTrailMessage,
} from '../../src/views/account-actions.js';

const context = { currency: 'usd', billingFlags: ['payment_monitoring'], priceIds: ['price_DemoGrowth'] };

describe('money and percentages from a form', () => {
  it.each([
    ['99.99', 9_999],
    ['100', 10_000],
    ['1,000.00', 100_000],
    ['$500.01', 50_001],
    ['0.5', 50],
  ])('%s → %i cents', (text, cents) => expect(parseMoney(text, 'usd')).toBe(cents));
  it.each(['12.345', '-5', 'ten', '', '1e3'])('refuses %j', (text) =>
    expect(parseMoney(text, 'usd')).toBeUndefined(),
  );
  it('knows zero-decimal currencies', () => {
    expect(parseMoney('500', 'jpy')).toBe(500);
    expect(parseMoney('5.5', 'jpy')).toBeUndefined();
  });
  it.each([
    ['1,250.00', 125_000],
    ['12,345', 1_234_500],
    ['999,999.99', 99_999_999],
    ['$1,000', 100_000],
  ])('reads commas that separate thousands: %s → %i cents', (text, cents) =>
    expect(parseMoney(text, 'usd')).toBe(cents),
  );
  it.each(['0,50', '1,5', '1,50', '12,34,567', '0,500', '1,000,50', '1,2345'])(
    'refuses %j: a comma that does not separate thousands is a decimal comma, never guessed',
    (text) => {
      expect(parseMoney(text, 'usd')).toBeUndefined();
      expect(readMoney(text, 'usd')).toEqual({ ok: false, problem: 'decimal_comma' });
    },
  );
  it('refuses a decimal comma in a zero-decimal currency too', () => {
    expect(parseMoney('1,5', 'jpy')).toBeUndefined();
    expect(parseMoney('1,500', 'jpy')).toBe(1_500);
  });
  it("caps amounts at Stripe's eight digits of minor units, in every currency", () => {
    expect(MAX_AMOUNT_MINOR).toBe(99_999_999);
    expect(parseMoney('999999.99', 'usd')).toBe(99_999_999);
    expect(readMoney('1000000', 'usd')).toEqual({ ok: false, problem: 'too_large' });
    expect(readMoney('90071992547409.91', 'usd')).toEqual({ ok: false, problem: 'too_large' });
    expect(readMoney('9'.repeat(400), 'usd')).toEqual({ ok: false, problem: 'too_large' });
    expect(parseMoney('99999999', 'jpy')).toBe(99_999_999);
    expect(readMoney('100000000', 'jpy')).toEqual({ ok: false, problem: 'too_large' });
    expect(parseMoney('99999.999', 'kwd')).toBe(99_999_999);
    expect(readMoney('100000', 'kwd')).toEqual({ ok: false, problem: 'too_large' });
  });
  it('reads percentages in hundredths', () => {
    expect(parsePercent('15')).toBe(1_500);
    expect(parsePercent('15.01%')).toBe(1_501);
    expect(parsePercent('15.001')).toBeUndefined();
  });
});

describe('the action form', () => {
  it('turns a credit into typed parameters', () => {
    expect(validateActionForm('credit', { amount: '99.99', reason: 'Goodwill' }, context)).toEqual({
      ok: true,
      params: { kind: 'credit', amountMinor: 9_999, currency: 'usd' },
      reason: 'Goodwill',
    });
  });
  it('asks for a reason and a valid amount, field by field', () => {
    expect(validateActionForm('credit', { amount: 'lots', reason: ' ' }, context)).toMatchObject({
      ok: false,
      errors: { amount: expect.any(String), reason: expect.any(String) },
    });
  });
  it('tells the agent to use a dot for decimals when a comma is not a thousands separator', () => {
    const credit = validateActionForm('credit', { amount: '0,50', reason: 'Goodwill' }, context);
    expect(credit).toEqual({ ok: false, errors: { amount: expect.stringMatching(/dot for decimals/) } });
    const refund = validateActionForm(
      'refund',
      { charge: 'ch_3Abcdef12', amount: '1,50', reason: 'Duplicate' },
      context,
    );
    expect(refund).toMatchObject({
      ok: false,
      errors: { amount: expect.stringMatching(/dot for decimals/) },
    });
    const yen = validateActionForm(
      'credit',
      { amount: '1,5', reason: 'Goodwill' },
      { ...context, currency: 'jpy' },
    );
    expect(yen).toMatchObject({
      ok: false,
      errors: { amount: expect.stringMatching(/JPY has no decimals/) },
    });
  });
  it("refuses an amount above Stripe's maximum in the form, naming the maximum", () => {
    expect(validateActionForm('credit', { amount: '1000000', reason: 'Goodwill' }, context)).toEqual({
      ok: false,
      errors: { amount: expect.stringContaining('$999,999.99') },
    });
    expect(
      validateActionForm(
        'refund',
        { charge: 'ch_3Abcdef12', amount: '90071992547409.91', reason: 'x' },
        context,
      ),
    ).toMatchObject({ ok: false, errors: { amount: expect.stringContaining('$999,999.99') } });
  });
  it('accepts only listed flags, prices and well-formed ids', () => {
    expect(validateActionForm('clear_billing_flag', { flag: 'delinquent', reason: 'x' }, context).ok).toBe(
      false,
    );
    expect(validateActionForm('upgrade', { price: 'price_Other', reason: 'x' }, context).ok).toBe(false);
    expect(validateActionForm('refund', { charge: 'ch_1; DROP', reason: 'x' }, context).ok).toBe(false);
    expect(validateActionForm('refund', { charge: 'ch_3Abcdef12', reason: 'x' }, context)).toMatchObject({
      ok: true,
      params: { kind: 'refund', target: 'ch_3Abcdef12', refundReason: 'requested_by_customer' },
    });
  });
  it('gives the policy the measure of each kind', () => {
    expect(policyRequestOf({ kind: 'discount', percentHundredths: 1_501 })).toEqual({
      kind: 'discount',
      measure: 1_501,
    });
    expect(policyRequestOf({ kind: 'extend_trial', days: 15 })).toEqual({
      kind: 'extend_trial',
      measure: 15,
    });
  });
  it('derives one Stripe idempotency key per action (and per step), the same on every retry', () => {
    const action = { id: 42, createdAt: new Date('2026-11-20T10:00:00.123Z') };
    expect(idempotencyKey(action)).toBe(`frontline-account-action-42-${action.createdAt.getTime()}`);
    expect(idempotencyKey(action, 'coupon')).toBe(
      `frontline-account-action-42-${action.createdAt.getTime()}-coupon`,
    );
    expect(idempotencyKey({ ...action, createdAt: new Date(action.createdAt) })).toBe(idempotencyKey(action));
  });
  it('never gives a new action the key of an older one with the same id (a reset database, another deployment)', () => {
    const old = { id: 1, createdAt: new Date('2026-11-20T10:00:00.000Z') };
    const afterReset = { id: 1, createdAt: new Date('2026-11-20T10:00:00.001Z') };
    expect(idempotencyKey(afterReset)).not.toBe(idempotencyKey(old));
    expect(idempotencyKey(afterReset, 'coupon')).not.toBe(idempotencyKey(old, 'coupon'));
  });
});

describe('button values and modal metadata', () => {
  it('parses <actionId>:<stage> and nothing else', () => {
    expect(parseDecision('12:2')).toEqual({ actionId: 12, stage: 2 });
    for (const bad of ['12', '12:', 'a:1', '12:1:1', '', undefined, `${'1'.repeat(12)}:1`])
      expect(parseDecision(bad)).toBeUndefined();
  });
  it('parses the Actions button value, with its optional refund preset', () => {
    expect(
      parseOpenActions(
        JSON.stringify({
          customer: 'cus_Abc123',
          preset: { kind: 'refund', chargeId: 'ch_Abc123', amountMinor: 1234, currency: 'usd' },
        }),
      ),
    ).toMatchObject({ customer: 'cus_Abc123', preset: { chargeId: 'ch_Abc123' } });
    expect(parseOpenActions('{"customer":"not-a-customer"}')).toBeUndefined();
    expect(parseOpenActions('{not json')).toBeUndefined();
  });
});

describe('Stripe failures in words', () => {
  it('card errors are final, outages and rate limits are worth a retry', () => {
    expect(
      classifyStripeError({
        type: 'StripeCardError',
        decline_code: 'insufficient_funds',
        message: 'Your card has insufficient funds.',
      }),
    ).toMatchObject({
      retryable: false,
      message: expect.stringContaining('insufficient funds'),
    });
    expect(classifyStripeError({ type: 'StripeAPIError' }).retryable).toBe(true);
    expect(classifyStripeError({ type: 'StripeRateLimitError' }).retryable).toBe(true);
    expect(classifyStripeError({ type: 'StripeConnectionError' }).retryable).toBe(true);
    expect(
      classifyStripeError({ type: 'StripeInvalidRequestError', message: 'No such charge' }).retryable,
    ).toBe(false);
  });
});

describe('the permissions settings key', () => {
  it('defaults to seed 003', () => {
    expect(settingsSchema.parse({}).permissions).toEqual(DEFAULT_PERMISSIONS);
    expect(settingsSchema.parse({}).accountActions.approvalHours).toBe(24);
  });
  it('replaces only what it names', () => {
    const settings = settingsSchema.parse({
      permissions: {
        refundPattern: { count: 5, days: 30 },
        actions: {
          credit: { measure: 'amount', bands: [{ below: 20_000, run: ['l1'] }, { run: ['manager'] }] },
        },
      },
    });
    expect(settings.permissions.refundPattern).toEqual({ count: 5, days: 30 });
    expect(settings.permissions.actions.refund).toEqual(DEFAULT_PERMISSIONS.actions.refund);
    expect(
      decide(settings.permissions, ['l1'], { kind: 'credit', measure: 15_000, currency: 'usd' }).outcome,
    ).toBe('run_now');
  });
  it('refuses unknown actions and roles', () => {
    expect(() =>
      settingsSchema.parse({
        permissions: { actions: { teleport: { measure: 'none', bands: [{ run: [] }] } } },
      }),
    ).toThrow();
    expect(() => settingsSchema.parse({ permissions: { requesters: ['intern'] } })).toThrow();
  });
  it("accepts seed 003's own bands when given in full", () => {
    expect(
      settingsSchema.parse({ permissions: { actions: DEFAULT_PERMISSIONS.actions } }).permissions,
    ).toEqual(DEFAULT_PERMISSIONS);
  });
  it('refuses bands that would leave an amount without a band, or read it under a lower band', () => {
    const problems = (bands: unknown[], measure = 'amount') => {
      const parsed = settingsSchema.safeParse({ permissions: { actions: { credit: { measure, bands } } } });
      return parsed.success
        ? []
        : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    };
    const l2 = ['l2', 'manager', 'billing_specialist'];
    const managers = ['manager', 'billing_specialist'];
    // The README's example without its open third band: $1,000,000 would fall into "up to $500".
    expect(
      problems([
        { below: 10_000, run: l2 },
        { upTo: 50_000, run: managers },
      ]),
    ).toEqual([expect.stringMatching(/^permissions\.actions\.credit\.bands\.1: the last band has no limit/)]);
    // Out of order: an L2 agent's band would be read after the managers' one.
    expect(
      problems([
        { upTo: 50_000, run: managers },
        { below: 10_000, run: l2 },
        { run: ['billing_specialist'] },
      ]),
    ).toEqual([expect.stringMatching(/bands\.1: bands are tried in order/)]);
    expect(problems([{ run: managers }, { below: 10_000, run: l2 }])).toContainEqual(
      expect.stringMatching(/bands\.0: only the last band may be without a limit/),
    );
    expect(problems([{ run: managers }, { run: l2 }], 'none')).toContainEqual(
      expect.stringMatching(/exactly one band/),
    );
    expect(
      problems([
        { below: 10_000, run: l2 },
        { upTo: 10_000, run: managers },
        { run: ['billing_specialist'] },
      ]),
    ).toEqual([]);
  });
});

describe('the approval request view', () => {
  const base: ApprovalRequestView = {
    actionId: 7,
    customerId: 'cus_Abc123',
    customerName: 'Corvid Robotics',
    kind: 'credit',
    description: 'One-time credit of $600.00',
    amountText: '$600.00',
    reason: 'Migration credit <promised>',
    requesterId: 'U0L2',
    escalationId: 3,
    policyReason: 'A credit of 600.00 USD needs a billing specialist.',
    state: 'pending_approval',
    stages: [
      {
        stage: 1,
        label: 'Approval',
        rolesText: 'a billing specialist',
        decision: 'approved',
        approverId: 'U0BIL',
        reason: null,
        decidedAt: new Date(),
      },
      {
        stage: 2,
        label: 'VP approval',
        rolesText: 'a VP',
        decision: null,
        approverId: null,
        reason: null,
        decidedAt: null,
      },
    ],
    recentRefunds: Array.from({ length: 8 }, (_, i) => ({
      amountText: '$10.00',
      at: new Date(Date.UTC(2026, 9, i + 1)),
    })),
    recentCredits: [],
    historyDays: 90,
    expiresAt: new Date('2026-11-21T10:00:00Z'),
  };
  it('shows each stage, the history and buttons for the waiting stage only', () => {
    const text = JSON.stringify(approvalRequestBlocks(base));
    expect(text).toContain('Stage 1 of 2');
    expect(text).toContain('approved by <@U0BIL>');
    expect(text).toContain('"value":"7:2"');
    expect(text).toContain('and 3 more');
    expect(text).toContain('&lt;promised&gt;');
    expect(text).toContain('"confirm"');
  });
  it('says which escalation it is for, why it needs approval, and the recent refunds and credits', () => {
    const text = JSON.stringify(
      approvalRequestBlocks({
        ...base,
        recentRefunds: [{ amountText: '$12.00', at: new Date(Date.UTC(2026, 9, 2)) }],
        recentCredits: [{ amountText: '$25.00', at: new Date(Date.UTC(2026, 9, 9)) }],
      }),
    );
    expect(text).toContain('*Escalation:* ESC-3');
    expect(text).toContain('*Why approval:* A credit of 600.00 USD needs a billing specialist.');
    expect(text).toContain('Refunds in the last 90 days: $12.00 on 2026-10-02');
    expect(text).toContain('Credits in the last 90 days: $25.00 on 2026-10-09');
  });
  it('names the refund-pattern window it was given, not a fixed 90 days', () => {
    const text = JSON.stringify(approvalRequestBlocks({ ...base, historyDays: 30 }));
    expect(text).toContain('Refunds in the last 30 days');
    expect(text).not.toContain('90 days');
    const none = JSON.stringify(approvalRequestBlocks({ ...base, historyDays: 45, recentRefunds: [] }));
    expect(none).toContain('No refunds in the last 45 days');
    expect(none).toContain('no credits in the last 45 days');
  });
  it('has no buttons once decided, and a retry only for transient failures', () => {
    for (const state of ['denied', 'expired', 'succeeded'] as const)
      expect(JSON.stringify(approvalRequestBlocks({ ...base, state }))).not.toContain('account_action_');
    expect(
      JSON.stringify(
        approvalRequestBlocks({ ...base, state: 'failed', error: 'Stripe down', retryable: true }),
      ),
    ).toContain('account_action_retry');
    expect(
      JSON.stringify(
        approvalRequestBlocks({ ...base, state: 'failed', error: 'Declined', retryable: false }),
      ),
    ).not.toContain('account_action_retry');
  });
  it('stays within Slack limits with long text', () => {
    const blocks = approvalRequestBlocks({
      ...base,
      reason: 'x'.repeat(5_000),
      description: 'y'.repeat(5_000),
    });
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const block of blocks) {
      const text = (block as { text?: { text: string } }).text?.text;
      if (text) expect(text.length).toBeLessThanOrEqual(3_000);
    }
  });
  it('renders an audit trail in sections under Slack limits', () => {
    const lines = Array.from({ length: 60 }, (_, i) => ({
      at: new Date(),
      actorId: 'U0MGR',
      actorRoles: ['manager'],
      action: 'approved',
      result: 'approved',
      accountActionId: i,
      reason: 'r'.repeat(200),
      stripeObjectId: null,
    }));
    const message = auditTrailMessage({ customerId: 'cus_Abc123', customerName: 'Corvid', lines });
    for (const block of message.blocks)
      expect(((block as { text?: { text: string } }).text?.text ?? '').length).toBeLessThanOrEqual(3_000);
  });
});

describe('the escalation card', () => {
  it('carries an Actions button naming the customer and the escalation', async () => {
    const { escalationCard } = await import('../../src/views/escalation.js');
    const card = escalationCard({
      escalation: {
        id: 12,
        customerName: 'Corvid Robotics',
        customerId: 'cus_DemoCorvidRobotics',
        caseRef: null,
        priority: 'p3',
        category: 'duplicate_charge',
        summary: 'Charged twice',
        details: 'Two charges',
        urgent: false,
        triggers: [],
        requesterId: 'U0L1',
        evidenceLinks: [],
        sourcePermalink: null,
      },
      matches: [],
    });
    const tools = card.blocks.find((block) => block.block_id === 'escalation_tools') as {
      elements: { action_id: string; value: string }[];
    };
    const button = tools.elements.find((element) => element.action_id === 'account_actions_open');
    expect(parseOpenActions(button?.value)).toEqual({ customer: 'cus_DemoCorvidRobotics', escalation: 12 });
  });
});
