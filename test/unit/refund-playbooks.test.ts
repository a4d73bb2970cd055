import { describe, expect, it } from 'vitest';
import type { ChargeFacts } from '../../src/domain/billing.js';
import {
  DEFAULT_PERMISSIONS,
  type PermissionMatrix,
  refundPolicyText,
} from '../../src/domain/permissions.js';
import {
  chargedTwicePlaybook,
  type PlaybookResult,
  refundRequestPlaybook,
} from '../../src/domain/playbooks.js';
import type { RoleName } from '../../src/domain/roles.js';
import { playbookModal } from '../../src/views/billingCard.js';
import { chargeFacts } from '../support/billing-facts.js';

/**
 * The refund playbooks say what a refund takes from the same permission matrix the account actions obey, for the
 * person reading: no threshold or pattern of their own.
 */
const NOW = new Date('2026-11-23T12:00:00Z');
const DAY = 86_400_000;
const card = { brand: 'visa', last4: '1881', expMonth: 4, expYear: 2029, fingerprint: 'fp_same' };

function charge(overrides: Partial<ChargeFacts>): ChargeFacts {
  return chargeFacts({
    id: 'ch_latest000001',
    createdAt: new Date(NOW.getTime() - 2 * DAY),
    card,
    ...overrides,
  });
}
/** Earlier payments of this customer, each partly refunded, `daysAgo` each. */
const refundedEarlier = (...daysAgo: number[]) =>
  daysAgo.map((days, index) =>
    charge({
      id: `ch_refunded00${index}`,
      createdAt: new Date(NOW.getTime() - days * DAY),
      refundedMinor: 500,
    }),
  );

const refundRequest = (
  charges: ChargeFacts[],
  viewerRoles: RoleName[],
  permissions: PermissionMatrix = DEFAULT_PERMISSIONS,
) =>
  refundRequestPlaybook({
    charges,
    policy: { windowDays: 30 },
    approval: { permissions, viewerRoles },
    now: NOW,
  });
const fact = (result: PlaybookResult, label: string) => result.facts.find((f) => f.label === label)?.value;

describe('refund request playbook', () => {
  it('quotes the permission policy: a VP above $1,000, a manager from the 3rd refund in 90 days', () => {
    const result = refundRequest([charge({})], ['l1']);
    const policy = fact(result, 'Policy') ?? '';
    expect(policy).toContain(refundPolicyText(DEFAULT_PERMISSIONS));
    expect(policy).toContain('above $1,000.00: a support manager or a billing specialist, then a VP');
    expect(policy).toContain('from the 3rd refund for one customer within 90 days');
    expect(JSON.stringify(result)).not.toMatch(/six months|a manager reviews/);
  });

  it('says what this refund takes, by the policy, for the person reading', () => {
    const big = [charge({ amountMinor: 340_000 })];
    const [l1Note] = refundRequest(big, ['l1']).notes;
    expect(l1Note).toContain('needs approval');
    expect(l1Note).toContain("also needs a VP's approval");
    // A manager may refund up to $1,000 alone; above it, a VP still signs off.
    expect(refundRequest(big, ['manager']).notes[0]).toContain("also needs a VP's approval");
    expect(refundRequest([charge({})], ['manager']).notes[0]).toContain("within your role's limits");
    expect(refundRequest([charge({})], ['l1']).notes[0]).toContain('needs approval');
  });

  it('counts refunds in the pattern window: the 3rd in 90 days needs a manager, even for a billing specialist', () => {
    const third = refundRequest([charge({}), ...refundedEarlier(20, 70)], ['billing_specialist']);
    expect(fact(third, 'Refunds in the last 90 days')).toBe('2');
    expect(third.notes[0]).toContain("always needs a manager's review");
    // One of them is older than 90 days: only the second refund, within the specialist's limits.
    const second = refundRequest([charge({}), ...refundedEarlier(20, 120)], ['billing_specialist']);
    expect(fact(second, 'Refunds in the last 90 days')).toBe('1');
    expect(second.notes[0]).toContain("within your role's limits");
  });

  it('counts each refund by when it was made, as the policy does: an old payment refunded lately, two on one', () => {
    const old = charge({
      id: 'ch_old000000001',
      createdAt: new Date(NOW.getTime() - 120 * DAY),
      refundedMinor: 9_900,
      refundDates: [new Date(NOW.getTime() - 30 * DAY)],
    });
    const twice = charge({
      id: 'ch_twice0000001',
      createdAt: new Date(NOW.getTime() - 10 * DAY),
      refundedMinor: 4_000,
      refundDates: [new Date(NOW.getTime() - 9 * DAY), new Date(NOW.getTime() - 8 * DAY)],
    });
    const result = refundRequest([charge({}), old, twice], ['billing_specialist']);
    expect(fact(result, 'Refunds in the last 90 days')).toBe('3');
    expect(result.notes[0]).toContain("always needs a manager's review");
    // A refund made before the window does not count.
    const outside = charge({
      id: 'ch_outside00001',
      createdAt: new Date(NOW.getTime() - 100 * DAY),
      refundedMinor: 100,
      refundDates: [new Date(NOW.getTime() - 95 * DAY)],
    });
    expect(fact(refundRequest([charge({}), outside], ['manager']), 'Refunds in the last 90 days')).toBe('0');
  });

  it('follows a replaced matrix (window and pattern), not numbers of its own', () => {
    const matrix: PermissionMatrix = { ...DEFAULT_PERMISSIONS, refundPattern: { count: 2, days: 30 } };
    const result = refundRequest([charge({}), ...refundedEarlier(20)], ['manager'], matrix);
    expect(fact(result, 'Refunds in the last 30 days')).toBe('1');
    expect(fact(result, 'Policy')).toContain('from the 2nd refund for one customer within 30 days');
    expect(result.notes[0]).toContain('refund 2 for this customer in 30 days');
  });
});

describe('charged twice playbook: the refund button for the person reading', () => {
  const charges = [
    charge({ id: 'ch_original0001', createdAt: new Date(NOW.getTime() - 2 * DAY - 3 * 60_000) }),
    charge({ id: 'ch_duplicate001' }),
  ];
  const offer = (viewerRoles: RoleName[], extra: ChargeFacts[] = []) =>
    chargedTwicePlaybook({
      charges: [...charges, ...extra],
      windowHours: 24,
      approval: { permissions: DEFAULT_PERMISSIONS, viewerRoles },
      now: NOW,
    });
  const label = (result: PlaybookResult) =>
    JSON.stringify(
      playbookModal({
        customerId: 'cus_Corvid',
        customerName: 'Corvid',
        result,
        choices: [],
        selected: undefined,
      }).blocks,
    ).match(/"text":"(Refund \$[^"]*)"/)?.[1];

  it('says "requires approval" only to those the policy asks to get one', () => {
    expect(offer(['l1']).refundOffer).toMatchObject({ chargeId: 'ch_duplicate001', needsApproval: true });
    expect(label(offer(['l1']))).toBe('Refund $99.00 (requires approval)');
    expect(label(offer(['l2']))).toBe('Refund $99.00 (requires approval)');
    expect(offer(['manager']).refundOffer?.needsApproval).toBe(false);
    expect(label(offer(['manager']))).toBe('Refund $99.00');
    expect(label(offer(['billing_specialist']))).toBe('Refund $99.00');
    expect(offer(['manager']).notes[0]).toContain("within your role's limits");
  });

  it('a refund pattern makes it need a manager for the billing specialist too', () => {
    const result = offer(['billing_specialist'], refundedEarlier(10, 40));
    expect(result.refundOffer?.needsApproval).toBe(true);
    expect(label(result)).toBe('Refund $99.00 (requires approval)');
  });

  it('offers no button to someone who may not ask for refunds', () => {
    const result = offer(['engineer']);
    expect(result.refundOffer).toBeUndefined();
    expect(label(result)).toBeUndefined();
  });
});
