import { z } from 'zod';
import { parseJson } from './action-values.js';

export { encodeProblem, parseProblem } from './action-values.js';

/**
 * The Slack ids of the RCA feature (buttons on the problem card and in requesters' threads, the assessment and
 * "still broken" modals) with paired encode/parse functions for the values they carry.
 */
export const RCA_IDS = {
  actions: {
    createTicket: 'rca_create_ticket',
    assess: 'rca_assess',
    fixReleased: 'rca_fix_released',
    customerConfirmed: 'rca_customer_confirmed',
    stillBroken: 'rca_still_broken',
  },
  modals: {
    assessment: 'rca_assessment',
    stillBroken: 'rca_still_broken_form',
  },
  blocks: {
    startedAt: 'started_at',
    causedBy: 'caused_by',
    running: 'app_running',
    financial: 'financial',
    functionality: 'functionality',
    scope: 'scope',
    longStanding: 'long_standing',
    workaround: 'workaround',
    workaroundEasy: 'workaround_easy',
    dataCleanup: 'data_cleanup',
    suggestion: 'release_suggestion',
    decision: 'decision',
    overrideReason: 'override_reason',
    fixVersion: 'fix_version',
    reason: 'reason',
  },
  inputs: {
    startedAt: 'started_at_input',
    causedBy: 'caused_by_input',
    running: 'app_running_radio',
    financial: 'financial_radio',
    functionality: 'functionality_input',
    scope: 'scope_select',
    longStanding: 'long_standing_checkbox',
    workaround: 'workaround_input',
    workaroundEasy: 'workaround_easy_checkbox',
    dataCleanup: 'data_cleanup_input',
    decision: 'decision_select',
    overrideReason: 'override_reason_input',
    fixVersion: 'fix_version_input',
    reason: 'reason_input',
  },
} as const;

const escalationValue = z.object({ e: z.number().int().positive() });
export const encodeEscalationRef = (escalationId: number) => JSON.stringify({ e: escalationId });
export const parseEscalationRef = (value: string | undefined) => parseJson(escalationValue, value);
