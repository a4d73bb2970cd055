import { sql } from 'drizzle-orm';
import { type DatabaseHandle, openDatabase, queryRows } from '../src/db/client.js';
import {
  addLinkedCaseText,
  insertProblem,
  refreshProblemTermStats,
} from '../src/db/repositories/problems.js';
import { problems } from '../src/db/schema/index.js';
import { CATEGORIES } from '../src/domain/escalation.js';
import { DEFAULT_MATCHING_THRESHOLDS } from '../src/domain/matching.js';
import { extractSignals, mergeSignals } from '../src/domain/text.js';
import { findKnownProblems } from '../src/services/matching.js';
import { type FixtureEscalation, matchingFixtures } from '../test/fixtures/matching/load.js';
import { eventually, openEscalationForm, startTestApp } from '../test/support/app.js';
import { seedKnownProblem } from '../test/support/seed.js';
import { heading, line, ms, summary } from './support.js';

/**
 * Matching quality on the labelled set in test/fixtures/matching (through the same SQL and scoring the app uses),
 * and matching latency at scale on Postgres.
 *
 * Definitions, per escalation text: a match is *shown* when its confidence reaches the threshold. recall@3 = share of
 * linked texts whose problem is among the shown matches (at most three); precision@1 = among linked texts with at
 * least one shown match, the share whose first match is the right problem; false-match rate = share of unrelated
 * texts with at least one shown match.
 */

const problemsFixture = matchingFixtures.problems();
const escalationsFixture = matchingFixtures.escalations();
const holdoutFixture = matchingFixtures.holdout();
const NOW = new Date('2026-11-23T12:00:00Z');
const SHOWN = DEFAULT_MATCHING_THRESHOLDS;
const TARGETS = { recallAt3: 0.9, precisionAt1: 0.8, falseMatch: 0.05 };

const textOf = (escalation: FixtureEscalation) => `${escalation.summary}\n${escalation.details}`;

/**
 * The labelled problems, and as their linked history the given escalations (none: cold, titles and symptoms only).
 */
async function loadProblems(
  db: DatabaseHandle,
  history: readonly FixtureEscalation[],
): Promise<Map<string, number>> {
  const idOf = new Map<string, number>();
  for (const problem of problemsFixture) {
    const signals = mergeSignals(
      extractSignals(
        `${problem.title} ${problem.symptoms} ${Object.values(problem.signals ?? {}).join(' ')}`,
      ),
    );
    const row = await insertProblem(db.db, {
      title: problem.title,
      symptoms: problem.symptoms,
      category: problem.category,
      createdBy: 'U0BENCH',
      signals,
      now: new Date(NOW.getTime() - (problem.startedDaysAgo ?? 10) * 86_400_000),
    });
    await db.db.execute(
      sql`update problems set workaround = ${problem.workaround}, status = 'open' where id = ${row.id}`,
    );
    idOf.set(problem.id, row.id);
  }
  for (const escalation of history) {
    const problemId = escalation.problemId ? idOf.get(escalation.problemId) : undefined;
    if (problemId === undefined) continue;
    await addLinkedCaseText(db.db, problemId, {
      text: textOf(escalation),
      signals: extractSignals(textOf(escalation)),
      now: NOW,
    });
  }
  return idOf;
}

/** The first third of each problem's cases in the labelled set: the "already linked" history of the warm runs. */
function labelledHistory(): FixtureEscalation[] {
  const byProblem = new Map<string, FixtureEscalation[]>();
  for (const escalation of escalationsFixture) {
    if (escalation.problemId)
      byProblem.set(escalation.problemId, [...(byProblem.get(escalation.problemId) ?? []), escalation]);
  }
  return [...byProblem.values()].flatMap((linked) => linked.slice(0, Math.floor(linked.length / 3)));
}

interface QualityFigures {
  recallAt3: number;
  precisionAt1: number;
  falseMatch: number;
}

async function quality(
  label: string,
  queries: readonly FixtureEscalation[],
  history: readonly FixtureEscalation[],
): Promise<void> {
  const db = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
  await db.migrate();
  const idOf = await loadProblems(db, history);
  const results: Array<{
    truth: number | undefined;
    shown: Array<{ problemId: number; confidence: number }>;
  }> = [];
  for (const escalation of queries) {
    const matches = await findKnownProblems(db.db, {
      text: textOf(escalation),
      category: escalation.category,
      now: NOW,
      thresholds: { possible: 0, likely: 1 },
    });
    results.push({
      truth: escalation.problemId ? idOf.get(escalation.problemId) : undefined,
      shown: matches,
    });
  }
  await db.close();
  const linked = results.filter((result) => result.truth !== undefined);
  const unrelated = results.filter((result) => result.truth === undefined);
  line(`${label}: texts`, `${linked.length} linked, ${unrelated.length} unrelated`);
  const figuresAt = (threshold: number): QualityFigures => {
    const shown = (result: (typeof results)[number]) =>
      result.shown.filter((match) => match.confidence >= threshold);
    const withMatch = linked.filter((result) => shown(result).length > 0);
    return {
      recallAt3:
        linked.filter((result) => shown(result).some((match) => match.problemId === result.truth)).length /
        linked.length,
      precisionAt1:
        withMatch.filter((result) => shown(result)[0]?.problemId === result.truth).length /
        Math.max(1, withMatch.length),
      falseMatch: unrelated.filter((result) => shown(result).length > 0).length / unrelated.length,
    };
  };
  const thresholds = [...new Set([0, 0.15, SHOWN.possible, 0.35, 0.5, SHOWN.likely, 0.8])].sort(
    (a, b) => a - b,
  );
  for (const threshold of thresholds) {
    const figures = figuresAt(threshold);
    const tag =
      threshold === SHOWN.possible ? ' ← shown (possible)' : threshold === SHOWN.likely ? ' ← likely' : '';
    line(
      `  confidence ≥ ${threshold.toFixed(2)}${tag}`,
      `recall@3 ${figures.recallAt3.toFixed(3)}  precision@1 ${figures.precisionAt1.toFixed(3)}  false-match ${figures.falseMatch.toFixed(3)}`,
    );
  }
  // Where the false-match target would be met: the lowest threshold (in steps of 0.01) that meets it, for scale.
  const strict = Array.from({ length: 101 }, (_, step) => step / 100).find(
    (threshold) => figuresAt(threshold).falseMatch <= TARGETS.falseMatch,
  );
  if (strict !== undefined) {
    const figures = figuresAt(strict);
    line(
      `  lowest threshold with false-match ≤ ${TARGETS.falseMatch}: ${strict.toFixed(2)}`,
      `recall@3 ${figures.recallAt3.toFixed(3)}  precision@1 ${figures.precisionAt1.toFixed(3)}  false-match ${figures.falseMatch.toFixed(3)}`,
    );
  }
  const shown = figuresAt(SHOWN.possible);
  const verdict = (met: boolean) => (met ? 'met' : 'NOT met');
  line(
    '  targets at the shown threshold',
    [
      `recall@3 ≥ ${TARGETS.recallAt3}: ${verdict(shown.recallAt3 >= TARGETS.recallAt3)}`,
      `precision@1 ≥ ${TARGETS.precisionAt1}: ${verdict(shown.precisionAt1 >= TARGETS.precisionAt1)}`,
      `false-match ≤ ${TARGETS.falseMatch}: ${verdict(shown.falseMatch <= TARGETS.falseMatch)}`,
    ].join('; '),
  );
}

/** Made-up words, so generated problems have the rare vocabulary real ones have (plan names, features, places). */
function inventedWords(count: number): string[] {
  const consonants = 'bcdfghjklmnprstvz';
  const vowels = 'aeiou';
  // MINSTD: every product stays below 2^53, so the sequence is exact in floating point (a larger multiplier
  // loses precision, falls into a short cycle and never yields enough distinct words).
  let seed = 42;
  const next = (n: number) => {
    seed = (seed * 48_271) % 2_147_483_647;
    return seed % n;
  };
  const out = new Set<string>();
  while (out.size < count) {
    let word = '';
    for (let syllable = 0; syllable < 3; syllable += 1)
      word += consonants[next(17)] + (vowels[next(5)] ?? 'a');
    out.add(word + consonants[next(17)]);
  }
  return [...out];
}

/**
 * 10,000 open problems and 1,000,000 historical escalations. The labelled set's 30 problems (with a third of their
 * cases linked) are among them; the other 9,970 are about other things: their titles, symptoms and ten linked case
 * texts mix made-up product words (each shared by a handful of problems) with everyday billing words (those at least
 * three labelled problems use), so every query still meets many problems that share its common words.
 */
async function seedScale(db: DatabaseHandle): Promise<void> {
  const count = async (table: 'problems' | 'escalations') =>
    Number(
      (await queryRows<{ count: string }>(db.db, sql`select count(*) as count from ${sql.raw(table)}`))[0]
        ?.count ?? 0,
    );
  if ((await count('problems')) < 10_000) {
    await db.db.execute(sql`delete from escalations`);
    await db.db.execute(sql`delete from problems`);
    await loadProblems(db, labelledHistory());
    const made = inventedWords(20_000);
    // Everyday billing vocabulary: the words at least three of the labelled problems use (invoice, charge, renewal…),
    // not the specific words (or typos) of one problem's cases, which other problems would not share.
    const usedBy = new Map<string, Set<string>>();
    for (const problem of problemsFixture)
      for (const word of `${problem.title} ${problem.symptoms}`.toLowerCase().match(/[a-z]{3,}/g) ?? [])
        usedBy.set(word, (usedBy.get(word) ?? new Set()).add(problem.id));
    const everyday = [...usedBy].filter(([, users]) => users.size >= 3).map(([word]) => word);
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed % n;
    };
    const phrase = (inventedCount: number, everydayCount: number) => {
      const out: string[] = [];
      for (let i = 0; i < inventedCount; i += 1) out.push(made[next(made.length)] ?? 'zorv');
      for (let i = 0; i < everydayCount; i += 1)
        out.splice(next(out.length + 1), 0, everyday[next(everyday.length)] ?? 'invoice');
      return out.join(' ');
    };
    const categories = CATEGORIES;
    const filler = 10_000 - problemsFixture.length;
    for (let start = 0; start < filler; start += 250) {
      const rows = [];
      for (let g = start; g < Math.min(filler, start + 250); g += 1) {
        rows.push({
          title: phrase(4, 4),
          symptoms: phrase(18, 14),
          category: categories[g % categories.length] ?? 'other',
          status: 'open',
          createdBy: 'U0BENCH',
          searchText: Array.from({ length: 10 }, () => phrase(10, 14)).join('\n'),
          createdAt: new Date(NOW.getTime() - (g % 400) * 86_400_000),
          updatedAt: new Date(NOW.getTime() - (g % 90) * 86_400_000),
        });
      }
      await db.db.insert(problems).values(rows);
    }
  }
  if ((await count('escalations')) < 1_000_000) {
    await db.db.execute(sql`delete from escalations`);
    await db.db.execute(sql`create temporary table if not exists bench_text (kind text, n int, body text)`);
    await db.db.execute(sql`truncate bench_text`);
    const cases = escalationsFixture.map(textOf);
    for (const [index, body] of cases.entries())
      await db.db.execute(sql`insert into bench_text values ('case', ${index}, ${body})`);
    const [range] = await queryRows<{ low: number; high: number }>(
      db.db,
      sql`select min(id) as low, max(id) as high from problems`,
    );
    await db.db.execute(sql`
      insert into escalations (customer_id, customer_name, priority, category, summary, details, status, problem_id,
                               requester_id, source, customer_mrr_minor, created_at, updated_at, closed_at)
      select 'cus_bench' || (g % 50000), 'Customer ' || (g % 50000), 'p3', 'refund',
             left(c.body, 120), c.body, 'closed', ${sql.raw(String(range?.low ?? 1))} + (g % ${sql.raw(String((range?.high ?? 1) - (range?.low ?? 1) + 1))}),
             'U0BENCH', 'command', (g % 500) * 1000, now() - (g % 700) * interval '1 day', now(), now()
      from generate_series(1, 1000000) g
      join bench_text c on c.kind = 'case' and c.n = g % ${sql.raw(String(cases.length))}`);
  }
  await db.db.transaction((tx) => refreshProblemTermStats(tx));
  await db.db.execute(sql`analyze`);
}

async function latency(url: string): Promise<void> {
  const db = await openDatabase({ kind: 'postgres', url });
  await db.migrate();
  const started = Date.now();
  await seedScale(db);
  const [counts] = await queryRows<{ problems: string; escalations: string }>(
    db.db,
    sql`select (select count(*) from problems where status = 'open') as problems, (select count(*) from escalations) as escalations`,
  );
  line(
    'scale data (open problems / escalations)',
    `${counts?.problems} / ${counts?.escalations} (seeded in ${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );
  // The labelled set's problems are among the 10,000: how well the search still finds them at this scale.
  const truthOf = new Map<string, number>();
  for (const problem of problemsFixture) {
    const [row] = await queryRows<{ id: number }>(
      db.db,
      sql`select id from problems where title = ${problem.title} order by id limit 1`,
    );
    if (row) truthOf.set(problem.id, Number(row.id));
  }
  // The texts seeded as linked history are not asked again: they would find themselves.
  const history = new Set(labelledHistory().map((escalation) => escalation.id));
  const queries = escalationsFixture
    .filter((escalation) => !history.has(escalation.id))
    .map((escalation) => ({
      text: textOf(escalation),
      category: escalation.category,
      truth: escalation.problemId ? truthOf.get(escalation.problemId) : undefined,
    }));
  const thresholds = SHOWN;
  for (const query of queries.slice(0, 20))
    await findKnownProblems(db.db, { ...query, now: NOW, thresholds });
  const timings: number[] = [];
  let found = 0;
  let linked = 0;
  let falseMatches = 0;
  let unrelated = 0;
  for (const query of queries) {
    const start = performance.now();
    const matches = await findKnownProblems(db.db, { ...query, now: NOW, thresholds });
    timings.push(performance.now() - start);
    if (query.truth === undefined) {
      unrelated += 1;
      if (matches.length > 0) falseMatches += 1;
    } else {
      linked += 1;
      if (matches.some((match) => match.problemId === query.truth)) found += 1;
    }
  }
  const s = summary(timings);
  line(
    `matching latency over ${timings.length} texts (p50 / p95 / p99)`,
    `${ms(s.p50)} / ${ms(s.p95)} / ${ms(s.p99)}`,
  );
  line(
    `at this scale, confidence ≥ ${SHOWN.possible} (shown)`,
    `recall@3 ${(found / Math.max(1, linked)).toFixed(3)}  false-match ${(falseMatches / Math.max(1, unrelated)).toFixed(3)}`,
  );
  await db.close();
}

/**
 * The escalation modal's submit as Slack sends it (signed), against the running app on the embedded database with
 * the labelled set's problems: the ack time Slack waits for, and the time until the requester's card is posted.
 */
async function submitAck(): Promise<void> {
  const app = await startTestApp({ kind: 'pglite' });
  try {
    for (const problem of problemsFixture) {
      await seedKnownProblem(app.running.deps.db, {
        title: problem.title,
        symptoms: problem.symptoms,
        category: problem.category,
        ...(problem.workaround ? { workaround: problem.workaround } : {}),
      });
    }
    const user = app.people.l1;
    const dm = app.slack.dmChannel(user);
    const acks: number[] = [];
    const cards: number[] = [];
    const runs = 60;
    for (const [index, escalation] of escalationsFixture.slice(0, runs + 5).entries()) {
      const viewId = await openEscalationForm(app, user, escalation.summary);
      const before = app.slack.messages(dm).length;
      const started = performance.now();
      const submitted = await app.driver.submitView({
        user,
        viewId,
        values: {
          customer_select: { value: 'cus_DemoHalcyonFreight', text: 'Halcyon Freight Systems' },
          category_select: escalation.category,
          details_input: escalation.details,
        },
      });
      await eventually(() => app.slack.messages(dm).length > before, 20_000);
      if (index < 5) continue; // warm-up
      acks.push(submitted.elapsedMs);
      cards.push(performance.now() - started);
    }
    const ack = summary(acks);
    const card = summary(cards);
    line(
      `modal submit ack over ${acks.length} submits (p50 / p95 / p99)`,
      `${ms(ack.p50)} / ${ms(ack.p95)} / ${ms(ack.p99)}`,
    );
    line('submit → card posted (p50 / p95)', `${ms(card.p50)} / ${ms(card.p95)}`);
  } finally {
    await app.stop();
  }
}

export async function matchingBench(): Promise<void> {
  heading('Escalation modal submit (signed view_submission, embedded database, labelled set problems)');
  await submitAck();
  heading('Matching quality on the labelled set (test/fixtures/matching)');
  const history = labelledHistory();
  const historyIds = new Set(history.map((escalation) => escalation.id));
  await quality('labelled set, cold (titles and symptoms only)', escalationsFixture, []);
  await quality(
    'labelled set, warm (a third of each problem’s cases already linked)',
    escalationsFixture.filter((escalation) => !historyIds.has(escalation.id)),
    history,
  );
  await quality('held-out set, cold', holdoutFixture, []);
  await quality(
    'held-out set, warm (every labelled case already linked)',
    holdoutFixture,
    escalationsFixture.filter((escalation) => escalation.problemId !== null),
  );
  const url = process.env.BENCH_DATABASE_URL;
  heading('Matching latency with 10,000 open problems and 1,000,000 escalations (Postgres)');
  if (!url) {
    line('skipped', 'set BENCH_DATABASE_URL to a Postgres database (its data is replaced)');
    return;
  }
  await latency(url);
}
