import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Settings } from '../config.js';
import type { Database, Executor } from '../db/client.js';
import { getEscalation } from '../db/repositories/escalations.js';
import { lockProblem } from '../db/repositories/incidents.js';
import { getProblem } from '../db/repositories/problems.js';
import { escalations, problemAssessments, problems } from '../db/schema/index.js';
import { escalationRef, problemRef } from '../domain/escalation.js';
import { rcaWorkRefusal } from '../domain/problem-standing.js';
import { conflict, notFound, notPermitted } from '../errors.js';
import type { JobQueue } from '../jobs/queue.js';
import { SLACK_POST_JOB, type SlackPost } from '../jobs/slack-post.js';
import { escapeMrkdwn } from '../views/mrkdwn.js';
import { confirmationAnswered, confirmationRequest } from '../views/rca.js';
import { problemHomesChanged } from './home.js';
import type { Directory } from './people.js';
import { enqueueRcaSync, postToProblemThread } from './rca.js';
import { SYNC_TRIAGE_CARD_JOB } from './triage.js';

/**
 * The resolution loop (seed 001): when the fix is out, every linked escalation waits for its requester to confirm
 * with the customer; confirmed closes the escalation (and the problem once all are closed), still broken reopens
 * the problem with the reason and tells its owner.
 */

export interface ResolutionDeps {
  db: Database;
  jobs: JobQueue;
  settings: Settings;
  directory: Directory;
  now: () => Date;
}

const reopenCount = (details: Record<string, unknown>) => Number(details.reopened ?? 0);

/** The fix is released (RCA ticket done, or an engineer says so): ask every requester to confirm with the customer. */
export async function fixReleased(
  tx: Executor,
  deps: Pick<ResolutionDeps, 'jobs' | 'settings' | 'now'>,
  problemId: number,
  { by }: { by: string },
): Promise<{ released: boolean }> {
  const now = deps.now();
  const [problem] = await tx
    .update(problems)
    .set({ status: 'fix_released', updatedAt: now })
    .where(and(eq(problems.id, problemId), inArray(problems.status, ['triage', 'open'])))
    .returning();
  if (!problem) return { released: false };
  const round = reopenCount(problem.details);
  const waiting = await tx
    .update(escalations)
    .set({ status: 'awaiting_confirmation', updatedAt: now })
    .where(and(eq(escalations.problemId, problemId), inArray(escalations.status, ['open', 'linked'])))
    .returning();
  for (const escalation of waiting) {
    if (!escalation.threadChannel) continue;
    const ask = confirmationRequest({
      escalationId: escalation.id,
      problemId,
      customerName: escalation.customerName,
      requesterId: escalation.requesterId,
    });
    const post: SlackPost = {
      key: `confirm-ask:${escalation.id}:${round}`,
      channel: escalation.threadChannel,
      ...(escalation.threadTs ? { threadTs: escalation.threadTs } : {}),
      text: ask.text,
      blocks: ask.blocks as unknown as SlackPost['blocks'],
    };
    await deps.jobs.enqueue(tx, SLACK_POST_JOB, post);
  }
  await postToProblemThread(tx, deps.jobs, deps.settings, problem, {
    key: `fix-released:${problemId}:${round}`,
    text: `:rocket: The fix for ${problemRef(problemId)} is released (${by}). ${waiting.length} escalation${waiting.length === 1 ? '' : 's'} now wait for the customer's confirmation.`,
  });
  await enqueueRcaSync(tx, deps.jobs, problemId);
  await deps.jobs.enqueue(tx, SYNC_TRIAGE_CARD_JOB, { problemId });
  await problemHomesChanged(tx, deps.jobs, problemId);
  return { released: true };
}

/**
 * An engineer marks the fix released by hand (e.g. a hotfix outside Jira's workflow). A click that finds the problem
 * merged away, closed or already released (a card older than the problem) is answered, and changes nothing.
 */
export async function markFixReleased(
  deps: ResolutionDeps,
  { problemId, actorId }: { problemId: number; actorId: string },
): Promise<void> {
  const roles = await deps.directory.rolesOf(actorId);
  if (!roles.includes('engineer')) throw notPermitted('Only engineers can mark a fix released.');
  await deps.db.transaction(async (tx) => {
    const problem = await lockProblem(tx, problemId);
    if (!problem) throw notFound(`${problemRef(problemId)} does not exist.`);
    const refusal = rcaWorkRefusal(problem);
    if (refusal) throw conflict(refusal);
    const { released } = await fixReleased(tx, deps, problemId, { by: `marked by <@${actorId}>` });
    if (!released)
      throw conflict(
        `The fix for ${problemRef(problemId)} is already marked released; its requesters were asked to confirm with their customers.`,
      );
  });
}

async function mayAnswer(deps: ResolutionDeps, requesterId: string, actorId: string): Promise<void> {
  if (requesterId === actorId) return;
  if ((await deps.directory.rolesOf(actorId)).length > 0) return;
  throw notPermitted('Only the requester or someone with a Frontline role can answer for this customer.');
}

/** The owner of a problem: who owns it, else who assessed it, else who reported it. */
async function problemOwner(
  tx: Executor,
  problem: { id: number; ownerId: string | null; createdBy: string },
) {
  if (problem.ownerId) return problem.ownerId;
  const [assessment] = await tx
    .select({ by: problemAssessments.assessedBy })
    .from(problemAssessments)
    .where(eq(problemAssessments.problemId, problem.id));
  return assessment?.by ?? problem.createdBy;
}

export async function customerConfirmed(
  deps: ResolutionDeps,
  { escalationId, actorId }: { escalationId: number; actorId: string },
): Promise<{ closed: boolean; problemClosed: boolean; answered: { text: string; blocks: unknown[] } }> {
  const escalation = await getEscalation(deps.db, escalationId);
  if (!escalation?.problemId) throw notFound(`${escalationRef(escalationId)} does not exist.`);
  await mayAnswer(deps, escalation.requesterId, actorId);
  const problemId = escalation.problemId;
  const now = deps.now();
  const result = await deps.db.transaction(async (tx) => {
    // The problem first: a Link or a merge holding it finishes before the open cases are counted, so the last
    // confirmation cannot close a problem a case has just joined. A case moved away meanwhile is not closed here.
    await lockProblem(tx, problemId);
    const [closed] = await tx
      .update(escalations)
      .set({ status: 'closed', closedAt: now, updatedAt: now })
      .where(
        and(
          eq(escalations.id, escalationId),
          eq(escalations.problemId, problemId),
          eq(escalations.status, 'awaiting_confirmation'),
        ),
      )
      .returning();
    if (!closed) return { closed: false, problemClosed: false };
    const [open] = await tx
      .select({ n: sql<number>`count(*)` })
      .from(escalations)
      .where(and(eq(escalations.problemId, problemId), ne(escalations.status, 'closed')));
    let problemClosed = false;
    if (Number(open?.n ?? 0) === 0) {
      const [problem] = await tx
        .update(problems)
        .set({ status: 'closed', closedAt: now, updatedAt: now })
        .where(and(eq(problems.id, problemId), ne(problems.status, 'closed')))
        .returning();
      if (problem) {
        problemClosed = true;
        await postToProblemThread(tx, deps.jobs, deps.settings, problem, {
          key: `problem-closed:${problemId}`,
          text: `:white_check_mark: ${problemRef(problemId)} is closed: every customer confirmed the fix.`,
        });
      }
    }
    await enqueueRcaSync(tx, deps.jobs, problemId);
    await deps.jobs.enqueue(tx, SYNC_TRIAGE_CARD_JOB, { problemId });
    await problemHomesChanged(tx, deps.jobs, problemId);
    return { closed: true, problemClosed };
  });
  if (!result.closed && escalation.status !== 'closed')
    throw conflict(`${escalationRef(escalationId)} is not waiting for a confirmation any more.`);
  return { ...result, answered: confirmationAnswered({ problemId, actorId, outcome: 'confirmed' }) };
}

export async function stillBroken(
  deps: ResolutionDeps,
  { escalationId, actorId, reason }: { escalationId: number; actorId: string; reason: string },
): Promise<{ reopened: boolean }> {
  const escalation = await getEscalation(deps.db, escalationId);
  if (!escalation?.problemId) throw notFound(`${escalationRef(escalationId)} does not exist.`);
  await mayAnswer(deps, escalation.requesterId, actorId);
  const problemId = escalation.problemId;
  const now = deps.now();
  const reopened = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(escalations)
      .set({ status: 'linked', updatedAt: now })
      .where(and(eq(escalations.id, escalationId), eq(escalations.status, 'awaiting_confirmation')))
      .returning();
    if (!row) return false;
    const current = await getProblem(tx, problemId);
    if (!current) return false;
    const count = reopenCount(current.details) + 1;
    const [problem] = await tx
      .update(problems)
      .set({
        status: 'open',
        closedAt: null,
        updatedAt: now,
        details: { ...current.details, reopened: count, reopenedReason: reason, reopenedBy: actorId },
      })
      .where(eq(problems.id, problemId))
      .returning();
    if (!problem) return false;
    const owner = await problemOwner(tx, problem);
    // The customer's name and the reason are people's words: escaped, so they cannot mention anyone or hide a link.
    const text = `:leftwards_arrow_with_hook: ${problemRef(problemId)} is reopened: <@${actorId}> reports ${escapeMrkdwn(escalation.customerName)} still has the problem after the fix. "${escapeMrkdwn(reason)}"`;
    const ownerPost: SlackPost = { key: `reopened-owner:${problemId}:${count}`, channel: owner, text };
    await deps.jobs.enqueue(tx, SLACK_POST_JOB, ownerPost);
    await postToProblemThread(tx, deps.jobs, deps.settings, problem, {
      key: `reopened:${problemId}:${count}`,
      text,
    });
    await enqueueRcaSync(tx, deps.jobs, problemId);
    await deps.jobs.enqueue(tx, SYNC_TRIAGE_CARD_JOB, { problemId });
    await problemHomesChanged(tx, deps.jobs, problemId, [owner]);
    return true;
  });
  if (!reopened) throw conflict(`${escalationRef(escalationId)} is not waiting for a confirmation any more.`);
  return { reopened };
}

/** The "Still broken" form names the customer of the escalation. */
export async function stillBrokenForm(
  deps: ResolutionDeps,
  { escalationId, actorId }: { escalationId: number; actorId: string },
): Promise<{ escalationId: number; customerName: string }> {
  const escalation = await getEscalation(deps.db, escalationId);
  if (!escalation?.problemId) throw notFound(`${escalationRef(escalationId)} does not exist.`);
  await mayAnswer(deps, escalation.requesterId, actorId);
  if (escalation.status !== 'awaiting_confirmation')
    throw conflict(`${escalationRef(escalationId)} is not waiting for a confirmation any more.`);
  return { escalationId, customerName: escalation.customerName };
}

/**
 * A case linked to a problem whose fix is already out needs no wait: it asks its requester to confirm with the
 * customer at once (in the linking transaction).
 */
export async function confirmIfAlreadyReleased(
  tx: Executor,
  deps: Pick<ResolutionDeps, 'jobs' | 'now'>,
  problemId: number,
  escalationId: number,
): Promise<boolean> {
  const problem = await getProblem(tx, problemId);
  if (problem?.status !== 'fix_released') return false;
  const [escalation] = await tx
    .update(escalations)
    .set({ status: 'awaiting_confirmation', updatedAt: deps.now() })
    .where(and(eq(escalations.id, escalationId), inArray(escalations.status, ['open', 'linked'])))
    .returning();
  if (!escalation?.threadChannel) return escalation !== undefined;
  const ask = confirmationRequest({
    escalationId,
    problemId,
    customerName: escalation.customerName,
    requesterId: escalation.requesterId,
  });
  const post: SlackPost = {
    key: `confirm-ask:${escalationId}:${reopenCount(problem.details)}`,
    channel: escalation.threadChannel,
    ...(escalation.threadTs ? { threadTs: escalation.threadTs } : {}),
    text: ask.text,
    blocks: ask.blocks as unknown as SlackPost['blocks'],
  };
  await deps.jobs.enqueue(tx, SLACK_POST_JOB, post);
  return true;
}
