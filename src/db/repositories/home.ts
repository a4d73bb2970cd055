import { sql } from 'drizzle-orm';
import type {
  HomeActionRequest,
  HomeApproval,
  HomeAssessment,
  HomeEscalation,
  HomeIncident,
  HomeProblem,
} from '../../domain/home.js';
import { ACTION_FINISHED_STATES, ACTIVE_INCIDENT_STATES } from '../../domain/metrics.js';
import { type Executor, queryRows } from '../client.js';

export type { HomeActionRequest, HomeApproval, HomeAssessment, HomeEscalation, HomeIncident, HomeProblem };

/** The reads behind App Home: small, indexed, limited lists for one viewer. */

const textList = (values: readonly string[]) =>
  sql`(${sql.join(
    values.map((value) => sql`${value}`),
    sql`, `,
  )})`;

const textArray = (values: readonly string[]) =>
  sql`[${sql.join(
    values.map((value) => sql`${value}`),
    sql`, `,
  )}]`;

const toDate = (value: Date | string | null): Date | null =>
  value === null ? null : value instanceof Date ? value : new Date(value);

/** The requester's escalations that are not closed, newest first. */
export async function openEscalationsOf(db: Executor, userId: string, limit = 15): Promise<HomeEscalation[]> {
  const rows = await queryRows<{
    id: number;
    customer_name: string;
    summary: string;
    category: string;
    priority: string;
    status: string;
    created_at: Date | string;
    problem_id: number | null;
    problem_title: string | null;
    problem_status: string | null;
    problem_kind: string | null;
    incident_state: string | null;
  }>(
    db,
    sql`select e.id, e.customer_name, e.summary, e.category, e.priority, e.status, e.created_at, e.problem_id,
          p.title as problem_title, p.status as problem_status, p.kind as problem_kind, i.state as incident_state
        from escalations e
          left join problems p on p.id = e.problem_id
          left join incidents i on i.problem_id = e.problem_id
        where e.requester_id = ${userId} and e.status <> 'closed'
        order by e.created_at desc
        limit ${limit}`,
  );
  return rows.map((row) => ({
    id: Number(row.id),
    customerName: row.customer_name,
    summary: row.summary,
    category: row.category,
    priority: row.priority,
    status: row.status,
    createdAt: toDate(row.created_at) as Date,
    problemId: row.problem_id === null ? null : Number(row.problem_id),
    problemTitle: row.problem_title,
    problemStatus: row.problem_status,
    problemKind: row.problem_kind,
    incidentState: row.incident_state,
  }));
}

/** The requester's account-action requests that have not finished (ran, failed, denied, expired or cancelled). */
export async function pendingActionRequestsOf(
  db: Executor,
  userId: string,
  limit = 10,
): Promise<HomeActionRequest[]> {
  const rows = await queryRows<{
    id: number;
    kind: string;
    customer_id: string;
    amount_minor: number | string | null;
    currency: string | null;
    state: string;
    created_at: Date | string;
    stage: number | null;
    required_role: string | null;
  }>(
    db,
    sql`select a.id, a.kind, a.customer_id, a.amount_minor, a.currency, a.state, a.created_at,
          w.stage, w.required_role
        from account_actions a
          left join lateral (
            select stage, required_role from approvals
            where action_id = a.id and decision is null order by stage limit 1
          ) w on true
        where a.requester_id = ${userId} and a.state not in ${textList(ACTION_FINISHED_STATES)}
        order by a.created_at desc
        limit ${limit}`,
  );
  return rows.map((row) => ({
    id: Number(row.id),
    kind: row.kind,
    customerId: row.customer_id,
    amountMinor: row.amount_minor === null ? null : Number(row.amount_minor),
    currency: row.currency,
    state: row.state,
    createdAt: toDate(row.created_at) as Date,
    waitingStage: row.stage === null ? null : Number(row.stage),
    waitingRole: row.required_role,
  }));
}

/**
 * Approvals a person could decide now, by the rules the account-actions feature checks on the click: undecided, for
 * a stage one of their roles may decide (a stage stores its roles comma-separated, any of them may decide), on an
 * action that is still waiting, has not expired, was not requested by them and has no stage they decided already,
 * with every earlier stage approved. Oldest first (they expire).
 */
export async function approvalsWaitingFor(
  db: Executor,
  { userId, roles, now, limit = 10 }: { userId: string; roles: readonly string[]; now: Date; limit?: number },
): Promise<HomeApproval[]> {
  if (roles.length === 0) return [];
  const rows = await queryRows<{
    action_id: number;
    stage: number;
    required_role: string;
    kind: string;
    customer_id: string;
    amount_minor: number | string | null;
    currency: string | null;
    reason: string;
    requester_id: string;
    created_at: Date | string;
    expires_at: Date | string | null;
  }>(
    db,
    sql`select ap.action_id, ap.stage, ap.required_role, a.kind, a.customer_id, a.amount_minor, a.currency,
          a.reason, a.requester_id, ap.created_at, a.expires_at
        from approvals ap join account_actions a on a.id = ap.action_id
        where ap.decision is null
          and string_to_array(replace(ap.required_role, ' ', ''), ',') && array${textArray(roles)}::text[]
          and a.requester_id <> ${userId}
          and a.state not in ${textList(ACTION_FINISHED_STATES)}
          and (a.expires_at is null or a.expires_at > ${now.toISOString()}::timestamptz)
          and not exists (
            select 1 from approvals mine where mine.action_id = ap.action_id and mine.approver_id = ${userId}
          )
          and not exists (
            select 1 from approvals earlier
            where earlier.action_id = ap.action_id and earlier.stage < ap.stage
              and (earlier.decision is null or earlier.decision <> 'approved')
          )
        order by ap.created_at
        limit ${limit}`,
  );
  return rows.map((row) => ({
    actionId: Number(row.action_id),
    stage: Number(row.stage),
    requiredRole: row.required_role,
    kind: row.kind,
    customerId: row.customer_id,
    amountMinor: row.amount_minor === null ? null : Number(row.amount_minor),
    currency: row.currency,
    reason: row.reason,
    requesterId: row.requester_id,
    requestedAt: toDate(row.created_at) as Date,
    expiresAt: toDate(row.expires_at),
  }));
}

/**
 * The open problems that hurt most (by priority score), with their RCA ticket and the engineering assessment as
 * last saved (`problem_assessments`, written by the assessment feature): its release decision, severity and
 * fix version.
 */
export async function topProblems(db: Executor, limit = 10): Promise<HomeProblem[]> {
  const rows = await queryRows<{
    id: number;
    title: string;
    status: string;
    kind: string | null;
    priority_score: number;
    priority_explanation: string[] | string;
    jira_key: string | null;
    rca_status: string | null;
    decision: string | null;
    severity: string | null;
    fix_version: string | null;
    revision: number | null;
    assessed_at: Date | string | null;
    linked: number | string;
  }>(
    db,
    sql`select p.id, p.title, p.status, p.kind, p.priority_score, p.priority_explanation,
          r.jira_key, r.status as rca_status,
          pa.decision, pa.severity, pa.fix_version, pa.revision, pa.updated_at as assessed_at,
          (select count(*) from escalations e where e.problem_id = p.id) as linked
        from (
          select * from problems
          where status not in ('closed', 'merged', 'resolved') and merged_into_id is null
          order by priority_score desc, created_at, id
          limit ${limit}
        ) p
          left join rca_tickets r on r.problem_id = p.id
          left join problem_assessments pa on pa.problem_id = p.id
        order by p.priority_score desc, p.created_at, p.id`,
  );
  return rows.map((row) => ({
    id: Number(row.id),
    title: row.title,
    status: row.status,
    kind: row.kind,
    priorityScore: Number(row.priority_score),
    priorityExplanation:
      typeof row.priority_explanation === 'string'
        ? (JSON.parse(row.priority_explanation) as string[])
        : row.priority_explanation,
    rcaKey: row.jira_key,
    rcaStatus: row.rca_status,
    assessment:
      row.decision === null
        ? null
        : {
            decision: row.decision,
            severity: row.severity ?? '',
            fixVersion: row.fix_version,
            revision: Number(row.revision ?? 1),
            assessedAt: toDate(row.assessed_at) as Date,
          },
    linkedEscalations: Number(row.linked),
  }));
}

export async function activeIncidents(db: Executor, limit = 10): Promise<HomeIncident[]> {
  const rows = await queryRows<{
    id: number;
    problem_id: number;
    public_title: string;
    severity: string;
    state: string;
    created_at: Date | string;
    last_update_at: Date | string | null;
  }>(
    db,
    sql`select id, problem_id, public_title, severity, state, created_at, last_update_at
        from incidents where state in ${textList(ACTIVE_INCIDENT_STATES)}
        order by created_at desc limit ${limit}`,
  );
  return rows.map((row) => ({
    id: Number(row.id),
    problemId: Number(row.problem_id),
    publicTitle: row.public_title,
    severity: row.severity,
    state: row.state,
    createdAt: toDate(row.created_at) as Date,
    lastUpdateAt: toDate(row.last_update_at),
  }));
}
