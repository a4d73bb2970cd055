import type { View } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { and, eq, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Settings } from '../config.js';
import type { Database, Executor } from '../db/client.js';
import {
  escalationThreads,
  getIncident,
  getStatusUpdate,
  type IncidentRow,
  incidentOfProblem,
  insertClassification,
  insertIncident,
  insertStatusUpdate,
  latestClassification,
  lockIncident,
  lockProblem,
  openIncidents,
  statusUpdateBySubmission,
  statusUpdatesOf,
  updateIncident,
} from '../db/repositories/incidents.js';
import { getProblem, linkedEscalations, problemImpact } from '../db/repositories/problems.js';
import {
  componentHoldsOfOpenIncidents,
  incidentComponentStates,
  recordComponentStates,
} from '../db/repositories/status-page.js';
import { incidents, problems } from '../db/schema/index.js';
import { problemRef } from '../domain/escalation.js';
import {
  type ComponentState,
  canMoveTo,
  componentStatesOfUpdate,
  dedicatedChannelName,
  type IncidentState,
  incidentRef,
  reminderDue,
  stateTimestampField,
} from '../domain/incident.js';
import {
  type ClassificationAnswers,
  type Outcome,
  overrideProblem,
  type Severity,
  type Suggestion,
  suggestClassification,
} from '../domain/policy.js';
import { checkClassification, classificationRefusal } from '../domain/problem-standing.js';
import { conflict, invalidInput, notFound, notPermitted } from '../errors.js';
import { type SlackMessenger, slackErrorCode } from '../integrations/slack/messenger.js';
import type { JobQueue } from '../jobs/queue.js';
import { postOnce, SLACK_POST_JOB, type SlackPost } from '../jobs/slack-post.js';
import type { Logger } from '../logger.js';
import {
  bugNotice,
  type ComponentView,
  classificationModal,
  type IncidentView,
  incidentMessage,
  reminderMessage,
  severityModal,
  snoozedMessage,
  statusUpdateModal,
  type UpdateView,
} from '../views/incident.js';
import { componentStateBlockId, INCIDENT_IDS } from '../views/incident-actions.js';
import { problemHomesChanged } from './home.js';
import type { Directory } from './people.js';
import { requestRcaTicket } from './rca.js';
import { SYNC_TRIAGE_CARD_JOB } from './triage.js';

/** Durable jobs of the incident feature. */
export const INCIDENT_JOBS = {
  syncMessage: 'incidents.sync-message',
  fanOut: 'incidents.fan-out',
  openChannel: 'incidents.open-channel',
  reminders: 'incidents.reminders',
} as const;

/**
 * A fan-out job names the incident whose pending updates it posts, and the update that asked for it (a job queued by
 * an earlier version, when fan-outs ran per update, names only its update).
 */
export const fanOutJobSchema = z
  .object({
    incidentId: z.number().int().positive().optional(),
    updateId: z.number().int().positive().optional(),
    /** How many runs before this one left threads behind (each later run waits longer). */
    round: z.number().int().min(0).optional(),
  })
  .refine((data) => data.incidentId !== undefined || data.updateId !== undefined, 'an incident or an update');
export type FanOutJobData = z.infer<typeof fanOutJobSchema>;

/** Queues the fan-out of an incident's updates (the run claims the incident, so one works on it at a time). */
export async function enqueueFanOut(
  jobs: JobQueue,
  executor: Executor,
  incidentId: number,
  updateId: number,
): Promise<void> {
  await jobs.enqueue(executor, INCIDENT_JOBS.fanOut, { incidentId, updateId });
}

/** Queues another run of an incident's fan-out, not before `startAfter`. */
export async function enqueueFanOutRound(
  jobs: JobQueue,
  executor: Executor,
  incidentId: number,
  round: number,
  startAfter: Date,
): Promise<void> {
  await jobs.enqueue(executor, INCIDENT_JOBS.fanOut, { incidentId, round }, { startAfter });
}

export interface IncidentContext {
  db: Database;
  slack: SlackMessenger;
  /** For what the messenger does not cover (views.update, conversations.create). */
  client: WebClient;
  jobs: JobQueue;
  settings: Settings;
  directory: Directory;
  logger: Logger;
  now: () => Date;
}

const componentsOf = (settings: Settings): ComponentView[] =>
  settings.statusPage.components.map((c) => ({ id: c.id, name: c.name }));

export function toIncidentView(row: IncidentRow): IncidentView {
  return { ...row };
}

const toUpdateView = (row: {
  state: string;
  publicMessage: string;
  internalNote: string | null;
  componentStates: Record<string, string>;
  authorId: string;
  createdAt: Date;
}): UpdateView => ({ ...row });

/** Only the configured responder roles (default: engineers and managers) may classify and post updates. */
export async function assertResponder(
  ctx: Pick<IncidentContext, 'directory' | 'settings'>,
  actorId: string,
  what: string,
) {
  const roles = await ctx.directory.rolesOf(actorId);
  const allowed = ctx.settings.incidents.responderRoles;
  if (!roles.some((role) => allowed.includes(role))) {
    throw notPermitted(`Only ${allowed.join(' or ')} roles may ${what}.`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Classification

/** First answers for the form, from what the linked escalations already say. */
export async function defaultAnswers(
  ctx: Pick<IncidentContext, 'db'>,
  problemId: number,
): Promise<ClassificationAnswers> {
  const [impact, linked] = await Promise.all([
    problemImpact(ctx.db, problemId),
    linkedEscalations(ctx.db, problemId, 200),
  ]);
  const triggers = new Set(linked.flatMap((e) => e.triggers));
  return {
    blocksSubscriptions: false,
    blocksPayments: false,
    cosmeticOnly: false,
    financial: triggers.has('financial'),
    afterRelease: triggers.has('after_release'),
    customersAffected: impact.customers,
  };
}

export async function openClassification(
  ctx: IncidentContext,
  { problemId, actorId, triggerId }: { problemId: number; actorId: string; triggerId: string },
): Promise<void> {
  await assertResponder(ctx, actorId, 'classify problems');
  const problem = await getProblem(ctx.db, problemId);
  if (!problem) throw notFound(`${problemRef(problemId)} does not exist.`);
  const refusal = classificationRefusal(problem);
  if (refusal) throw conflict(refusal);
  const [answers, latest] = await Promise.all([
    defaultAnswers(ctx, problemId),
    latestClassification(ctx.db, problemId),
  ]);
  const suggestion = suggestClassification(answers, ctx.settings.policy);
  await ctx.slack.openView(
    triggerId,
    classificationModal({
      problemId,
      title: problem.title,
      answers,
      suggestion,
      components: componentsOf(ctx.settings),
      ownerId: actorId,
      basedOn: latest?.id ?? null,
    }),
  );
}

/** An answer changed in the open form: the suggestion is recomputed and the form re-rendered in place. */
export async function refreshClassification(
  ctx: IncidentContext,
  input: {
    viewId: string;
    hash: string | undefined;
    problemId: number;
    answers: ClassificationAnswers;
    ownerId: string;
    chosen: { outcome?: string; severity?: string };
    /** What the form was opened against, kept as it was (see `ClassificationInput.basedOn`). */
    basedOn: number | null | undefined;
  },
): Promise<Suggestion> {
  const problem = await getProblem(ctx.db, input.problemId);
  if (!problem) throw notFound(`${problemRef(input.problemId)} does not exist.`);
  const suggestion = suggestClassification(input.answers, ctx.settings.policy);
  const view = classificationModal({
    problemId: input.problemId,
    title: problem.title,
    answers: input.answers,
    suggestion,
    components: componentsOf(ctx.settings),
    ownerId: input.ownerId,
    basedOn: input.basedOn,
  });
  await ctx.client.views.update({
    view_id: input.viewId,
    ...(input.hash ? { hash: input.hash } : {}),
    view: view as View,
  });
  return suggestion;
}

export interface ClassificationInput {
  problemId: number;
  actorId: string;
  /**
   * The latest classification of the problem when the form opened (null: none yet); undefined when the form does not
   * say. A decision made meanwhile by someone else refuses the submission instead of being overwritten.
   */
  basedOn?: number | null | undefined;
  answers: ClassificationAnswers;
  outcome: Outcome;
  severity: Severity;
  reason: string;
  incident: {
    publicTitle: string;
    publicSummary: string;
    components: string[];
    impact: ComponentState;
    ownerId: string;
  };
}

/** Field errors of a submitted classification form (block id → message), empty when it is acceptable. */
export function classificationErrors(
  input: ClassificationInput,
  settings: Settings,
): { errors: Record<string, string>; suggestion: Suggestion } {
  const suggestion = suggestClassification(input.answers, settings.policy);
  const errors: Record<string, string> = {};
  const override = overrideProblem(suggestion, input.outcome, input.reason);
  if (override) errors.classify_reason = override;
  if (!Number.isSafeInteger(input.answers.customersAffected) || input.answers.customersAffected < 0)
    errors.classify_customers = 'Give a whole number of customers (0 or more).';
  if (input.outcome === 'incident') {
    if (input.incident.publicTitle.trim().length < 5)
      errors.incident_public_title = 'An incident needs a public title customers will understand.';
    const known = new Set(settings.statusPage.components.map((c) => c.id));
    if (input.incident.components.some((id) => !known.has(id)))
      errors.incident_components = 'Pick components from the list.';
  }
  return { errors, suggestion };
}

/**
 * Field errors for a classification form whose problem moved on while it was open (merged, closed, declared an
 * incident, or classified by someone else), read before the form closes; `classifyProblem` decides again under the
 * problem's lock. Empty when the decision may be stored, or is already stored (a repeated submission).
 */
export async function classificationConflicts(
  ctx: Pick<IncidentContext, 'db'>,
  input: Pick<ClassificationInput, 'problemId' | 'actorId' | 'outcome' | 'severity' | 'basedOn'>,
): Promise<Record<string, string>> {
  const [problem, latest] = await Promise.all([
    getProblem(ctx.db, input.problemId),
    latestClassification(ctx.db, input.problemId),
  ]);
  if (!problem) return { [INCIDENT_IDS.blocks.outcome]: `${problemRef(input.problemId)} does not exist.` };
  const check = checkClassification(problem, latest, input);
  return check.verdict === 'refuse' ? { [INCIDENT_IDS.blocks.outcome]: check.reason } : {};
}

/**
 * Records the decision and acts on it in one transaction: a bug stays a bug (card updated, requesters told); an
 * incident gets its record, its first (investigating) update, its message in the incidents channel, the fan-out of
 * that update, and optionally a dedicated channel.
 */
export async function classifyProblem(
  ctx: IncidentContext,
  input: ClassificationInput,
): Promise<{ outcome: Outcome; incidentId?: number }> {
  await assertResponder(ctx, input.actorId, 'classify problems');
  const { errors, suggestion } = classificationErrors(input, ctx.settings);
  if (Object.keys(errors).length > 0) throw invalidInput(Object.values(errors).join(' '), errors);
  const now = ctx.now();
  const result = await ctx.db.transaction(async (tx) => {
    const problem = await lockProblem(tx, input.problemId);
    if (!problem) throw notFound(`${problemRef(input.problemId)} does not exist.`);
    const latest = await latestClassification(tx, problem.id);
    const check = checkClassification(problem, latest, input);
    if (check.verdict === 'refuse') throw conflict(check.reason);
    if (check.verdict === 'already_done') {
      const incident = await incidentOfProblem(tx, problem.id);
      return { outcome: input.outcome, ...(incident ? { incidentId: incident.id } : {}) };
    }
    const classification = await insertClassification(tx, {
      problemId: problem.id,
      answers: { ...input.answers },
      suggestedOutcome: suggestion.outcome,
      suggestedSeverity: suggestion.severity,
      suggestionReason: `${suggestion.reason} ${suggestion.severityReason}`,
      outcome: input.outcome,
      severity: input.severity,
      overrideReason:
        input.outcome !== suggestion.outcome || input.reason.trim() ? input.reason.trim() || null : null,
      actorId: input.actorId,
      createdAt: now,
    });
    await tx
      .update(problems)
      .set({
        kind: input.outcome,
        severity: input.severity,
        status: problem.status === 'triage' ? 'open' : problem.status,
        ownerId: input.outcome === 'incident' ? input.incident.ownerId : (problem.ownerId ?? input.actorId),
        details: { ...problem.details, classificationId: classification.id },
        updatedAt: now,
      })
      .where(eq(problems.id, problem.id));
    await ctx.jobs.enqueue(tx, SYNC_TRIAGE_CARD_JOB, { problemId: problem.id });
    await problemHomesChanged(
      tx,
      ctx.jobs,
      problem.id,
      input.outcome === 'incident' ? [input.incident.ownerId] : [],
    );
    // Every root-cause problem gets its one RCA ticket, whichever way it was classified.
    await requestRcaTicket(tx, ctx.jobs, problem.id, { kind: input.outcome });

    if (input.outcome === 'bug') {
      // Requesters hear that it is a bug once: a bug classified again (another severity) is news for the card only.
      if (problem.kind === 'bug') return { outcome: 'bug' as const };
      for (const thread of await escalationThreads(tx, problem.id)) {
        const post: SlackPost = {
          key: `classified:${classification.id}:${thread.channel}:${thread.threadTs}`,
          channel: thread.channel,
          threadTs: thread.threadTs,
          text: bugNotice(problem),
        };
        await ctx.jobs.enqueue(tx, SLACK_POST_JOB, post);
      }
      return { outcome: 'bug' as const };
    }

    const incident = await insertIncident(tx, {
      problemId: problem.id,
      publicTitle: input.incident.publicTitle.trim(),
      publicSummary: input.incident.publicSummary.trim(),
      severity: input.severity,
      state: 'investigating',
      components: input.incident.components,
      ownerId: input.incident.ownerId,
      channel: ctx.settings.channels.incidents,
      createdAt: now,
      lastUpdateAt: now,
    });
    if (!incident) throw conflict(`${problemRef(problem.id)} already has an incident.`);
    const componentStates = Object.fromEntries(
      input.incident.components.map((id) => [id, input.incident.impact]),
    );
    const update = await insertStatusUpdate(tx, {
      incidentId: incident.id,
      state: 'investigating',
      publicMessage: input.incident.publicSummary.trim() || `We are investigating: ${incident.publicTitle}`,
      internalNote: input.reason.trim() || null,
      componentStates,
      authorId: input.actorId,
      createdAt: now,
    });
    await recordComponentStates(tx, { incidentId: incident.id, states: componentStates, at: now });
    // The message (and the dedicated channel, when configured) first, so the first update reaches them too.
    await ctx.jobs.enqueue(
      tx,
      ctx.settings.incidents.dedicatedChannel ? INCIDENT_JOBS.openChannel : INCIDENT_JOBS.syncMessage,
      { incidentId: incident.id, thenFanOut: update.id },
    );
    return { outcome: 'incident' as const, incidentId: incident.id };
  });

  return result;
}

/** The last classification of a problem, for its card. */
export const classificationOf = (db: Database, problemId: number) => latestClassification(db, problemId);

// ---------------------------------------------------------------------------------------------------------------
// Status updates

export interface StatusUpdateInput {
  incidentId: number;
  actorId: string;
  state: IncidentState;
  publicMessage: string;
  internalNote: string;
  componentStates: Record<string, ComponentState>;
  /** The submitted view's id: the same form sent again posts no second update. */
  submissionKey?: string | undefined;
}

export async function openStatusUpdate(
  ctx: IncidentContext,
  {
    incidentId,
    actorId,
    triggerId,
    resolve,
  }: { incidentId: number; actorId: string; triggerId: string; resolve: boolean },
): Promise<void> {
  await assertResponder(ctx, actorId, 'post incident updates');
  const incident = await getIncident(ctx.db, incidentId);
  if (!incident) throw notFound(`${incidentRef(incidentId)} does not exist.`);
  if (incident.state === 'resolved')
    throw conflict(`${incidentRef(incidentId)} is resolved; it takes no more updates.`);
  const [held, elsewhere] = await Promise.all([
    incidentComponentStates(ctx.db, incidentId),
    componentHoldsOfOpenIncidents(ctx.db, incidentId),
  ]);
  await ctx.slack.openView(
    triggerId,
    statusUpdateModal({
      incident: toIncidentView(incident),
      components: componentsOf(ctx.settings),
      held,
      elsewhere,
      resolve,
    }),
  );
}

const COMPONENT_REFUSED =
  'A resolved incident no longer holds a component: leave it operational, or keep the incident open (Monitoring) while it recovers.';

/** What the update records per component, from the incident as it is (see `componentStatesOfUpdate`). */
async function componentStatesFor(
  executor: Executor,
  incident: IncidentRow,
  input: Pick<StatusUpdateInput, 'state' | 'componentStates'>,
) {
  return componentStatesOfUpdate({
    affected: incident.components,
    held: await incidentComponentStates(executor, incident.id),
    submitted: input.componentStates,
    resolving: input.state === 'resolved',
  });
}

/**
 * Field errors of a submitted status update form (block id → message), empty when it is acceptable; checked before
 * the form closes, and again by `postStatusUpdate`.
 */
export async function statusUpdateErrors(
  ctx: Pick<IncidentContext, 'db'>,
  input: Pick<StatusUpdateInput, 'incidentId' | 'state' | 'componentStates'>,
): Promise<Record<string, string>> {
  const incident = await getIncident(ctx.db, input.incidentId);
  if (!incident) return {};
  const { refused } = await componentStatesFor(ctx.db, incident, input);
  return Object.fromEntries(refused.map((id) => [componentStateBlockId(id), COMPONENT_REFUSED]));
}

/**
 * Stores one status update and moves the incident's state (each state's timestamp set the first time it is
 * reached); the incident message is re-rendered and the update fanned out to every thread by durable jobs. The
 * update records only this incident's components (and those the person changed); resolving returns this incident's
 * components to operational, and leaves what other open incidents hold alone.
 */
export async function postStatusUpdate(
  ctx: IncidentContext,
  input: StatusUpdateInput,
): Promise<{ updateId: number }> {
  await assertResponder(ctx, input.actorId, 'post incident updates');
  if (input.publicMessage.trim().length < 3)
    throw invalidInput('Write a public message.', {
      update_public_message: 'Write what customers should know.',
    });
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    const incident = await lockIncident(tx, input.incidentId);
    if (!incident) throw notFound(`${incidentRef(input.incidentId)} does not exist.`);
    // Under the incident's lock, so a form sent twice at once is seen here the second time.
    const posted = input.submissionKey ? await statusUpdateBySubmission(tx, input.submissionKey) : undefined;
    if (posted) return { updateId: posted.id };
    if (!canMoveTo(incident.state as IncidentState, input.state))
      throw conflict(`${incidentRef(incident.id)} is resolved; it takes no more updates.`);
    const { states, refused } = await componentStatesFor(tx, incident, input);
    if (refused.length > 0)
      throw invalidInput(
        COMPONENT_REFUSED,
        Object.fromEntries(refused.map((id) => [componentStateBlockId(id), COMPONENT_REFUSED])),
      );
    const update = await insertStatusUpdate(tx, {
      incidentId: incident.id,
      state: input.state,
      publicMessage: input.publicMessage.trim(),
      internalNote: input.internalNote.trim() || null,
      componentStates: states,
      authorId: input.actorId,
      createdAt: now,
      submissionKey: input.submissionKey ?? null,
    });
    const field = stateTimestampField(input.state);
    const affected = new Set(incident.components);
    for (const [id, state] of Object.entries(states)) if (state !== 'operational') affected.add(id);
    await updateIncident(tx, incident.id, {
      state: input.state,
      lastUpdateAt: now,
      components: [...affected],
      ...(field && !incident[field] ? { [field]: now } : {}),
    });
    await recordComponentStates(tx, { incidentId: incident.id, states, at: now });
    await ctx.jobs.enqueue(tx, INCIDENT_JOBS.syncMessage, { incidentId: incident.id });
    await enqueueFanOut(ctx.jobs, tx, incident.id, update.id);
    // The Homes that list this incident among the active ones and whose cases follow it.
    await problemHomesChanged(tx, ctx.jobs, incident.problemId, [incident.ownerId]);
    return { updateId: update.id };
  });
}

export async function openSeverityChange(
  ctx: IncidentContext,
  { incidentId, actorId, triggerId }: { incidentId: number; actorId: string; triggerId: string },
): Promise<void> {
  await assertResponder(ctx, actorId, 'change incident severity');
  const incident = await getIncident(ctx.db, incidentId);
  if (!incident) throw notFound(`${incidentRef(incidentId)} does not exist.`);
  await ctx.slack.openView(triggerId, severityModal(toIncidentView(incident)));
}

export async function changeSeverity(
  ctx: IncidentContext,
  { incidentId, actorId, severity }: { incidentId: number; actorId: string; severity: Severity },
): Promise<void> {
  await assertResponder(ctx, actorId, 'change incident severity');
  await ctx.db.transaction(async (tx) => {
    const incident = await lockIncident(tx, incidentId);
    if (!incident) throw notFound(`${incidentRef(incidentId)} does not exist.`);
    if (incident.severity === severity) return;
    await updateIncident(tx, incidentId, { severity });
    await tx
      .update(problems)
      .set({ severity, updatedAt: ctx.now() })
      .where(eq(problems.id, incident.problemId));
    await ctx.jobs.enqueue(tx, INCIDENT_JOBS.syncMessage, { incidentId });
    await ctx.jobs.enqueue(tx, SYNC_TRIAGE_CARD_JOB, { problemId: incident.problemId });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The incident message (posted once, then edited in place)

export interface MessageDeps {
  db: Database;
  slack: WebClient;
  settings: Settings;
}

export async function syncIncidentMessage(
  deps: MessageDeps,
  incidentId: number,
): Promise<IncidentRow | undefined> {
  const incident = await getIncident(deps.db, incidentId);
  if (!incident) return undefined;
  const updates = await statusUpdatesOf(deps.db, incidentId);
  const latest = updates.at(-1);
  const message = incidentMessage(
    toIncidentView(incident),
    latest ? toUpdateView(latest) : undefined,
    componentsOf(deps.settings),
  );
  if (incident.channel && incident.messageTs) {
    await deps.slack.chat.update({ channel: incident.channel, ts: incident.messageTs, ...message });
    return incident;
  }
  const channel = incident.channel ?? deps.settings.channels.incidents;
  const ts = await postOnce(deps.db, deps.slack, {
    key: `incident-message:${incidentId}`,
    channel,
    ...message,
  });
  return updateIncident(deps.db, incidentId, { channel, messageTs: ts });
}

/** Creates `inc-<number>-<slug>`, invites the owner, and names the channel on the incident message. */
export async function openDedicatedChannel(
  deps: MessageDeps & { logger: Logger },
  incidentId: number,
): Promise<void> {
  const incident = await getIncident(deps.db, incidentId);
  if (!incident || incident.dedicatedChannel) return;
  const base = dedicatedChannelName(incident.id, incident.publicTitle);
  let channelId: string | undefined;
  for (const name of [base, `${base}-${Math.floor(Date.now() / 1000) % 100000}`]) {
    try {
      const created = await deps.slack.conversations.create({ name });
      channelId = created.channel?.id;
      break;
    } catch (error) {
      if (slackErrorCode(error) !== 'name_taken') throw error;
    }
  }
  if (!channelId) throw new Error(`could not create a channel for ${incidentRef(incidentId)}`);
  await deps.slack.conversations
    .invite({ channel: channelId, users: incident.ownerId })
    .catch((error: unknown) => {
      if (slackErrorCode(error) !== 'already_in_channel') throw error;
    });
  await updateIncident(deps.db, incidentId, { dedicatedChannel: channelId });
  await syncIncidentMessage(deps, incidentId);
}

// ---------------------------------------------------------------------------------------------------------------
// Reminders

/** Reminds the owner of every open incident that has been quiet too long; answers the incidents reminded. */
export async function sendDueReminders(
  deps: { db: Database; jobs: JobQueue; settings: Settings },
  now: Date,
): Promise<number[]> {
  const reminded: number[] = [];
  for (const incident of await openIncidents(deps.db)) {
    if (!incident.messageTs || !incident.channel) continue;
    if (!reminderDue(incident, deps.settings.incidents.reminderMinutes, now)) continue;
    const quietFrom = incident.lastUpdateAt ?? incident.createdAt;
    const quiet = Math.floor((now.getTime() - quietFrom.getTime()) / 60_000);
    await deps.db.transaction(async (tx) => {
      // Conditional on the value read, so two instances running the same tick remind once.
      const claimed = await tx
        .update(incidents)
        .set({ remindedAt: now })
        .where(
          and(
            eq(incidents.id, incident.id),
            ne(incidents.state, 'resolved'),
            incident.remindedAt
              ? eq(incidents.remindedAt, incident.remindedAt)
              : sql`${incidents.remindedAt} is null`,
          ),
        )
        .returning({ id: incidents.id });
      if (claimed.length === 0) return;
      const message = reminderMessage(incident, quiet);
      const post: SlackPost = {
        key: `incident-reminder:${incident.id}:${now.getTime()}`,
        channel: incident.channel as string,
        threadTs: incident.messageTs as string,
        text: message.text,
        blocks: message.blocks as unknown as SlackPost['blocks'],
      };
      await deps.jobs.enqueue(tx, SLACK_POST_JOB, post);
      reminded.push(incident.id);
    });
  }
  return reminded;
}

export async function snoozeReminders(
  ctx: IncidentContext,
  input: {
    incidentId: number;
    minutes: number;
    actorId: string;
    channel: string | undefined;
    messageTs: string | undefined;
  },
): Promise<Date> {
  await assertResponder(ctx, input.actorId, 'snooze incident reminders');
  const until = new Date(ctx.now().getTime() + input.minutes * 60_000);
  const row = await updateIncident(ctx.db, input.incidentId, { snoozedUntil: until });
  if (!row) throw notFound(`${incidentRef(input.incidentId)} does not exist.`);
  if (input.channel && input.messageTs)
    await ctx.slack.update({
      channel: input.channel,
      ts: input.messageTs,
      ...snoozedMessage(input.incidentId, input.actorId, until),
    });
  return until;
}

export async function incidentAndUpdate(db: Database, updateId: number) {
  const update = await getStatusUpdate(db, updateId);
  if (!update) return undefined;
  const incident = await getIncident(db, update.incidentId);
  if (!incident) return undefined;
  return { update, incident };
}

export { incidentOfProblem };
