/**
 * The bug-or-incident policy (seed 000): cosmetic or visual-only issues are bugs; anything that blocks subscriptions
 * or payments is an incident; financial issues and wide impact push towards an incident. The policy suggests an
 * outcome and a severity, each with a one-line reason; a person decides, and overriding needs a reason.
 */

export const OUTCOMES = ['bug', 'incident'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const SEVERITIES = ['sev1', 'sev2', 'sev3', 'sev4'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SEVERITY_LABELS: Record<Severity, string> = {
  sev1: 'SEV1',
  sev2: 'SEV2',
  sev3: 'SEV3',
  sev4: 'SEV4',
};

/** What each severity means, shown beside every severity choice. */
export const SEVERITY_DEFINITIONS: Record<Severity, string> = {
  sev1: 'Critical: customers cannot pay or keep their subscription, at scale; money is at risk right now',
  sev2: 'Major: a core billing flow is broken or wrong for many customers, with no good workaround',
  sev3: 'Moderate: a billing flow misbehaves for a group of customers; a workaround exists',
  sev4: 'Minor: little customer impact, cosmetic, or one customer; fix in the normal cycle',
};

/** The classification modal's questions. */
export interface ClassificationAnswers {
  blocksSubscriptions: boolean;
  blocksPayments: boolean;
  cosmeticOnly: boolean;
  financial: boolean;
  /** The estimated number of affected customers. */
  customersAffected: number;
  afterRelease: boolean;
}

/** Thresholds of the policy (settings key `policy`). */
export interface PolicyThresholds {
  /** A financial issue hurting at least this many customers is an incident. */
  financialIncidentCustomers: number;
  /** Any issue hurting at least this many customers is an incident. */
  largeImpactCustomers: number;
  /** Customers at which an incident becomes SEV2, and SEV1. */
  sev2Customers: number;
  sev1Customers: number;
}

export const DEFAULT_POLICY: PolicyThresholds = {
  financialIncidentCustomers: 5,
  largeImpactCustomers: 50,
  sev2Customers: 25,
  sev1Customers: 200,
};

export interface Suggestion {
  outcome: Outcome;
  reason: string;
  severity: Severity;
  severityReason: string;
}

const RANK: Record<Severity, number> = { sev1: 1, sev2: 2, sev3: 3, sev4: 4 };
const BY_RANK: Severity[] = ['sev1', 'sev1', 'sev2', 'sev3', 'sev4'];
const raise = (severity: Severity): Severity => BY_RANK[Math.max(1, RANK[severity] - 1)] ?? severity;

function plural(n: number): string {
  return `${n} customer${n === 1 ? '' : 's'}`;
}

/** The policy's suggestion for a set of answers. Rules apply in order; the first that matches decides the outcome. */
export function suggestClassification(answers: ClassificationAnswers, policy: PolicyThresholds): Suggestion {
  const customers = Math.max(0, Math.floor(answers.customersAffected));
  const blocked = [
    answers.blocksPayments ? 'payments' : '',
    answers.blocksSubscriptions ? 'subscriptions' : '',
  ]
    .filter(Boolean)
    .join(' and ');

  let outcome: Outcome;
  let reason: string;
  if (blocked) {
    outcome = 'incident';
    reason = `It blocks ${blocked}: by policy that is always an incident.`;
  } else if (answers.cosmeticOnly) {
    outcome = 'bug';
    reason = 'It is cosmetic or visual only: by policy that is a bug, not an incident.';
  } else if (answers.financial && customers >= policy.financialIncidentCustomers) {
    outcome = 'incident';
    reason = `It is financial and hurts ${plural(customers)} (incident from ${policy.financialIncidentCustomers}).`;
  } else if (customers >= policy.largeImpactCustomers) {
    outcome = 'incident';
    reason = `It hurts ${plural(customers)} (incident from ${policy.largeImpactCustomers}).`;
  } else {
    outcome = 'bug';
    reason = answers.financial
      ? `It is financial but hurts ${plural(customers)} only (incident from ${policy.financialIncidentCustomers}).`
      : `Nothing is blocked and it hurts ${plural(customers)} (incident from ${policy.largeImpactCustomers}).`;
  }

  let severity: Severity;
  let severityReason: string;
  if (answers.cosmeticOnly && !blocked) {
    severity = 'sev4';
    severityReason = SEVERITY_DEFINITIONS.sev4;
  } else if (customers >= policy.sev1Customers && (blocked || answers.financial)) {
    severity = 'sev1';
    severityReason = `${blocked ? `Blocks ${blocked}` : 'Financial'} for ${plural(customers)} (SEV1 from ${policy.sev1Customers}).`;
  } else if (blocked || customers >= policy.sev2Customers) {
    severity = 'sev2';
    severityReason = blocked
      ? `Blocks ${blocked}.`
      : `Hurts ${plural(customers)} (SEV2 from ${policy.sev2Customers}).`;
  } else if (answers.financial || outcome === 'incident') {
    severity = 'sev3';
    severityReason = answers.financial ? 'Financial, for a group of customers.' : 'Wide but not blocking.';
  } else {
    severity = 'sev4';
    severityReason = `Hurts ${plural(customers)}, nothing blocked.`;
  }
  if (answers.afterRelease && severity !== 'sev4' && severity !== 'sev1') {
    severity = raise(severity);
    severityReason = `${severityReason} Raised one level: it started after a release (a rollback may fix it).`;
  }
  return { outcome, reason, severity, severityReason };
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

export function isOutcome(value: unknown): value is Outcome {
  return typeof value === 'string' && (OUTCOMES as readonly string[]).includes(value);
}

/** A decision against the policy's suggested outcome needs a reason; answers the field error or undefined. */
export function overrideProblem(suggestion: Suggestion, chosen: Outcome, reason: string): string | undefined {
  if (chosen === suggestion.outcome) return undefined;
  if (reason.trim().length >= 5) return undefined;
  return `The policy suggests ${suggestion.outcome}; say in a few words why this is a ${chosen}.`;
}
