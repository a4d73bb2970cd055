import { formatMoney } from './money.js';
import type { RoleName } from './roles.js';

/**
 * Who may run which account action, and when one needs approval: seed 003's permission matrix as data, and one pure
 * function that reads it. The matrix can be replaced under the settings key `permissions`; this file holds the
 * defaults and the rules of interpretation, nothing else.
 *
 * Reading a row: the bands of an action are tried in order and the first whose limit covers the measure (amount,
 * days, percentage) applies. People holding one of the band's `run` roles run it at once, unless the band also asks
 * for a VP or legal sign-off (`alsoApprovedBy`). Anyone else who may request the action gets a first stage decided
 * by a person holding one of the `run` roles, then the sign-off stage when there is one.
 */

export const ACTION_KINDS = [
  'payment_link',
  'resend_invoice',
  'credit',
  'refund',
  'extend_trial',
  'pause_subscription',
  'resume_subscription',
  'upgrade',
  'downgrade',
  'cancel_subscription',
  'force_cancel',
  'update_payment_method',
  'adjust_seats',
  'discount',
  'clear_billing_flag',
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export const SUPPORT_ROLES = ['l1', 'l2', 'manager', 'billing_specialist'] as const;
export type SupportRole = (typeof SUPPORT_ROLES)[number];
export type SignOffRole = 'vp' | 'legal';

/** What a band's limit is measured in. */
export type Measure = 'none' | 'amount' | 'days' | 'percent';

export interface PermissionBand {
  /** The band applies while the measure is below this (exclusive). */
  below?: number | undefined;
  /** The band applies while the measure is at most this (inclusive). */
  upTo?: number | undefined;
  /** Roles that may run the action at once within this band. */
  run: RoleName[];
  /** A VP or legal stage that is always needed in this band, whoever asks. */
  alsoApprovedBy?: SignOffRole | undefined;
}

export interface ActionPermission {
  measure: Measure;
  bands: PermissionBand[];
}

export interface PermissionMatrix {
  /** Money limits are integer minor units of this currency; an action in another currency gets the top band. */
  currency: string;
  /** Roles that may see a customer's billing information and payment history (the card, lifecycle, playbooks). */
  viewers: RoleName[];
  /** Roles that may ask for an action they cannot run themselves. */
  requesters: RoleName[];
  actions: Record<ActionKind, ActionPermission>;
  /** Refunds for one customer within `days`, counting this one, from which a manager's review is always needed. */
  refundPattern: { count: number; days: number };
}

const L1_UP: RoleName[] = ['l1', 'l2', 'manager', 'billing_specialist'];
const L2_UP: RoleName[] = ['l2', 'manager', 'billing_specialist'];
const MANAGER_UP: RoleName[] = ['manager', 'billing_specialist'];
const SPECIALIST: RoleName[] = ['billing_specialist'];

const always = (run: RoleName[], alsoApprovedBy?: SignOffRole): ActionPermission => ({
  measure: 'none',
  bands: [{ run, ...(alsoApprovedBy ? { alsoApprovedBy } : {}) }],
});

/** Seed 003's matrix. Money in cents of USD, trial extensions in days, discounts in hundredths of a percent. */
export const DEFAULT_PERMISSIONS: PermissionMatrix = {
  currency: 'usd',
  viewers: ['l1', 'l2', 'manager', 'billing_specialist'],
  requesters: ['l1', 'l2', 'manager', 'billing_specialist'],
  refundPattern: { count: 3, days: 90 },
  actions: {
    payment_link: always(L1_UP),
    resend_invoice: always(L1_UP),
    credit: {
      measure: 'amount',
      bands: [
        { below: 10_000, run: L2_UP },
        { upTo: 50_000, run: MANAGER_UP },
        { run: SPECIALIST, alsoApprovedBy: 'vp' },
      ],
    },
    refund: {
      measure: 'amount',
      bands: [
        { upTo: 100_000, run: MANAGER_UP },
        { run: MANAGER_UP, alsoApprovedBy: 'vp' },
      ],
    },
    extend_trial: {
      measure: 'days',
      bands: [{ upTo: 14, run: L1_UP }, { run: [] }],
    },
    pause_subscription: always(MANAGER_UP),
    resume_subscription: always(MANAGER_UP),
    upgrade: always(L2_UP),
    downgrade: always(L2_UP),
    cancel_subscription: always(MANAGER_UP),
    force_cancel: always(SPECIALIST, 'legal'),
    update_payment_method: always(L2_UP),
    adjust_seats: always(L2_UP),
    discount: {
      measure: 'percent',
      bands: [
        { upTo: 1_500, run: MANAGER_UP },
        { run: SPECIALIST, alsoApprovedBy: 'vp' },
      ],
    },
    clear_billing_flag: always(MANAGER_UP),
  },
};

/** The parts of a request the policy reads. */
export interface PolicyRequest {
  kind: ActionKind;
  /** Minor units (amount), whole days, or hundredths of a percent, by the action's measure. */
  measure?: number | undefined;
  currency?: string | undefined;
  /** Refunds this customer had in the pattern window before this one (refunds only). */
  recentRefunds?: number | undefined;
}

/** One stage of approval: a person holding one of `roles` (not the requester) decides. */
export interface ApprovalStage {
  roles: RoleName[];
  label: string;
}

export type PolicyDecision =
  | { outcome: 'run_now'; reason: string }
  | { outcome: 'needs_approval'; stages: ApprovalStage[]; reason: string }
  | { outcome: 'not_allowed'; reason: string };

const ROLE_WORDS: Record<RoleName, string> = {
  l1: 'an L1 agent',
  l2: 'an L2 agent',
  manager: 'a support manager',
  billing_specialist: 'a billing specialist',
  vp: 'a VP',
  legal: 'legal',
  engineer: 'an engineer',
};

export function rolesInWords(roles: readonly RoleName[]): string {
  const words = roles.map((role) => ROLE_WORDS[role]);
  if (words.length <= 1) return words[0] ?? 'nobody';
  return `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

function bandCovers(band: PermissionBand, value: number): boolean {
  if (band.below !== undefined && !(value < band.below)) return false;
  if (band.upTo !== undefined && !(value <= band.upTo)) return false;
  return true;
}

/** The band that applies: the first that covers the measure; a foreign currency or no measure takes the last. */
export function bandFor(
  matrix: PermissionMatrix,
  request: PolicyRequest,
): { band: PermissionBand; index: number } {
  const permission = matrix.actions[request.kind];
  const last = permission.bands.length - 1;
  const foreign =
    permission.measure === 'amount' &&
    request.currency !== undefined &&
    request.currency.toLowerCase() !== matrix.currency.toLowerCase();
  if (permission.measure === 'none' || foreign || request.measure === undefined) {
    const index = permission.measure === 'none' ? 0 : last;
    return { band: permission.bands[index] as PermissionBand, index };
  }
  const value = request.measure;
  const index = permission.bands.findIndex((band) => bandCovers(band, value));
  const chosen = index === -1 ? last : index;
  return { band: permission.bands[chosen] as PermissionBand, index: chosen };
}

const SIGN_OFF_LABEL: Record<SignOffRole, string> = { vp: 'VP approval', legal: 'Legal approval' };

/**
 * The decision for one person (by their roles) asking for one action: run it now, which approval stages it needs,
 * or not allowed — always with a one-line reason.
 */
export function decide(
  matrix: PermissionMatrix,
  requesterRoles: readonly RoleName[],
  request: PolicyRequest,
): PolicyDecision {
  const { band } = bandFor(matrix, request);
  const canRun = band.run.some((role) => requesterRoles.includes(role));
  const mayRequest = canRun || matrix.requesters.some((role) => requesterRoles.includes(role));
  if (!mayRequest) {
    return {
      outcome: 'not_allowed',
      reason: `Only ${rolesInWords(matrix.requesters)} may ask for account actions.`,
    };
  }
  const stages: ApprovalStage[] = [];
  const reasons: string[] = [];
  const pattern =
    request.kind === 'refund' &&
    (request.recentRefunds ?? 0) + 1 >= matrix.refundPattern.count &&
    matrix.refundPattern.count > 0;

  if (pattern) {
    stages.push({ roles: ['manager'], label: 'Manager review' });
    reasons.push(
      `this would be refund ${(request.recentRefunds ?? 0) + 1} for this customer in ${matrix.refundPattern.days} days, which always needs a manager's review`,
    );
  } else if (!canRun) {
    if (band.run.length === 0) {
      // Nobody may run this band on their own: a manager or billing specialist decides.
      stages.push({ roles: MANAGER_UP, label: 'Approval' });
      reasons.push(`${limitText(matrix, request)} is beyond what any role may do alone`);
    } else {
      stages.push({ roles: band.run, label: 'Approval' });
      reasons.push(`${limitText(matrix, request)} needs ${rolesInWords(band.run)}`);
    }
  }
  if (band.alsoApprovedBy) {
    stages.push({ roles: [band.alsoApprovedBy], label: SIGN_OFF_LABEL[band.alsoApprovedBy] });
    reasons.push(`${limitText(matrix, request)} also needs ${ROLE_WORDS[band.alsoApprovedBy]}'s approval`);
  }
  if (stages.length === 0) {
    return {
      outcome: 'run_now',
      reason: `${capitalise(limitText(matrix, request))} is within your role's limits.`,
    };
  }
  return { outcome: 'needs_approval', stages, reason: `${capitalise(reasons.join('; '))}.` };
}

const KIND_WORDS: Record<ActionKind, string> = {
  payment_link: 'a payment link',
  resend_invoice: 'resending an invoice',
  credit: 'a credit',
  refund: 'a refund',
  extend_trial: 'a trial extension',
  pause_subscription: 'pausing a subscription',
  resume_subscription: 'resuming a subscription',
  upgrade: 'an upgrade',
  downgrade: 'a downgrade',
  cancel_subscription: 'a cancellation',
  force_cancel: 'a forced cancellation',
  update_payment_method: 'a payment method update link',
  adjust_seats: 'a seat change',
  discount: 'a discount',
  clear_billing_flag: 'clearing a billing flag',
};

function describeMeasure(matrix: PermissionMatrix, request: PolicyRequest): string | undefined {
  const measure = matrix.actions[request.kind].measure;
  if (request.measure === undefined) return undefined;
  if (measure === 'amount') {
    const currency = request.currency ?? matrix.currency;
    const foreign = currency.toLowerCase() !== matrix.currency.toLowerCase();
    const amount = formatMoney(request.measure, currency);
    return foreign ? `of ${amount} (limits are set in ${matrix.currency.toUpperCase()})` : `of ${amount}`;
  }
  if (measure === 'days') return `of ${request.measure} day${request.measure === 1 ? '' : 's'}`;
  if (measure === 'percent') return `of ${(request.measure / 100).toFixed(2).replace(/\.?0+$/, '')}%`;
  return undefined;
}

function limitText(matrix: PermissionMatrix, request: PolicyRequest): string {
  const measure = describeMeasure(matrix, request);
  return measure ? `${KIND_WORDS[request.kind]} ${measure}` : KIND_WORDS[request.kind];
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The refund row of the matrix and its refund pattern in words, for texts that quote the policy (the refund
 * playbooks), so they can never say something the policy does not do. For the defaults: "up to $1,000.00: a support
 * manager or a billing specialist; above $1,000.00: a support manager or a billing specialist, then a VP; from the
 * 3rd refund for one customer within 90 days, a support manager reviews each one".
 */
export function refundPolicyText(matrix: PermissionMatrix): string {
  const { bands } = matrix.actions.refund;
  const money = (minor: number) => formatMoney(minor, matrix.currency);
  const parts = bands.map((band, index) => {
    const previous = bands[index - 1];
    const range =
      band.upTo !== undefined
        ? `up to ${money(band.upTo)}`
        : band.below !== undefined
          ? `below ${money(band.below)}`
          : previous?.upTo !== undefined
            ? `above ${money(previous.upTo)}`
            : previous?.below !== undefined
              ? `from ${money(previous.below)}`
              : 'any amount';
    const runs = band.run.length > 0 ? rolesInWords(band.run) : `approval by ${rolesInWords(MANAGER_UP)}`;
    return `${range}: ${runs}${band.alsoApprovedBy ? `, then ${ROLE_WORDS[band.alsoApprovedBy]}` : ''}`;
  });
  const { count, days } = matrix.refundPattern;
  if (count > 0)
    parts.push(
      `from the ${ordinal(count)} refund for one customer within ${days} days, ${ROLE_WORDS.manager} reviews each one`,
    );
  return parts.join('; ');
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix =
    tens >= 11 && tens <= 13 ? 'th' : n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
  return `${n}${suffix}`;
}

/** Whether this person may decide this stage: they hold one of its roles and did not ask for the action. */
export function mayDecideStage(
  stage: ApprovalStage,
  approver: { id: string; roles: readonly RoleName[] },
  requesterId: string,
): { ok: true } | { ok: false; reason: string } {
  if (approver.id === requesterId)
    return { ok: false, reason: 'You asked for this action, so you cannot decide on it.' };
  if (!stage.roles.some((role) => approver.roles.includes(role)))
    return { ok: false, reason: `This stage needs ${rolesInWords(stage.roles)}.` };
  return { ok: true };
}

/** Actions this person may run or request (for the Actions menu); whether each is run now for its smallest case. */
export function offeredActions(
  matrix: PermissionMatrix,
  roles: readonly RoleName[],
): { kind: ActionKind; runsNow: boolean }[] {
  const offered: { kind: ActionKind; runsNow: boolean }[] = [];
  for (const kind of ACTION_KINDS) {
    const first = matrix.actions[kind].bands[0];
    const decision = decide(matrix, roles, { kind, measure: 0, currency: matrix.currency });
    if (decision.outcome === 'not_allowed' || !first) continue;
    offered.push({ kind, runsNow: decision.outcome === 'run_now' });
  }
  return offered;
}

/** Whether someone holding `roles` may see customers' billing information (seed 003: the four support roles). */
export function mayViewBilling(
  matrix: Pick<PermissionMatrix, 'viewers'>,
  roles: readonly RoleName[],
): boolean {
  return matrix.viewers.some((role) => roles.includes(role));
}
