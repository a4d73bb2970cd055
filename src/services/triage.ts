import type { Button } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Settings } from '../config.js';
import type { Database } from '../db/client.js';
import { latestClassification } from '../db/repositories/incidents.js';
import { getProblem, linkedEscalations, problemImpact, setTriageCard } from '../db/repositories/problems.js';
import type { Category } from '../domain/escalation.js';
import { problemRef } from '../domain/escalation.js';
import type { JobDefinition } from '../jobs/queue.js';
import { postOnce } from '../jobs/slack-post.js';
import { triageCard } from '../views/escalation.js';
import { classificationLine, triageButtons } from '../views/incident.js';

/**
 * Keeps a problem's card in the incidents channel current: posted once when the problem is reported, edited in place
 * (`chat.update`) whenever its facts change. Runs as a durable job so a Slack hiccup only delays it.
 */
export const SYNC_TRIAGE_CARD_JOB = 'problems.sync-triage-card';

export interface TriageCardDeps {
  db: Database;
  slack: WebClient;
  settings: Settings;
  /** Buttons later features put on the card (classify, assess, …). */
  problemActions?: (problem: NonNullable<Awaited<ReturnType<typeof getProblem>>>) => Button[];
}

/** Whether a sync may post a card the problem does not have yet, or only edit the one it has. */
export interface TriageCardSync {
  /**
   * Only edit an existing card (a case linking to a known problem): a problem that never had a card, such as one
   * confirmed outside the triage board, gets none, so linking notifies no engineer.
   */
  editOnly?: boolean;
}

export async function syncTriageCard(
  deps: TriageCardDeps,
  problemId: number,
  { editOnly = false }: TriageCardSync = {},
): Promise<void> {
  const problem = await getProblem(deps.db, problemId);
  if (!problem) return;
  if (editOnly && !(problem.triageChannel && problem.triageTs)) return;
  const [impact, escalations, classification] = await Promise.all([
    problemImpact(deps.db, problemId),
    linkedEscalations(deps.db, problemId, 11),
    latestClassification(deps.db, problemId),
  ]);
  const notes = [
    ...(classification ? [classificationLine(classification)] : []),
    ...(problem.mergedIntoId
      ? [`Merged into ${problemRef(problem.mergedIntoId)}; its cases follow that problem now.`]
      : []),
  ];
  const card = triageCard({
    problem: { ...problem, category: problem.category as Category },
    impact,
    escalations,
    // Classify and Merge into… (incidents), then whatever later features add.
    actions: [...triageButtons(problem), ...(deps.problemActions?.(problem) ?? [])],
    notes,
  });
  if (problem.triageChannel && problem.triageTs) {
    await deps.slack.chat.update({ channel: problem.triageChannel, ts: problem.triageTs, ...card });
    return;
  }
  const channel = deps.settings.channels.incidents;
  const ts = await postOnce(deps.db, deps.slack, { key: `triage-card:${problemId}`, channel, ...card });
  await setTriageCard(deps.db, problemId, { channel, ts });
}

const syncJobSchema = z.object({ problemId: z.number().int().positive(), editOnly: z.boolean().optional() });
export type SyncTriageCardJob = z.infer<typeof syncJobSchema>;

export function syncTriageCardJob(deps: TriageCardDeps): JobDefinition<SyncTriageCardJob> {
  return {
    name: SYNC_TRIAGE_CARD_JOB,
    schema: syncJobSchema,
    retryLimit: 8,
    retryDelaySeconds: 2,
    expireInSeconds: 120,
    handler: ({ problemId, editOnly }) => syncTriageCard(deps, problemId, { editOnly: editOnly ?? false }),
  };
}
