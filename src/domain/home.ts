import { problemRef } from './escalation.js';
import type { RoleName } from './roles.js';

/**
 * What each person's App Home shows, by the roles they hold (a person with several roles sees every section that
 * applies), and the one-line answer to "what is this escalation waiting for?".
 */
export interface HomeSections {
  /** L1/L2 agents: their open escalations and their pending account-action requests. */
  agent: boolean;
  /** Managers and billing specialists: approvals waiting for them and today's figures. */
  approver: boolean;
  /** Engineers: the top problems by priority with their RCA ticket and assessment. */
  engineer: boolean;
}

export function homeSections(roles: readonly RoleName[]): HomeSections {
  const has = (role: RoleName) => roles.includes(role);
  return {
    agent: has('l1') || has('l2'),
    approver: has('manager') || has('billing_specialist'),
    engineer: has('engineer'),
  };
}

/** The roles whose approvals a person may decide (VP and legal decide from the approvals channel). */
export function approverRoles(roles: readonly RoleName[]): RoleName[] {
  return roles.filter(
    (role) => role === 'manager' || role === 'billing_specialist' || role === 'vp' || role === 'legal',
  );
}

export interface EscalationWaitFacts {
  status: string;
  problemId: number | null;
  problemStatus: string | null;
  problemKind: string | null;
  incidentState: string | null;
}

/** Who or what an open escalation waits for, in a few words, from its status and its problem's. */
export function escalationWait(facts: EscalationWaitFacts): {
  who: 'you' | 'engineering' | 'fix';
  text: string;
} {
  if (facts.status === 'awaiting_confirmation')
    return { who: 'you', text: 'the fix shipped: confirm with the customer, then close it' };
  if (facts.problemId === null) return { who: 'you', text: 'link it to a known problem or report a new one' };
  const ref = problemRef(facts.problemId);
  if (facts.problemStatus === 'triage' || facts.problemStatus === null)
    return { who: 'engineering', text: `engineering to confirm and classify ${ref}` };
  if (facts.problemKind === 'incident' && facts.incidentState)
    return { who: 'fix', text: `the fix: incident ${ref} is ${facts.incidentState}` };
  return { who: 'fix', text: `the fix of ${ref} (${facts.problemStatus})` };
}

// What the App Home shows, as the database reads it (db/repositories/home.ts) and the view renders it.

export interface HomeEscalation {
  id: number;
  customerName: string;
  summary: string;
  category: string;
  priority: string;
  status: string;
  createdAt: Date;
  problemId: number | null;
  problemTitle: string | null;
  problemStatus: string | null;
  problemKind: string | null;
  incidentState: string | null;
}

export interface HomeActionRequest {
  id: number;
  kind: string;
  customerId: string;
  amountMinor: number | null;
  currency: string | null;
  state: string;
  createdAt: Date;
  /** The first undecided approval stage, if the request waits for one. */
  waitingStage: number | null;
  waitingRole: string | null;
}

export interface HomeApproval {
  actionId: number;
  stage: number;
  requiredRole: string;
  kind: string;
  customerId: string;
  amountMinor: number | null;
  currency: string | null;
  reason: string;
  requesterId: string;
  requestedAt: Date;
  expiresAt: Date | null;
}

export interface HomeProblem {
  id: number;
  title: string;
  status: string;
  kind: string | null;
  priorityScore: number;
  priorityExplanation: string[];
  rcaKey: string | null;
  rcaStatus: string | null;
  assessed: boolean;
  linkedEscalations: number;
}

export interface HomeIncident {
  id: number;
  problemId: number;
  publicTitle: string;
  severity: string;
  state: string;
  createdAt: Date;
  lastUpdateAt: Date | null;
}
