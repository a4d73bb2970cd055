import { eq } from 'drizzle-orm';
import type { Database } from '../../src/db/client.js';
import { addLinkedCaseText, insertProblem } from '../../src/db/repositories/problems.js';
import { problems } from '../../src/db/schema/index.js';
import type { Category } from '../../src/domain/escalation.js';
import { extractSignals } from '../../src/domain/text.js';

/** A known, confirmed problem (as triage would leave it), optionally with earlier linked case texts. */
export async function seedKnownProblem(
  db: Database,
  problem: {
    title: string;
    symptoms: string;
    category: Category;
    workaround?: string;
    kind?: 'bug' | 'incident';
    linkedTexts?: string[];
    now?: Date;
  },
): Promise<number> {
  const now = problem.now ?? new Date();
  const row = await insertProblem(db, {
    title: problem.title,
    symptoms: problem.symptoms,
    category: problem.category,
    createdBy: 'U0SBXENG',
    signals: extractSignals(`${problem.title} ${problem.symptoms}`),
    now,
  });
  await db
    .update(problems)
    .set({ status: 'open', kind: problem.kind ?? 'bug', workaround: problem.workaround ?? null })
    .where(eq(problems.id, row.id));
  for (const text of problem.linkedTexts ?? [])
    await addLinkedCaseText(db, row.id, { text, signals: extractSignals(text), now });
  return row.id;
}
