import { and, asc, desc, eq, gt, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { ActionState } from '../../domain/account-actions.js';
import type { Executor } from '../client.js';
import { accountActions, approvals, auditEvents } from '../schema/index.js';

export type AccountActionRow = typeof accountActions.$inferSelect;
export type NewAccountAction = typeof accountActions.$inferInsert;
export type ApprovalRow = typeof approvals.$inferSelect;
export type AuditEventRow = typeof auditEvents.$inferSelect;
export type NewAuditEvent = typeof auditEvents.$inferInsert;

/** Stores a request; undefined when one from the same form submission is stored already. */
export async function insertAccountAction(
  tx: Executor,
  values: NewAccountAction,
): Promise<AccountActionRow | undefined> {
  const [row] = await tx.insert(accountActions).values(values).onConflictDoNothing().returning();
  if (!row && !values.submissionKey) throw new Error('account action insert returned nothing');
  return row;
}

export async function getAccountActionBySubmission(
  db: Executor,
  submissionKey: string,
): Promise<AccountActionRow | undefined> {
  const [row] = await db.select().from(accountActions).where(eq(accountActions.submissionKey, submissionKey));
  return row;
}

export async function getAccountAction(db: Executor, id: number): Promise<AccountActionRow | undefined> {
  const [row] = await db.select().from(accountActions).where(eq(accountActions.id, id));
  return row;
}

/**
 * Moves an action from one of `from` to `to` only if it is still there; answers the updated row, or undefined when
 * someone else moved it first. This is what makes approvals and execution happen once.
 */
export async function transition(
  tx: Executor,
  id: number,
  from: readonly ActionState[],
  to: ActionState,
  now: Date,
  extra: Partial<NewAccountAction> = {},
): Promise<AccountActionRow | undefined> {
  const [row] = await tx
    .update(accountActions)
    .set({ ...extra, state: to, updatedAt: now })
    .where(and(eq(accountActions.id, id), inArray(accountActions.state, [...from])))
    .returning();
  return row;
}

/**
 * Moves a request that is still waiting and has not expired by `now` to `to`: `denied`, `approved` (the last stage),
 * or `pending_approval` itself (a stage before the last), which takes the row's lock so that a decision and the
 * expiry cannot both happen. Answers undefined when the request was decided, expired or swept in the meantime.
 */
export async function transitionUnexpired(
  tx: Executor,
  id: number,
  to: 'pending_approval' | 'approved' | 'denied',
  now: Date,
): Promise<AccountActionRow | undefined> {
  const [row] = await tx
    .update(accountActions)
    .set({ state: to, updatedAt: now })
    .where(
      and(
        eq(accountActions.id, id),
        eq(accountActions.state, 'pending_approval'),
        or(isNull(accountActions.expiresAt), gt(accountActions.expiresAt, now)),
      ),
    )
    .returning();
  return row;
}

/** Claims an approved action for execution (or one stuck in `executing` since before `staleBefore`). */
export async function claimForExecution(
  tx: Executor,
  id: number,
  now: Date,
  staleBefore?: Date,
): Promise<AccountActionRow | undefined> {
  const condition = staleBefore
    ? or(
        eq(accountActions.state, 'approved'),
        and(eq(accountActions.state, 'executing'), lt(accountActions.updatedAt, staleBefore)),
      )
    : eq(accountActions.state, 'approved');
  const [row] = await tx
    .update(accountActions)
    .set({ state: 'executing', updatedAt: now, attempts: sql`${accountActions.attempts} + 1` })
    .where(and(eq(accountActions.id, id), condition))
    .returning();
  return row;
}

export async function setActionMessages(
  db: Executor,
  id: number,
  messages: Partial<
    Pick<NewAccountAction, 'approvalChannel' | 'approvalTs' | 'requesterChannel' | 'requesterTs'>
  >,
): Promise<void> {
  await db.update(accountActions).set(messages).where(eq(accountActions.id, id));
}

export async function insertApprovalStages(
  tx: Executor,
  actionId: number,
  stages: { roles: string[]; label: string }[],
): Promise<void> {
  if (stages.length === 0) return;
  await tx.insert(approvals).values(
    stages.map((stage, index) => ({
      actionId,
      stage: index + 1,
      requiredRole: stage.roles.join(','),
      label: stage.label,
    })),
  );
}

export async function approvalsOf(db: Executor, actionId: number): Promise<ApprovalRow[]> {
  return db.select().from(approvals).where(eq(approvals.actionId, actionId)).orderBy(asc(approvals.stage));
}

/** Records a decision on a stage that has none yet; undefined when it was decided already (double click, race). */
export async function decideStage(
  tx: Executor,
  input: {
    actionId: number;
    stage: number;
    approverId: string;
    decision: 'approved' | 'denied';
    reason?: string;
    now: Date;
  },
): Promise<ApprovalRow | undefined> {
  const [row] = await tx
    .update(approvals)
    .set({
      approverId: input.approverId,
      decision: input.decision,
      reason: input.reason ?? null,
      decidedAt: input.now,
    })
    .where(
      and(
        eq(approvals.actionId, input.actionId),
        eq(approvals.stage, input.stage),
        isNull(approvals.decision),
      ),
    )
    .returning();
  return row;
}

export async function dueForExpiry(db: Executor, now: Date): Promise<AccountActionRow[]> {
  return db
    .select()
    .from(accountActions)
    .where(and(eq(accountActions.state, 'pending_approval'), lte(accountActions.expiresAt, now)))
    .limit(100);
}

/** Actions approved but not executing, or executing for too long (the process died): execution is picked up again. */
export async function strandedActions(
  db: Executor,
  approvedBefore: Date,
  executingBefore: Date,
): Promise<AccountActionRow[]> {
  return db
    .select()
    .from(accountActions)
    .where(
      or(
        and(eq(accountActions.state, 'approved'), lt(accountActions.updatedAt, approvedBefore)),
        and(eq(accountActions.state, 'executing'), lt(accountActions.updatedAt, executingBefore)),
      ),
    )
    .limit(50);
}

export async function insertAuditEvent(tx: Executor, event: NewAuditEvent): Promise<void> {
  await tx.insert(auditEvents).values(event);
}

export async function auditTrailOf(db: Executor, customerId: string, limit = 30): Promise<AuditEventRow[]> {
  return db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.customerId, customerId))
    .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
    .limit(limit);
}

export async function pendingActions(db: Executor, limit = 50): Promise<AccountActionRow[]> {
  return db
    .select()
    .from(accountActions)
    .where(eq(accountActions.state, 'pending_approval'))
    .orderBy(desc(accountActions.createdAt))
    .limit(limit);
}
