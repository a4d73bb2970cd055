/**
 * The escalation checklist (seed 001) and the billing categories (seed 003), and the rule that a seed-001 trigger
 * makes an escalation urgent at the top priority.
 */

export const CATEGORIES = [
  'payment_failed',
  'invoice_discrepancy',
  'plan_change',
  'refund',
  'overcharge_dispute',
  'duplicate_charge',
  'payment_method_update',
  'tax_question',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const CATEGORY_LABELS: Record<Category, string> = {
  payment_failed: 'Payment failed',
  invoice_discrepancy: 'Invoice discrepancy',
  plan_change: 'Plan change',
  refund: 'Refund',
  overcharge_dispute: 'Overcharge dispute',
  duplicate_charge: 'Duplicate charge',
  payment_method_update: 'Payment method update',
  tax_question: 'Tax question',
  other: 'Other billing',
};

export const PRIORITIES = ['p1', 'p2', 'p3', 'p4'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const PRIORITY_LABELS: Record<Priority, string> = {
  p1: 'P1 — Urgent',
  p2: 'P2 — High',
  p3: 'P3 — Normal',
  p4: 'P4 — Low',
};

/** The three circumstances of seed 001 under which support escalates at once. */
export const TRIGGERS = ['after_release', 'financial', 'large_impact'] as const;
export type Trigger = (typeof TRIGGERS)[number];

export const TRIGGER_LABELS: Record<Trigger, string> = {
  after_release: 'Started right after an upgrade or patch',
  financial: 'Money is wrong (a financial issue)',
  large_impact: 'Looks like it affects many customers',
};

export type EscalationStatus = 'open' | 'linked' | 'awaiting_confirmation' | 'closed';

export type EscalationSource = 'command' | 'shortcut' | 'intake' | 'mention' | 'home';

/** Any trigger raises the priority to the top and marks the escalation urgent. */
export function effectivePriority(
  chosen: Priority,
  triggers: readonly Trigger[],
): { priority: Priority; urgent: boolean } {
  return triggers.length > 0 ? { priority: 'p1', urgent: true } : { priority: chosen, urgent: false };
}

/** A message event in a channel, as far as intake cares. */
export interface ChannelMessage {
  channel: string;
  ts: string;
  subtype?: string | undefined;
  botId?: string | undefined;
  threadTs?: string | undefined;
  user?: string | undefined;
  text?: string | undefined;
}

/**
 * Subtypes that are a person posting something new: a plain message has none, and a message with a screenshot or a
 * file attached arrives as `file_share`. Everything else (edits, deletions, joins, bot posts, thread broadcasts) is
 * not a new request.
 */
const NEW_POST_SUBTYPES: ReadonlySet<string | undefined> = new Set([undefined, 'file_share']);

/**
 * Whether a message asks for an intake answer: a person's top-level post with some text, in an intake channel. Bot
 * posts (with or without a subtype), edits, deletions and thread replies are not.
 */
export function isIntakeRequest(message: ChannelMessage, intakeChannels: ReadonlySet<string>): boolean {
  if (!intakeChannels.has(message.channel)) return false;
  if (!NEW_POST_SUBTYPES.has(message.subtype)) return false;
  if (message.botId || !message.user) return false;
  if (message.threadTs && message.threadTs !== message.ts) return false;
  return Boolean(message.text?.trim());
}

export function escalationRef(id: number): string {
  return `ESC-${id}`;
}

export function problemRef(id: number): string {
  return `PRB-${id}`;
}

export interface EscalationDraft {
  customerId: string | undefined;
  caseRef: string;
  priority: Priority;
  category: Category;
  summary: string;
  details: string;
  reproductionSteps: string;
  evidenceText: string;
  triggers: Trigger[];
}

export type FieldErrors = Partial<
  Record<'customer' | 'summary' | 'evidence' | 'case_ref' | 'details', string>
>;

export interface ValidEscalation extends Omit<EscalationDraft, 'customerId' | 'evidenceText'> {
  customerId: string;
  evidenceLinks: string[];
  urgent: boolean;
}

function isWebUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.includes('.');
  } catch {
    return false;
  }
}

/** Checks a submitted form: field-level messages for what is wrong, or the escalation to store. */
export function validateEscalation(
  draft: EscalationDraft,
): { ok: true; value: ValidEscalation } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (!draft.customerId) errors.customer = 'Pick the customer this case is about.';
  const summary = draft.summary.trim();
  if (!summary) errors.summary = 'Write a one-line summary of what is wrong.';
  else if (summary.length > 150)
    errors.summary = 'Keep the summary under 150 characters; put the rest in "What happens".';
  const caseRef = draft.caseRef.trim();
  if (/^https?:/i.test(caseRef) && !isWebUrl(caseRef))
    errors.case_ref = 'This case link is not a valid web address.';
  const evidenceLinks = draft.evidenceText
    .split(/\n|,\s|\s+(?=https?:)/)
    .map((link) => link.trim())
    .filter(Boolean);
  const bad = evidenceLinks.filter((link) => !isWebUrl(link));
  if (bad.length > 0) {
    const shown = bad
      .slice(0, 3)
      .map((link) => `"${link.slice(0, 60)}"`)
      .join(', ');
    errors.evidence = `${bad.length === 1 ? 'This is not' : 'These are not'} a valid link: ${shown}. Use full addresses starting with https://, one per line.`;
  }
  if (Object.keys(errors).length > 0 || !draft.customerId) return { ok: false, errors };
  const { priority, urgent } = effectivePriority(draft.priority, draft.triggers);
  return {
    ok: true,
    value: {
      customerId: draft.customerId,
      caseRef,
      priority,
      category: draft.category,
      summary,
      details: draft.details.trim(),
      reproductionSteps: draft.reproductionSteps.trim(),
      evidenceLinks,
      triggers: [...new Set(draft.triggers)],
      urgent,
    },
  };
}
