import type { Button, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { problemRef } from '../domain/escalation.js';
import {
  COMPONENT_STATE_LABELS,
  COMPONENT_STATES,
  type ComponentState,
  INCIDENT_STATE_LABELS,
  INCIDENT_STATES,
  type IncidentState,
  incidentRef,
  SNOOZE_MINUTES,
} from '../domain/incident.js';
import {
  type ClassificationAnswers,
  SEVERITIES,
  SEVERITY_DEFINITIONS,
  SEVERITY_LABELS,
  type Severity,
  type Suggestion,
} from '../domain/policy.js';
import {
  componentStateBlockId,
  encodeClassifyForm,
  encodeIncident,
  encodeProblem,
  encodeSnooze,
  encodeUpdateForm,
  INCIDENT_IDS,
} from './incident-actions.js';
import { escapeMrkdwn, escapeTruncated, truncate } from './mrkdwn.js';

const { blocks: B, inputs: I, actions: A, modals: M } = INCIDENT_IDS;

const plain = (text: string) => ({ type: 'plain_text' as const, text: truncate(text, 75), emoji: true });
const option = (value: string, text: string, description?: string): PlainTextOption => ({
  text: plain(text),
  value,
  ...(description ? { description: plain(description) } : {}),
});
const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text: truncate(text, 3000) });
const at = (date: Date) =>
  `<!date^${Math.floor(date.getTime() / 1000)}^{date_short_pretty} {time}|${date.toISOString()}>`;

export interface ComponentView {
  id: string;
  name: string;
}

/** A severity as a choice: its label and the definition's name (`SEV2 · Major`); the definition is shown beside. */
const severityOption = (severity: Severity) =>
  option(severity, `${SEVERITY_LABELS[severity]} · ${SEVERITY_DEFINITIONS[severity].split(':')[0]}`);

/**
 * The severities as radio buttons, with every definition in full underneath: an option's own description is cut at
 * 75 characters (and a select may not show it at all), and the definitions are longer than that.
 */
function severityChoice(
  blockId: string,
  actionId: string,
  label: string,
  chosen: Severity,
): [KnownBlock, KnownBlock] {
  const options = SEVERITIES.map(severityOption);
  return [
    {
      type: 'input',
      block_id: blockId,
      label: plain(label),
      element: {
        type: 'radio_buttons',
        action_id: actionId,
        options,
        initial_option: options.find((o) => o.value === chosen) ?? options[2],
      },
    },
    {
      type: 'context',
      elements: SEVERITIES.map((severity) =>
        mrkdwn(`*${SEVERITY_LABELS[severity]}* ${escapeMrkdwn(SEVERITY_DEFINITIONS[severity])}`),
      ),
    },
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Triage card buttons

/**
 * The buttons this feature puts on a problem's triage card: none on a merged duplicate or a closed problem, and no
 * (re)classifying of an incident (the services refuse each of these too).
 */
export function triageButtons(problem: {
  id: number;
  kind: string | null;
  status: string;
  mergedIntoId: number | null;
}): Button[] {
  // A closed problem is done (its customers confirmed the fix): nothing to classify, nothing to merge away.
  if (problem.mergedIntoId !== null || problem.status === 'closed') return [];
  const buttons: Button[] = [];
  if (problem.kind !== 'incident') {
    buttons.push({
      type: 'button',
      action_id: A.classify,
      text: plain(problem.kind === 'bug' ? 'Reclassify' : 'Classify'),
      value: encodeProblem(problem.id),
      ...(problem.kind === null ? { style: 'primary' as const } : {}),
    });
  }
  buttons.push({
    type: 'button',
    action_id: A.merge,
    text: plain('Merge into…'),
    value: encodeProblem(problem.id),
  });
  return buttons;
}

/** The line a triage card shows for the last classification (with the override reason, when there was one). */
export function classificationLine(c: {
  outcome: string;
  severity: string;
  suggestedOutcome: string;
  overrideReason: string | null;
  actorId: string;
}): string {
  const severity = SEVERITY_LABELS[c.severity as Severity] ?? c.severity;
  const against =
    c.outcome !== c.suggestedOutcome
      ? ` against the policy's suggestion (${c.suggestedOutcome}): _${escapeTruncated(c.overrideReason ?? '', 500)}_`
      : ', as the policy suggests';
  return `Classified *${c.outcome}* (${severity}) by <@${c.actorId}>${against}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Classification modal

export interface ClassificationFormModel {
  problemId: number;
  title: string;
  answers: ClassificationAnswers;
  suggestion: Suggestion;
  components: ComponentView[];
  ownerId: string;
  /** Values already chosen (kept when the form is re-rendered after an answer changes). */
  chosen?: { outcome?: string; severity?: string };
  /**
   * The latest classification when the form first opened (null: none), carried through every re-render so that a
   * decision made meanwhile by someone else is refused on submit; undefined only for a form that never carried it.
   */
  basedOn?: number | null | undefined;
}

function answerOptions(): PlainTextOption[] {
  const v = INCIDENT_IDS.answers;
  return [
    option(v.blocksSubscriptions, 'It blocks subscriptions (sign-up, renewal, plan change)'),
    option(v.blocksPayments, 'It blocks payments (customers cannot pay)'),
    option(v.cosmeticOnly, 'It is cosmetic or visual only'),
    option(v.financial, 'It is financial (wrong amounts, charges, refunds)'),
    option(v.afterRelease, 'It started right after a release or patch'),
  ];
}

export function answersToValues(answers: ClassificationAnswers): string[] {
  const v = INCIDENT_IDS.answers;
  return [
    answers.blocksSubscriptions ? v.blocksSubscriptions : '',
    answers.blocksPayments ? v.blocksPayments : '',
    answers.cosmeticOnly ? v.cosmeticOnly : '',
    answers.financial ? v.financial : '',
    answers.afterRelease ? v.afterRelease : '',
  ].filter(Boolean);
}

export function suggestionText(suggestion: Suggestion): string {
  return `:compass: *Policy suggests: ${suggestion.outcome}* — ${escapeMrkdwn(suggestion.reason)}\n*Severity: ${SEVERITY_LABELS[suggestion.severity]}* — ${escapeMrkdwn(suggestion.severityReason)}`;
}

export function classificationModal(model: ClassificationFormModel): ModalView {
  const all = answerOptions();
  const checked = new Set(answersToValues(model.answers));
  const initial = all.filter((o) => checked.has(o.value ?? ''));
  const outcome = model.chosen?.outcome ?? model.suggestion.outcome;
  const severity = (model.chosen?.severity ?? model.suggestion.severity) as Severity;
  const outcomes = [
    option('bug', 'Bug', 'Fix through the RCA ticket; no public incident'),
    option('incident', 'Incident', 'Public status updates and a status-page entry'),
  ];
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(`*${problemRef(model.problemId)}* · ${escapeTruncated(model.title, 200)}`),
    },
    {
      type: 'input',
      block_id: B.answers,
      optional: true,
      dispatch_action: true,
      label: plain('What is true of this problem?'),
      element: {
        type: 'checkboxes',
        action_id: A.answers,
        options: all,
        ...(initial.length > 0 ? { initial_options: initial } : {}),
      },
    },
    {
      type: 'input',
      block_id: B.customers,
      dispatch_action: true,
      label: plain('How many customers are affected (estimate)?'),
      element: {
        type: 'number_input',
        action_id: A.customers,
        is_decimal_allowed: false,
        min_value: '0',
        initial_value: String(model.answers.customersAffected),
        dispatch_action_config: { trigger_actions_on: ['on_enter_pressed'] },
      },
    },
    { type: 'section', block_id: B.suggestion, text: mrkdwn(suggestionText(model.suggestion)) },
    { type: 'divider' },
    {
      type: 'input',
      block_id: B.outcome,
      label: plain('Decision'),
      element: {
        type: 'radio_buttons',
        action_id: I.outcome,
        options: outcomes,
        initial_option: outcomes.find((o) => o.value === outcome) ?? outcomes[0],
      },
    },
    ...severityChoice(B.severity, I.severity, 'Severity', severity),
    {
      type: 'input',
      block_id: B.reason,
      optional: true,
      label: plain('Reason (needed when you decide against the suggestion)'),
      element: { type: 'plain_text_input', action_id: I.reason, multiline: true, max_length: 1000 },
    },
    { type: 'header', text: plain('If it is an incident') },
    {
      type: 'input',
      block_id: B.publicTitle,
      optional: true,
      label: plain('Public title'),
      hint: plain('Customers read this on the status page; no internal names or ids'),
      element: { type: 'plain_text_input', action_id: I.publicTitle, max_length: 150 },
    },
    {
      type: 'input',
      block_id: B.publicSummary,
      optional: true,
      label: plain('Public summary'),
      element: { type: 'plain_text_input', action_id: I.publicSummary, multiline: true, max_length: 2000 },
    },
    {
      type: 'input',
      block_id: B.components,
      optional: true,
      label: plain('Affected components'),
      element: {
        type: 'checkboxes',
        action_id: I.components,
        options: model.components.slice(0, 10).map((c) => option(c.id, c.name)),
      },
    },
    {
      type: 'input',
      block_id: B.impact,
      label: plain('Their state'),
      element: {
        type: 'static_select',
        action_id: I.impact,
        options: COMPONENT_STATES.filter((s) => s !== 'operational').map((s) =>
          option(s, COMPONENT_STATE_LABELS[s]),
        ),
        initial_option: option('partial_outage', COMPONENT_STATE_LABELS.partial_outage),
      },
    },
    {
      type: 'input',
      block_id: B.owner,
      label: plain('Owner'),
      element: { type: 'users_select', action_id: I.owner, initial_user: model.ownerId },
    },
  ];
  return {
    type: 'modal',
    callback_id: M.classify,
    private_metadata: encodeClassifyForm(model.problemId, model.basedOn),
    title: plain('Classify problem'),
    submit: plain('Decide'),
    close: plain('Cancel'),
    blocks,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The incident message

export interface IncidentView {
  id: number;
  problemId: number;
  publicTitle: string;
  publicSummary: string;
  severity: string;
  state: string;
  components: string[];
  ownerId: string;
  createdAt: Date;
  identifiedAt: Date | null;
  monitoringAt: Date | null;
  resolvedAt: Date | null;
  lastUpdateAt: Date | null;
  dedicatedChannel: string | null;
}

export interface UpdateView {
  state: string;
  publicMessage: string;
  internalNote: string | null;
  componentStates: Record<string, string>;
  authorId: string;
  createdAt: Date;
}

const stateLabel = (state: string) => INCIDENT_STATE_LABELS[state as IncidentState] ?? state;
const componentStateLabel = (state: string) => COMPONENT_STATE_LABELS[state as ComponentState] ?? state;
const severityLabel = (severity: string) => SEVERITY_LABELS[severity as Severity] ?? severity;
const STATE_EMOJI: Record<string, string> = {
  investigating: ':mag:',
  identified: ':bulb:',
  monitoring: ':eyes:',
  resolved: ':white_check_mark:',
};

/** The incident's message in the incidents channel, rendered from its record and edited on every change. */
export function incidentMessage(
  incident: IncidentView,
  latest: UpdateView | undefined,
  components: ComponentView[],
): { text: string; blocks: KnownBlock[] } {
  const ref = incidentRef(incident.id);
  const names = incident.components.map((id) => components.find((c) => c.id === id)?.name ?? id);
  const timeline = [
    `Investigating since ${at(incident.createdAt)}`,
    incident.identifiedAt ? `identified ${at(incident.identifiedAt)}` : '',
    incident.monitoringAt ? `monitoring ${at(incident.monitoringAt)}` : '',
    incident.resolvedAt ? `resolved ${at(incident.resolvedAt)}` : '',
  ].filter(Boolean);
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: plain(`${ref} · ${severityLabel(incident.severity)} · ${incident.publicTitle}`),
    },
    {
      type: 'section',
      text: mrkdwn(escapeTruncated(incident.publicSummary || incident.publicTitle, 2000)),
      fields: [
        {
          type: 'mrkdwn',
          text: `*State*\n${STATE_EMOJI[incident.state] ?? ''} ${stateLabel(incident.state)}`,
        },
        { type: 'mrkdwn', text: `*Severity*\n${severityLabel(incident.severity)}` },
        { type: 'mrkdwn', text: `*Owner*\n<@${incident.ownerId}>` },
        { type: 'mrkdwn', text: `*Problem*\n${problemRef(incident.problemId)}` },
        {
          type: 'mrkdwn',
          text: `*Components*\n${names.length > 0 ? escapeMrkdwn(names.join(', ')) : '_none named_'}`,
        },
        ...(incident.dedicatedChannel
          ? [{ type: 'mrkdwn' as const, text: `*Channel*\n<#${incident.dedicatedChannel}>` }]
          : []),
      ],
    },
  ];
  if (latest) {
    const states = Object.entries(latest.componentStates)
      .map(
        ([id, state]) =>
          `${escapeMrkdwn(components.find((c) => c.id === id)?.name ?? id)}: ${componentStateLabel(state)}`,
      )
      .join(' · ');
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `*Latest update* (${stateLabel(latest.state)}, ${at(latest.createdAt)})\n${escapeTruncated(latest.publicMessage, 1500)}${states ? `\n_${states}_` : ''}`,
      ),
    });
  }
  if (incident.state !== 'resolved') {
    blocks.push({
      type: 'actions',
      block_id: 'incident_actions',
      elements: [
        {
          type: 'button',
          action_id: A.postUpdate,
          text: plain('Post update'),
          style: 'primary',
          value: encodeIncident(incident.id),
        },
        {
          type: 'button',
          action_id: A.changeSeverity,
          text: plain('Change severity'),
          value: encodeIncident(incident.id),
        },
        { type: 'button', action_id: A.resolve, text: plain('Resolve'), value: encodeIncident(incident.id) },
      ],
    });
  }
  blocks.push({ type: 'context', elements: [mrkdwn(timeline.join(' · '))] });
  return {
    text: `${ref} (${severityLabel(incident.severity)}, ${stateLabel(incident.state)}): ${escapeMrkdwn(incident.publicTitle)}`,
    blocks,
  };
}

/** One status update as posted in a thread (the incidents channel's, or an escalation's). */
export function updatePost(
  incident: { id: number; publicTitle: string; problemId: number },
  update: UpdateView,
  components: ComponentView[],
  audience: 'team' | 'requester',
): { text: string; blocks: KnownBlock[] } {
  const ref = incidentRef(incident.id);
  const states = Object.entries(update.componentStates)
    .map(
      ([id, state]) =>
        `${escapeMrkdwn(components.find((c) => c.id === id)?.name ?? id)}: ${componentStateLabel(state)}`,
    )
    .join(' · ');
  const heading =
    audience === 'requester'
      ? `${STATE_EMOJI[update.state] ?? ''} *${ref} ${stateLabel(update.state)}* — ${escapeTruncated(incident.publicTitle, 200)} (this case is part of ${problemRef(incident.problemId)})`
      : `${STATE_EMOJI[update.state] ?? ''} *${stateLabel(update.state)}* — update by <@${update.authorId}>`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: mrkdwn(`${heading}\n${escapeTruncated(update.publicMessage, 2500)}`) },
  ];
  const context: string[] = [];
  if (states) context.push(states);
  if (audience === 'team' && update.internalNote)
    context.push(`Internal: ${escapeTruncated(update.internalNote, 1000)}`);
  if (audience === 'requester')
    context.push('You can share the text above with the customer; it is what the status page says.');
  if (context.length > 0) blocks.push({ type: 'context', elements: context.map((text) => mrkdwn(text)) });
  return {
    text: `${ref} ${stateLabel(update.state)}: ${escapeTruncated(update.publicMessage, 200)}`,
    blocks,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Status update, severity and merge modals

/** What other open incidents hold: the state each sets for a component (the page shows the worst). */
export interface HeldElsewhere {
  incidentId: number;
  componentId: string;
  state: string;
}

export function statusUpdateModal(model: {
  incident: IncidentView;
  components: ComponentView[];
  /** The last state this incident set for each component. */
  held: Record<string, string>;
  elsewhere: HeldElsewhere[];
  resolve: boolean;
}): ModalView {
  const { incident } = model;
  const state = model.resolve ? 'resolved' : incident.state;
  const stateOptions = INCIDENT_STATES.map((s) => option(s, INCIDENT_STATE_LABELS[s]));
  const componentOptions = COMPONENT_STATES.map((s) => option(s, COMPONENT_STATE_LABELS[s]));
  const alsoHeld = (componentId: string) =>
    model.elsewhere
      .filter((held) => held.componentId === componentId)
      .map((held) => `${incidentRef(held.incidentId)} (${componentStateLabel(held.state)})`);
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(`*${incidentRef(incident.id)}* · ${escapeTruncated(incident.publicTitle, 200)}`),
    },
    {
      type: 'input',
      block_id: B.state,
      label: plain('State'),
      element: {
        type: 'static_select',
        action_id: I.state,
        options: stateOptions,
        initial_option: stateOptions.find((o) => o.value === state) ?? stateOptions[0],
      },
    },
    {
      type: 'input',
      block_id: B.publicMessage,
      label: plain('Public message'),
      hint: plain('Posted to the status page and to every linked case: write it for customers'),
      element: { type: 'plain_text_input', action_id: I.publicMessage, multiline: true, max_length: 2500 },
    },
    {
      type: 'input',
      block_id: B.internalNote,
      optional: true,
      label: plain('Internal note'),
      hint: plain('Only the team sees this, in the incidents channel'),
      element: { type: 'plain_text_input', action_id: I.internalNote, multiline: true, max_length: 1500 },
    },
  ];
  if (model.resolve) {
    // Resolving returns this incident's components and nothing else: there is nothing to choose.
    const own = model.components.filter(
      (c) => incident.components.includes(c.id) || (model.held[c.id] ?? 'operational') !== 'operational',
    );
    const lines = own.map((component) => {
      const others = alsoHeld(component.id);
      return `• ${escapeMrkdwn(component.name)}: ${COMPONENT_STATE_LABELS.operational}${
        others.length > 0 ? ` for this incident; still held by ${others.join(', ')}` : ''
      }`;
    });
    blocks.push({
      type: 'section',
      block_id: B.resolvedComponents,
      text: mrkdwn(
        own.length > 0
          ? `*On the status page, resolving returns:*\n${lines.join('\n')}`
          : '_This incident holds no component on the status page._',
      ),
    });
  } else {
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(
          'Component states are this incident’s own; the status page shows the worst state any open incident sets.',
        ),
      ],
    });
    for (const component of model.components.slice(0, 20)) {
      const current = model.held[component.id] ?? 'operational';
      const others = alsoHeld(component.id);
      blocks.push({
        type: 'input',
        block_id: componentStateBlockId(component.id),
        label: plain(component.name),
        ...(others.length > 0 ? { hint: plain(`Also held by ${others.join(', ')}`) } : {}),
        element: {
          type: 'static_select',
          action_id: I.componentState,
          options: componentOptions,
          initial_option: componentOptions.find((o) => o.value === current) ?? componentOptions[0],
        },
      });
    }
  }
  return {
    type: 'modal',
    callback_id: M.update,
    private_metadata: encodeUpdateForm(incident.id, model.resolve),
    title: plain(model.resolve ? 'Resolve incident' : 'Post status update'),
    submit: plain(model.resolve ? 'Resolve' : 'Post update'),
    close: plain('Cancel'),
    blocks,
  };
}

export function severityModal(incident: IncidentView): ModalView {
  return {
    type: 'modal',
    callback_id: M.severity,
    private_metadata: encodeIncident(incident.id),
    title: plain('Change severity'),
    submit: plain('Change'),
    close: plain('Cancel'),
    blocks: severityChoice(
      B.newSeverity,
      I.newSeverity,
      `Severity of ${incidentRef(incident.id)}`,
      (SEVERITIES as readonly string[]).includes(incident.severity)
        ? (incident.severity as Severity)
        : 'sev3',
    ),
  };
}

export function mergeModal(model: {
  problemId: number;
  title: string;
  candidates: Array<{ id: number; title: string }>;
}): ModalView {
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(
        `Move every escalation of *${problemRef(model.problemId)}* (${escapeTruncated(model.title, 150)}) to the problem it duplicates. Its requesters are told in their threads.`,
      ),
    },
  ];
  if (model.candidates.length === 0) {
    blocks.push({ type: 'section', text: mrkdwn('_There is no other open problem to merge into._') });
  } else {
    blocks.push({
      type: 'input',
      block_id: B.mergeTarget,
      label: plain('Merge into'),
      element: {
        type: 'static_select',
        action_id: I.mergeTarget,
        options: model.candidates
          .slice(0, 100)
          .map((c) => option(String(c.id), `${problemRef(c.id)} · ${c.title}`)),
      },
    });
  }
  return {
    type: 'modal',
    callback_id: M.merge,
    private_metadata: encodeProblem(model.problemId),
    title: plain('Merge into…'),
    ...(model.candidates.length > 0 ? { submit: plain('Merge') } : {}),
    close: plain('Cancel'),
    blocks,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Requester notices and reminders

// These go out as plain `text`, which Slack reads as mrkdwn: everything people wrote is escaped, so a title or a
// workaround cannot mention @channel or disguise a link.

export function bugNotice(problem: { id: number; title: string; workaround: string | null }): string {
  const workaround = problem.workaround ? ` Known workaround: ${escapeMrkdwn(problem.workaround)}` : '';
  return `:beetle: ${problemRef(problem.id)} (${escapeMrkdwn(problem.title)}) was confirmed as a bug. Engineering fixes it through its RCA ticket; no public incident is opened. I will post here when the fix ships.${workaround}`;
}

export function mergeNotice(
  from: { id: number },
  into: { id: number; title: string; workaround: string | null },
): string {
  const workaround = into.workaround ? ` Known workaround: ${escapeMrkdwn(into.workaround)}` : '';
  return `:twisted_rightwards_arrows: ${problemRef(from.id)} turned out to be the same as ${problemRef(into.id)} (${escapeMrkdwn(into.title)}). This case now follows ${problemRef(into.id)}; its updates will come here.${workaround}`;
}

export function reminderMessage(
  incident: { id: number; ownerId: string; severity: string },
  quietMinutes: number,
): { text: string; blocks: KnownBlock[] } {
  const text = `<@${incident.ownerId}> ${incidentRef(incident.id)} (${severityLabel(incident.severity)}) has had no update for ${quietMinutes} minutes. Customers and agents are waiting: please post an update.`;
  return {
    text,
    blocks: [
      { type: 'section', text: mrkdwn(`:alarm_clock: ${text}`) },
      {
        type: 'actions',
        block_id: 'incident_reminder',
        elements: [
          {
            type: 'button',
            action_id: A.postUpdate,
            text: plain('Post update'),
            style: 'primary',
            value: encodeIncident(incident.id),
          },
          ...SNOOZE_MINUTES.map(
            (minutes): Button => ({
              type: 'button',
              action_id: `${A.snooze}_${minutes}`,
              text: plain(`Snooze ${minutes} min`),
              value: encodeSnooze(incident.id, minutes),
            }),
          ),
        ],
      },
    ],
  };
}

export function snoozedMessage(
  incidentId: number,
  userId: string,
  until: Date,
): { text: string; blocks: KnownBlock[] } {
  const text = `:zzz: Reminders for ${incidentRef(incidentId)} snoozed by <@${userId}> until ${at(until)}.`;
  return { text, blocks: [{ type: 'section', text: mrkdwn(text) }] };
}
