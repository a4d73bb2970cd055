import { formatMoney, fractionDigits, minorUnitsPerMajor } from './money.js';
import type { ActionKind, PolicyRequest } from './permissions.js';

/**
 * Account actions as fixed, typed operations: what each one takes, how a form's text becomes those parameters (or a
 * field-level error), and the state machine every action follows. Nothing here knows Slack or Stripe.
 */

export const ACTION_STATES = [
  'pending_approval',
  'approved',
  'executing',
  'succeeded',
  'failed',
  'denied',
  'expired',
] as const;
export type ActionState = (typeof ACTION_STATES)[number];

/** The transitions the database's conditional updates allow; anything else is a conflict. */
export const TRANSITIONS: Record<ActionState, readonly ActionState[]> = {
  pending_approval: ['approved', 'denied', 'expired'],
  approved: ['executing'],
  executing: ['succeeded', 'failed'],
  // A transient failure may be tried again with the same idempotency key.
  failed: ['approved'],
  succeeded: [],
  denied: [],
  expired: [],
};

export const REFUND_REASONS = ['duplicate', 'requested_by_customer', 'fraudulent'] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];
export const REFUND_REASON_LABELS: Record<RefundReason, string> = {
  duplicate: 'Duplicate charge',
  requested_by_customer: 'Requested by the customer',
  fraudulent: 'Fraudulent charge',
};

export type CancelWhen = 'period_end' | 'now';

export type ActionParams =
  | { kind: 'payment_link'; invoiceId?: string | undefined }
  | { kind: 'resend_invoice'; invoiceId?: string | undefined }
  | { kind: 'credit'; amountMinor: number; currency: string }
  | {
      kind: 'refund';
      /** A charge (`ch_…`) or payment intent (`pi_…`). */
      target: string;
      /** Undefined refunds whatever is left of the charge. */
      amountMinor?: number | undefined;
      currency: string;
      refundReason: RefundReason;
    }
  | { kind: 'extend_trial'; days: number; subscriptionId?: string | undefined }
  | { kind: 'pause_subscription'; subscriptionId?: string | undefined }
  | { kind: 'resume_subscription'; subscriptionId?: string | undefined }
  | { kind: 'upgrade' | 'downgrade'; priceId: string; subscriptionId?: string | undefined }
  | { kind: 'cancel_subscription'; when: CancelWhen; subscriptionId?: string | undefined }
  | { kind: 'force_cancel'; subscriptionId?: string | undefined }
  | { kind: 'update_payment_method' }
  | { kind: 'adjust_seats'; seats: number; subscriptionId?: string | undefined }
  | { kind: 'discount'; percentHundredths: number; subscriptionId?: string | undefined }
  | { kind: 'clear_billing_flag'; flag: string };

/** The kinds that act on the customer's live subscription (looked up when the action is requested). */
export const SUBSCRIPTION_KINDS: readonly ActionKind[] = [
  'extend_trial',
  'pause_subscription',
  'resume_subscription',
  'upgrade',
  'downgrade',
  'cancel_subscription',
  'force_cancel',
  'adjust_seats',
  'discount',
];

export const ACTION_LABELS: Record<ActionKind, string> = {
  payment_link: 'Send a payment link',
  resend_invoice: 'Resend invoice',
  credit: 'One-time credit',
  refund: 'Refund',
  extend_trial: 'Extend trial',
  pause_subscription: 'Pause subscription',
  resume_subscription: 'Resume subscription',
  upgrade: 'Upgrade plan',
  downgrade: 'Downgrade plan',
  cancel_subscription: 'Cancel subscription (customer asked)',
  force_cancel: 'Force cancellation',
  update_payment_method: 'Payment method update link',
  adjust_seats: 'Adjust seats',
  discount: 'Percentage discount',
  clear_billing_flag: 'Clear a billing flag',
};

/** Which subscription-level fields each kind needs from its form (block ids of the form modal). */
export const FORM_FIELDS: Record<ActionKind, readonly FormField[]> = {
  payment_link: ['invoice'],
  resend_invoice: ['invoice'],
  credit: ['amount'],
  refund: ['charge', 'amount', 'refund_reason'],
  extend_trial: ['days'],
  pause_subscription: [],
  resume_subscription: [],
  upgrade: ['price'],
  downgrade: ['price'],
  cancel_subscription: ['cancel_when'],
  force_cancel: [],
  update_payment_method: [],
  adjust_seats: ['seats'],
  discount: ['percent'],
  clear_billing_flag: ['flag'],
};
export type FormField =
  | 'invoice'
  | 'amount'
  | 'charge'
  | 'refund_reason'
  | 'days'
  | 'price'
  | 'cancel_when'
  | 'seats'
  | 'percent'
  | 'flag';

export type FormValues = Partial<Record<FormField | 'reason', string | undefined>>;

export interface FormContext {
  /** The customer's currency, for credits. */
  currency: string;
  billingFlags: readonly string[];
  /** Prices the plan-change select offered. */
  priceIds: readonly string[];
}

export type Validated =
  | { ok: true; params: ActionParams; reason: string }
  | { ok: false; errors: Partial<Record<FormField | 'reason', string>> };

/**
 * The largest amount an action may move, in minor units of any currency. Stripe refuses amounts of more than eight
 * digits in minor units for most currencies ($999,999.99, ¥99,999,999, 99,999.999 KWD); the few it allows more for are
 * held to the same cap here, which is far above anything support hands out. Refusing it in the form tells the agent at
 * once, instead of Stripe refusing it after the approvals.
 */
export const MAX_AMOUNT_MINOR = 99_999_999;

/** Why a text is not an amount we take: not a number, a comma used as a decimal mark, or above the cap. */
export type MoneyProblem = 'not_money' | 'decimal_comma' | 'too_large';
export type MoneyReading = { ok: true; amountMinor: number } | { ok: false; problem: MoneyProblem };

/**
 * The whole part of an amount: plain digits ("1250"), or thousands separated by commas ("1,250", "12,345,678") with
 * groups of exactly three digits after a first group of one to three that does not start with 0. Anything else with a
 * comma ("0,50", "1,5", "12,34,567") is someone writing a decimal comma, and is refused rather than guessed: reading
 * "0,50" as 50 would credit a hundred times what was meant.
 */
const WHOLE_PART = String.raw`(\d+|[1-9]\d{0,2}(?:,\d{3})+)`;
const WHOLE = new RegExp(`^${WHOLE_PART}$`);
/** A number written with digits, commas and maybe a dot part. */
const DIGITS_AND_COMMAS = /^\d[\d,]*(\.\d*)?$/;

/** Digits and commas whose whole part is not thousands-separated: a decimal comma ("0,50"), or a mangled number. */
function commaMistake(clean: string): boolean {
  const whole = clean.split('.')[0] ?? '';
  return DIGITS_AND_COMMAS.test(clean) && whole.includes(',') && !WHOLE.test(whole);
}

/** "12.34", "1,200", "$5" in major units of `currency` → integer minor units, or why the text is refused. */
export function readMoney(text: string, currency: string): MoneyReading {
  const clean = text.trim().replace(/^[$€£]/, '');
  const decimals = fractionDigits(currency);
  const pattern = new RegExp(`^${WHOLE_PART}${decimals === 0 ? '' : `(?:\\.(\\d{1,${decimals}}))?`}$`);
  const match = pattern.exec(clean);
  if (!match) return { ok: false, problem: commaMistake(clean) ? 'decimal_comma' : 'not_money' };
  const whole = (match[1] ?? '0').replace(/,/g, '');
  const fraction = (match[2] ?? '').padEnd(decimals, '0');
  const amountMinor = Number(whole) * minorUnitsPerMajor(currency) + Number(fraction || '0');
  if (!Number.isSafeInteger(amountMinor) || amountMinor > MAX_AMOUNT_MINOR)
    return { ok: false, problem: 'too_large' };
  return { ok: true, amountMinor };
}

/** {@link readMoney}'s amount, or undefined when the text is refused for any reason. */
export function parseMoney(text: string, currency: string): number | undefined {
  const reading = readMoney(text, currency);
  return reading.ok ? reading.amountMinor : undefined;
}

/** An amount as the agent would type it in this currency: 25.00, 2500 (yen) or 25.000 (dinars). */
function exampleAmount(currency: string): string {
  const decimals = fractionDigits(currency);
  return decimals === 0 ? '2500' : `25.${'0'.repeat(decimals)}`;
}

/** The field error for a refused amount; `otherwise` is the text for something that is not an amount at all. */
function moneyError(problem: MoneyProblem, currency: string, otherwise: string): string {
  const code = currency.toUpperCase();
  switch (problem) {
    case 'decimal_comma':
      return fractionDigits(currency) === 0
        ? `${code} has no decimals: enter a whole amount, like 2500 or 2,500. A comma only separates thousands.`
        : `Use a dot for decimals, like ${exampleAmount(currency)} or 0.50. A comma only separates thousands, like 1,250.00.`;
    case 'too_large':
      return `That is more than Stripe takes in one go; the most is ${formatMoney(MAX_AMOUNT_MINOR, currency)}.`;
    case 'not_money':
      return otherwise;
  }
}

/** "15", "15.5" or "15.01" percent → hundredths of a percent; undefined when not a percentage with ≤ 2 decimals. */
export function parsePercent(text: string): number | undefined {
  const clean = text.trim().replace(/%$/, '').trim();
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(clean)) return undefined;
  const [whole = '0', fraction = ''] = clean.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

const MAX_REASON = 1_000;
const INVOICE_ID = /^in_[A-Za-z0-9]{6,}$/;
const REFUND_TARGET = /^(ch|py|pi)_[A-Za-z0-9]{6,}$/;
const PRICE_ID = /^price_[A-Za-z0-9]{4,}$/;

/** The form's text → typed parameters, or an error per field. Never accepts anything outside its fixed shape. */
export function validateActionForm(kind: ActionKind, values: FormValues, context: FormContext): Validated {
  const errors: Partial<Record<FormField | 'reason', string>> = {};
  const reason = (values.reason ?? '').trim();
  if (!reason) errors.reason = 'Say why: the approvers and the audit trail need a reason.';
  else if (reason.length > MAX_REASON) errors.reason = `Keep the reason under ${MAX_REASON} characters.`;
  const text = (field: FormField) => (values[field] ?? '').trim();
  let params: ActionParams | undefined;

  switch (kind) {
    case 'payment_link':
    case 'resend_invoice': {
      const invoiceId = text('invoice');
      if (invoiceId && !INVOICE_ID.test(invoiceId))
        errors.invoice = 'An invoice id starts with in_ (leave it empty for the newest open invoice).';
      params = { kind, ...(invoiceId ? { invoiceId } : {}) };
      break;
    }
    case 'credit': {
      const reading = readMoney(text('amount'), context.currency);
      const amountMinor = reading.ok ? reading.amountMinor : 0;
      const notAmount = `Enter an amount in ${context.currency.toUpperCase()}, like ${exampleAmount(context.currency)}.`;
      if (!reading.ok) errors.amount = moneyError(reading.problem, context.currency, notAmount);
      else if (amountMinor <= 0) errors.amount = notAmount;
      params = { kind, amountMinor, currency: context.currency };
      break;
    }
    case 'refund': {
      const target = text('charge');
      if (!REFUND_TARGET.test(target)) errors.charge = 'Enter the charge (ch_…) or payment (pi_…) to refund.';
      const amountText = text('amount');
      const reading = amountText ? readMoney(amountText, context.currency) : undefined;
      const amountMinor = reading?.ok ? reading.amountMinor : undefined;
      const notAmount = `Enter an amount like ${exampleAmount(context.currency)}, or leave it empty to refund the whole charge.`;
      if (reading && !reading.ok) errors.amount = moneyError(reading.problem, context.currency, notAmount);
      else if (amountMinor !== undefined && amountMinor <= 0) errors.amount = notAmount;
      const refundReason = (REFUND_REASONS as readonly string[]).includes(text('refund_reason'))
        ? (text('refund_reason') as RefundReason)
        : 'requested_by_customer';
      params = {
        kind,
        target,
        ...(amountMinor !== undefined ? { amountMinor } : {}),
        currency: context.currency,
        refundReason,
      };
      break;
    }
    case 'extend_trial': {
      const days = Number(text('days'));
      if (!Number.isInteger(days) || days < 1 || days > 365)
        errors.days = 'Enter a whole number of days between 1 and 365.';
      params = { kind, days };
      break;
    }
    case 'upgrade':
    case 'downgrade': {
      const priceId = text('price');
      if (!PRICE_ID.test(priceId) || !context.priceIds.includes(priceId)) errors.price = 'Pick the new plan.';
      params = { kind, priceId };
      break;
    }
    case 'cancel_subscription': {
      const when = text('cancel_when') === 'now' ? 'now' : 'period_end';
      params = { kind, when };
      break;
    }
    case 'adjust_seats': {
      const seats = Number(text('seats'));
      if (!Number.isInteger(seats) || seats < 1 || seats > 100_000)
        errors.seats = 'Enter the new number of seats (a whole number, at least 1).';
      params = { kind, seats };
      break;
    }
    case 'discount': {
      const percentHundredths = parsePercent(text('percent'));
      if (percentHundredths === undefined || percentHundredths <= 0 || percentHundredths > 10_000)
        errors.percent = 'Enter a percentage between 0.01 and 100, like 10 or 12.5.';
      params = { kind, percentHundredths: percentHundredths ?? 0 };
      break;
    }
    case 'clear_billing_flag': {
      const flag = text('flag');
      if (!context.billingFlags.includes(flag)) errors.flag = 'Pick one of the billing flags.';
      params = { kind, flag };
      break;
    }
    case 'pause_subscription':
    case 'resume_subscription':
    case 'force_cancel':
    case 'update_payment_method':
      params = { kind };
      break;
  }
  if (Object.keys(errors).length > 0 || !params) return { ok: false, errors };
  return { ok: true, params, reason };
}

/** What the policy reads from an action's parameters. */
export function policyRequestOf(params: ActionParams, recentRefunds?: number): PolicyRequest {
  switch (params.kind) {
    case 'credit':
      return { kind: params.kind, measure: params.amountMinor, currency: params.currency };
    case 'refund':
      return {
        kind: params.kind,
        measure: params.amountMinor,
        currency: params.currency,
        recentRefunds: recentRefunds ?? 0,
      };
    case 'extend_trial':
      return { kind: params.kind, measure: params.days };
    case 'discount':
      return { kind: params.kind, measure: params.percentHundredths };
    default:
      return { kind: params.kind };
  }
}

/** The amount an action moves, for the record and the audit trail. */
export function moneyOf(params: ActionParams): { amountMinor: number; currency: string } | undefined {
  if (params.kind === 'credit') return { amountMinor: params.amountMinor, currency: params.currency };
  if (params.kind === 'refund' && params.amountMinor !== undefined)
    return { amountMinor: params.amountMinor, currency: params.currency };
  return undefined;
}

/** One line a person reads: "Refund of $12.00 (duplicate charge) on ch_…". */
export function describeParams(params: ActionParams): string {
  switch (params.kind) {
    case 'payment_link':
      return params.invoiceId
        ? `Payment link for ${params.invoiceId}`
        : 'Payment link for the newest open invoice';
    case 'resend_invoice':
      return params.invoiceId ? `Resend ${params.invoiceId}` : 'Resend the newest open invoice';
    case 'credit':
      return `One-time credit of ${formatMoney(params.amountMinor, params.currency)}`;
    case 'refund':
      return `Refund of ${params.amountMinor !== undefined ? formatMoney(params.amountMinor, params.currency) : 'the whole charge'} on ${params.target} (${REFUND_REASON_LABELS[params.refundReason].toLowerCase()})`;
    case 'extend_trial':
      return `Extend the trial by ${params.days} day${params.days === 1 ? '' : 's'}`;
    case 'pause_subscription':
      return 'Pause collection on the subscription';
    case 'resume_subscription':
      return 'Resume collection on the subscription';
    case 'upgrade':
      return `Upgrade to ${params.priceId} now, with proration`;
    case 'downgrade':
      return `Downgrade to ${params.priceId} at the end of the period`;
    case 'cancel_subscription':
      return params.when === 'now'
        ? 'Cancel the subscription now (customer asked)'
        : 'Cancel the subscription at the end of the period (customer asked)';
    case 'force_cancel':
      return 'Force cancellation of the subscription, now';
    case 'update_payment_method':
      return 'Send a link where the customer updates their payment method';
    case 'adjust_seats':
      return `Change the seat count to ${params.seats}`;
    case 'discount':
      return `Apply a ${(params.percentHundredths / 100).toString()}% discount`;
    case 'clear_billing_flag':
      return `Clear the billing flag "${params.flag}"`;
  }
}

/** How people refer to an action: A-12. */
export const actionRef = (id: number) => `A-${id}`;

/**
 * The Stripe idempotency key of an action (one per action, and per step for actions of several calls). The id alone
 * is not enough: ids start again after a database reset, and two deployments may share one Stripe account, so a new
 * action could meet an old action's key within Stripe's 24 hours and get its answer replayed. The creation time (in
 * milliseconds, as stored) makes the key the action's own while keeping it the same on every retry.
 */
export function idempotencyKey(action: { id: number; createdAt: Date }, step?: string): string {
  return `frontline-account-action-${action.id}-${action.createdAt.getTime()}${step ? `-${step}` : ''}`;
}
