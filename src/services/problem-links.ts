import type { Settings } from '../config.js';
import type { Executor } from '../db/client.js';
import type { JobQueue } from '../jobs/queue.js';
import { checkLargeImpact } from './assessment.js';
import { recomputePriority } from './priority.js';
import { enqueueRcaSync } from './rca.js';
import { confirmIfAlreadyReleased } from './resolution.js';

/**
 * What follows when an escalation joins a problem (a link, or the first case of a new problem), in the same
 * transaction: the problem is ranked again, its RCA ticket hears about the new facts, marketing is told when the
 * impact became large, and a case joining after the fix is out is asked for the customer's confirmation.
 */
export async function afterEscalationLinked(
  tx: Executor,
  deps: { jobs: JobQueue; settings: Settings; now: () => Date },
  { problemId, escalationId }: { problemId: number; escalationId: number },
): Promise<void> {
  await recomputePriority(tx, deps.settings, problemId, deps.now());
  await enqueueRcaSync(tx, deps.jobs, problemId);
  await checkLargeImpact(tx, deps, problemId);
  await confirmIfAlreadyReleased(tx, deps, problemId, escalationId);
}
