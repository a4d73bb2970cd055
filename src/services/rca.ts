import { and, eq, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { Version3Client } from 'jira.js';
import { z } from 'zod';
import type { Settings } from '../config.js';
import { type Database, type Executor, queryRows } from '../db/client.js';
import { lockProblem } from '../db/repositories/incidents.js';
import { getProblem, problemImpact } from '../db/repositories/problems.js';
import { incidents, problemAssessments, problems, rcaTickets } from '../db/schema/index.js';
import { escalationRef, problemRef } from '../domain/escalation.js';
import { formatMoney } from '../domain/money.js';
import { rcaWorkRefusal } from '../domain/problem-standing.js';
import { type Assessment, RELEASE_LABELS, type ReleaseDecision, releaseWording } from '../domain/release.js';
import { conflict, notFound, notPermitted } from '../errors.js';
import {
  addComment,
  createTicket,
  findTicketForProblem,
  type TicketState,
  ticketStates,
  updateDescription,
} from '../integrations/jira/rca-tickets.js';
import type { JobDefinition, JobQueue } from '../jobs/queue.js';
import { SLACK_POST_JOB, type SlackPost } from '../jobs/slack-post.js';
import type { Logger } from '../logger.js';
import { escapeMrkdwn } from '../views/mrkdwn.js';
import { FIX_VERSION_LABEL, type TicketChange, ticketChangeNotice } from '../views/rca.js';
import {
  factsChangedComment,
  plainComment,
  type RcaTicketModel,
  rcaDescription,
  rcaFacts,
} from '../views/rca-document.js';
import { affectedCustomers } from './priority.js';
import { fixReleased } from './resolution.js';

/**
 * One RCA ticket per problem in Jira. Asking for a ticket stores a `requested` row (unique per problem) and enqueues
 * a durable job in the caller's transaction; the job creates the ticket, or finds the one an earlier attempt created
 * (by its label) before creating, so a timeout after Jira made the ticket never leads to a second one. Later runs of
 * the same job comment on the ticket when its facts changed, and add the closing comment when the problem closes.
 */
export const RCA_SYNC_JOB = 'rca.sync-ticket';
export const RCA_RECONCILE_JOB = 'rca.reconcile';

export interface RcaDeps {
  db: Database;
  jobs: JobQueue;
  jira: Version3Client;
  projectKey: string;
  jiraHost: string;
  publicUrl: string;
  settings: Settings;
  logger: Logger;
  now: () => Date;
}

export type ProblemKind = 'bug' | 'incident';

/**
 * Asks for the problem's RCA ticket (classification calls this inside its own transaction). Asking twice is harmless:
 * the row is unique per problem and the job finds what exists.
 */
export async function requestRcaTicket(
  executor: Executor,
  jobs: JobQueue,
  problemId: number,
  { kind }: { kind: ProblemKind },
): Promise<void> {
  await executor.insert(rcaTickets).values({ problemId, kind, status: 'requested' }).onConflictDoNothing();
  await enqueueRcaSync(executor, jobs, problemId);
}

/** Brings the problem's RCA ticket up to date, if it has one (facts changed, problem closed). */
export async function enqueueRcaSync(executor: Executor, jobs: JobQueue, problemId: number): Promise<void> {
  const [ticket] = await executor
    .select({ id: rcaTickets.id })
    .from(rcaTickets)
    .where(eq(rcaTickets.problemId, problemId));
  if (!ticket) return;
  await jobs.enqueue(executor, RCA_SYNC_JOB, { problemId });
}

export const jiraBrowseUrl = (jiraHost: string, key: string) =>
  `${jiraHost.replace(/\/+$/, '')}/browse/${key}`;

/** Posts into the problem's thread (its triage card), or to the incidents channel when it has no card. */
export async function postToProblemThread(
  tx: Executor,
  jobs: JobQueue,
  settings: Settings,
  problem: { id: number; triageChannel: string | null; triageTs: string | null },
  post: { key: string; text: string; blocks?: SlackPost['blocks'] },
): Promise<void> {
  const message: SlackPost = {
    key: post.key,
    channel: problem.triageChannel ?? settings.channels.incidents,
    ...(problem.triageTs ? { threadTs: problem.triageTs } : {}),
    text: post.text,
    ...(post.blocks ? { blocks: post.blocks } : {}),
  };
  await jobs.enqueue(tx, SLACK_POST_JOB, message);
}

export type StoredAssessment = typeof problemAssessments.$inferSelect;
export type AssessmentAnswers = Assessment & { dataCleanup: string };

export async function getAssessment(db: Executor, problemId: number): Promise<StoredAssessment | undefined> {
  const [row] = await db.select().from(problemAssessments).where(eq(problemAssessments.problemId, problemId));
  return row;
}

/** Everything the ticket says, from the database. */
export async function ticketModel(
  deps: Pick<RcaDeps, 'db' | 'publicUrl'>,
  problemId: number,
): Promise<RcaTicketModel> {
  const problem = await getProblem(deps.db, problemId);
  if (!problem) throw new Error(`problem ${problemId} does not exist`);
  const [impact, customers, assessment, cases, incident, ticket] = await Promise.all([
    problemImpact(deps.db, problemId),
    affectedCustomers(deps.db, problemId),
    getAssessment(deps.db, problemId),
    queryRows<{ id: number; customer_name: string; case_ref: string | null; status: string }>(
      deps.db,
      sql`select id, customer_name, case_ref, status from escalations where problem_id = ${problemId} order by id limit 50`,
    ),
    deps.db.select({ id: incidents.id }).from(incidents).where(eq(incidents.problemId, problemId)),
    deps.db.select().from(rcaTickets).where(eq(rcaTickets.problemId, problemId)),
  ]);
  const answers = assessment?.answers as AssessmentAnswers | undefined;
  const top = [...customers]
    .sort((a, b) => b.mrrMinor - a.mrrMinor)
    .slice(0, 5)
    .map(
      (customer) =>
        `${customer.name}: ${formatMoney(customer.mrrMinor, customer.currency)}/mo, ${customer.seats} seats, ${customer.segment?.replace('_', '-') ?? 'segment unknown'}`,
    );
  const decision = assessment?.decision as ReleaseDecision | undefined;
  const fixVersion = ticket[0]?.fixVersion ?? assessment?.fixVersion ?? undefined;
  const due = ticket[0]?.dueDate;
  const fixEta = decision
    ? `${releaseWording(decision, fixVersion ?? undefined)}${due ? `; due ${due}` : ''}`
    : due
      ? `due ${due}`
      : 'not assessed yet';
  return {
    problemId,
    title: problem.title,
    kind: problem.kind ?? ticket[0]?.kind ?? 'bug',
    rootCause: answers
      ? `started ${answers.startedAt}${answers.causedBy ? `; caused by ${answers.causedBy}` : ''}`
      : 'not known yet',
    fixEta,
    dataCleanup: answers?.dataCleanup || 'none planned yet',
    severity: assessment?.severity ?? problem.severity ?? 'not assessed yet',
    priorityScore: problem.priorityScore,
    priorityExplanation: problem.priorityExplanation,
    affectedCustomers: impact.customers,
    revenueAtRisk:
      impact.revenueAtRisk.map((r) => `${formatMoney(r.amountMinor, r.currency)}/mo`).join(' + ') || 'none',
    topCustomers: top,
    linkedCases: cases.map(
      (row) =>
        `${escalationRef(Number(row.id))} ${row.customer_name} (${row.case_ref ?? 'no case link'}) — ${row.status.replaceAll('_', ' ')}`,
    ),
    incidentUrl: incident[0] ? `${deps.publicUrl}/status/incidents/${incident[0].id}` : undefined,
    assessment: answers
      ? [
          `Started: ${answers.startedAt}`,
          `Caused by: ${answers.causedBy || 'unknown'}`,
          `Application running: ${answers.applicationRunning ? 'yes' : 'no'}`,
          `Financial: ${answers.financial ? 'yes' : 'no'}`,
          `Affected functionality: ${answers.affectedFunctionality}`,
          `Scope: ${answers.scope.replace('_', ' ')}`,
          `Long-standing: ${answers.longStanding ? 'yes' : 'no'}`,
        ]
      : ['Not assessed yet.'],
    releaseDecision: decision
      ? `${RELEASE_LABELS[decision]}${assessment?.overridden ? ` (override of ${RELEASE_LABELS[assessment.suggestedDecision as ReleaseDecision]}: ${assessment.overrideReason})` : ''}`
      : 'not decided yet',
    workaround: problem.workaround || 'none known',
    state:
      problem.status === 'open' && problem.details.reopenedReason
        ? `reopened: ${String(problem.details.reopenedReason)}`
        : problem.status.replaceAll('_', ' '),
  };
}

const LEASE_MS = 120_000;
/** How long after a create call a search that finds nothing is still not proof that Jira made nothing. */
const CREATE_SETTLE_MS = 30_000;

/** Takes the right to create this problem's ticket, for this job; false when another worker holds it. */
async function takeLease(deps: RcaDeps, problemId: number, owner: string): Promise<boolean> {
  const now = deps.now();
  const rows = await deps.db
    .update(rcaTickets)
    .set({ leaseOwner: owner, leaseUntil: new Date(now.getTime() + LEASE_MS) })
    .where(
      and(
        eq(rcaTickets.problemId, problemId),
        isNull(rcaTickets.jiraKey),
        or(isNull(rcaTickets.leaseOwner), eq(rcaTickets.leaseOwner, owner), lt(rcaTickets.leaseUntil, now)),
      ),
    )
    .returning({ id: rcaTickets.id });
  return rows.length > 0;
}

export async function syncRcaTicket(deps: RcaDeps, problemId: number, jobId: string): Promise<void> {
  const [ticket] = await deps.db.select().from(rcaTickets).where(eq(rcaTickets.problemId, problemId));
  if (!ticket) return;
  const model = await ticketModel(deps, problemId);
  const facts = rcaFacts(model);

  if (!ticket.jiraKey) {
    if (!(await takeLease(deps, problemId, jobId))) {
      const [current] = await deps.db.select().from(rcaTickets).where(eq(rcaTickets.problemId, problemId));
      if (current?.jiraKey) return;
      throw new Error(`another worker is creating the RCA ticket of problem ${problemId}; retrying later`);
    }
    // A previous attempt may have created the ticket and lost Jira's answer: look for it before creating.
    const existing = await findTicketForProblem(deps.jira, deps.projectKey, problemId);
    const attempted = ticket.createAttemptedAt?.getTime();
    if (!existing && attempted !== undefined && deps.now().getTime() - attempted < CREATE_SETTLE_MS) {
      // Jira's search catches up with new issues after a moment: wait for it rather than risk a second ticket.
      throw new Error(`the last create for problem ${problemId} may not be searchable yet; retrying later`);
    }
    const issueType =
      deps.settings.jira.issueTypes[(ticket.kind ?? model.kind) === 'incident' ? 'incident' : 'bug'];
    if (!existing)
      await deps.db
        .update(rcaTickets)
        .set({ createAttemptedAt: deps.now() })
        .where(eq(rcaTickets.id, ticket.id));
    const created =
      existing ??
      (await createTicket(deps.jira, {
        projectKey: deps.projectKey,
        issueType,
        problemId,
        summary: `[${problemRef(problemId)}] ${model.title}`,
        description: rcaDescription(model),
      }));
    const problem = await getProblem(deps.db, problemId);
    await deps.db.transaction(async (tx) => {
      await tx
        .update(rcaTickets)
        .set({
          jiraKey: created.key,
          jiraId: created.id,
          status: 'created',
          jiraStatus: existing?.status ?? null,
          facts: existing ? null : facts,
          leaseOwner: null,
          leaseUntil: null,
          updatedAt: deps.now(),
        })
        .where(and(eq(rcaTickets.problemId, problemId), isNull(rcaTickets.jiraKey)));
      if (problem)
        await postToProblemThread(tx, deps.jobs, deps.settings, problem, {
          key: `rca-created:${problemId}`,
          text: `:memo: RCA ticket <${jiraBrowseUrl(deps.jiraHost, created.key)}|${created.key}> is open for ${problemRef(problemId)}.`,
        });
    });
    // A found ticket was made from older facts: bring it up to date on the next run.
    if (existing) await deps.jobs.enqueue(deps.db, RCA_SYNC_JOB, { problemId });
    return;
  }

  const problem = await getProblem(deps.db, problemId);
  if (problem?.status === 'closed' && !ticket.closingCommentedAt) {
    await addComment(
      deps.jira,
      ticket.jiraKey,
      plainComment(
        `Frontline: ${problemRef(problemId)} is closed. Every linked escalation was confirmed fixed with its customer (${model.linkedCases.length} case${model.linkedCases.length === 1 ? '' : 's'}).`,
      ),
    );
    await deps.db
      .update(rcaTickets)
      .set({ closingCommentedAt: deps.now(), facts, updatedAt: deps.now() })
      .where(eq(rcaTickets.id, ticket.id));
    return;
  }

  const before = ticket.facts;
  if (!before) {
    await updateDescription(deps.jira, ticket.jiraKey, rcaDescription(model));
  } else {
    const changes = Object.entries(facts)
      .filter(([label, value]) => before[label] !== value)
      .map(([label, after]) => ({ label, before: before[label], after }));
    if (changes.length === 0) return;
    await updateDescription(deps.jira, ticket.jiraKey, rcaDescription(model));
    await addComment(deps.jira, ticket.jiraKey, factsChangedComment(changes));
  }
  await deps.db.update(rcaTickets).set({ facts, updatedAt: deps.now() }).where(eq(rcaTickets.id, ticket.id));
}

const isDone = (settings: Settings, state: Pick<TicketState, 'status' | 'statusCategory'>) =>
  state.statusCategory === 'done' ||
  settings.jira.doneStatuses.some((name) => name.toLowerCase() === state.status.toLowerCase());

/**
 * Applies what Jira says about an RCA ticket (a webhook or the reconcile job): remembers status, fix version,
 * assignee and due date, posts what changed to the problem's thread, and starts the resolution loop when the ticket
 * reaches a done status. The row update is conditional on the previous values, so one change is applied once.
 */
export async function applyTicketState(
  deps: Pick<RcaDeps, 'db' | 'jobs' | 'settings' | 'jiraHost' | 'now'>,
  tx: Executor,
  state: TicketState,
): Promise<{ changed: boolean }> {
  const [ticket] = await tx
    .select()
    .from(rcaTickets)
    .where(or(eq(rcaTickets.jiraKey, state.key), eq(rcaTickets.jiraId, state.id)))
    .for('update');
  if (!ticket) return { changed: false };
  // Jira retries a failed delivery later, so an older state can arrive after a newer one (and a reconcile read can
  // land after a webhook); whatever is older than what was applied is stale.
  if (state.updatedAt && ticket.jiraUpdatedAt && state.updatedAt < ticket.jiraUpdatedAt)
    return { changed: false };
  // A field the issue did not carry keeps its value.
  const next = {
    jiraStatus: state.sent.status ? state.status : ticket.jiraStatus,
    fixVersion: state.sent.fixVersion ? (state.fixVersion ?? null) : ticket.fixVersion,
    assignee: state.sent.assignee ? (state.assignee ?? null) : ticket.assignee,
    dueDate: state.sent.dueDate ? (state.dueDate ?? null) : ticket.dueDate,
  };
  const changes: TicketChange[] = [];
  const compare = (label: string, before: string | null, after: string | null) => {
    if (before !== after) changes.push({ label, before: before ?? undefined, after: after ?? undefined });
  };
  compare('Status', ticket.jiraStatus, next.jiraStatus);
  compare(FIX_VERSION_LABEL, ticket.fixVersion, next.fixVersion);
  compare('Assignee', ticket.assignee, next.assignee);
  compare('Due date', ticket.dueDate, next.dueDate);
  // Only a whole state (one that carries the status) moves the mark: a trimmed payload is no reading of the ticket.
  const newer =
    state.sent.status && state.updatedAt && (!ticket.jiraUpdatedAt || state.updatedAt > ticket.jiraUpdatedAt);
  if (changes.length === 0) {
    if (newer)
      await tx.update(rcaTickets).set({ jiraUpdatedAt: state.updatedAt }).where(eq(rcaTickets.id, ticket.id));
    return { changed: false };
  }
  const now = deps.now();
  await tx
    .update(rcaTickets)
    .set({ ...next, ...(newer ? { jiraUpdatedAt: state.updatedAt } : {}), updatedAt: now })
    .where(eq(rcaTickets.id, ticket.id));
  const problem = await getProblem(tx, ticket.problemId);
  if (!problem) return { changed: true };
  if (next.fixVersion !== ticket.fixVersion)
    await tx
      .update(problemAssessments)
      .set({ fixVersion: next.fixVersion })
      .where(eq(problemAssessments.problemId, problem.id));
  const assessment = await getAssessment(tx, problem.id);
  await postToProblemThread(tx, deps.jobs, deps.settings, problem, {
    key: `jira-change:${ticket.id}:${now.getTime()}:${changes
      .map((c) => `${c.label}=${c.after}`)
      .join('|')
      .slice(0, 150)}`,
    text: ticketChangeNotice({
      jiraKey: state.key,
      jiraUrl: jiraBrowseUrl(deps.jiraHost, state.key),
      changes,
      decision: assessment?.decision as ReleaseDecision | undefined,
    }),
  });
  const wasDone =
    ticket.jiraStatus !== null &&
    isDone(deps.settings, { status: ticket.jiraStatus, statusCategory: undefined });
  if (state.sent.status && isDone(deps.settings, state) && !wasDone && problem.status !== 'closed')
    await fixReleased(tx, deps, problem.id, { by: `Jira (${state.key} → ${escapeMrkdwn(state.status)})` });
  return { changed: true };
}

/** Catches up with Jira for every open problem's ticket (missed webhooks), and retries tickets never created. */
export async function reconcileTickets(deps: RcaDeps): Promise<{ checked: number; changed: number }> {
  const rows = await deps.db
    .select({ problemId: rcaTickets.problemId, jiraKey: rcaTickets.jiraKey })
    .from(rcaTickets)
    .innerJoin(problems, eq(problems.id, rcaTickets.problemId))
    .where(ne(problems.status, 'closed'));
  for (const row of rows.filter((r) => !r.jiraKey))
    await deps.jobs.enqueue(deps.db, RCA_SYNC_JOB, { problemId: row.problemId });
  const keys = rows.flatMap((row) => (row.jiraKey ? [row.jiraKey] : []));
  if (keys.length === 0) return { checked: 0, changed: 0 };
  const states = await ticketStates(deps.jira, keys);
  let changed = 0;
  for (const state of states) {
    const result = await deps.db.transaction((tx) => applyTicketState(deps, tx, state));
    if (result.changed) changed += 1;
  }
  return { checked: states.length, changed };
}

export function rcaJobs(
  deps: RcaDeps,
): Array<JobDefinition<{ problemId: number }> | JobDefinition<Record<string, never>>> {
  const sync: JobDefinition<{ problemId: number }> = {
    name: RCA_SYNC_JOB,
    schema: z.object({ problemId: z.number().int().positive() }),
    // A Jira outage only delays the ticket: back off and try again for a good while.
    retryLimit: 12,
    retryDelaySeconds: 2,
    expireInSeconds: 120,
    handler: ({ problemId }, context) => syncRcaTicket(deps, problemId, context.jobId),
  };
  const reconcile: JobDefinition<Record<string, never>> = {
    name: RCA_RECONCILE_JOB,
    schema: z.object({}).strip() as unknown as z.ZodType<Record<string, never>>,
    retryLimit: 1,
    schedule: deps.settings.jira.reconcileSchedule,
    handler: async () => {
      const result = await reconcileTickets(deps);
      deps.logger.info(result, 'reconciled RCA tickets with Jira');
    },
  };
  return [sync, reconcile];
}

/**
 * The **Create RCA ticket** button: engineers and managers may ask for the ticket of a problem, not of a merged
 * duplicate (its cases, and its one ticket, belong to the problem it was merged into) nor of a closed one. Checked
 * under the problem's lock, which a merge takes too.
 */
export async function createRcaTicketByHand(
  deps: Pick<RcaDeps, 'db' | 'jobs'> & { directory: import('./people.js').Directory },
  { problemId, actorId }: { problemId: number; actorId: string },
): Promise<void> {
  const roles = await deps.directory.rolesOf(actorId);
  if (!roles.includes('engineer') && !roles.includes('manager'))
    throw notPermitted('Only engineers and support managers can open an RCA ticket.');
  await deps.db.transaction(async (tx) => {
    const problem = await lockProblem(tx, problemId);
    if (!problem) throw notFound(`${problemRef(problemId)} does not exist.`);
    const refusal = rcaWorkRefusal(problem);
    if (refusal) throw conflict(refusal);
    // One ticket per problem: a click on a card that already has it says where it is. A ticket still on its way to
    // Jira is asked for again, which retries it at once.
    const [existing] = await tx
      .select({ jiraKey: rcaTickets.jiraKey })
      .from(rcaTickets)
      .where(eq(rcaTickets.problemId, problemId));
    if (existing?.jiraKey)
      throw conflict(`${problemRef(problemId)} already has its RCA ticket, ${existing.jiraKey}.`);
    const kind: ProblemKind = problem.kind === 'incident' ? 'incident' : 'bug';
    await requestRcaTicket(tx, deps.jobs, problemId, { kind });
  });
}
