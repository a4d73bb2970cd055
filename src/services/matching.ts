import type { Executor } from '../db/client.js';
import { findMatchCandidates, problemSummaries } from '../db/repositories/problems.js';
import type { Category } from '../domain/escalation.js';
import {
  type MatchCandidate,
  type MatchingThresholds,
  type RankedMatch,
  rankMatches,
} from '../domain/matching.js';
import { extractSignals, words } from '../domain/text.js';

/** What an agent sees of a known problem next to a match. */
export interface KnownProblemMatch extends RankedMatch {
  title: string;
  kind: string | null;
  status: string;
  workaround: string | null;
  linkedCustomers: number;
}

const CANDIDATE_LIMIT = 40;

/** Known open problems that look like this text, best first (at most three), with what the card shows of each. */
export async function findKnownProblems(
  db: Executor,
  {
    text,
    category,
    now,
    thresholds,
  }: { text: string; category: Category; now: Date; thresholds: MatchingThresholds },
): Promise<KnownProblemMatch[]> {
  // Shorthand spelled out (inv → invoice) before the database stems the words.
  const rows = await findMatchCandidates(db, { text: words(text).join(' '), limit: CANDIDATE_LIMIT });
  const candidates: MatchCandidate[] = rows.map((row) => ({
    problemId: row.id,
    title: row.title,
    symptoms: row.symptoms,
    linkedTexts: row.searchText.split('\n').filter(Boolean).slice(0, 30),
    category: row.category as Category,
    signals: row.signals,
    lastActivityAt: row.updatedAt,
    rejectedTexts: row.rejectedTexts,
  }));
  const ranked = rankMatches({ text, category, signals: extractSignals(text) }, candidates, now, thresholds);
  if (ranked.length === 0) return [];
  const details = await problemSummaries(
    db,
    ranked.map((match) => match.problemId),
  );
  const byId = new Map(details.map((row) => [row.id, row]));
  return ranked.flatMap((match) => {
    const row = byId.get(match.problemId);
    if (!row) return [];
    return [
      {
        ...match,
        title: row.title,
        kind: row.kind,
        status: row.status,
        workaround: row.workaround,
        linkedCustomers: row.linkedCustomers,
      },
    ];
  });
}
