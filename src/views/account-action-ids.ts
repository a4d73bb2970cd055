import { z } from 'zod';
import { ACTION_KINDS } from '../domain/permissions.js';
import { parseJson } from './action-values.js';

/**
 * The Slack ids of the account-action feature and the values its buttons and modals carry, with paired
 * encode/parse functions. Everything read back from Slack is parsed, never trusted; the server checks it again.
 */
export const ACCOUNT_ACTION_IDS = {
  /** Entry point, rendered by the billing card, the playbooks and the escalation card. */
  open: 'account_actions_open',
  approve: 'account_action_approve',
  deny: 'account_action_deny',
  retry: 'account_action_retry',
  pickModal: 'account_action_pick',
  formModal: 'account_action_form',
  denyModal: 'account_action_deny_reason',
  kindBlock: 'kind',
  kindSelect: 'kind_select',
  reasonBlock: 'reason',
  reasonInput: 'reason_input',
  denyReasonBlock: 'deny_reason',
  denyReasonInput: 'deny_reason_input',
} as const;

/** The action id inside a form field's block (`amount` → `amount_input`). */
export const inputId = (block: string) => `${block}_input`;

const customerId = z.string().regex(/^cus_[A-Za-z0-9]{4,64}$/);
const presetSchema = z.object({
  kind: z.literal('refund'),
  chargeId: z.string().regex(/^(ch|py|pi)_[A-Za-z0-9]{4,}$/),
  amountMinor: z.number().int().positive().optional(),
  currency: z
    .string()
    .regex(/^[a-z]{3}$/)
    .optional(),
});

const openSchema = z.object({
  customer: customerId,
  escalation: z.number().int().positive().optional(),
  problem: z.number().int().positive().optional(),
  preset: presetSchema.optional(),
});
export type OpenActions = z.infer<typeof openSchema>;

export const encodeOpenActions = (value: OpenActions) => JSON.stringify(value);
export const parseOpenActions = (text: string | undefined) => parseJson(openSchema, text);

const formMetadataSchema = openSchema.extend({
  kind: z.enum(ACTION_KINDS),
  currency: z.string().regex(/^[a-z]{3}$/),
  /** Plan changes: what the person entered, kept while they look at the invoice preview before confirming. */
  confirmed: z.object({ price: z.string().max(100), reason: z.string().max(1000) }).optional(),
});
export type FormMetadata = z.infer<typeof formMetadataSchema>;
export const encodeFormMetadata = (value: FormMetadata) => JSON.stringify(value);
export const parseFormMetadata = (text: string | undefined) => parseJson(formMetadataSchema, text);

/** Approve / Deny buttons carry `<actionId>:<stage>`. */
export const encodeDecision = (actionId: number, stage: number) => `${actionId}:${stage}`;
export function parseDecision(text: string | undefined): { actionId: number; stage: number } | undefined {
  const match = /^(\d{1,9}):(\d{1,2})$/.exec(text ?? '');
  if (!match) return undefined;
  return { actionId: Number(match[1]), stage: Number(match[2]) };
}

const denyMetadataSchema = z.object({ a: z.number().int().positive(), s: z.number().int().positive() });
export const encodeDenyMetadata = (actionId: number, stage: number) =>
  JSON.stringify({ a: actionId, s: stage });
export function parseDenyMetadata(text: string | undefined): { actionId: number; stage: number } | undefined {
  const parsed = parseJson(denyMetadataSchema, text);
  return parsed ? { actionId: parsed.a, stage: parsed.s } : undefined;
}

export const encodeRetry = (actionId: number) => String(actionId);
export function parseRetry(text: string | undefined): number | undefined {
  return /^\d{1,9}$/.test(text ?? '') ? Number(text) : undefined;
}
