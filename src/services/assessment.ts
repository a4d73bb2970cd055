import { eq, sql } from 'drizzle-orm';
import type { Settings } from '../config.js';
import type { Database, Executor } from '../db/client.js';
import { getProblem, problemImpact } from '../db/repositories/problems.js';
import { escalations, problemAssessments, problems, rcaTickets } from '../db/schema/index.js';
import { problemRef } from '../domain/escalation.js';
import { largeImpact } from '../domain/priority.js';
import { rcaWorkRefusal } from '../domain/problem-standing.js';
import {
  type Assessment,
  assessedSeverity,
  decideRelease,
  type ReleaseDecision,
  suggestRelease,
  suggestReleaseForDraft,
} from '../domain/release.js';
import { FrontlineError, invalidInput, notFound, notPermitted } from '../errors.js';
import type { JobQueue } from '../jobs/queue.js';
import { SLACK_POST_JOB, type SlackPost } from '../jobs/slack-post.js';
import {
  type AssessmentFormValues,
  type AssessmentModalModel,
  assessmentSummary,
  type DecisionView,
  marketingNotice,
  productPatchNotice,
  requesterDecisionReply,
} from '../views/rca.js';
import { RCA_IDS } from '../views/rca-actions.js';
import { problemHomesChanged } from './home.js';
import type { Directory } from './people.js';
import {
  type AssessmentAnswers,
  enqueueRcaSync,
  getAssessment,
  postToProblemThread,
  type StoredAssessment,
} from './rca.js';

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

/**
 * Refuses an assessment of a merged duplicate (its cases, and their RCA, went to the other problem) or of a closed
 * problem; the message also sits on the form's decision, for a form opened before the problem moved on.
 */
function refuseIfDone(problem: { id: number; status: string; mergedIntoId: number | null }): void {
  const refusal = rcaWorkRefusal(problem);
  if (refusal) throw new FrontlineError('conflict', refusal, { [RCA_IDS.blocks.decision]: refusal });
}

/** The problem, if it still takes an assessment. */
async function assessableProblem(db: Executor, problemId: number) {
  const problem = await getProblem(db, problemId);
  if (!problem) throw notFound(`${problemRef(problemId)} does not exist.`);
  refuseIfDone(problem);
  return problem;
}

export async function assessmentForm(
  deps: AssessmentDeps,
  { problemId, actorId }: { problemId: number; actorId: string },
): Promise<AssessmentModalModel> {
  await requireEngineer(deps, actorId);
  const problem = await assessableProblem(deps.db, problemId);
  const stored = await getAssessment(deps.db, problemId);
  const answers = stored?.answers as AssessmentAnswers | undefined;
  // Opened again, the form holds the decision as saved: an override and its reason stay unless the engineer
  // changes them (saving a new fix version must not turn the decision back to the rules').
  const values: AssessmentFormValues =
    answers && stored
      ? {
          ...answers,
          fixVersion: stored.fixVersion ?? '',
          decision: stored.overridden ? stored.decision : 'suggested',
          overrideReason: stored.overrideReason ?? '',
        }
      : {};
  return { problemId, title: problem.title, values, suggestion: suggestReleaseForDraft(values) };
}

/**
 * An answer changed in the open assessment form: the form again, with what the engineer has given so far and the
 * rules' suggestion for it (the handler replaces the open view with it).
 */
export async function assessmentPreview(
  deps: AssessmentDeps,
  { problemId, actorId, values }: { problemId: number; actorId: string; values: AssessmentFormValues },
): Promise<AssessmentModalModel> {
  await requireEngineer(deps, actorId);
  const problem = await assessableProblem(deps.db, problemId);
  return { problemId, title: problem.title, values, suggestion: suggestReleaseForDraft(values) };
}

export interface AssessmentInput {
  answers: AssessmentAnswers;
  chosen: ReleaseDecision | undefined;
  overrideReason: string;
  fixVersion: string;
}

/**
 * Whether a problem is large enough to need customer messaging (settings `notifications.largeImpact`). Revenue is
 * measured in `priority.currency`; other currencies count only at a configured rate (`priority.exchangeRates`), and
 * the notice names any amount that was not counted.
 */
export async function checkLargeImpact(
  tx: Executor,
  deps: Pick<AssessmentDeps, 'jobs' | 'settings'>,
  problemId: number,
): Promise<boolean> {
  const problem = await getProblem(tx, problemId);
  if (!problem) return false;
  const impact = await problemImpact(tx, problemId);
  const judged = largeImpact(impact, deps.settings.notifications.largeImpact, deps.settings.priority);
  if (!judged.large) return false;
  const assessment = await getAssessment(tx, problemId);
  const notice = marketingNotice({
    problemId,
    title: problem.title,
    customers: impact.customers,
    revenueAtRisk: judged.revenueText,
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

type EscalationRow = typeof escalations.$inferSelect;

/** How a stored assessment is told to people (the suggestion's reason comes from the rules and the answers). */
function decisionView(
  problem: { id: number; title: string; workaround: string | null },
  stored: StoredAssessment,
  jiraKey: string | undefined,
): DecisionView {
  const answers = stored.answers as unknown as AssessmentAnswers;
  return {
    problemId: problem.id,
    title: problem.title,
    decision: stored.decision as ReleaseDecision,
    suggested: stored.suggestedDecision as ReleaseDecision,
    suggestionReason: suggestRelease(answers).reason,
    overrideReason: stored.overrideReason ?? undefined,
    fixVersion: stored.fixVersion ?? undefined,
    severity: stored.severity,
    workaround: answers.workaround?.trim() || problem.workaround || undefined,
    jiraKey,
    assessedBy: stored.assessedBy,
  };
}

/** The decision and the ready-to-send customer reply, in one requester's thread: once per assessment revision. */
async function postDecisionReply(
  tx: Executor,
  jobs: JobQueue,
  escalation: EscalationRow,
  view: DecisionView,
  revision: number,
): Promise<void> {
  if (!escalation.threadChannel || escalation.status === 'closed') return;
  const reply = requesterDecisionReply({ ...view, escalationId: escalation.id });
  const post: SlackPost = {
    // The problem is part of the key: a merge moves a case to a problem whose revisions count on their own.
    key: `decision:${escalation.problemId}:${escalation.id}:${revision}`,
    channel: escalation.threadChannel,
    ...(escalation.threadTs ? { threadTs: escalation.threadTs } : {}),
    text: reply.text,
    blocks: reply.blocks as unknown as SlackPost['blocks'],
  };
  await jobs.enqueue(tx, SLACK_POST_JOB, post);
}

async function ticketKey(tx: Executor, problemId: number): Promise<string | undefined> {
  const [ticket] = await tx
    .select({ jiraKey: rcaTickets.jiraKey })
    .from(rcaTickets)
    .where(eq(rcaTickets.problemId, problemId));
  return ticket?.jiraKey ?? undefined;
}

/**
 * An escalation joined a problem that engineering already assessed: its requester gets the release decision (and the
 * tentative version) the other requesters got, under the same key, so it is sent once. Not once the fix is out: the
 * confirmation request takes its place.
 */
export async function sendDecisionToLinked(
  tx: Executor,
  deps: Pick<AssessmentDeps, 'jobs'>,
  { problemId, escalationId }: { problemId: number; escalationId: number },
): Promise<boolean> {
  const problem = await getProblem(tx, problemId);
  if (!problem || (problem.status !== 'triage' && problem.status !== 'open')) return false;
  const stored = await getAssessment(tx, problemId);
  if (!stored) return false;
  const [escalation] = await tx.select().from(escalations).where(eq(escalations.id, escalationId));
  if (!escalation || escalation.problemId !== problemId) return false;
  const view = decisionView(problem, stored, await ticketKey(tx, problemId));
  await postDecisionReply(tx, deps.jobs, escalation, view, stored.revision);
  return true;
}

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
  // Slack's required check takes a few spaces as an answer; the form's two required texts must say something.
  const unanswered: Record<string, string> = {};
  if (!answers.startedAt.trim())
    unanswered[B.startedAt] = 'Say when it started: a date, or e.g. "since release 7.2".';
  if (!answers.affectedFunctionality.trim())
    unanswered[B.functionality] = 'Name what does not work, e.g. "invoice PDFs" or "card renewals".';
  if (Object.keys(unanswered).length > 0)
    throw invalidInput('Answer the questions the form needs before saving.', unanswered);
  if (answers.workaroundEasy && !answers.workaround.trim())
    throw invalidInput('Describe the workaround, or untick "easy".', {
      [B.workaround]: 'Describe the workaround you call easy.',
    });
  const severity = assessedSeverity(answers);
  const fixVersion = input.fixVersion.trim() || null;
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    // One assessment of a problem at a time: the previous decision decides whether the product channel hears.
    const [problem] = await tx.select().from(problems).where(eq(problems.id, problemId)).for('update');
    if (!problem) throw notFound(`${problemRef(problemId)} does not exist.`);
    // Merged or closed while the form was open: said on the form, where the engineer is, and nothing is saved.
    refuseIfDone(problem);
    const previous = await getAssessment(tx, problemId);
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
    if (!stored) throw new Error(`the assessment of problem ${problemId} was not stored`);
    const revision = stored.revision;
    const workaround = input.answers.workaround.trim();
    await tx
      .update(problems)
      .set({ severity, ...(workaround ? { workaround } : {}), updatedAt: now })
      .where(eq(problems.id, problemId));
    const view: DecisionView = {
      ...decisionView(problem, stored, await ticketKey(tx, problemId)),
      suggestionReason: suggestion.reason,
    };
    const summary = assessmentSummary(view);
    await postToProblemThread(tx, deps.jobs, deps.settings, problem, {
      key: `assessment:${problemId}:${revision}`,
      text: summary.text,
      blocks: summary.blocks as unknown as SlackPost['blocks'],
    });
    // Product hears about a patch once; saving the same decision again (a new version, a typo) stays quiet, and a
    // patch decided again after another decision is news, under the revision that decided it.
    if (outcome.decision === 'patch' && previous?.decision !== 'patch') {
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
    // Requesters hear when there is something to tell the customer: the first decision, another decision or another
    // fix version; a corrected answer elsewhere in the form stays between engineers.
    if (!previous || previous.decision !== outcome.decision || (previous.fixVersion ?? null) !== fixVersion) {
      const linked = await tx.select().from(escalations).where(eq(escalations.problemId, problemId));
      for (const escalation of linked) await postDecisionReply(tx, deps.jobs, escalation, view, revision);
    }
    await enqueueRcaSync(tx, deps.jobs, problemId);
    // The engineer's Home shows the assessment; each requester's, what their case now waits for.
    await problemHomesChanged(tx, deps.jobs, problemId, [actorId]);
    return { decision: outcome.decision, suggested: suggestion.decision, revision };
  });
}
