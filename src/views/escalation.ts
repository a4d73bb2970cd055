import type {
  ActionsBlock,
  Button,
  KnownBlock,
  ModalView,
  PlainTextOption,
  SectionBlock,
} from '@slack/types';
import { MIN_SEARCH_CHARACTERS } from '../domain/customers.js';
import {
  CATEGORIES,
  CATEGORY_LABELS,
  type Category,
  escalationRef,
  PRIORITIES,
  PRIORITY_LABELS,
  type Priority,
  problemRef,
  TRIGGER_LABELS,
  TRIGGERS,
  type Trigger,
} from '../domain/escalation.js';
import { formatMoney } from '../domain/money.js';
import { accountActionsButton } from './account-actions.js';
import { billingEscalationButtons } from './billingCard.js';
import {
  ESCALATION_IDS,
  encodeEscalation,
  encodeFormSource,
  encodeIntakeMessage,
  encodeLink,
  type FormSource,
} from './escalation-actions.js';
import { escapeMrkdwn, escapeTruncated, mrkdwnLink, truncate } from './mrkdwn.js';
import { rcaProblemButtons } from './rca.js';

const { blocks: B, inputs: I, actions: A } = ESCALATION_IDS;

const plain = (text: string) => ({ type: 'plain_text' as const, text: truncate(text, 75), emoji: true });
const option = (value: string, text: string): PlainTextOption => ({ text: plain(text), value });

export interface EscalationFormModel {
  source: FormSource;
  summary?: string;
  details?: string;
  category?: Category;
  /** A message kept as evidence (shortcut), shown in the form so the agent knows it is attached. */
  evidenceNote?: string;
}

/** The escalation form: seed 001's checklist with seed 003's billing categories. */
export function escalationModal(model: EscalationFormModel): ModalView {
  const blocks: KnownBlock[] = [];
  if (model.evidenceNote) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(model.evidenceNote, 300) }] });
  }
  blocks.push(
    {
      type: 'input',
      block_id: B.customer,
      optional: true,
      label: plain('Customer'),
      hint: plain('Type an email, a name or a Stripe customer id (cus_…)'),
      element: {
        type: 'external_select',
        action_id: I.customer,
        min_query_length: MIN_SEARCH_CHARACTERS,
        placeholder: plain('Search Stripe customers'),
      },
    },
    {
      type: 'input',
      block_id: B.caseRef,
      optional: true,
      label: plain('Case link or id'),
      element: {
        type: 'plain_text_input',
        action_id: I.caseRef,
        max_length: 500,
        placeholder: plain('https://… or CSD-1234'),
      },
    },
    {
      type: 'input',
      block_id: B.priority,
      label: plain('Priority'),
      element: {
        type: 'static_select',
        action_id: I.priority,
        options: PRIORITIES.map((priority) => option(priority, PRIORITY_LABELS[priority])),
        initial_option: option('p3', PRIORITY_LABELS.p3),
      },
    },
    {
      type: 'input',
      block_id: B.category,
      label: plain('Category'),
      element: {
        type: 'static_select',
        action_id: I.category,
        options: CATEGORIES.map((category) => option(category, CATEGORY_LABELS[category])),
        ...(model.category
          ? { initial_option: option(model.category, CATEGORY_LABELS[model.category]) }
          : {}),
      },
    },
    {
      type: 'input',
      block_id: B.summary,
      optional: true,
      label: plain('Summary'),
      element: {
        type: 'plain_text_input',
        action_id: I.summary,
        max_length: 150,
        placeholder: plain('One line: what is wrong for the customer'),
        ...(model.summary ? { initial_value: truncate(model.summary, 150) } : {}),
      },
    },
    {
      type: 'input',
      block_id: B.details,
      optional: true,
      label: plain('What happens'),
      element: {
        type: 'plain_text_input',
        action_id: I.details,
        multiline: true,
        max_length: 3000,
        placeholder: plain('What the customer sees, since when, amounts, invoice numbers, error messages'),
        ...(model.details ? { initial_value: truncate(model.details, 3000) } : {}),
      },
    },
    {
      type: 'input',
      block_id: B.reproduction,
      optional: true,
      label: plain('Steps to reproduce'),
      element: { type: 'plain_text_input', action_id: I.reproduction, multiline: true, max_length: 3000 },
    },
    {
      type: 'input',
      block_id: B.evidence,
      optional: true,
      label: plain('Evidence links'),
      hint: plain('Screenshots, recordings, Stripe dashboard links — one per line'),
      element: { type: 'plain_text_input', action_id: I.evidence, multiline: true, max_length: 2000 },
    },
    {
      type: 'input',
      block_id: B.triggers,
      optional: true,
      label: plain('Escalate at once when'),
      hint: plain('Any of these makes the escalation urgent at top priority'),
      element: {
        type: 'checkboxes',
        action_id: I.triggers,
        options: TRIGGERS.map((trigger) => option(trigger, TRIGGER_LABELS[trigger])),
      },
    },
  );
  return {
    type: 'modal',
    callback_id: ESCALATION_IDS.modal,
    private_metadata: encodeFormSource(model.source),
    title: plain('Escalate to billing'),
    submit: plain('Escalate'),
    close: plain('Cancel'),
    blocks,
  };
}

export interface MatchView {
  problemId: number;
  title: string;
  kind: string | null;
  status: string;
  workaround: string | null;
  linkedCustomers: number;
  confidence: number;
  level: 'likely' | 'possible';
  reasons: string[];
}

export interface EscalationView {
  id: number;
  customerName: string;
  customerId: string;
  caseRef: string | null;
  priority: Priority;
  category: Category;
  summary: string;
  details: string;
  urgent: boolean;
  triggers: Trigger[];
  requesterId: string;
  evidenceLinks: string[];
  sourcePermalink: string | null;
}

export interface LinkedProblemView {
  id: number;
  title: string;
  kind: string | null;
  status: string;
  workaround: string | null;
  /** True when the problem was reported from this escalation rather than found as a match. */
  reportedHere: boolean;
}

const PROBLEM_STATUS_TEXT: Record<string, string> = {
  triage: 'in triage',
  open: 'open',
  fix_released: 'fix released',
  closed: 'closed',
};

/** A problem's kind and where it stands, e.g. "bug, open" or "unclassified, in triage". */
function problemStatusText(kind: string | null, status: string): string {
  if (status === 'merged') return 'merged (duplicate)';
  const kindText = kind === 'incident' ? 'incident' : kind === 'bug' ? 'bug' : 'unclassified';
  return `${kindText}, ${PROBLEM_STATUS_TEXT[status] ?? status.replaceAll('_', ' ')}`;
}

function caseText(caseRef: string | null): string {
  if (!caseRef) return '_no case given_';
  return /^https?:\/\//.test(caseRef)
    ? mrkdwnLink(caseRef, truncate(caseRef.replace(/^https?:\/\//, ''), 60))
    : escapeMrkdwn(caseRef);
}

function escalationFacts(escalation: EscalationView): SectionBlock {
  return {
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: `*${escapeTruncated(escalation.summary, 280)}*${escalation.details ? `\n${escapeTruncated(escalation.details, 1200)}` : ''}`,
    },
    fields: [
      {
        type: 'mrkdwn',
        text: `*Customer*\n${escapeMrkdwn(escalation.customerName)} (\`${escapeMrkdwn(escalation.customerId)}\`)`,
      },
      { type: 'mrkdwn', text: `*Case*\n${caseText(escalation.caseRef)}` },
      {
        type: 'mrkdwn',
        text: `*Priority*\n${PRIORITY_LABELS[escalation.priority]}${escalation.urgent ? ' :rotating_light:' : ''}`,
      },
      { type: 'mrkdwn', text: `*Category*\n${CATEGORY_LABELS[escalation.category]}` },
    ],
  };
}

function matchBlocks(match: MatchView, escalationId: number, withButton: boolean): KnownBlock[] {
  const percent = Math.round(match.confidence * 100);
  const heading =
    match.level === 'likely'
      ? `:dart: *Likely the same problem* · ${percent}% match`
      : `:mag: Possible match · ${percent}%`;
  const customers = `${match.linkedCustomers} customer${match.linkedCustomers === 1 ? '' : 's'} linked`;
  const lines = [
    heading,
    `*${problemRef(match.problemId)} — ${escapeTruncated(match.title, 200)}*`,
    `${problemStatusText(match.kind, match.status)} · ${customers}`,
    match.workaround
      ? `*Workaround:* ${escapeTruncated(match.workaround, 900)}`
      : '_No workaround known yet._',
  ];
  const section: SectionBlock = { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } };
  if (withButton) {
    section.accessory = {
      type: 'button',
      action_id: `${A.link}_${match.problemId}`,
      text: plain(`Link to ${problemRef(match.problemId)}`),
      value: encodeLink(escalationId, match.problemId),
      ...(match.level === 'likely' ? { style: 'primary' as const } : {}),
    };
  }
  return [
    section,
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Why: ${escapeMrkdwn(match.reasons.join('; '))}` }],
    },
  ];
}

export interface EscalationCardModel {
  escalation: EscalationView;
  matches: MatchView[];
  linkedProblem?: LinkedProblemView | undefined;
  /** Extra buttons from other features (billing context, playbooks), shown under the facts. */
  extraActions?: Button[];
}

/** The escalation card the requester sees: the case, then the known problems it looks like, or what it is linked to. */
export function escalationCard(model: EscalationCardModel): { text: string; blocks: KnownBlock[] } {
  const { escalation, matches, linkedProblem } = model;
  const ref = escalationRef(escalation.id);
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(`${ref} · ${escalation.customerName}`) },
    escalationFacts(escalation),
  ];
  const context: string[] = [`Raised by <@${escalation.requesterId}>`];
  if (escalation.triggers.length > 0)
    context.push(`Urgent: ${escalation.triggers.map((t) => TRIGGER_LABELS[t].toLowerCase()).join('; ')}`);
  if (escalation.sourcePermalink) context.push(`<${escalation.sourcePermalink}|original message>`);
  if (escalation.evidenceLinks.length > 0) {
    context.push(
      escalation.evidenceLinks
        .slice(0, 5)
        .map((link, index) => mrkdwnLink(link, `evidence ${index + 1}`))
        .join(' · '),
    );
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(context.join(' · '), 2900) }] });
  const tools: Button[] = [
    ...billingEscalationButtons(escalation),
    ...(escalation.customerId.startsWith('cus_')
      ? [accountActionsButton({ customer: escalation.customerId, escalation: escalation.id })]
      : []),
    ...(model.extraActions ?? []),
  ];
  if (tools.length > 0) {
    blocks.push({ type: 'actions', block_id: 'escalation_tools', elements: tools.slice(0, 25) });
  }
  blocks.push({ type: 'divider' });

  if (linkedProblem) {
    const lead = linkedProblem.reportedHere
      ? `:new: Reported as a new problem: *${problemRef(linkedProblem.id)} — ${escapeTruncated(linkedProblem.title, 200)}* (${problemStatusText(linkedProblem.kind, linkedProblem.status)}). Engineering has it on the triage board.`
      : `:link: Linked to *${problemRef(linkedProblem.id)} — ${escapeTruncated(linkedProblem.title, 200)}* (${problemStatusText(linkedProblem.kind, linkedProblem.status)}). No new engineering work was created.`;
    const workaround = linkedProblem.workaround
      ? `\n*Workaround:* ${escapeTruncated(linkedProblem.workaround, 1500)}`
      : '\n_No workaround is known yet._';
    blocks.push(
      { type: 'section', text: { type: 'mrkdwn', text: `${lead}${workaround}` } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'Every update on this problem will be posted in this thread.' }],
      },
    );
    return {
      text: `${ref}: ${linkedProblem.reportedHere ? 'reported as' : 'linked to'} ${problemRef(linkedProblem.id)}`,
      blocks,
    };
  }

  if (matches.length > 0) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '*Known problems that look like this case* — link the case if one is the same; engineering is then not asked again.',
      },
    });
    for (const match of matches.slice(0, 3)) blocks.push(...matchBlocks(match, escalation.id, true));
  } else {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: 'No known open problem looks like this case.' },
    });
  }
  const actions: ActionsBlock = {
    type: 'actions',
    block_id: 'escalation_decision',
    elements: [
      {
        type: 'button',
        action_id: A.reportNew,
        text: plain(matches.length > 0 ? 'None of these: report new problem' : 'Report new problem'),
        value: encodeEscalation(escalation.id),
        ...(matches.length === 0 ? { style: 'primary' as const } : {}),
        confirm: {
          title: plain('Report a new problem?'),
          text: {
            type: 'mrkdwn',
            text: 'This puts a new problem on the engineering triage board with this case as its first escalation.',
          },
          confirm: plain('Report it'),
          deny: plain('Not yet'),
        },
      },
    ],
  };
  blocks.push(actions);
  const text =
    matches.length > 0
      ? `${ref}: ${matches.length} known problem${matches.length === 1 ? ' looks' : 's look'} like this case`
      : `${ref}: no known problem looks like this case`;
  return { text, blocks };
}

export interface IntakeReplyModel {
  channel: string;
  messageTs: string;
  kind: 'intake' | 'mention';
  matches: MatchView[];
}

/** The answer in the thread of an intake message or mention: matching known problems and a way to escalate. */
export function intakeReply(model: IntakeReplyModel): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [];
  if (model.matches.length > 0) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: '*This may already be a known problem:*' },
    });
    for (const match of model.matches.slice(0, 3)) blocks.push(...matchBlocks(match, 0, false));
  } else {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: 'I found no known open problem that looks like this.' },
    });
  }
  blocks.push({
    type: 'actions',
    block_id: 'intake_actions',
    elements: [
      {
        type: 'button',
        action_id: A.openForm,
        text: plain('Escalate this case'),
        style: 'primary',
        value: encodeIntakeMessage(model.channel, model.messageTs, model.kind),
      },
    ],
  });
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: 'The form opens with this message filled in; you can link to a known problem from the card it creates.',
      },
    ],
  });
  const text =
    model.matches.length > 0
      ? `Possible known problem: ${escapeTruncated(model.matches[0]?.title ?? '', 250)}`
      : 'No known problem matches; escalate with the button.';
  return { text: truncate(text, 300), blocks };
}

export interface TriageCardModel {
  problem: {
    id: number;
    title: string;
    symptoms: string;
    category: Category;
    status: string;
    kind: string | null;
    createdBy: string;
  };
  impact: {
    escalations: number;
    customers: number;
    revenueAtRisk: Array<{ currency: string; amountMinor: number }>;
  };
  escalations: Array<{
    id: number;
    customerName: string;
    caseRef: string | null;
    urgent: boolean;
    requesterId: string;
  }>;
  /** Buttons from later features (classification, assessment). */
  actions?: Button[];
  /** Lines from later features shown under the facts (the classification and its reason, a merge). */
  notes?: string[];
}

/** The card in the incidents channel for a problem awaiting triage, kept current as cases link to it. */
export function triageCard(model: TriageCardModel): { text: string; blocks: KnownBlock[] } {
  const { problem, impact } = model;
  const ref = problemRef(problem.id);
  const revenue =
    impact.revenueAtRisk.length > 0
      ? impact.revenueAtRisk.map((r) => `${formatMoney(r.amountMinor, r.currency)}/mo`).join(' + ')
      : 'unknown';
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(`${ref} · ${problem.title}`) },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: escapeTruncated(problem.symptoms || problem.title, 2000) },
      fields: [
        { type: 'mrkdwn', text: `*State*\n${problemStatusText(problem.kind, problem.status)}` },
        { type: 'mrkdwn', text: `*Category*\n${CATEGORY_LABELS[problem.category]}` },
        {
          type: 'mrkdwn',
          text: `*Customers affected*\n${impact.customers} (${impact.escalations} escalation${impact.escalations === 1 ? '' : 's'})`,
        },
        { type: 'mrkdwn', text: `*Revenue at risk*\n${revenue}` },
      ],
    },
  ];
  const listed = model.escalations.slice(0, 10).map((escalation) => {
    const urgent = escalation.urgent ? ' :rotating_light:' : '';
    return `• ${escalationRef(escalation.id)} — ${escapeMrkdwn(escalation.customerName)} · ${caseText(escalation.caseRef)} · <@${escalation.requesterId}>${urgent}`;
  });
  if (model.escalations.length > 10) listed.push(`… and ${model.escalations.length - 10} more`);
  blocks.push({
    type: 'section',
    text: { type: 'mrkdwn', text: `*Linked escalations*\n${listed.join('\n')}` },
  });
  for (const note of model.notes ?? [])
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(note, 2900) }] });
  const actions = [...(model.actions ?? []), ...rcaProblemButtons(problem)];
  if (actions.length > 0)
    blocks.push({ type: 'actions', block_id: 'problem_actions', elements: actions.slice(0, 25) });
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `Reported by <@${problem.createdBy}>` }],
  });
  return { text: `${ref}: ${escapeMrkdwn(problem.title)} (${impact.customers} customers)`, blocks };
}

/** Posted to the incidents channel at once for an escalation with a seed-001 trigger, matched or not. */
export function urgentNotice(
  escalation: EscalationView,
  matches: MatchView[],
): { text: string; blocks: KnownBlock[] } {
  const ref = escalationRef(escalation.id);
  const why = escalation.triggers.map((trigger) => TRIGGER_LABELS[trigger]).join('; ');
  const best = matches[0];
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `:rotating_light: *Urgent escalation ${ref}* from <@${escalation.requesterId}> — ${escapeMrkdwn(why)}`,
      },
    },
    escalationFacts(escalation),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: best
            ? `Closest known problem: ${problemRef(best.problemId)} — ${escapeTruncated(best.title, 150)} (${Math.round(best.confidence * 100)}%)`
            : 'No known problem looks like it.',
        },
      ],
    },
  ];
  return { text: `Urgent escalation ${ref}: ${escapeMrkdwn(escalation.summary)}`, blocks };
}

/** The thread reply a requester gets when their case is linked to a known problem (plain text, read as mrkdwn). */
export function linkedReply(problem: LinkedProblemView): string {
  const ref = problemRef(problem.id);
  const workaround = problem.workaround
    ? `Known workaround: ${escapeMrkdwn(problem.workaround)}`
    : 'No workaround is known yet; the team is on it.';
  return `:link: This case is now part of ${ref} (${escapeMrkdwn(problem.title)}). ${workaround} I will post every update on ${ref} here.`;
}
