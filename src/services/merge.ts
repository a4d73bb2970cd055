import { eq } from 'drizzle-orm';
import {
  incidentOfProblem,
  insertMerge,
  lockProblem,
  mergeCandidates,
  moveEscalations,
} from '../db/repositories/incidents.js';
import { problems } from '../db/schema/index.js';
import { problemRef } from '../domain/escalation.js';
import { conflict, invalidInput, notFound } from '../errors.js';
import { SLACK_POST_JOB, type SlackPost } from '../jobs/slack-post.js';
import { mergeModal, mergeNotice } from '../views/incident.js';
import { problemHomesChanged } from './home.js';
import { assertResponder, type IncidentContext } from './incident.js';
import { afterEscalationsJoined } from './problem-links.js';
import { SYNC_TRIAGE_CARD_JOB } from './triage.js';

/** A closed problem keeps its record as it is: its customers confirmed the fix, so there is nothing to fold away. */
const CLOSED_NOT_MERGED = (problemId: number) =>
  `${problemRef(problemId)} is closed: its customers confirmed the fix, so it stays as it is and is not merged.`;

export async function openMerge(
  ctx: IncidentContext,
  { problemId, actorId, triggerId }: { problemId: number; actorId: string; triggerId: string },
): Promise<void> {
  await assertResponder(ctx, actorId, 'merge problems');
  const [problem] = await ctx.db.select().from(problems).where(eq(problems.id, problemId));
  if (!problem) throw notFound(`${problemRef(problemId)} does not exist.`);
  if (problem.mergedIntoId)
    throw conflict(`${problemRef(problemId)} was already merged into ${problemRef(problem.mergedIntoId)}.`);
  if (problem.status === 'closed') throw conflict(CLOSED_NOT_MERGED(problemId));
  const candidates = await mergeCandidates(ctx.db, problemId);
  await ctx.slack.openView(triggerId, mergeModal({ problemId, title: problem.title, candidates }));
}

/**
 * Folds a duplicate problem into another: its escalations move (and will get the other problem's updates), the merge
 * is recorded, both cards are refreshed, every moved case's requester is told in their thread, and the other
 * problem is ranked again with its new cases (who get its release decision). One transaction;
 * merging twice, into itself, into a merged problem, or an incident away, is refused.
 */
export async function mergeProblem(
  ctx: IncidentContext,
  { fromId, intoId, actorId }: { fromId: number; intoId: number; actorId: string },
): Promise<{ moved: number[] }> {
  await assertResponder(ctx, actorId, 'merge problems');
  if (fromId === intoId)
    throw invalidInput('A problem cannot be merged into itself.', { merge_target: 'Pick another problem.' });
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    // Lock in id order so two opposite merges cannot deadlock.
    const [first, second] = fromId < intoId ? [fromId, intoId] : [intoId, fromId];
    const a = await lockProblem(tx, first);
    const b = await lockProblem(tx, second);
    const from = fromId === first ? a : b;
    const into = fromId === first ? b : a;
    if (!from || !into) throw notFound('One of the two problems does not exist.');
    if (from.mergedIntoId)
      throw conflict(`${problemRef(from.id)} was already merged into ${problemRef(from.mergedIntoId)}.`);
    if (from.status === 'closed') throw conflict(CLOSED_NOT_MERGED(from.id));
    if (into.mergedIntoId || into.status === 'closed')
      throw conflict(`${problemRef(into.id)} is closed or merged; pick another problem.`);
    if (await incidentOfProblem(tx, from.id))
      throw conflict(`${problemRef(from.id)} is an incident; merge the other problem into it instead.`);
    const moved = await moveEscalations(tx, {
      fromProblemId: from.id,
      intoProblemId: into.id,
      intoFixReleased: into.status === 'fix_released',
      now,
    });
    await tx
      .update(problems)
      .set({ mergedIntoId: into.id, status: 'merged', updatedAt: now, closedAt: now })
      .where(eq(problems.id, from.id));
    await insertMerge(tx, {
      fromProblemId: from.id,
      intoProblemId: into.id,
      escalationIds: moved.map((e) => e.id),
      actorId,
      createdAt: now,
    });
    const told = new Set<string>();
    for (const escalation of moved) {
      if (!escalation.threadChannel || !escalation.threadTs) continue;
      const thread = `${escalation.threadChannel}:${escalation.threadTs}`;
      if (told.has(thread)) continue;
      told.add(thread);
      const post: SlackPost = {
        key: `merged:${from.id}:${thread}`,
        channel: escalation.threadChannel,
        threadTs: escalation.threadTs,
        text: mergeNotice(from, into),
      };
      await ctx.jobs.enqueue(tx, SLACK_POST_JOB, post);
    }
    // The moved cases now hurt the other problem: it is ranked again, and they get its release decision (or, when
    // its fix is out, the confirmation request) like any case linked to it.
    await afterEscalationsJoined(tx, ctx, { problemId: into.id, escalationIds: moved.map((e) => e.id) });
    await ctx.jobs.enqueue(tx, SYNC_TRIAGE_CARD_JOB, { problemId: from.id });
    await ctx.jobs.enqueue(tx, SYNC_TRIAGE_CARD_JOB, { problemId: into.id });
    await problemHomesChanged(tx, ctx.jobs, into.id);
    return { moved: moved.map((e) => e.id) };
  });
}
