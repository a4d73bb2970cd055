import { z } from 'zod';
import { parseJson } from './action-values.js';

export { encodeProblem, parseProblem } from './action-values.js';

/**
 * The Slack ids of the triage and incident features (callback, block and action ids) and the values their buttons
 * and modals carry, with paired encode/parse functions. Everything read back from Slack is parsed, never trusted.
 */
export const INCIDENT_IDS = {
  modals: {
    classify: 'incident_classify_form',
    update: 'incident_update_form',
    severity: 'incident_severity_form',
    merge: 'problem_merge_form',
  },
  actions: {
    classify: 'problem_classify',
    merge: 'problem_merge',
    postUpdate: 'incident_post_update',
    changeSeverity: 'incident_change_severity',
    resolve: 'incident_resolve',
    /** Followed by `_30`, `_60` or `_90`. */
    snooze: 'incident_snooze',
    /** Changing an answer of the classification form recomputes the suggestion. */
    answers: 'classify_answers_input',
    customers: 'classify_customers_input',
  },
  blocks: {
    answers: 'classify_answers',
    customers: 'classify_customers',
    suggestion: 'classify_suggestion',
    outcome: 'classify_outcome',
    severity: 'classify_severity',
    reason: 'classify_reason',
    publicTitle: 'incident_public_title',
    publicSummary: 'incident_public_summary',
    components: 'incident_components',
    impact: 'incident_impact',
    owner: 'incident_owner',
    state: 'update_state',
    publicMessage: 'update_public_message',
    internalNote: 'update_internal_note',
    /** Followed by `_<component id>`. */
    componentState: 'update_component',
    /** The Resolve form's list of the components it returns to operational. */
    resolvedComponents: 'update_resolved_components',
    newSeverity: 'severity_choice',
    mergeTarget: 'merge_target',
  },
  inputs: {
    outcome: 'classify_outcome_input',
    severity: 'classify_severity_input',
    reason: 'classify_reason_input',
    publicTitle: 'incident_public_title_input',
    publicSummary: 'incident_public_summary_input',
    components: 'incident_components_input',
    impact: 'incident_impact_input',
    owner: 'incident_owner_input',
    state: 'update_state_input',
    publicMessage: 'update_public_message_input',
    internalNote: 'update_internal_note_input',
    componentState: 'update_component_input',
    newSeverity: 'severity_choice_input',
    mergeTarget: 'merge_target_input',
  },
  /** The answers checkboxes' option values. */
  answers: {
    blocksSubscriptions: 'blocks_subscriptions',
    blocksPayments: 'blocks_payments',
    cosmeticOnly: 'cosmetic_only',
    financial: 'financial',
    afterRelease: 'after_release',
  },
} as const;

/** The status update form's block for one component's state. */
export const componentStateBlockId = (componentId: string) =>
  `${INCIDENT_IDS.blocks.componentState}_${componentId}`;

/**
 * The classification form: its problem, and the latest classification when it opened (null: none yet), so that a
 * decision someone made while it was open is not overwritten unseen. A form without `c` predates it.
 */
const classifyFormValue = z.object({
  p: z.number().int().positive(),
  c: z.number().int().positive().nullable().optional(),
});
export const encodeClassifyForm = (problemId: number, basedOn: number | null | undefined) =>
  JSON.stringify({ p: problemId, ...(basedOn === undefined ? {} : { c: basedOn }) });
export const parseClassifyForm = (value: string | undefined) => parseJson(classifyFormValue, value);

const incidentValue = z.object({ i: z.number().int().positive() });
export const encodeIncident = (incidentId: number) => JSON.stringify({ i: incidentId });
export const parseIncident = (value: string | undefined) => parseJson(incidentValue, value);

const snoozeValue = z.object({
  i: z.number().int().positive(),
  m: z.union([z.literal(30), z.literal(60), z.literal(90)]),
});
export const encodeSnooze = (incidentId: number, minutes: 30 | 60 | 90) =>
  JSON.stringify({ i: incidentId, m: minutes });
export const parseSnooze = (value: string | undefined) => parseJson(snoozeValue, value);

/** The status update form: which incident, and whether it was opened by Resolve. */
const updateFormValue = z.object({ i: z.number().int().positive(), r: z.boolean().optional() });
export const encodeUpdateForm = (incidentId: number, resolve: boolean) =>
  JSON.stringify({ i: incidentId, ...(resolve ? { r: true } : {}) });
export const parseUpdateForm = (value: string | undefined) => parseJson(updateFormValue, value);
