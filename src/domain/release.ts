/**
 * The engineering assessment of a problem (cause, severity, impact) and the release decision it leads to, by the
 * rules of the escalation workflow (seed 001):
 * - severe (the application is down, or money is wrong) → patch, brought into the current sprint at once;
 * - customers are affected but an easy workaround exists → next customer compile (end of the month);
 * - long-standing, or low impact → next sprint, after backlog refinement.
 * An engineer may decide otherwise, with a reason. Only a patch has a firm version; every other version is tentative.
 */

export const RELEASE_DECISIONS = ['patch', 'next_compile', 'next_sprint'] as const;
export type ReleaseDecision = (typeof RELEASE_DECISIONS)[number];

export const RELEASE_LABELS: Record<ReleaseDecision, string> = {
  patch: 'Patch',
  next_compile: 'Next customer compile',
  next_sprint: 'Next sprint',
};

/** Which customers a problem reaches (seed 001: first adopters, general cloud, or both). */
export const IMPACT_SCOPES = ['all', 'first_adopters', 'general_cloud', 'few'] as const;
export type ImpactScope = (typeof IMPACT_SCOPES)[number];

export const IMPACT_SCOPE_LABELS: Record<ImpactScope, string> = {
  all: 'All customers (first adopters and general cloud)',
  first_adopters: 'First adopters only',
  general_cloud: 'General cloud only',
  few: 'A few customers',
};

export interface Assessment {
  /** When the problem started (free text or a date), and the change or ticket that caused it. */
  startedAt: string;
  causedBy: string;
  applicationRunning: boolean;
  financial: boolean;
  affectedFunctionality: string;
  scope: ImpactScope;
  /** The problem has been there for a long time (it predates recent releases). */
  longStanding: boolean;
  /** The workaround agents can give customers; empty when there is none. */
  workaround: string;
  /** Whether the workaround is easy enough for customers or agents to apply (seed 001's "easy workaround"). */
  workaroundEasy: boolean;
}

export interface ReleaseSuggestion {
  decision: ReleaseDecision;
  reason: string;
}

export type Severity = 'critical' | 'major' | 'minor';

export function assessedSeverity(assessment: Assessment): Severity {
  if (!assessment.applicationRunning || assessment.financial) return 'critical';
  if (assessment.scope === 'all' || assessment.scope === 'general_cloud') return 'major';
  return 'minor';
}

export function suggestRelease(assessment: Assessment): ReleaseSuggestion {
  if (!assessment.applicationRunning)
    return { decision: 'patch', reason: 'the application is not running for affected customers' };
  if (assessment.financial)
    return { decision: 'patch', reason: 'it is a financial issue: customers are charged or paid wrongly' };
  if (assessment.longStanding)
    return { decision: 'next_sprint', reason: 'it is long-standing; it waits for backlog refinement' };
  if (assessment.scope === 'few')
    return { decision: 'next_sprint', reason: 'its impact is low: only a few customers are affected' };
  const hasWorkaround = assessment.workaround.trim().length > 0;
  if (hasWorkaround && assessment.workaroundEasy)
    return {
      decision: 'next_compile',
      reason: 'customers are affected, but an easy workaround exists until the end-of-month compile',
    };
  return {
    decision: 'patch',
    reason: hasWorkaround
      ? 'many customers are affected and the workaround is not easy'
      : 'many customers are affected and there is no workaround',
  };
}

/** Answers as far as an engineer has given them in the open form. */
export type AssessmentDraft = Partial<Assessment>;

/**
 * The suggestion for answers still being given: known once the form says whether the application runs, whether it
 * is financial and who is affected (the other answers have defaults); undefined until then.
 */
export function suggestReleaseForDraft(draft: AssessmentDraft): ReleaseSuggestion | undefined {
  if (draft.applicationRunning === undefined || draft.financial === undefined || draft.scope === undefined)
    return undefined;
  return suggestRelease({
    startedAt: draft.startedAt ?? '',
    causedBy: draft.causedBy ?? '',
    applicationRunning: draft.applicationRunning,
    financial: draft.financial,
    affectedFunctionality: draft.affectedFunctionality ?? '',
    scope: draft.scope,
    longStanding: draft.longStanding ?? false,
    workaround: draft.workaround ?? '',
    workaroundEasy: draft.workaroundEasy ?? false,
  });
}

export interface ReleaseChoice {
  suggested: ReleaseDecision;
  /** What the engineer picked; undefined means "follow the suggestion". */
  chosen: ReleaseDecision | undefined;
  overrideReason: string;
}

export type ReleaseOutcome =
  | { ok: true; decision: ReleaseDecision; overridden: boolean; overrideReason: string | undefined }
  | { ok: false; error: string };

/** Choosing other than the suggestion needs a reason. */
export function decideRelease(choice: ReleaseChoice): ReleaseOutcome {
  const decision = choice.chosen ?? choice.suggested;
  if (decision === choice.suggested)
    return { ok: true, decision, overridden: false, overrideReason: undefined };
  const reason = choice.overrideReason.trim();
  if (reason.length < 5)
    return {
      ok: false,
      error: `The rules suggest ${RELEASE_LABELS[choice.suggested]}; say why you choose ${RELEASE_LABELS[decision]}.`,
    };
  return { ok: true, decision, overridden: true, overrideReason: reason };
}

/** How a release and its version are written for people: only a patch is firm, everything else is tentative. */
export function releaseWording(decision: ReleaseDecision, fixVersion: string | undefined): string {
  const version = fixVersion?.trim();
  if (decision === 'patch')
    return version ? `a patch (version ${version})` : 'a patch, as soon as it is ready';
  const when = decision === 'next_compile' ? 'the next customer compile' : 'a coming sprint';
  return version ? `${when}, tentatively version ${version}` : `${when}; no version is set yet`;
}
