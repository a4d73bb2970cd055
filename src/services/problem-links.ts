import type { Settings } from '../config.js';
import type { Executor } from '../db/client.js';
import { forgetPassedOver } from '../db/repositories/problems.js';
import type { JobQueue } from '../jobs/queue.js';
import { checkLargeImpact, sendDecisionToLinked } from './assessment.js';
import { recomputePriority } from './priority.js';
import { enqueueRcaSync } from './rca.js';
import { confirmIfAlreadyReleased } from './resolution.js';

interface FollowUpDeps {
  jobs: JobQueue;
  settings: Settings;
  now: () => Date;
}

/**
 * Who a problem hurts changed (a case joined it, or a customer's facts changed), in the caller's transaction: the
 * problem is ranked again, its RCA ticket hears about the new facts, and marketing is told when the impact became
 * large.
 */
export async function afterImpactChanged(tx: Executor, deps: FollowUpDeps, problemId: number): Promise<void> {
  await recomputePriority(tx, deps.settings, problemId, deps.now());
  await enqueueRcaSync(tx, deps.jobs, problemId);
  await checkLargeImpact(tx, deps, problemId);
}

/**
 * What follows when an escalation joins a problem (a link, or the first case of a new problem), in the same
 * transaction: everything a change of impact brings; a case joining an assessed problem gets the release decision
 * the other requesters got; a case joining after the fix is out is asked for the customer's confirmation.
 */
export async function afterEscalationLinked(
  tx: Executor,
  deps: FollowUpDeps,
  { problemId, escalationId }: { problemId: number; escalationId: number },
): Promise<void> {
  await afterEscalationsJoined(tx, deps, { problemId, escalationIds: [escalationId] });
}

/** The same for several cases at once (a merge moves them all): the problem is ranked again once. */
export async function afterEscalationsJoined(
  tx: Executor,
  deps: FollowUpDeps,
  { problemId, escalationIds }: { problemId: number; escalationIds: number[] },
): Promise<void> {
  // A case that joins a problem it was once passed over for (a merge) stops counting against it.
  await forgetPassedOver(tx, { problemId, escalationIds });
  await afterImpactChanged(tx, deps, problemId);
  for (const escalationId of escalationIds) {
    await sendDecisionToLinked(tx, deps, { problemId, escalationId });
    await confirmIfAlreadyReleased(tx, deps, problemId, escalationId);
  }
}
