import { z } from 'zod';
import type { Executor } from '../db/client.js';
import { requestersOfProblem } from '../db/repositories/escalations.js';
import {
  activeIncidents,
  approvalsWaitingFor,
  openEscalationsOf,
  pendingActionRequestsOf,
  topProblems,
} from '../db/repositories/home.js';
import { periodFigures } from '../db/repositories/metrics.js';
import type { Deps } from '../deps.js';
import { approverRoles, homeSections } from '../domain/home.js';
import type { ReportPeriod } from '../domain/metrics.js';
import { InOrder } from '../in-order.js';
import type { JobDefinition, JobQueue } from '../jobs/queue.js';
import { type HomeModel, homeView } from '../views/home.js';

/**
 * App Home, rendered from the database for one viewer by the roles they hold, and published with `views.publish`
 * when they open it and whenever something that concerns them changes. Other features call {@link refreshHome} (or
 * enqueue {@link HOME_REFRESH_JOB} in their transaction) after such a change.
 */
export type HomeDeps = Pick<Deps, 'db' | 'directory' | 'now' | 'logger'> & {
  integrations: Pick<Deps['integrations'], 'slack'>;
  config?: Pick<Deps['config'], 'publicUrl'>;
};

/** The current UTC day, as a period the figures can be computed over. */
function today(now: Date): ReportPeriod {
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  return { month: from.toISOString().slice(0, 10), from, to: new Date(from.getTime() + 86_400_000) };
}

/** How many of a person's open escalations and waiting approvals App Home lists (the newest, the oldest first). */
export const HOME_LISTS = { escalations: 15, approvals: 10, problems: 10, incidents: 10 } as const;

export async function homeModel(deps: HomeDeps, userId: string): Promise<HomeModel> {
  const roles = await deps.directory.rolesOf(userId);
  const roleSections = homeSections(roles);
  const deciding = approverRoles(roles);
  const now = deps.now();
  const { db } = deps;
  // One more than is shown, to know whether the list goes on.
  const [escalationRows, actionRequests, approvalRows, figures, problemRows, incidentRows] =
    await Promise.all([
      roleSections.agent ? openEscalationsOf(db, userId, HOME_LISTS.escalations + 1) : [],
      roleSections.agent ? pendingActionRequestsOf(db, userId) : [],
      deciding.length > 0
        ? approvalsWaitingFor(db, { userId, roles: deciding, now, limit: HOME_LISTS.approvals + 1 })
        : [],
      roleSections.figures ? periodFigures(db, today(now)) : null,
      roleSections.engineer ? topProblems(db, HOME_LISTS.problems + 1) : [],
      activeIncidents(db, HOME_LISTS.incidents + 1),
    ]);
  const escalations = escalationRows.slice(0, HOME_LISTS.escalations);
  const approvals = approvalRows.slice(0, HOME_LISTS.approvals);
  const problems = problemRows.slice(0, HOME_LISTS.problems);
  const incidents = incidentRows.slice(0, HOME_LISTS.incidents);
  const sections = { ...roleSections, approver: roleSections.approver || approvals.length > 0 };
  return {
    userId,
    roles,
    sections,
    now,
    escalations,
    moreEscalations: escalationRows.length > escalations.length,
    actionRequests,
    approvals,
    moreApprovals: approvalRows.length > approvals.length,
    today: figures,
    problems,
    moreProblems: problemRows.length > problems.length,
    incidents,
    moreIncidents: incidentRows.length > incidents.length,
    ...(deps.config?.publicUrl ? { statusPageUrl: `${deps.config.publicUrl}/status` } : {}),
  };
}

/** Refreshes per database (one per app), by person. */
const homeRefreshes = new WeakMap<object, InOrder>();

/**
 * Renders and publishes one person's App Home. Safe to call at any time; the latest state wins: refreshes of one
 * person run one after another (a render that began earlier cannot be published after a later one), and a call
 * while one is still waiting to start joins it, since that one will read the state as it is when it starts. Across
 * instances two refreshes can still cross; the next change publishes again.
 */
export function refreshHome(deps: HomeDeps, userId: string): Promise<void> {
  let refreshes = homeRefreshes.get(deps.db);
  if (!refreshes) {
    refreshes = new InOrder();
    homeRefreshes.set(deps.db, refreshes);
  }
  return refreshes.run(
    userId,
    async () => {
      const view = homeView(await homeModel(deps, userId));
      await deps.integrations.slack.views.publish({ user_id: userId, view });
    },
    { join: true },
  );
}

/** Refreshes several people's App Home; one failure does not stop the others (it is logged). */
export async function refreshHomes(deps: HomeDeps, userIds: readonly string[]): Promise<void> {
  for (const userId of new Set(userIds)) {
    try {
      await refreshHome(deps, userId);
    } catch (error) {
      deps.logger.warn({ err: error, userId }, 'could not refresh App Home');
    }
  }
}

/** Durable refresh, for features that want it to happen after their transaction commits. */
export const HOME_REFRESH_JOB = 'home.refresh';

/** The most people one refresh job takes (its schema's bound). */
const HOME_REFRESH_BATCH = 100;

/**
 * Queues App Home refreshes for the people a problem's change concerns: whoever raised one of its escalations (what
 * their case waits for changed) and `also` (an owner, the engineers). In the caller's transaction, so the refresh
 * runs once the change it shows is committed; anyone else sees it the next time they open their Home.
 */
export async function problemHomesChanged(
  tx: Executor,
  jobs: JobQueue,
  problemId: number,
  also: readonly string[] = [],
): Promise<void> {
  const userIds = [...new Set([...(await requestersOfProblem(tx, problemId)), ...also])];
  for (let start = 0; start < userIds.length; start += HOME_REFRESH_BATCH)
    await jobs.enqueue(tx, HOME_REFRESH_JOB, { userIds: userIds.slice(start, start + HOME_REFRESH_BATCH) });
}

export function homeRefreshJob(deps: HomeDeps): JobDefinition<{ userIds: string[] }> {
  return {
    name: HOME_REFRESH_JOB,
    schema: z.object({
      userIds: z
        .array(z.string().regex(/^[UW][A-Z0-9]+$/))
        .min(1)
        .max(100),
    }),
    retryLimit: 3,
    retryDelaySeconds: 5,
    expireInSeconds: 60,
    handler: async ({ userIds }) => {
      for (const userId of new Set(userIds)) await refreshHome(deps, userId);
    },
  };
}
