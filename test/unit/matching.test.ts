import { describe, expect, it } from 'vitest';
import type { Category } from '../../src/domain/escalation.js';
import {
  DEFAULT_MATCHING_THRESHOLDS,
  type MatchCandidate,
  rankMatches,
  scoreCandidates,
} from '../../src/domain/matching.js';
import { extractSignals, mergeSignals, NO_SIGNALS } from '../../src/domain/text.js';
import { matchingFixtures } from '../fixtures/matching/load.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const DAY_MS = 86_400_000;

function candidate(overrides: Partial<MatchCandidate> & Pick<MatchCandidate, 'problemId'>): MatchCandidate {
  return {
    title: 'Invoices show the wrong billing address after the customer updates it',
    symptoms: 'The PDF keeps the old address; settings show the new one.',
    linkedTexts: [],
    category: 'invoice_discrepancy',
    signals: NO_SIGNALS,
    lastActivityAt: NOW,
    ...overrides,
  };
}

const confidenceOf = (
  query: Parameters<typeof scoreCandidates>[0],
  candidates: MatchCandidate[],
  id: number,
) => scoreCandidates(query, candidates, NOW).find((evidence) => evidence.problemId === id)?.confidence ?? 0;

describe('what moves a match’s confidence', () => {
  const text = 'Renewal payment declined again, customer says the card is fine';
  const base = candidate({
    problemId: 1,
    title: 'Renewal payments declined for cards issued in India',
    symptoms: 'Renewals fail with a decline although the card works elsewhere.',
    category: 'payment_failed',
  });
  const others = [
    candidate({ problemId: 2 }),
    candidate({ problemId: 3, title: 'Tax missing on EU invoices' }),
  ];

  it('a shared exact signal (decline code, Stripe id, invoice number) raises it', () => {
    const query = {
      text: 'Charge failed with do_not_honor',
      category: 'other' as Category,
      signals: NO_SIGNALS,
    };
    const without = confidenceOf(query, [base, ...others], 1);
    const withSignal = confidenceOf(
      { ...query, signals: extractSignals(query.text) },
      [{ ...base, signals: mergeSignals(extractSignals('do_not_honor')) }, ...others],
      1,
    );
    expect(withSignal).toBeGreaterThan(without + 0.1);
  });

  it('the same category raises it, a different one does not filter the problem out', () => {
    const same = confidenceOf(
      { text, category: 'payment_failed', signals: NO_SIGNALS },
      [base, ...others],
      1,
    );
    const other = confidenceOf({ text, category: 'refund', signals: NO_SIGNALS }, [base, ...others], 1);
    expect(same).toBeGreaterThan(other);
    expect(other).toBeGreaterThan(0);
  });

  it('a problem nobody has touched for months counts for less than one active today', () => {
    const query = { text, category: 'payment_failed' as Category, signals: NO_SIGNALS };
    const active = confidenceOf(query, [base, ...others], 1);
    const idle = confidenceOf(
      query,
      [{ ...base, lastActivityAt: new Date(NOW.getTime() - 180 * DAY_MS) }, ...others],
      1,
    );
    expect(active).toBeGreaterThan(idle);
  });

  it('a how-to question counts for less than a report of a fault in the same words', () => {
    const fault = confidenceOf(
      {
        text: 'Renewal payment declined, card works elsewhere',
        category: 'payment_failed',
        signals: NO_SIGNALS,
      },
      [base, ...others],
      1,
    );
    const question = confidenceOf(
      {
        text: 'How do renewal payments work when a card is declined?',
        category: 'payment_failed',
        signals: NO_SIGNALS,
      },
      [base, ...others],
      1,
    );
    expect(fault).toBeGreaterThan(question);
  });

  it('a text that reads like a case agents passed the problem over for still sees it, never as likely, with a note', () => {
    const passedOver = {
      ...base,
      rejectedTexts: [
        'Renewal declined, the customer hit their card limit and will retry tomorrow; nothing wrong on our side',
      ],
    };
    const query = (text: string) => ({ text, category: 'payment_failed' as Category, signals: NO_SIGNALS });
    const likeRejected = query(
      'Renewal declined because the customer hit the card limit, they will retry tomorrow',
    );
    const thresholds = { possible: 0.25, likely: 0.3 };
    const plain = rankMatches(likeRejected, [base, ...others], NOW, thresholds).find(
      (m) => m.problemId === 1,
    );
    const noted = rankMatches(likeRejected, [passedOver, ...others], NOW, thresholds).find(
      (m) => m.problemId === 1,
    );
    expect(plain?.level).toBe('likely');
    expect(noted).toMatchObject({ confidence: plain?.confidence, level: 'possible' });
    expect(noted?.reasons).toContain('an agent passed this problem over for a case worded like this one');
    expect(plain?.reasons).not.toContain('an agent passed this problem over for a case worded like this one');

    // A report of the fault itself carries no note.
    const fault = query('Renewal payments declined for an Indian card that works elsewhere');
    expect(
      scoreCandidates(fault, [passedOver, ...others], NOW).find((e) => e.problemId === 1)?.passedOver,
    ).toBe(false);
    // Nor does a passed-over text that is the problem's own report word for word, asked again.
    const ownReport = `${base.title}\n${base.symptoms}`;
    const copied = { ...base, rejectedTexts: [ownReport] };
    expect(
      scoreCandidates(query(ownReport), [copied, ...others], NOW).find((e) => e.problemId === 1)?.passedOver,
    ).toBe(false);
  });

  it('shows at most three matches, most confident first, each with its reasons', () => {
    const many = Array.from({ length: 6 }, (_, index) =>
      candidate({ problemId: 10 + index, title: `Renewal payments declined in region ${index}` }),
    );
    const shown = rankMatches({ text, category: 'payment_failed', signals: NO_SIGNALS }, many, NOW, {
      possible: 0,
      likely: 1,
    });
    expect(shown).toHaveLength(3);
    expect(shown.map((match) => match.confidence)).toEqual(
      [...shown.map((match) => match.confidence)].sort((a, b) => b - a),
    );
    for (const match of shown) expect(match.reasons.length).toBeGreaterThan(0);
  });
});

/**
 * The labelled set, scored by the domain alone against every problem (the database only narrows the candidates):
 * a guard that a change to the scoring does not lose quality unnoticed. `npm run bench -- matching` measures the
 * whole path, and the held-out set, at every threshold.
 */
describe('quality on the labelled set (domain only, titles and symptoms)', () => {
  const problems = matchingFixtures.problems();
  const escalations = matchingFixtures.escalations();
  const candidates: MatchCandidate[] = problems.map((problem, index) => ({
    problemId: index + 1,
    title: problem.title,
    symptoms: problem.symptoms,
    linkedTexts: [],
    category: problem.category,
    signals: extractSignals(
      `${problem.title} ${problem.symptoms} ${Object.values(problem.signals ?? {}).join(' ')}`,
    ),
    lastActivityAt: new Date(NOW.getTime() - (problem.startedDaysAgo ?? 10) * DAY_MS),
  }));
  const idOf = new Map(problems.map((problem, index) => [problem.id, index + 1]));
  const results = escalations.map((escalation) => {
    const text = `${escalation.summary}\n${escalation.details}`;
    return {
      truth: escalation.problemId ? idOf.get(escalation.problemId) : undefined,
      shown: rankMatches(
        { text, category: escalation.category, signals: extractSignals(text) },
        candidates,
        NOW,
        DEFAULT_MATCHING_THRESHOLDS,
      ),
    };
  });
  const linked = results.filter((result) => result.truth !== undefined);
  const unrelated = results.filter((result) => result.truth === undefined);

  it('keeps recall@3, precision@1 and the false-match rate at the shown threshold where they were measured', () => {
    const recall =
      linked.filter((result) => result.shown.some((match) => match.problemId === result.truth)).length /
      linked.length;
    const withMatch = linked.filter((result) => result.shown.length > 0);
    const precision =
      withMatch.filter((result) => result.shown[0]?.problemId === result.truth).length / withMatch.length;
    const falseMatch = unrelated.filter((result) => result.shown.length > 0).length / unrelated.length;
    // Measured when this guard was written: 0.808, 0.937 and 0.306. The targets (0.90, 0.80, 0.05) are not
    // all met; the bench says which.
    expect(recall).toBeGreaterThanOrEqual(0.8);
    expect(precision).toBeGreaterThanOrEqual(0.93);
    expect(falseMatch).toBeLessThanOrEqual(0.31);
  });
});
