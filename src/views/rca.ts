import type { Button, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { problemRef } from '../domain/escalation.js';
import { rcaWorkRefusal } from '../domain/problem-standing.js';
import {
  type AssessmentDraft,
  IMPACT_SCOPE_LABELS,
  IMPACT_SCOPES,
  RELEASE_DECISIONS,
  RELEASE_LABELS,
  type ReleaseDecision,
  type ReleaseSuggestion,
  releaseWording,
} from '../domain/release.js';
import { escapeMrkdwn, escapeTruncated, truncate } from './mrkdwn.js';
import { encodeEscalationRef, encodeProblem, RCA_IDS } from './rca-actions.js';

const { blocks: B, inputs: I, actions: A } = RCA_IDS;

const plain = (text: string) => ({ type: 'plain_text' as const, text: truncate(text, 75), emoji: true });
const option = (value: string, text: string): PlainTextOption => ({ text: plain(text), value });
const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text: truncate(text, 3000) });
/** When the fix ships, for mrkdwn: the fix version in it was typed by an engineer or came from Jira. */
const wording = (decision: ReleaseDecision, fixVersion: string | undefined) =>
  escapeMrkdwn(releaseWording(decision, fixVersion));

/**
 * The RCA buttons on a problem's triage card: none on a closed problem or a merged duplicate, whose RCA work is done
 * or belongs to the problem it was merged into (the services refuse it too, for cards posted before).
 */
export function rcaProblemButtons(problem: {
  id: number;
  status: string;
  mergedIntoId?: number | null;
}): Button[] {
  if (rcaWorkRefusal({ ...problem, mergedIntoId: problem.mergedIntoId ?? null })) return [];
  const value = encodeProblem(problem.id);
  const buttons: Button[] = [
    { type: 'button', action_id: A.createTicket, text: plain('Create RCA ticket'), value },
    { type: 'button', action_id: A.assess, text: plain('Assess'), value },
  ];
  if (problem.status !== 'fix_released')
    buttons.push({ type: 'button', action_id: A.fixReleased, text: plain('Fix released'), value });
  return buttons;
}

/** What the form shows: the last assessment's answers when it opens, what the engineer has given so far after. */
export type AssessmentFormValues = AssessmentDraft & {
  dataCleanup?: string;
  fixVersion?: string;
  /** `suggested` or a release decision. */
  decision?: string;
  overrideReason?: string;
};

export interface AssessmentModalModel {
  problemId: number;
  title: string;
  values: AssessmentFormValues;
  /** What the rules suggest for these values; undefined until the deciding questions are answered. */
  suggestion: ReleaseSuggestion | undefined;
  /** A line shown above the form (why it came back instead of saving). */
  notice?: string | undefined;
}

/** The label of "follow the rules" in the decision select, naming what the rules suggest. */
export function followRulesLabel(suggestion: ReleaseSuggestion | undefined): string {
  return suggestion
    ? `Follow the rules: ${RELEASE_LABELS[suggestion.decision]}`
    : 'Follow the rules (suggested)';
}

/** The rules' suggestion and why, as the form shows it while the engineer answers. */
export function releaseSuggestionText(suggestion: ReleaseSuggestion | undefined): string {
  if (!suggestion)
    return ':compass: The rules suggest a release once you say whether the application runs, whether it is financial and who is affected.';
  return `:compass: *The rules suggest: ${RELEASE_LABELS[suggestion.decision]}* — ${escapeMrkdwn(suggestion.reason)}.`;
}

const yesNo = (block: string, action: string, label: string, initial: boolean | undefined): KnownBlock => {
  const options = [option('yes', 'Yes'), option('no', 'No')];
  const chosen = initial === undefined ? undefined : options[initial ? 0 : 1];
  return {
    type: 'input',
    block_id: block,
    // Each answer that decides the suggestion refreshes it in the open form.
    dispatch_action: true,
    label: plain(label),
    element: {
      type: 'radio_buttons',
      action_id: action,
      options,
      ...(chosen ? { initial_option: chosen } : {}),
    },
  };
};

const textInput = (
  block: string,
  action: string,
  label: string,
  initial: string | undefined,
  {
    optional = false,
    multiline = false,
    hint,
  }: { optional?: boolean; multiline?: boolean; hint?: string } = {},
): KnownBlock => ({
  type: 'input',
  block_id: block,
  optional,
  label: plain(label),
  ...(hint ? { hint: plain(hint) } : {}),
  element: {
    type: 'plain_text_input',
    action_id: action,
    multiline,
    max_length: multiline ? 2000 : 200,
    ...(initial ? { initial_value: initial } : {}),
  },
});

export function assessmentModal(model: AssessmentModalModel): ModalView {
  const values = model.values;
  const scopeOptions = IMPACT_SCOPES.map((scope) => option(scope, IMPACT_SCOPE_LABELS[scope]));
  const decisionOptions = [
    option('suggested', followRulesLabel(model.suggestion)),
    ...RELEASE_DECISIONS.map((decision) => option(decision, RELEASE_LABELS[decision])),
  ];
  const longStanding = option('yes', 'Long-standing: it predates recent releases');
  const easy = option('yes', 'Easy for customers or agents to apply');
  const blocks: KnownBlock[] = [
    ...(model.notice ? [{ type: 'section' as const, text: mrkdwn(`:warning: ${model.notice}`) }] : []),
    {
      type: 'section',
      text: mrkdwn(
        `*${problemRef(model.problemId)}* · ${escapeMrkdwn(model.title)}\nThe release decision follows the escalation rules: severe → patch; affected customers with an easy workaround → next customer compile; long-standing or low impact → next sprint.`,
      ),
    },
    { type: 'header', text: plain('Cause') },
    textInput(B.startedAt, I.startedAt, 'When did it start?', values.startedAt, {
      hint: 'A date, or e.g. "since release 7.2"',
    }),
    textInput(B.causedBy, I.causedBy, 'Which change or ticket caused it?', values.causedBy, {
      optional: true,
    }),
    { type: 'header', text: plain('Severity') },
    yesNo(B.running, I.running, 'Is the application running?', values.applicationRunning),
    yesNo(B.financial, I.financial, 'Is it a financial issue?', values.financial),
    textInput(
      B.functionality,
      I.functionality,
      'What functionality is affected?',
      values.affectedFunctionality,
    ),
    { type: 'header', text: plain('Impact') },
    {
      type: 'input',
      block_id: B.scope,
      dispatch_action: true,
      label: plain('Who is affected?'),
      element: {
        type: 'static_select',
        action_id: I.scope,
        options: scopeOptions,
        ...(values.scope ? { initial_option: scopeOptions[IMPACT_SCOPES.indexOf(values.scope)] } : {}),
      },
    },
    {
      type: 'input',
      block_id: B.longStanding,
      optional: true,
      dispatch_action: true,
      label: plain('History'),
      element: {
        type: 'checkboxes',
        action_id: I.longStanding,
        options: [longStanding],
        ...(values.longStanding ? { initial_options: [longStanding] } : {}),
      },
    },
    textInput(B.workaround, I.workaround, 'Workaround (shown to agents)', values.workaround, {
      optional: true,
      multiline: true,
      hint: 'Leave empty when there is none.',
    }),
    {
      type: 'input',
      block_id: B.workaroundEasy,
      optional: true,
      dispatch_action: true,
      label: plain('Is the workaround easy?'),
      element: {
        type: 'checkboxes',
        action_id: I.workaroundEasy,
        options: [easy],
        ...(values.workaroundEasy ? { initial_options: [easy] } : {}),
      },
    },
    textInput(B.dataCleanup, I.dataCleanup, 'Data cleanup plan', values.dataCleanup, {
      optional: true,
      multiline: true,
    }),
    { type: 'header', text: plain('Release') },
    { type: 'section', block_id: B.suggestion, text: mrkdwn(releaseSuggestionText(model.suggestion)) },
    {
      type: 'input',
      block_id: B.decision,
      label: plain('Release decision'),
      element: {
        type: 'static_select',
        action_id: I.decision,
        options: decisionOptions,
        initial_option: (decisionOptions.find((o) => o.value === values.decision) ??
          decisionOptions[0]) as PlainTextOption,
      },
    },
    textInput(B.overrideReason, I.overrideReason, 'Why not the suggestion?', values.overrideReason, {
      optional: true,
      multiline: true,
      hint: 'Needed only when you choose differently from the rules.',
    }),
    textInput(B.fixVersion, I.fixVersion, 'Fix version', values.fixVersion, {
      optional: true,
      hint: 'Tentative unless the decision is a patch.',
    }),
  ];
  return {
    type: 'modal',
    callback_id: RCA_IDS.modals.assessment,
    private_metadata: encodeProblem(model.problemId),
    title: plain('Engineering assessment'),
    submit: plain('Save assessment'),
    close: plain('Cancel'),
    blocks,
  };
}

export function stillBrokenModal(escalationId: number, customerName: string): ModalView {
  return {
    type: 'modal',
    callback_id: RCA_IDS.modals.stillBroken,
    private_metadata: encodeEscalationRef(escalationId),
    title: plain('Still broken'),
    submit: plain('Reopen'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          `${escapeMrkdwn(customerName)} still sees the problem. Tell engineering what happens now; the problem is reopened and its owner is told.`,
        ),
      },
      textInput(B.reason, I.reason, 'What does the customer still see?', undefined, { multiline: true }),
    ],
  };
}

export interface DecisionView {
  problemId: number;
  title: string;
  decision: ReleaseDecision;
  suggested: ReleaseDecision;
  suggestionReason: string;
  overrideReason: string | undefined;
  fixVersion: string | undefined;
  severity: string;
  workaround: string | undefined;
  jiraKey: string | undefined;
  assessedBy: string;
}

function decisionLine(view: DecisionView): string {
  const chosen = RELEASE_LABELS[view.decision];
  const rule = `the rules suggest ${RELEASE_LABELS[view.suggested]} because ${view.suggestionReason}`;
  return view.overrideReason
    ? `*${chosen}* (override: ${rule}; chosen instead because ${escapeMrkdwn(view.overrideReason)})`
    : `*${chosen}* (${rule})`;
}

/** In the problem's thread, after every assessment. */
export function assessmentSummary(view: DecisionView): { text: string; blocks: KnownBlock[] } {
  const ref = problemRef(view.problemId);
  const lines = [
    `:clipboard: <@${view.assessedBy}> assessed ${ref}: severity *${view.severity}*.`,
    `Release: ${decisionLine(view)}.`,
    `The fix ships in ${wording(view.decision, view.fixVersion)}.`,
  ];
  if (view.workaround) lines.push(`Workaround for agents: ${escapeMrkdwn(view.workaround)}`);
  return {
    text: `${ref}: ${RELEASE_LABELS[view.decision]} — ${wording(view.decision, view.fixVersion)}`,
    blocks: [{ type: 'section', text: mrkdwn(lines.join('\n')) }],
  };
}

/** To the product channel when the decision is a patch. */
export function productPatchNotice(view: DecisionView): { text: string; blocks: KnownBlock[] } {
  const ref = problemRef(view.problemId);
  const ticket = view.jiraKey ? ` · RCA ticket ${view.jiraKey}` : '';
  return {
    text: `Patch needed for ${ref}: ${escapeMrkdwn(view.title)}`,
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          `:adhesive_bandage: *Patch needed* for ${ref} — ${escapeMrkdwn(view.title)}${ticket}\nSeverity ${view.severity}. ${decisionLine(view)}.\nPlease bring it into the current sprint with engineering.${view.fixVersion ? ` Target version: ${escapeMrkdwn(view.fixVersion)}.` : ''}`,
        ),
      },
    ],
  };
}

export interface ImpactView {
  problemId: number;
  title: string;
  customers: number;
  revenueAtRisk: string;
  workaround: string | undefined;
  decision: ReleaseDecision | undefined;
  fixVersion: string | undefined;
}

/** To the marketing channel when a problem crosses the large-impact threshold. */
export function marketingNotice(view: ImpactView): { text: string; blocks: KnownBlock[] } {
  const ref = problemRef(view.problemId);
  const release = view.decision
    ? `Expected fix: ${wording(view.decision, view.fixVersion)}.`
    : 'No release decision yet.';
  return {
    text: `Large customer impact: ${ref} ${escapeMrkdwn(view.title)}`,
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          `:mega: *Large customer impact* — ${ref}: ${escapeMrkdwn(view.title)}\n${view.customers} customers affected, ${view.revenueAtRisk} in monthly revenue. ${release}\n${view.workaround ? `Workaround: ${escapeMrkdwn(view.workaround)}\n` : ''}Please prepare customer messaging for the affected accounts.`,
        ),
      },
    ],
  };
}

/** What the agent may send the customer, in our own words; fix versions other than a patch are tentative. */
export function customerReply(view: {
  decision: ReleaseDecision;
  fixVersion: string | undefined;
  workaround: string | undefined;
}): string {
  const when =
    view.decision === 'patch'
      ? view.fixVersion
        ? `We are shipping a fix as a patch (version ${view.fixVersion}).`
        : 'We are shipping a fix as a patch as soon as it is ready.'
      : view.decision === 'next_compile'
        ? `The fix is planned for our next monthly release${view.fixVersion ? `, tentatively version ${view.fixVersion}` : ''}. Release plans can still move, so please treat that as tentative.`
        : `The fix is scheduled for an upcoming development cycle${view.fixVersion ? `, tentatively version ${view.fixVersion}` : ''}. We will confirm the timing once it is planned.`;
  const meanwhile = view.workaround ? ` In the meantime, this gets you going again: ${view.workaround}` : '';
  return `Thank you for your patience. Our engineers found the cause of what you reported. ${when}${meanwhile} We will let you know when it is fixed on your account.`;
}

/** To every requester of a linked escalation, in their thread. */
export function requesterDecisionReply(view: DecisionView & { escalationId: number }): {
  text: string;
  blocks: KnownBlock[];
} {
  const ref = problemRef(view.problemId);
  const reply = customerReply(view);
  const tentative = view.decision === 'patch' ? '' : ' Versions are tentative until released.';
  return {
    text: `${ref}: ${RELEASE_LABELS[view.decision]} — ${wording(view.decision, view.fixVersion)}`,
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          `:calendar: Engineering decided how ${ref} gets fixed: *${RELEASE_LABELS[view.decision]}* — ${wording(view.decision, view.fixVersion)}.${tentative}`,
        ),
      },
      { type: 'section', text: mrkdwn(`*Ready to send to the customer:*\n>${escapeMrkdwn(reply)}`) },
    ],
  };
}

/** In a requester's thread when the fix is out: ask them to check with the customer. */
export function confirmationRequest(view: {
  escalationId: number;
  problemId: number;
  customerName: string;
  requesterId: string;
}): { text: string; blocks: KnownBlock[] } {
  const value = encodeEscalationRef(view.escalationId);
  return {
    text: `The fix for ${problemRef(view.problemId)} is released: please confirm with ${escapeMrkdwn(view.customerName)}`,
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          `:white_check_mark: <@${view.requesterId}> the fix for ${problemRef(view.problemId)} is released. Please check with ${escapeMrkdwn(view.customerName)} that it works for them, then tell us here.`,
        ),
      },
      {
        type: 'actions',
        block_id: `confirm_${view.escalationId}`,
        elements: [
          {
            type: 'button',
            action_id: A.customerConfirmed,
            text: plain('Customer confirmed'),
            style: 'primary',
            value,
          },
          { type: 'button', action_id: A.stillBroken, text: plain('Still broken'), style: 'danger', value },
        ],
      },
    ],
  };
}

/** Replaces the confirmation buttons once someone answered. */
export function confirmationAnswered(view: {
  problemId: number;
  actorId: string;
  outcome: 'confirmed' | 'still_broken';
}): { text: string; blocks: KnownBlock[] } {
  const text =
    view.outcome === 'confirmed'
      ? `:tada: <@${view.actorId}> confirmed the fix for ${problemRef(view.problemId)} with the customer; this escalation is closed.`
      : `:leftwards_arrow_with_hook: <@${view.actorId}> reported ${problemRef(view.problemId)} still broken for this customer; the problem is reopened.`;
  return { text, blocks: [{ type: 'section', text: mrkdwn(text) }] };
}

export interface TicketChange {
  label: string;
  before: string | undefined;
  after: string | undefined;
}

/** The label of a fix-version change, which is tentative unless the release decision is a patch. */
export const FIX_VERSION_LABEL = 'Fix version';

/** In the problem's thread when its RCA ticket changes in Jira. */
export function ticketChangeNotice(view: {
  jiraKey: string;
  jiraUrl: string;
  changes: TicketChange[];
  /** The problem's release decision, if engineering made one. */
  decision: ReleaseDecision | undefined;
}): string {
  const tentative =
    view.decision === 'patch'
      ? ''
      : ` (tentative: ${view.decision ? `the release decision is ${RELEASE_LABELS[view.decision].toLowerCase()}` : 'no release decision yet'})`;
  // Statuses, versions and names come from Jira, where anyone with access can type them.
  const value = (text: string | undefined) => (text === undefined ? 'none' : escapeTruncated(text, 200));
  const lines = view.changes.map(
    (change) =>
      `• ${change.label}: ${value(change.before)} → *${value(change.after)}*${change.label === FIX_VERSION_LABEL && change.after ? tentative : ''}`,
  );
  return `:jira: <${view.jiraUrl}|${view.jiraKey}> changed in Jira:\n${lines.join('\n')}`;
}

export interface QueueRow {
  id: number;
  title: string;
  status: string;
  kind: string | null;
  score: number;
  explanation: string[];
  jiraKey: string | null;
  jiraUrl: string | undefined;
}

/** At most this many problems per message: each takes a section block and Slack allows 50. */
const QUEUE_LENGTH = 15;

/** `/frontline queue`: open problems by who is hurt. */
export function queueMessage(rows: QueueRow[]): { text: string; blocks: KnownBlock[] } {
  if (rows.length === 0)
    return {
      text: 'No open problems.',
      blocks: [{ type: 'section', text: mrkdwn(':sparkles: No open problems.') }],
    };
  const blocks: KnownBlock[] = [{ type: 'header', text: plain('Open problems by who is hurt') }];
  rows.slice(0, QUEUE_LENGTH).forEach((row, index) => {
    const ticket = row.jiraKey && row.jiraUrl ? `<${row.jiraUrl}|${row.jiraKey}>` : 'no RCA ticket yet';
    const state = row.kind ? `${row.kind}, ${row.status.replaceAll('_', ' ')}` : row.status;
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `*${index + 1}. ${problemRef(row.id)}* · ${escapeTruncated(row.title, 120)} — score *${row.score}* · ${state} · ${ticket}\n${row.explanation.map((line) => `  ◦ ${escapeMrkdwn(line)}`).join('\n')}`,
      ),
    });
  });
  return {
    text: rows
      .slice(0, QUEUE_LENGTH)
      .map((row) => `${problemRef(row.id)} ${row.score}`)
      .join(', '),
    blocks,
  };
}
