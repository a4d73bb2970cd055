/**
 * What a problem still accepts once it has moved on. A duplicate merged into another problem hands its cases, and so
 * its RCA work, to that problem; a closed problem is done (every linked customer confirmed the fix). Buttons for what
 * a problem no longer accepts are taken off its card, and every use case checks again here, since a card in Slack
 * (or a form opened earlier) can be older than the problem's state.
 */
import { problemRef } from './escalation.js';
import { SEVERITY_LABELS, type Severity } from './policy.js';

export interface ProblemStanding {
  id: number;
  status: string;
  mergedIntoId: number | null;
}

const isMerged = (problem: ProblemStanding) => problem.mergedIntoId !== null || problem.status === 'merged';

function mergedAway(problem: ProblemStanding, then: (into: string) => string): string {
  const into = problem.mergedIntoId !== null ? problemRef(problem.mergedIntoId) : 'another problem';
  return `${problemRef(problem.id)} was merged into ${into}. ${then(into)}`;
}

const CLOSED_BECAUSE = 'every customer linked to it confirmed the fix';

/**
 * Why a problem takes no more RCA work (a ticket, an assessment, a fix release), or undefined when it does.
 */
export function rcaWorkRefusal(problem: ProblemStanding): string | undefined {
  if (isMerged(problem))
    return mergedAway(
      problem,
      (into) =>
        `Its cases follow ${into} now, and so does its RCA work: use the buttons on ${into}'s card instead.`,
    );
  if (problem.status === 'closed')
    return `${problemRef(problem.id)} is closed: ${CLOSED_BECAUSE}. Its RCA work is finished.`;
  return undefined;
}

/** Whether a problem can be classified (again) at all, whatever the form says. */
export function classificationRefusal(
  problem: ProblemStanding & { kind: string | null },
): string | undefined {
  if (isMerged(problem)) return mergedAway(problem, (into) => `Classify ${into} instead.`);
  if (problem.status === 'closed')
    return `${problemRef(problem.id)} is closed: ${CLOSED_BECAUSE}, so it cannot be classified again. If customers see it again, report it as a new problem.`;
  if (problem.kind === 'incident') return `${problemRef(problem.id)} is already an incident.`;
  return undefined;
}

/** A classification as the check needs it. */
export interface ClassificationFacts {
  id: number;
  outcome: string;
  severity: string;
  actorId: string;
}

/** A submitted classification form: who decided what, against which classification the form was opened. */
export interface ClassificationDecision {
  actorId: string;
  outcome: string;
  severity: string;
  /**
   * The latest classification when the form opened (null: none yet); undefined for a form that does not say (one
   * opened before forms carried it), which is then checked against the problem's state only.
   */
  basedOn?: number | null | undefined;
}

export type ClassificationCheck =
  | { verdict: 'accept' }
  /** The same person's same decision is already stored (a repeated submission): nothing to do again. */
  | { verdict: 'already_done' }
  | { verdict: 'refuse'; reason: string };

const withArticle = (outcome: string) => (outcome === 'incident' ? 'an incident' : `a ${outcome}`);

/**
 * Decides whether a submitted classification may be stored: not on a merged or closed problem, not over a decision
 * someone made while this form was open (they would overwrite it unseen, and the requesters would hear twice), and a
 * repeat of a decision already stored changes nothing.
 */
export function checkClassification(
  problem: ProblemStanding & { kind: string | null },
  latest: ClassificationFacts | undefined,
  decision: ClassificationDecision,
): ClassificationCheck {
  if (isMerged(problem) || problem.status === 'closed')
    return { verdict: 'refuse', reason: classificationRefusal(problem) as string };
  if (decision.basedOn !== undefined && (latest?.id ?? null) !== decision.basedOn) {
    if (
      latest &&
      latest.actorId === decision.actorId &&
      latest.outcome === decision.outcome &&
      latest.severity === decision.severity
    )
      return { verdict: 'already_done' };
    const severity = SEVERITY_LABELS[latest?.severity as Severity] ?? latest?.severity;
    return {
      verdict: 'refuse',
      reason: latest
        ? `<@${latest.actorId}> classified ${problemRef(problem.id)} as ${withArticle(latest.outcome)} (${severity}) while this form was open. Close it and open it again to see that decision before changing it.`
        : `The classification of ${problemRef(problem.id)} changed while this form was open. Close it and open it again.`,
    };
  }
  const refusal = classificationRefusal(problem);
  return refusal ? { verdict: 'refuse', reason: refusal } : { verdict: 'accept' };
}
