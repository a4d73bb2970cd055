import type { KnownBlock } from '@slack/types';
import { TransactionRollbackError } from 'drizzle-orm';
import { z } from 'zod';
import type { Settings } from '../config.js';
import type { Database } from '../db/client.js';
import { countOne } from '../db/repositories/counters.js';
import {
  type EscalationRow,
  getEscalation,
  insertEscalation,
  linkEscalationOnce,
  setEscalationCard,
  setEscalationFacts,
} from '../db/repositories/escalations.js';
import {
  addLinkedCaseText,
  getProblem,
  insertProblem,
  isLinkable,
  recordPassedOver,
} from '../db/repositories/problems.js';
import type { CustomerSummary } from '../domain/customers.js';
import {
  type Category,
  escalationRef,
  type Priority,
  problemRef,
  type Trigger,
  type ValidEscalation,
} from '../domain/escalation.js';
import { customerSegment } from '../domain/priority.js';
import { extractSignals } from '../domain/text.js';
import { conflict, notFound, notPermitted } from '../errors.js';
import type { KeyedMessage } from '../integrations/slack/messages.js';
import { cannotPostThere, type SlackMessenger } from '../integrations/slack/messenger.js';
import type { JobDefinition, JobQueue } from '../jobs/queue.js';
import { SLACK_POST_JOB, type SlackPost } from '../jobs/slack-post.js';
import type { Logger } from '../logger.js';
import {
  type EscalationView,
  escalationCard,
  intakeReply,
  type LinkedProblemView,
  linkedReply,
  type MatchView,
  urgentNotice,
} from '../views/escalation.js';
import { type FormSource, formSource } from '../views/escalation-actions.js';
import { findKnownProblems, type KnownProblemMatch } from './matching.js';
import type { Directory } from './people.js';
import { afterEscalationLinked } from './problem-links.js';
import { SYNC_TRIAGE_CARD_JOB, type SyncTriageCardJob } from './triage.js';

/** What the customer facts port answers (Stripe behind it). */
export interface CustomerFacts {
  customer: CustomerSummary;
  mrrMinor: number;
  currency: string;
  seats?: number;
  planIds?: string[];
}

export interface EscalationContext {
  db: Database;
  slack: SlackMessenger;
  jobs: JobQueue;
  settings: Settings;
  directory: Directory;
  logger: Logger;
  now: () => Date;
  customerFacts: (customerId: string) => Promise<CustomerFacts | undefined>;
  /** Asks for these people's App Home to be rendered again. */
  homesChanged?: (userIds: string[]) => Promise<void>;
  /** Posts a message at most once per key (see `jobs/slack-post.ts`), answering its ts. */
  postKeyed: (message: KeyedMessage) => Promise<string>;
  /** Extra buttons other features put on every escalation card (billing context, playbooks). */
  cardActions?: (escalation: EscalationRow) => import('@slack/types').Button[];
}

const thresholds = (settings: Settings) => ({
  possible: settings.matching.possibleThreshold,
  likely: settings.matching.likelyThreshold,
});

export function toEscalationView(row: EscalationRow): EscalationView {
  return {
    id: row.id,
    customerName: row.customerName,
    customerId: row.customerId,
    caseRef: row.caseRef,
    priority: row.priority as Priority,
    category: row.category as Category,
    summary: row.summary,
    details: row.details,
    urgent: row.urgent,
    triggers: row.triggers as Trigger[],
    requesterId: row.requesterId,
    evidenceLinks: row.evidenceLinks,
    sourcePermalink: row.sourcePermalink,
  };
}

const toMatchView = (match: KnownProblemMatch): MatchView => ({ ...match });

function matchText(escalation: { summary: string; details: string; reproductionSteps?: string }): string {
  return [escalation.summary, escalation.details, escalation.reproductionSteps ?? '']
    .filter(Boolean)
    .join('\n');
}

/**
 * Stores a submitted escalation (the form is already valid), finds the known problems it looks like, and posts the
 * card where it came from (its thread) or to the requester's direct messages. An urgent escalation is also
 * announced in the incidents channel, through a durable job enqueued with the escalation itself.
 */
export const ESCALATION_INTAKE_JOB = 'escalations.intake';

const intakeJobSchema = z.object({ escalationId: z.number().int().positive(), source: formSource });
export type EscalationIntakeJob = z.infer<typeof intakeJobSchema>;

/**
 * Records a submitted escalation and queues the rest of its intake, in one transaction. This is all that runs
 * before Slack gets its answer: once the form closes, the case is stored and its intake will run even if the
 * process dies right after (the job does the slow part: Stripe facts, matching, the card).
 */
export async function recordEscalation(
  ctx: EscalationContext,
  input: {
    escalation: ValidEscalation;
    requesterId: string;
    source: FormSource;
    customerLabel: string | undefined;
  },
): Promise<EscalationRow> {
  const now = ctx.now();
  const { escalation: valid, source } = input;
  return ctx.db.transaction(async (tx) => {
    const created = await insertEscalation(tx, {
      customerId: valid.customerId,
      customerName: input.customerLabel?.split(' · ')[0] || valid.customerId,
      customerEmail: null,
      customerSegment: null,
      customerSince: null,
      customerMrrMinor: 0,
      currency: 'usd',
      caseRef: valid.caseRef || null,
      priority: valid.priority,
      category: valid.category,
      summary: valid.summary,
      details: valid.details,
      reproductionSteps: valid.reproductionSteps,
      evidenceLinks: valid.evidenceLinks,
      triggers: valid.triggers,
      urgent: valid.urgent,
      status: 'open',
      requesterId: input.requesterId,
      source: source.kind,
      sourceChannel: source.channel ?? null,
      sourceTs: source.messageTs ?? null,
      sourcePermalink: null,
      signals: extractSignals(matchText(valid)),
      createdAt: now,
      updatedAt: now,
    });
    await countOne(tx, { at: now, category: valid.category, metric: 'escalations_created' });
    await ctx.jobs.enqueue(tx, ESCALATION_INTAKE_JOB, {
      escalationId: created.id,
      source,
    } satisfies EscalationIntakeJob);
    return created;
  });
}

/**
 * The intake of a recorded escalation: the customer's facts from Stripe, the source permalink, the known problems
 * it looks like, the urgent notice and the requester's card. Safe to run again: facts are overwritten, the notice
 * and the card are keyed posts (posted once, found again after a crash), and a finished intake is not redone.
 */
export async function processEscalation(
  ctx: EscalationContext,
  { escalationId, source }: EscalationIntakeJob,
): Promise<KnownProblemMatch[]> {
  const existing = await getEscalation(ctx.db, escalationId);
  if (!existing || existing.cardTs) return [];
  const facts = await ctx.customerFacts(existing.customerId).catch((error: unknown) => {
    ctx.logger.warn(
      { err: error, customerId: existing.customerId },
      'customer facts unavailable; escalating with what the form gave',
    );
    return undefined;
  });
  const permalink =
    source.channel && source.messageTs
      ? await ctx.slack.permalink(source.channel, source.messageTs)
      : undefined;
  const row = await setEscalationFacts(ctx.db, escalationId, {
    ...(facts
      ? {
          customerName: facts.customer.name || existing.customerName,
          customerEmail: facts.customer.email ?? null,
          customerSegment:
            customerSegment(
              facts.customer.segment,
              facts.planIds ?? [],
              ctx.settings.priority.planSegments,
            ) ?? null,
          customerSeats: facts.seats ?? 0,
          customerSince: facts.customer.createdAt ?? null,
          customerMrrMinor: facts.mrrMinor,
          currency: facts.currency,
        }
      : {}),
    sourcePermalink: permalink ?? null,
    updatedAt: ctx.now(),
  });
  const matches = await findKnownProblems(ctx.db, {
    text: matchText(row),
    category: row.category as Category,
    now: ctx.now(),
    thresholds: thresholds(ctx.settings),
  });
  if (row.urgent) {
    const notice = urgentNotice(toEscalationView(row), matches.map(toMatchView));
    const post: SlackPost = {
      key: `urgent-escalation:${row.id}`,
      channel: ctx.settings.channels.incidents,
      text: notice.text,
      blocks: notice.blocks as unknown as SlackPost['blocks'],
    };
    await ctx.jobs.enqueue(ctx.db, SLACK_POST_JOB, post);
  }
  await postCard(ctx, row, matches.map(toMatchView), source);
  await homeChanged(ctx, row.requesterId);
  return matches;
}

/**
 * Tells the requester, in the card's thread, that the case joined a problem, with its workaround. The thread is
 * read when the job runs: if the intake has not recorded the card yet, the job fails and is retried until it has.
 */
export const LINKED_REPLY_JOB = 'escalations.linked-reply';

const linkedReplyJobSchema = z.object({ escalationId: z.number().int(), problemId: z.number().int() });
export type LinkedReplyJob = z.infer<typeof linkedReplyJobSchema>;

export function linkedReplyJob(ctx: EscalationContext): JobDefinition<LinkedReplyJob> {
  return {
    name: LINKED_REPLY_JOB,
    schema: linkedReplyJobSchema,
    retryLimit: 10,
    retryDelaySeconds: 1,
    expireInSeconds: 60,
    concurrency: 4,
    async handler({ escalationId, problemId }) {
      const [escalation, problem] = await Promise.all([
        getEscalation(ctx.db, escalationId),
        getProblem(ctx.db, problemId),
      ]);
      if (!escalation || !problem || escalation.problemId !== problemId) return;
      if (!escalation.threadChannel || !escalation.threadTs)
        throw new Error(`${escalationRef(escalationId)} has no card thread yet`);
      await ctx.postKeyed({
        key: `linked:${escalationId}`,
        channel: escalation.threadChannel,
        threadTs: escalation.threadTs,
        text: linkedReply({ ...problem, reportedHere: false }),
      });
    },
  };
}

/** Records an escalation and runs its intake at once (for callers that are already off Slack's clock). */
export async function createEscalation(
  ctx: EscalationContext,
  input: Parameters<typeof recordEscalation>[1],
): Promise<{ escalation: EscalationRow; matches: KnownProblemMatch[] }> {
  const recorded = await recordEscalation(ctx, input);
  const matches = await processEscalation(ctx, { escalationId: recorded.id, source: input.source });
  return { escalation: (await getEscalation(ctx.db, recorded.id)) ?? recorded, matches };
}

export function escalationIntakeJob(ctx: EscalationContext): JobDefinition<EscalationIntakeJob> {
  return {
    name: ESCALATION_INTAKE_JOB,
    schema: intakeJobSchema,
    retryLimit: 10,
    retryDelaySeconds: 2,
    expireInSeconds: 120,
    concurrency: 4,
    async handler(data) {
      await processEscalation(ctx, data);
    },
  };
}

/**
 * Posts the card in the source thread, or to the requester directly when that is not possible. The post is keyed
 * by the escalation, so a retried intake finds the card it already posted instead of posting a second one.
 */
async function postCard(
  ctx: EscalationContext,
  row: EscalationRow,
  matches: MatchView[],
  source: FormSource,
): Promise<void> {
  const card = escalationCard({
    escalation: toEscalationView(row),
    matches,
    extraActions: ctx.cardActions?.(row) ?? [],
  });
  const threadTs = source.threadTs ?? source.messageTs;
  const blocks = card.blocks as KnownBlock[];
  if (source.channel && threadTs && source.kind !== 'command' && source.kind !== 'home') {
    try {
      const ts = await ctx.postKeyed({
        key: `escalation-card:${row.id}`,
        channel: source.channel,
        threadTs,
        text: card.text,
        blocks,
      });
      const recorded = await setEscalationCard(ctx.db, row.id, {
        cardChannel: source.channel,
        cardTs: ts,
        threadChannel: source.channel,
        threadTs,
      });
      await refreshIfDecidedMeanwhile(ctx, row.id, recorded);
      return;
    } catch (error) {
      if (!cannotPostThere(error)) throw error;
      ctx.logger.info(
        { channel: source.channel },
        'cannot post in the source channel; sending the card directly',
      );
    }
  }
  const direct = await ctx.slack.openDirect(row.requesterId);
  const ts = await ctx.postKeyed({
    key: `escalation-card-direct:${row.id}`,
    channel: direct,
    text: card.text,
    blocks,
  });
  const recorded = await setEscalationCard(ctx.db, row.id, {
    cardChannel: direct,
    cardTs: ts,
    threadChannel: direct,
    threadTs: ts,
  });
  await refreshIfDecidedMeanwhile(ctx, row.id, recorded);
}

/**
 * A Link or Report handled while the card was on its way could not edit it (it had no recorded ts yet): the card is
 * brought up to date once it is recorded.
 */
async function refreshIfDecidedMeanwhile(
  ctx: EscalationContext,
  escalationId: number,
  recorded: { problemId: number | null } | undefined,
): Promise<void> {
  if (recorded?.problemId !== null && recorded?.problemId !== undefined)
    await refreshEscalationCard(ctx, escalationId);
}

async function mayActOn(ctx: EscalationContext, escalation: EscalationRow, actorId: string): Promise<void> {
  if (escalation.requesterId === actorId) return;
  if ((await ctx.directory.rolesOf(actorId)).length > 0) return;
  throw notPermitted(
    `Only the requester or someone with a Frontline role can change ${escalationRef(escalation.id)}.`,
  );
}

async function linkedProblemView(
  ctx: EscalationContext,
  escalation: EscalationRow,
): Promise<LinkedProblemView | undefined> {
  if (!escalation.problemId) return undefined;
  const problem = await getProblem(ctx.db, escalation.problemId);
  if (!problem) return undefined;
  return {
    id: problem.id,
    title: problem.title,
    kind: problem.kind,
    status: problem.status,
    workaround: problem.workaround,
    // A case that joined an existing problem is `linked`; the first case of a problem it reported stays `open`.
    reportedHere: escalation.status !== 'linked',
  };
}

/** Re-renders an escalation's card from the database (after a link, a report, or any change). */
export async function refreshEscalationCard(ctx: EscalationContext, escalationId: number): Promise<void> {
  const escalation = await getEscalation(ctx.db, escalationId);
  if (!escalation?.cardChannel || !escalation.cardTs) return;
  const linked = await linkedProblemView(ctx, escalation);
  const card = escalationCard({
    escalation: toEscalationView(escalation),
    matches: [],
    linkedProblem: linked,
    extraActions: ctx.cardActions?.(escalation) ?? [],
  });
  await ctx.slack.update({ channel: escalation.cardChannel, ts: escalation.cardTs, ...card });
  await homeChanged(ctx, escalation.requesterId);
}

/** The requester's App Home lists their open escalations and what each waits for. */
async function homeChanged(ctx: EscalationContext, userId: string): Promise<void> {
  try {
    await ctx.homesChanged?.([userId]);
  } catch (error) {
    ctx.logger.warn({ err: error, userId }, 'could not queue an App Home refresh');
  }
}

/**
 * Links an escalation to a known problem: no engineering work is created, the problem's impact grows, the
 * requester gets the workaround now and every later update in the same thread. A second click or a retry changes
 * nothing (the link is a conditional update; the reply is a keyed, durable post).
 */
export async function linkEscalation(
  ctx: EscalationContext,
  { escalationId, problemId, actorId }: { escalationId: number; problemId: number; actorId: string },
): Promise<{ linked: boolean }> {
  const escalation = await getEscalation(ctx.db, escalationId);
  if (!escalation) throw notFound(`${escalationRef(escalationId)} does not exist.`);
  await mayActOn(ctx, escalation, actorId);
  if (escalation.problemId !== null) {
    if (escalation.problemId !== problemId) {
      throw conflict(
        `${escalationRef(escalationId)} is already part of ${problemRef(escalation.problemId)}.`,
      );
    }
    await refreshEscalationCard(ctx, escalationId);
    return { linked: false };
  }
  const notLinkable = () =>
    conflict(`${problemRef(problemId)} is closed or was merged; report a new problem or pick another match.`);
  if (!(await isLinkable(ctx.db, problemId))) throw notLinkable();
  const now = ctx.now();
  const linked = await ctx.db.transaction(async (tx) => {
    // Again under a lock: a merge or close that committed since the check above would otherwise leave this case
    // on a problem nobody works on any more.
    if (!(await isLinkable(tx, problemId, { lock: true }))) throw notLinkable();
    const row = await linkEscalationOnce(tx, {
      escalationId,
      problemId,
      status: 'linked',
      joinedAs: 'duplicate',
      now,
    });
    if (!row) return undefined;
    const text = matchText(row);
    await addLinkedCaseText(tx, problemId, { text, signals: extractSignals(text), now });
    await countOne(tx, { at: now, category: row.category, metric: 'duplicates_avoided' });
    await afterEscalationLinked(tx, ctx, { problemId, escalationId: row.id });
    // The reply goes where the card is; a click can come before the intake has recorded the card's thread, so the
    // job looks it up when it runs (and waits for it).
    await ctx.jobs.enqueue(tx, LINKED_REPLY_JOB, {
      escalationId: row.id,
      problemId,
    } satisfies LinkedReplyJob);
    // The card is edited if the problem has one; a link never puts a new one in front of engineers.
    await ctx.jobs.enqueue(tx, SYNC_TRIAGE_CARD_JOB, {
      problemId,
      editOnly: true,
    } satisfies SyncTriageCardJob);
    return row;
  });
  await refreshEscalationCard(ctx, escalationId);
  return { linked: linked !== undefined };
}

/**
 * Reports a new problem with this escalation as its first: the problem starts in triage and its card goes to the
 * incidents channel. Idempotent: an escalation that already has a problem changes nothing.
 */
export async function reportNewProblem(
  ctx: EscalationContext,
  {
    escalationId,
    actorId,
    passedOver = [],
  }: {
    escalationId: number;
    actorId: string;
    /** The known problems the case's card offered, which the agent chose not to link to. */
    passedOver?: readonly number[];
  },
): Promise<{ problemId: number; created: boolean }> {
  const escalation = await getEscalation(ctx.db, escalationId);
  if (!escalation) throw notFound(`${escalationRef(escalationId)} does not exist.`);
  await mayActOn(ctx, escalation, actorId);
  if (escalation.problemId !== null) {
    await refreshEscalationCard(ctx, escalationId);
    return { problemId: escalation.problemId, created: false };
  }
  const now = ctx.now();
  const result = await ctx.db
    .transaction(async (tx) => {
      const problem = await insertProblem(tx, {
        title: escalation.summary,
        symptoms: [escalation.details, escalation.reproductionSteps].filter(Boolean).join('\n\n'),
        category: escalation.category,
        createdBy: actorId,
        signals: escalation.signals,
        now,
      });
      const row = await linkEscalationOnce(tx, {
        escalationId,
        problemId: problem.id,
        status: 'open',
        joinedAs: 'reported',
        now,
      });
      if (!row) {
        // Someone linked or reported it a moment ago: undo this problem and keep theirs.
        tx.rollback();
      }
      await countOne(tx, { at: now, category: escalation.category, metric: 'problems_created' });
      await recordPassedOver(tx, {
        problemIds: passedOver.filter((id) => id !== problem.id),
        escalationId,
        text: matchText(escalation),
        actorId,
        now,
      });
      await afterEscalationLinked(tx, ctx, { problemId: problem.id, escalationId });
      await ctx.jobs.enqueue(tx, SYNC_TRIAGE_CARD_JOB, { problemId: problem.id });
      return problem.id;
    })
    .catch(async (error: unknown) => {
      if (!(error instanceof TransactionRollbackError)) throw error;
      const current = await getEscalation(ctx.db, escalationId);
      return current?.problemId ?? undefined;
    });
  await refreshEscalationCard(ctx, escalationId);
  if (result === undefined)
    throw conflict(`${escalationRef(escalationId)} changed while reporting; try again.`);
  return { problemId: result, created: true };
}

/**
 * Answers an intake message or an "@Frontline escalate" mention in its thread: the known problems it looks like and a
 * button that opens the escalation form filled in from the message.
 */
export async function suggestForMessage(
  ctx: EscalationContext,
  { channel, ts, text, kind }: { channel: string; ts: string; text: string; kind: 'intake' | 'mention' },
): Promise<void> {
  const matches = await findKnownProblems(ctx.db, {
    text,
    category: 'other',
    now: ctx.now(),
    thresholds: thresholds(ctx.settings),
  });
  const reply = intakeReply({ channel, messageTs: ts, kind, matches: matches.map(toMatchView) });
  await ctx.slack.post({ channel, threadTs: ts, ...reply });
}
