import { z } from 'zod';
import { CATEGORIES } from '../domain/escalation.js';
import { parseJson } from './action-values.js';

/**
 * The Slack ids of the escalation feature (callback, block and action ids) and the values its buttons and modal
 * carry, with paired encode/parse functions. Everything read back from Slack is parsed, never trusted.
 */
export const ESCALATION_IDS = {
  modal: 'escalation_form',
  shortcut: 'escalate_message',
  actions: {
    link: 'escalation_link',
    reportNew: 'escalation_report_new',
    openForm: 'escalation_open_form',
  },
  blocks: {
    customer: 'customer',
    caseRef: 'case_ref',
    priority: 'priority',
    category: 'category',
    summary: 'summary',
    details: 'details',
    reproduction: 'reproduction',
    evidence: 'evidence',
    triggers: 'triggers',
  },
  /** The action id inside each input block (the same word keeps payloads readable). */
  inputs: {
    customer: 'customer_select',
    caseRef: 'case_ref_input',
    priority: 'priority_select',
    category: 'category_select',
    summary: 'summary_input',
    details: 'details_input',
    reproduction: 'reproduction_input',
    evidence: 'evidence_input',
    triggers: 'triggers_checkboxes',
  },
} as const;

const linkValue = z.object({ e: z.number().int().positive(), p: z.number().int().positive() });
export const encodeLink = (escalationId: number, problemId: number) =>
  JSON.stringify({ e: escalationId, p: problemId });
export const parseLink = (value: string | undefined) => parseJson(linkValue, value);

const escalationValue = z.object({ e: z.number().int().positive() });
export const encodeEscalation = (escalationId: number) => JSON.stringify({ e: escalationId });
export const parseEscalation = (value: string | undefined) => parseJson(escalationValue, value);

/** Where the form was opened from, so the card can go back to that thread and keep the message as evidence. */
export const formSource = z.object({
  kind: z.enum(['command', 'shortcut', 'intake', 'mention', 'home']),
  channel: z
    .string()
    .regex(/^[CGD][A-Z0-9]+$/)
    .optional(),
  messageTs: z
    .string()
    .regex(/^\d+\.\d+$/)
    .optional(),
  threadTs: z
    .string()
    .regex(/^\d+\.\d+$/)
    .optional(),
  category: z.enum(CATEGORIES).optional(),
});
export type FormSource = z.infer<typeof formSource>;
export const encodeFormSource = (source: FormSource) => JSON.stringify(source);
export const parseFormSource = (value: string | undefined) => parseJson(formSource, value);

/** The intake reply's "Escalate" button names the message it offers to escalate. */
const intakeMessage = z.object({
  c: z.string().regex(/^[CGD][A-Z0-9]+$/),
  ts: z.string().regex(/^\d+\.\d+$/),
  k: z.enum(['intake', 'mention']),
});
export const encodeIntakeMessage = (channel: string, ts: string, kind: 'intake' | 'mention') =>
  JSON.stringify({ c: channel, ts, k: kind });
export const parseIntakeMessage = (value: string | undefined) => parseJson(intakeMessage, value);

/** The App Home's "New escalation" button opens the same form, with no message behind it. */
const homeForm = z.object({ k: z.literal('home') });
export const encodeHomeForm = () => JSON.stringify({ k: 'home' });
export const parseHomeForm = (value: string | undefined) => parseJson(homeForm, value);
