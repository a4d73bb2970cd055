import { describe, expect, it } from 'vitest';
import {
  ACTION_KINDS,
  type ActionKind,
  DEFAULT_PERMISSIONS,
  decide,
  mayDecideStage,
  offeredActions,
  type PolicyDecision,
  type PolicyRequest,
  refundPolicyText,
} from '../../src/domain/permissions.js';
import type { RoleName } from '../../src/domain/roles.js';

/** 'run', 'no', or the approval stages: roles of a stage joined by '|', stages by ' > '. */
function summary(decision: PolicyDecision): string {
  if (decision.outcome === 'run_now') return 'run';
  if (decision.outcome === 'not_allowed') return 'no';
  return decision.stages.map((stage) => stage.roles.join('|')).join(' > ');
}

const L2UP = 'l2|manager|billing_specialist';
const MGR = 'manager|billing_specialist';
const SPEC = 'billing_specialist';
const ROLES = ['l1', 'l2', 'manager', 'billing_specialist'] as const;

/** Per case: expected summary for [l1, l2, manager, billing_specialist]. */
const MATRIX: Array<{ name: string; request: PolicyRequest; expected: [string, string, string, string] }> = [
  { name: 'payment link', request: { kind: 'payment_link' }, expected: ['run', 'run', 'run', 'run'] },
  { name: 'resend invoice', request: { kind: 'resend_invoice' }, expected: ['run', 'run', 'run', 'run'] },
  {
    name: 'credit $0.01',
    request: { kind: 'credit', measure: 1, currency: 'usd' },
    expected: [L2UP, 'run', 'run', 'run'],
  },
  {
    name: 'credit $99.99',
    request: { kind: 'credit', measure: 9_999, currency: 'usd' },
    expected: [L2UP, 'run', 'run', 'run'],
  },
  {
    name: 'credit $100',
    request: { kind: 'credit', measure: 10_000, currency: 'usd' },
    expected: [MGR, MGR, 'run', 'run'],
  },
  {
    name: 'credit $500',
    request: { kind: 'credit', measure: 50_000, currency: 'usd' },
    expected: [MGR, MGR, 'run', 'run'],
  },
  {
    name: 'credit $500.01',
    request: { kind: 'credit', measure: 50_001, currency: 'usd' },
    expected: [`${SPEC} > vp`, `${SPEC} > vp`, `${SPEC} > vp`, 'vp'],
  },
  {
    name: 'credit $600',
    request: { kind: 'credit', measure: 60_000, currency: 'usd' },
    expected: [`${SPEC} > vp`, `${SPEC} > vp`, `${SPEC} > vp`, 'vp'],
  },
  {
    name: 'credit 50 EUR (foreign currency takes the top band)',
    request: { kind: 'credit', measure: 5_000, currency: 'eur' },
    expected: [`${SPEC} > vp`, `${SPEC} > vp`, `${SPEC} > vp`, 'vp'],
  },
  {
    name: 'refund $99.99',
    request: { kind: 'refund', measure: 9_999, currency: 'usd' },
    expected: [MGR, MGR, 'run', 'run'],
  },
  {
    name: 'refund $500.01',
    request: { kind: 'refund', measure: 50_001, currency: 'usd' },
    expected: [MGR, MGR, 'run', 'run'],
  },
  {
    name: 'refund $1,000',
    request: { kind: 'refund', measure: 100_000, currency: 'usd' },
    expected: [MGR, MGR, 'run', 'run'],
  },
  {
    name: 'refund $1,000.01',
    request: { kind: 'refund', measure: 100_001, currency: 'usd' },
    expected: [`${MGR} > vp`, `${MGR} > vp`, 'vp', 'vp'],
  },
  {
    name: 'refund $50, 1 earlier refund in 90 days (no pattern yet)',
    request: { kind: 'refund', measure: 5_000, currency: 'usd', recentRefunds: 1 },
    expected: [MGR, MGR, 'run', 'run'],
  },
  {
    name: 'refund $50, 2 earlier refunds in 90 days (third: pattern)',
    request: { kind: 'refund', measure: 5_000, currency: 'usd', recentRefunds: 2 },
    expected: ['manager', 'manager', 'manager', 'manager'],
  },
  {
    name: 'refund $1,500 with a pattern',
    request: { kind: 'refund', measure: 150_000, currency: 'usd', recentRefunds: 5 },
    expected: ['manager > vp', 'manager > vp', 'manager > vp', 'manager > vp'],
  },
  {
    name: 'extend trial 1 day',
    request: { kind: 'extend_trial', measure: 1 },
    expected: ['run', 'run', 'run', 'run'],
  },
  {
    name: 'extend trial 14 days',
    request: { kind: 'extend_trial', measure: 14 },
    expected: ['run', 'run', 'run', 'run'],
  },
  {
    name: 'extend trial 15 days',
    request: { kind: 'extend_trial', measure: 15 },
    expected: [MGR, MGR, MGR, MGR],
  },
  { name: 'pause subscription', request: { kind: 'pause_subscription' }, expected: [MGR, MGR, 'run', 'run'] },
  {
    name: 'resume subscription',
    request: { kind: 'resume_subscription' },
    expected: [MGR, MGR, 'run', 'run'],
  },
  { name: 'upgrade', request: { kind: 'upgrade' }, expected: [L2UP, 'run', 'run', 'run'] },
  { name: 'downgrade', request: { kind: 'downgrade' }, expected: [L2UP, 'run', 'run', 'run'] },
  {
    name: 'cancel (customer-requested)',
    request: { kind: 'cancel_subscription' },
    expected: [MGR, MGR, 'run', 'run'],
  },
  {
    name: 'force cancellation',
    request: { kind: 'force_cancel' },
    expected: [`${SPEC} > legal`, `${SPEC} > legal`, `${SPEC} > legal`, 'legal'],
  },
  {
    name: 'update payment method',
    request: { kind: 'update_payment_method' },
    expected: [L2UP, 'run', 'run', 'run'],
  },
  { name: 'adjust seats', request: { kind: 'adjust_seats' }, expected: [L2UP, 'run', 'run', 'run'] },
  { name: 'discount 10%', request: { kind: 'discount', measure: 1_000 }, expected: [MGR, MGR, 'run', 'run'] },
  { name: 'discount 15%', request: { kind: 'discount', measure: 1_500 }, expected: [MGR, MGR, 'run', 'run'] },
  {
    name: 'discount 15.01%',
    request: { kind: 'discount', measure: 1_501 },
    expected: [`${SPEC} > vp`, `${SPEC} > vp`, `${SPEC} > vp`, 'vp'],
  },
  { name: 'clear billing flag', request: { kind: 'clear_billing_flag' }, expected: [MGR, MGR, 'run', 'run'] },
];

describe('the default permission matrix (seed 003)', () => {
  it('covers every action kind', () => {
    const covered = new Set(MATRIX.map((row) => row.request.kind));
    expect([...ACTION_KINDS].filter((kind) => !covered.has(kind))).toEqual([]);
  });

  describe.each(MATRIX)('$name', ({ request, expected }) => {
    it.each(ROLES.map((role, index) => [role, expected[index]] as const))('%s → %s', (role, want) => {
      const decision = decide(DEFAULT_PERMISSIONS, [role], request);
      expect(summary(decision)).toBe(want);
      expect(decision.reason).toMatch(/^[A-Z].+\.$/);
      expect(decision.reason).not.toContain('\n');
    });

    it.each(['vp', 'legal', 'engineer'] as const)('%s alone may not ask for it', (role) => {
      expect(summary(decide(DEFAULT_PERMISSIONS, [role], request))).toBe('no');
    });
  });

  it('people with several roles get the most their roles allow', () => {
    expect(
      summary(
        decide(DEFAULT_PERMISSIONS, ['l1', 'manager'], { kind: 'credit', measure: 20_000, currency: 'usd' }),
      ),
    ).toBe('run');
    expect(
      summary(
        decide(DEFAULT_PERMISSIONS, ['billing_specialist', 'vp'], {
          kind: 'credit',
          measure: 60_000,
          currency: 'usd',
        }),
      ),
    ).toBe('vp');
  });

  it('explains each decision in one line', () => {
    expect(
      decide(DEFAULT_PERMISSIONS, ['l2'], { kind: 'credit', measure: 60_000, currency: 'usd' }).reason,
    ).toBe("A credit of $600.00 needs a billing specialist; a credit of $600.00 also needs a VP's approval.");
    expect(
      decide(DEFAULT_PERMISSIONS, ['l2'], { kind: 'credit', measure: 5_000, currency: 'usd' }).reason,
    ).toBe("A credit of $50.00 is within your role's limits.");
    // In a currency without minor units, the amount is read as that currency counts it.
    expect(
      decide(DEFAULT_PERMISSIONS, ['l2'], { kind: 'credit', measure: 5_000, currency: 'jpy' }).reason,
    ).toContain('of ¥5,000 (limits are set in USD)');
    expect(decide(DEFAULT_PERMISSIONS, ['engineer'], { kind: 'credit', measure: 5_000 }).reason).toContain(
      'Only',
    );
  });

  it('an overridden matrix is read the same way', () => {
    const matrix = {
      ...DEFAULT_PERMISSIONS,
      actions: {
        ...DEFAULT_PERMISSIONS.actions,
        credit: {
          measure: 'amount' as const,
          bands: [{ below: 5_000, run: ['l1'] as RoleName[] }, { run: ['manager'] as RoleName[] }],
        },
      },
    };
    expect(summary(decide(matrix, ['l1'], { kind: 'credit', measure: 4_999, currency: 'usd' }))).toBe('run');
    expect(summary(decide(matrix, ['l2'], { kind: 'credit', measure: 5_000, currency: 'usd' }))).toBe(
      'manager',
    );
  });
});

describe('who may decide a stage', () => {
  const stage = { roles: ['billing_specialist'] as RoleName[], label: 'Approval' };
  it('refuses the requester, even when they hold the role', () => {
    expect(mayDecideStage(stage, { id: 'U1', roles: ['billing_specialist'] }, 'U1')).toMatchObject({
      ok: false,
    });
  });
  it('refuses someone without the stage role', () => {
    expect(mayDecideStage(stage, { id: 'U2', roles: ['l1'] }, 'U1')).toMatchObject({ ok: false });
  });
  it('accepts an eligible other person', () => {
    expect(mayDecideStage(stage, { id: 'U2', roles: ['billing_specialist'] }, 'U1')).toEqual({ ok: true });
  });
});

describe('the Actions menu', () => {
  const kinds = (roles: RoleName[]) => offeredActions(DEFAULT_PERMISSIONS, roles).map((entry) => entry.kind);
  it('offers every action to support roles (to run or to request) and none to others', () => {
    expect(kinds(['l1'])).toEqual([...ACTION_KINDS]);
    expect(kinds(['engineer'])).toEqual([]);
    expect(kinds([])).toEqual([]);
  });
  it('says which run at once', () => {
    const l1 = offeredActions(DEFAULT_PERMISSIONS, ['l1']);
    const runsNow = (kind: ActionKind) => l1.find((entry) => entry.kind === kind)?.runsNow;
    expect(runsNow('payment_link')).toBe(true);
    expect(runsNow('refund')).toBe(false);
  });
});

describe('the refund rules in words', () => {
  it('says what the default matrix does: VP approval above $1,000, a manager from the 3rd refund in 90 days', () => {
    expect(refundPolicyText(DEFAULT_PERMISSIONS)).toBe(
      'up to $1,000.00: a support manager or a billing specialist; above $1,000.00: a support manager or a billing specialist, then a VP; from the 3rd refund for one customer within 90 days, a support manager reviews each one',
    );
  });
  it('follows a replaced matrix', () => {
    const text = refundPolicyText({
      ...DEFAULT_PERMISSIONS,
      refundPattern: { count: 2, days: 30 },
      actions: {
        ...DEFAULT_PERMISSIONS.actions,
        refund: {
          measure: 'amount',
          bands: [
            { below: 25_000, run: ['l2', 'manager'] },
            { run: ['manager'], alsoApprovedBy: 'legal' },
          ],
        },
      },
    });
    expect(text).toBe(
      'below $250.00: an L2 agent or a support manager; from $250.00: a support manager, then legal; from the 2nd refund for one customer within 30 days, a support manager reviews each one',
    );
  });
});
