import { eq, sql } from 'drizzle-orm';
import type { Settings } from '../config.js';
import type { Database, Executor } from '../db/client.js';
import { getProblem, problemImpact } from '../db/repositories/problems.js';
import { escalations, problemAssessments, problems, rcaTickets } from '../db/schema/index.js';
import { problemRef } from '../domain/escalation.js';
import { formatMoney } from '../domain/money.js';
import {
  type Assessment,
  assessedSeverity,
  decideRelease,
  RELEASE_LABELS,
  type ReleaseDecision,
  suggestRelease,
} from '../domain/release.js';
import { invalidInput, notFound, notPermitted } from '../errors.js';
import type { JobQueue } from '../jobs/queue.js';
import { SLACK_POST_JOB, type SlackPost } from '../jobs/slack-post.js';
import {
  type AssessmentModalModel,
  assessmentSummary,
  type DecisionView,
  marketingNotice,
  productPatchNotice,
  requesterDecisionReply,
} from '../views/rca.js';
import { RCA_IDS } from '../views/rca-actions.js';
import type { Directory } from './people.js';
import { type AssessmentAnswers, enqueueRcaSync, getAssessment, postToProblemThread } from './rca.js';

/**
 * Engineering's assessment of a problem (engineers only): the answers, the release decision the rules suggest, and
 * an override with its reason. Saving it updates the problem (severity, workaround), the RCA ticket, and tells the
 * product channel (patch), the marketing channel (large impact) and every requester (decision and customer reply).
 */

export interface AssessmentDeps {
  db: Database;
  jobs: JobQueue;
  settings: Settings;
  directory: Directory;
  now: () => Date;
}

async function requireEngineer(deps: AssessmentDeps, actorId: string): Promise<void> {
  const roles = await deps.directory.rolesOf(actorId);
  if (!roles.includes('engineer')) throw notPermitted('Only engineers can assess a problem.');
}

export async function assessmentForm(
  deps: AssessmentDeps,
  { problemId, actorId }: { problemId: number; actorId: string },
): Promise<AssessmentModalModel> {
  await requireEngineer(deps, actorId);
  const problem = await getProblem(deps.db, problemId);
  if (!problem) throw notFound(`${problemRef(problemId)} does not exist.`);
  const stored = await getAssessment(deps.db, problemId);
  const answers = stored?.answers as AssessmentAnswers | undefined;
  return {
    problemId,
    title: problem.title,
    previous: answers ? { ...answers, fixVersion: stored?.fixVersion ?? '' } : undefined,
    previousSuggestion: stored ? RELEASE_LABELS[stored.suggestedDecision as ReleaseDecision] : undefined,
  };
}

export interface AssessmentInput {
  answers: AssessmentAnswers;
  chosen: ReleaseDecision | undefined;
  overrideReason: string;
  fixVersion: string;
}

/** Whether a problem is large enough to need customer messaging (settings `notifications.largeImpact`). */
export async function checkLargeImpact(
  tx: Executor,
  deps: Pick<AssessmentDeps, 'jobs' | 'settings'>,
  problemId: number,
): Promise<boolean> {
  const problem = await getProblem(tx, problemId);
  if (!problem) return false;
  const impact = await problemImpact(tx, problemId);
  const threshold = deps.settings.notifications.largeImpact;
  const revenue = impact.revenueAtRisk.reduce((sum, r) => sum + r.amountMinor, 0);
  if (impact.customers < threshold.customers && revenue < threshold.mrrMinor) return false;
  const assessment = await getAssessment(tx, problemId);
  const notice = marketingNotice({
    problemId,
    title: problem.title,
    customers: impact.customers,
    revenueAtRisk:
      impact.revenueAtRisk.map((r) => `${formatMoney(r.amountMinor, r.currency)}/mo`).join(' + ') || 'none',
    workaround: problem.workaround ?? undefined,
    decision: assessment?.decision as ReleaseDecision | undefined,
    fixVersion: assessment?.fixVersion ?? undefined,
  });
  const post: SlackPost = {
    key: `large-impact:${problemId}`,
    channel: deps.settings.channels.marketing,
    text: notice.text,
    blocks: notice.blocks as unknown as SlackPost['blocks'],
  };
  await deps.jobs.enqueue(tx, SLACK_POST_JOB, post);
  return true;
}

const B = RCA_IDS.blocks;

export async function saveAssessment(
  deps: AssessmentDeps,
  { problemId, actorId, input }: { problemId: number; actorId: string; input: AssessmentInput },
): Promise<{ decision: ReleaseDecision; suggested: ReleaseDecision; revision: number }> {
  await requireEngineer(deps, actorId);
  const answers: Assessment = input.answers;
  const suggestion = suggestRelease(answers);
  const outcome = decideRelease({
    suggested: suggestion.decision,
    chosen: input.chosen,
    overrideReason: input.overrideReason,
  });
  if (!outcome.ok) throw invalidInput(outcome.error, { [B.overrideReason]: outcome.error });
  if (answers.workaroundEasy && !answers.workaround.trim())
    throw invalidInput('Describe the workaround, or untick "easy".', {
      [B.workaround]: 'Describe the workaround you call easy.',
    });
  const severity = assessedSeverity(answers);
  const fixVersion = input.fixVersion.trim() || null;
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    const problem = await getProblem(tx, problemId);
    if (!problem) throw notFound(`${problemRef(problemId)} does not exist.`);
    const values = {
      answers: input.answers as unknown as Record<string, unknown>,
      severity,
      suggestedDecision: suggestion.decision,
      decision: outcome.decision,
      overridden: outcome.overridden,
      overrideReason: outcome.overrideReason ?? null,
      fixVersion,
      assessedBy: actorId,
      updatedAt: now,
    };
    const [stored] = await tx
      .insert(problemAssessments)
      .values({ problemId, ...values, revision: 1 })
      .onConflictDoUpdate({
        target: problemAssessments.problemId,
        set: { ...values, revision: sql`${problemAssessments.revision} + 1` },
      })
      .returning();
    const revision = stored?.revision ?? 1;
    const workaround = input.answers.workaround.trim();
    await tx
      .update(problems)
      .set({ severity, ...(workaround ? { workaround } : {}), updatedAt: now })
      .where(eq(problems.id, problemId));
    const [ticket] = await tx
      .select({ jiraKey: rcaTickets.jiraKey })
      .from(rcaTickets)
      .where(eq(rcaTickets.problemId, problemId));
    const view: DecisionView = {
      problemId,
      title: problem.title,
      decision: outcome.decision,
      suggested: suggestion.decision,
      suggestionReason: suggestion.reason,
      overrideReason: outcome.overrideReason,
      fixVersion: fixVersion ?? undefined,
      severity,
      workaround: workaround || problem.workaround || undefined,
      jiraKey: ticket?.jiraKey ?? undefined,
      assessedBy: actorId,
    };
    const summary = assessmentSummary(view);
    await postToProblemThread(tx, deps.jobs, deps.settings, problem, {
      key: `assessment:${problemId}:${revision}`,
      text: summary.text,
      blocks: summary.blocks as unknown as SlackPost['blocks'],
    });
    if (outcome.decision === 'patch') {
      const notice = productPatchNotice(view);
      const post: SlackPost = {
        key: `patch:${problemId}:${revision}`,
        channel: deps.settings.channels.product,
        text: notice.text,
        blocks: notice.blocks as unknown as SlackPost['blocks'],
      };
      await deps.jobs.enqueue(tx, SLACK_POST_JOB, post);
    }
    await checkLargeImpact(tx, deps, problemId);
    const linked = await tx.select().from(escalations).where(eq(escalations.problemId, problemId));
    for (const escalation of linked) {
      if (!escalation.threadChannel || escalation.status === 'closed') continue;
      const reply = requesterDecisionReply({ ...view, escalationId: escalation.id });
      const post: SlackPost = {
        key: `decision:${escalation.id}:${revision}`,
        channel: escalation.threadChannel,
        ...(escalation.threadTs ? { threadTs: escalation.threadTs } : {}),
        text: reply.text,
        blocks: reply.blocks as unknown as SlackPost['blocks'],
      };
      await deps.jobs.enqueue(tx, SLACK_POST_JOB, post);
    }
    await enqueueRcaSync(tx, deps.jobs, problemId);
    return { decision: outcome.decision, suggested: suggestion.decision, revision };
  });
}
