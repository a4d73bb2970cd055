import type { HomeView, KnownBlock } from '@slack/types';
import { CATEGORY_LABELS, type Category, escalationRef, problemRef } from '../domain/escalation.js';
import {
  escalationWait,
  type HomeActionRequest,
  type HomeApproval,
  type HomeAssessment,
  type HomeEscalation,
  type HomeIncident,
  type HomeProblem,
  type HomeSections,
  stageRoles,
} from '../domain/home.js';
import { formatDuration, formatShare, type PeriodFigures, share } from '../domain/metrics.js';
import { formatMoney } from '../domain/money.js';
import { RELEASE_LABELS, type ReleaseDecision } from '../domain/release.js';
import { ROLE_LABELS, type RoleName } from '../domain/roles.js';
import { ACCOUNT_ACTION_IDS, encodeDecision } from './account-action-ids.js';
import { ESCALATION_IDS, encodeHomeForm } from './escalation-actions.js';
import { escapeMrkdwn, escapeTruncated, truncate } from './mrkdwn.js';

/**
 * Each person's App Home, by role: agents see their open escalations and pending action requests; managers, billing
 * specialists, VPs and legal the approvals waiting for them; managers, billing specialists and VPs today's figures;
 * engineers the top problems; everyone the active incidents and a button to escalate. Pure: the model in, a Home
 * tab view out.
 */

/** Approve / Deny on App Home are the account-actions feature's own buttons; it answers the clicks. */
export const HOME_IDS = {
  approve: ACCOUNT_ACTION_IDS.approve,
  deny: ACCOUNT_ACTION_IDS.deny,
  newEscalation: ESCALATION_IDS.actions.openForm,
} as const;

/** Plain data for the view; the service fills it from the database (db/repositories/home.ts). */
export interface HomeModel {
  userId: string;
  roles: RoleName[];
  sections: HomeSections;
  now: Date;
  escalations: Array<
    Pick<
      HomeEscalation,
      | 'id'
      | 'customerName'
      | 'summary'
      | 'category'
      | 'status'
      | 'createdAt'
      | 'problemId'
      | 'problemStatus'
      | 'problemKind'
      | 'incidentState'
    >
  >;
  /** More open escalations than are listed (the oldest are left out). */
  moreEscalations?: boolean;
  actionRequests: Array<Omit<HomeActionRequest, 'createdAt'>>;
  approvals: HomeApproval[];
  /** More approvals are waiting than are listed (the newest are left out). */
  moreApprovals?: boolean;
  today: PeriodFigures | null;
  problems: HomeProblem[];
  /** More problems are open than are listed (the lowest ranked are left out). */
  moreProblems?: boolean;
  incidents: Array<Omit<HomeIncident, 'lastUpdateAt'>>;
  /** More incidents are active than are listed (the oldest are left out). */
  moreIncidents?: boolean;
  statusPageUrl?: string;
}

const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text: truncate(text, 3000) });
const section = (text: string): KnownBlock => ({ type: 'section', text: mrkdwn(text) });
const header = (text: string): KnownBlock => ({
  type: 'header',
  text: { type: 'plain_text', text: truncate(text, 150), emoji: true },
});
const context = (text: string): KnownBlock => ({ type: 'context', elements: [mrkdwn(text)] });
const divider: KnownBlock = { type: 'divider' };
const words = (value: string) => value.replaceAll('_', ' ');
const amountOf = (amountMinor: number | null, currency: string | null) =>
  amountMinor !== null && currency ? ` · ${formatMoney(amountMinor, currency)}` : '';
const ago = (now: Date, then: Date) => `${formatDuration(now.getTime() - then.getTime())} ago`;
const roleLabel = (role: string) => ROLE_LABELS[role as RoleName] ?? words(role);
/** A stage's roles in words: "Support manager or Billing specialist". */
const stageLabel = (requiredRole: string) => stageRoles(requiredRole).map(roleLabel).join(' or ');

function agentBlocks(model: HomeModel): KnownBlock[] {
  const blocks: KnownBlock[] = [header('Your open escalations')];
  if (model.escalations.length === 0) {
    blocks.push(context('Nothing open. New cases you escalate appear here until they are closed.'));
  }
  for (const e of model.escalations) {
    const wait = escalationWait(e);
    const who = wait.who === 'you' ? ':point_right: *Waiting for you:*' : ':hourglass: Waiting for';
    blocks.push(
      section(
        `*${escalationRef(e.id)}* ${escapeTruncated(e.summary, 120)}\n${escapeMrkdwn(e.customerName)} · ${CATEGORY_LABELS[e.category as Category] ?? e.category} · raised ${ago(model.now, e.createdAt)}\n${who} ${escapeMrkdwn(wait.text)}`,
      ),
    );
  }
  if (model.moreEscalations)
    blocks.push(
      context(
        `:warning: You have more open escalations than these ${model.escalations.length}, the newest; older ones are not listed here.`,
      ),
    );
  blocks.push(header('Your account-action requests'));
  if (model.actionRequests.length === 0) blocks.push(context('No requests waiting.'));
  for (const a of model.actionRequests) {
    const waiting =
      a.waitingStage !== null && a.waitingRole
        ? `waiting for ${stageLabel(a.waitingRole)} approval (stage ${a.waitingStage})`
        : words(a.state);
    blocks.push(
      section(
        `*${words(a.kind)}* for \`${escapeMrkdwn(a.customerId)}\`${amountOf(a.amountMinor, a.currency)}\n:hourglass: ${waiting}`,
      ),
    );
  }
  return blocks;
}

function todayText(today: PeriodFigures): string {
  const e = today.escalations;
  return [
    `• Escalations raised: *${e.total}* · resolved without engineering ${formatShare(share(e.resolvedWithoutEngineering, e.total))}`,
    `• Duplicate escalations avoided: *${e.duplicatesAvoided}*`,
    `• Resolved: *${e.resolved}* · average ${formatDuration(e.averageResolutionMs)}`,
    `• Account actions requested: *${today.actions.requested}* · approvals decided ${today.approvals.approved + today.approvals.denied}`,
    `• Incidents declared: *${today.incidents.opened}*`,
  ].join('\n');
}

function approverBlocks(model: HomeModel): KnownBlock[] {
  const blocks: KnownBlock[] = [header('Approvals waiting for you')];
  if (model.approvals.length === 0) blocks.push(context('Nothing to decide right now.'));
  for (const a of model.approvals) {
    const value = encodeDecision(a.actionId, a.stage);
    const expires = a.expiresAt
      ? ` · expires ${a.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`
      : '';
    blocks.push(
      section(
        `*${words(a.kind)}* for \`${escapeMrkdwn(a.customerId)}\`${amountOf(a.amountMinor, a.currency)}\nRequested by <@${a.requesterId}> ${ago(model.now, a.requestedAt)} · ${stageLabel(a.requiredRole)} approval, stage ${a.stage}${expires}\n> ${escapeTruncated(a.reason, 300)}`,
      ),
      {
        type: 'actions',
        block_id: `home_approval_${a.actionId}_${a.stage}`,
        elements: [
          {
            type: 'button',
            action_id: HOME_IDS.approve,
            text: { type: 'plain_text', text: 'Approve' },
            style: 'primary',
            value,
          },
          {
            type: 'button',
            action_id: HOME_IDS.deny,
            text: { type: 'plain_text', text: 'Deny' },
            style: 'danger',
            value,
          },
        ],
      },
    );
  }
  if (model.moreApprovals)
    blocks.push(
      context(
        `:warning: More requests are waiting for you than these ${model.approvals.length}, the oldest; each one decided makes room for the next.`,
      ),
    );
  return blocks;
}

function figuresBlocks(today: PeriodFigures): KnownBlock[] {
  return [
    header("Today's figures"),
    section(todayText(today)),
    context('Since 00:00 UTC. `/frontline report` sends last month’s full report.'),
  ];
}

/** The latest assessment in a few words: its severity and release decision (only a patch's version is firm). */
function assessmentText(assessment: HomeAssessment): string {
  const release = RELEASE_LABELS[assessment.decision as ReleaseDecision] ?? words(assessment.decision);
  const version = assessment.fixVersion
    ? `, ${assessment.decision === 'patch' ? '' : 'tentatively '}version ${escapeTruncated(assessment.fixVersion, 40)}`
    : '';
  const revised = assessment.revision > 1 ? ` (revision ${assessment.revision})` : '';
  return `assessed: ${words(assessment.severity)}${revised} · release: ${release}${version}`;
}

function engineerBlocks(model: HomeModel): KnownBlock[] {
  const blocks: KnownBlock[] = [header('Top problems by priority')];
  if (model.problems.length === 0) blocks.push(context('No open problems.'));
  model.problems.forEach((p, index) => {
    const rca = p.rcaKey ? `RCA ${p.rcaKey} (${words(p.rcaStatus ?? 'requested')})` : 'no RCA ticket yet';
    const assessment = p.assessment ? assessmentText(p.assessment) : ':warning: assessment missing';
    const why =
      p.priorityExplanation.length > 0
        ? `\n_${escapeTruncated(p.priorityExplanation.join(' · '), 400)}_`
        : '';
    blocks.push(
      section(
        `${index + 1}. *${problemRef(p.id)}* ${escapeTruncated(p.title, 120)}\nscore *${p.priorityScore}* · ${p.kind ?? 'not classified'} · ${words(p.status)} · ${p.linkedEscalations} linked case${p.linkedEscalations === 1 ? '' : 's'}\n${rca} · ${assessment}${why}`,
      ),
    );
  });
  if (model.moreProblems)
    blocks.push(
      context(
        `More problems are open than these ${model.problems.length}, the highest ranked. \`/frontline queue\` ranks more of them.`,
      ),
    );
  return blocks;
}

function everyoneBlocks(model: HomeModel): KnownBlock[] {
  const blocks: KnownBlock[] = [header('Active incidents')];
  if (model.incidents.length === 0) blocks.push(context(':large_green_circle: No active incidents.'));
  for (const i of model.incidents) {
    blocks.push(
      section(
        `:rotating_light: *${escapeTruncated(i.publicTitle, 150)}* (${problemRef(i.problemId)})\n${words(i.state)} · ${i.severity} · declared ${ago(model.now, i.createdAt)}`,
      ),
    );
  }
  if (model.moreIncidents)
    blocks.push(
      context(
        `:warning: More incidents are active than these ${model.incidents.length}, the newest; the incidents channel and the status page have them all.`,
      ),
    );
  if (model.statusPageUrl) blocks.push(context(`<${model.statusPageUrl}|Public status page>`));
  return blocks;
}

export function homeView(model: HomeModel): HomeView {
  const roles = model.roles.map((role) => ROLE_LABELS[role]).join(', ');
  const blocks: KnownBlock[] = [
    section(`*Frontline* — billing support, by incident.${roles ? ` You are: ${roles}.` : ''}`),
    {
      type: 'actions',
      block_id: 'home_start',
      elements: [
        {
          type: 'button',
          action_id: HOME_IDS.newEscalation,
          text: { type: 'plain_text', text: 'New escalation' },
          style: 'primary',
          value: encodeHomeForm(),
        },
      ],
    },
    divider,
  ];
  if (model.sections.approver) blocks.push(...approverBlocks(model));
  if (model.sections.figures && model.today) blocks.push(...figuresBlocks(model.today));
  if (model.sections.approver || model.sections.figures) blocks.push(divider);
  if (model.sections.agent) blocks.push(...agentBlocks(model), divider);
  if (model.sections.engineer) blocks.push(...engineerBlocks(model), divider);
  blocks.push(...everyoneBlocks(model));
  blocks.push(context(`Updated ${model.now.toISOString().slice(0, 16).replace('T', ' ')} UTC`));
  // Slack allows 100 blocks in a Home tab; the lists are limited so this only trims in the worst case.
  return { type: 'home', blocks: blocks.slice(0, 100) };
}
