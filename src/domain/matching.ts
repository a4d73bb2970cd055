import { distance } from 'fastest-levenshtein';
import type { Category } from './escalation.js';
import { type TextSignals, terms, textCues } from './text.js';

/**
 * Scoring an escalation against known open problems.
 *
 * The database finds candidates (full-text and trigram search over each problem's title, symptoms and the texts of
 * the escalations already linked to it); this module decides how alike each candidate is. Terms are weighted by how
 * rare they are among the candidates (a word every billing text shares says little), a misspelt word is read as the
 * candidates' word one edit away, and the evidence is combined into a confidence between 0 and 1:
 *   - how much of what the agent wrote the problem explains (coverage), and how much of the problem's title the
 *     text touches (title coverage) — a match has to go both ways;
 *   - the single best-fitting passage (the problem's symptoms or one earlier case), so a problem with many linked
 *     cases does not win by sheer size;
 *   - the same category, the same exact signal (a decline code, a Stripe id, an invoice number), recent activity;
 *   - how far the best candidate stands above the second;
 *   - whether the text asks how something works (less likely a new case of a known fault) or reports a fault.
 * Agents teach it too: when a case's card showed a problem and the agent reported a new problem instead, that case's
 * text is kept against the problem. A later text that reads more like one of those than like anything the problem is
 * known by (its report, its linked cases) still sees the problem, but never as likely, and is told that an agent
 * passed it over for a case like this. (Hiding it instead cut false matches about as much as it cut recall on the
 * labelled set; see test/fixtures/matching/README.md.)
 * Each match carries its reasons in words, so an agent can judge it.
 */

export interface MatchCandidate {
  problemId: number;
  title: string;
  symptoms: string;
  /** Texts of escalations already linked to the problem, most recent first. */
  linkedTexts: readonly string[];
  category: Category;
  signals: TextSignals;
  lastActivityAt: Date;
  /** Texts of cases whose agents passed this problem over, most recent first. */
  rejectedTexts?: readonly string[];
}

export interface MatchQuery {
  /** Everything the agent wrote (summary, what happens). */
  text: string;
  category: Category;
  signals: TextSignals;
}

export type MatchLevel = 'likely' | 'possible';

export interface RankedMatch {
  problemId: number;
  /** 0..1; shown to agents as a percentage. */
  confidence: number;
  level: MatchLevel;
  reasons: string[];
}

export interface MatchingThresholds {
  /** Below this a candidate is not shown at all. */
  possible: number;
  /** At or above this a match is presented as likely the same problem. */
  likely: number;
}

/**
 * The defaults of `matching.possibleThreshold` and `matching.likelyThreshold`. `npm run bench -- matching` prints
 * recall, precision and false matches at each threshold on the labelled and held-out sets.
 */
export const DEFAULT_MATCHING_THRESHOLDS: MatchingThresholds = { possible: 0.25, likely: 0.7 };

/** Weights of the evidence (on a logistic scale); see the module comment. */
export const MATCH_WEIGHTS = {
  intercept: -4.2,
  coverage: 3.0,
  titleCoverage: 3.2,
  bestPassage: 3.0,
  sameCategory: 1.1,
  margin: 1.4,
  question: -0.9,
  malfunction: 0.35,
  signal: 2.5,
  /** Per 30 days without activity on the problem. */
  staleness: -0.15,
} as const;

const MAX_RESULTS = 3;
const FIELD_WEIGHT = { title: 1, body: 0.85 } as const;

interface PreparedCandidate {
  candidate: MatchCandidate;
  title: Set<string>;
  terms: Set<string>;
  passages: Set<string>[];
  rejected: Set<string>[];
}

function prepare(candidate: MatchCandidate): PreparedCandidate {
  const title = new Set(terms(candidate.title));
  const passages = [candidate.symptoms, ...candidate.linkedTexts].map((text) => new Set(terms(text)));
  const all = new Set(title);
  for (const passage of passages) for (const term of passage) all.add(term);
  const rejected = (candidate.rejectedTexts ?? []).map((text) => new Set(terms(text)));
  return { candidate, title, terms: all, passages, rejected };
}

/** Shared terms over all terms of the two (Jaccard). */
function overlap(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let shared = 0;
  for (const term of a) if (b.has(term)) shared += 1;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}

/**
 * Whether the text reads more like a case agents said was not this problem than like anything the problem is known
 * by (its own report or a linked case).
 */
function readsLikePassedOver(query: ReadonlySet<string>, doc: PreparedCandidate): boolean {
  if (doc.rejected.length === 0) return false;
  // A passed-over case is a whole case text: it is weighed against texts of its kind, the problem's own report
  // (title and symptoms together) and each linked case, not against a bare title.
  const [symptoms = new Set<string>(), ...linked] = doc.passages;
  const report = new Set([...doc.title, ...symptoms]);
  const known = Math.max(...[report, ...linked].map((passage) => overlap(query, passage)));
  const passedOver = Math.max(...doc.rejected.map((passage) => overlap(query, passage)));
  return passedOver > known;
}

/** Reads a word the candidates do not know as the candidates' word one edit away (long words only). */
function correctTypos(queryTerms: readonly string[], vocabulary: ReadonlySet<string>): string[] {
  const known = [...vocabulary];
  return queryTerms.map((term) => {
    if (vocabulary.has(term) || term.length < 5 || /\d/.test(term)) return term;
    const near = known.find(
      (word) => word[0] === term[0] && Math.abs(word.length - term.length) <= 1 && distance(word, term) <= 1,
    );
    return near ?? term;
  });
}

function sharedSignals(a: TextSignals, b: TextSignals): string[] {
  const shared: string[] = [];
  for (const code of a.codes) if (b.codes.includes(code)) shared.push(code);
  for (const id of a.stripeIds) if (b.stripeIds.includes(id)) shared.push(id);
  for (const number of a.invoiceNumbers) if (b.invoiceNumbers.includes(number)) shared.push(number);
  return shared;
}

const sigmoid = (value: number) => 1 / (1 + Math.exp(-value));

/** The evidence for one candidate, before thresholds (exported for evaluation and tests). */
export interface MatchEvidence {
  problemId: number;
  coverage: number;
  titleCoverage: number;
  bestPassage: number;
  sameCategory: boolean;
  margin: number;
  isQuestion: boolean;
  malfunctionCues: number;
  signals: string[];
  idleDays: number;
  /** The text reads more like a case agents passed this problem over for: shown as possible at most, with a note. */
  passedOver: boolean;
  confidence: number;
}

/** Shows the best candidates at or above the `possible` threshold, most confident first (at most three). */
export function rankMatches(
  query: MatchQuery,
  candidates: readonly MatchCandidate[],
  now: Date,
  thresholds: MatchingThresholds = DEFAULT_MATCHING_THRESHOLDS,
): RankedMatch[] {
  return scoreCandidates(query, candidates, now)
    .filter((evidence) => evidence.confidence >= thresholds.possible)
    .map((evidence) => ({
      problemId: evidence.problemId,
      confidence: evidence.confidence,
      level:
        evidence.confidence >= thresholds.likely && !evidence.passedOver
          ? ('likely' as const)
          : ('possible' as const),
      reasons: explain(evidence),
    }))
    .sort((a, b) => b.confidence - a.confidence);
}

/** The top three candidates by shared wording, with their evidence and confidence. */
export function scoreCandidates(
  query: MatchQuery,
  candidates: readonly MatchCandidate[],
  now: Date,
): MatchEvidence[] {
  if (candidates.length === 0) return [];
  const prepared = candidates.map(prepare);

  // Rarity among the candidates; at least 20 documents' worth so a short list does not make every word rare.
  const documentFrequency = new Map<string, number>();
  for (const doc of prepared)
    for (const term of doc.terms) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  const size = Math.max(prepared.length, 20);
  const idf = (term: string) => {
    const df = documentFrequency.get(term) ?? 0;
    return Math.log(1 + (size - df + 0.5) / (df + 0.5));
  };

  const queryTerms = [...new Set(correctTypos(terms(query.text), new Set(documentFrequency.keys())))];
  const queryWeight = queryTerms.reduce((sum, term) => sum + idf(term), 0);
  if (queryWeight === 0) return [];
  const cues = textCues(query.text);
  const querySet = new Set(queryTerms);

  const scored = prepared.map((doc) => {
    let explained = 0;
    for (const term of queryTerms) {
      if (doc.title.has(term)) explained += FIELD_WEIGHT.title * idf(term);
      else if (doc.terms.has(term)) explained += FIELD_WEIGHT.body * idf(term);
    }
    const titleWeight = [...doc.title].reduce((sum, term) => sum + idf(term), 0);
    const titleHit = [...doc.title].reduce(
      (sum, term) => sum + (queryTerms.includes(term) ? idf(term) : 0),
      0,
    );
    const bestPassage = Math.max(
      0,
      ...doc.passages.map((passage) =>
        queryTerms.reduce((sum, term) => sum + (passage.has(term) ? idf(term) : 0), 0),
      ),
    );
    const sameCategory = doc.candidate.category === query.category;
    // Ranking order: what the text shares with the problem, nudged by the category.
    const rankScore = explained * (sameCategory ? 1.15 : 1);
    return {
      doc,
      rankScore,
      coverage: explained / queryWeight,
      titleCoverage: titleWeight > 0 ? titleHit / titleWeight : 0,
      bestPassage: bestPassage / queryWeight,
      sameCategory,
      signals: sharedSignals(query.signals, doc.candidate.signals),
    };
  });
  scored.sort((a, b) => b.rankScore - a.rankScore);

  return scored.slice(0, MAX_RESULTS).map((entry, index) => {
    const next = scored[index + 1]?.rankScore ?? 0;
    const margin = entry.rankScore > 0 ? (entry.rankScore - next) / entry.rankScore : 0;
    const idleDays = Math.max(0, (now.getTime() - entry.doc.candidate.lastActivityAt.getTime()) / 86_400_000);
    const w = MATCH_WEIGHTS;
    const logit =
      w.intercept +
      w.coverage * entry.coverage +
      w.titleCoverage * entry.titleCoverage +
      w.bestPassage * entry.bestPassage +
      (entry.sameCategory ? w.sameCategory : 0) +
      w.margin * margin +
      (cues.isQuestion ? w.question : 0) +
      w.malfunction * Math.min(cues.malfunctionCues, 3) +
      (entry.signals.length > 0 ? w.signal : 0) +
      w.staleness * (idleDays / 30);
    const passedOver = readsLikePassedOver(querySet, entry.doc);
    return {
      problemId: entry.doc.candidate.problemId,
      coverage: entry.coverage,
      titleCoverage: entry.titleCoverage,
      bestPassage: entry.bestPassage,
      sameCategory: entry.sameCategory,
      margin,
      isQuestion: cues.isQuestion,
      malfunctionCues: cues.malfunctionCues,
      signals: entry.signals,
      idleDays,
      passedOver,
      confidence: sigmoid(logit),
    };
  });
}

function explain(entry: MatchEvidence): string[] {
  const reasons: string[] = [];
  if (entry.signals.length > 0) reasons.push(`same ${entry.signals.slice(0, 2).join(', ')}`);
  reasons.push(`${Math.round(entry.coverage * 100)}% of the wording matches`);
  if (entry.titleCoverage >= 0.3) reasons.push('close to the problem title');
  if (entry.bestPassage >= 0.35) reasons.push('reads like an earlier linked case');
  if (entry.sameCategory) reasons.push('same category');
  if (entry.isQuestion) reasons.push('reads like a question rather than a fault');
  if (entry.passedOver) reasons.push('an agent passed this problem over for a case worded like this one');
  return reasons;
}
