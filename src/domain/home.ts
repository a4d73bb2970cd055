import { problemRef } from './escalation.js';
import type { RoleName } from './roles.js';

/**
 * What each person's App Home shows, by the roles they hold (a person with several roles sees every section that
 * applies), and the one-line answer to "what is this escalation waiting for?".
 */
export interface HomeSections {
  /** L1/L2 agents: their open escalations and their pending account-action requests. */
  agent: boolean;
  /**
   * Managers, billing specialists, VP and legal: the approvals waiting for them (an L2 agent gets the section when
   * one waits for them).
   */
  approver: boolean;
  /** Managers, billing specialists and VPs: today's key figures. */
  figures: boolean;
  /** Engineers: the top problems by priority with their RCA ticket and assessment. */
  engineer: boolean;
}

/** Roles whose Home always has the approvals section (approving is part of the job). */
const APPROVER_ROLES: readonly RoleName[] = ['manager', 'billing_specialist', 'vp', 'legal'];
/** Roles that may decide a stage: an L2 agent too (an L1's small credit waits for an L2 or above). */
const DECIDING_ROLES: readonly RoleName[] = ['l2', ...APPROVER_ROLES];
const FIGURES_ROLES: readonly RoleName[] = ['manager', 'billing_specialist', 'vp'];

export function homeSections(roles: readonly RoleName[]): HomeSections {
  const has = (role: RoleName) => roles.includes(role);
  return {
    agent: has('l1') || has('l2'),
    approver: APPROVER_ROLES.some(has),
    figures: FIGURES_ROLES.some(has),
    engineer: has('engineer'),
  };
}

/**
 * The roles whose approval stages a person may decide, from the App Home as from the approvals channel (the
 * account-actions feature checks again on the click).
 */
export function approverRoles(roles: readonly RoleName[]): RoleName[] {
  return roles.filter((role) => DECIDING_ROLES.includes(role));
}

/**
 * The roles of one approval stage as stored (`approvals.required_role`: one role, or several separated by commas,
 * any of whom may decide).
 */
export function stageRoles(requiredRole: string): string[] {
  return requiredRole
    .split(',')
    .map((role) => role.trim())
    .filter(Boolean);
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
  /** The engineering assessment as last saved (one per problem, re-saved with a new revision), if any. */
  assessment: HomeAssessment | null;
  linkedEscalations: number;
}

export interface HomeAssessment {
  /** Release decision: `patch`, `next_compile` or `next_sprint` (domain/release.ts). */
  decision: string;
  severity: string;
  fixVersion: string | null;
  revision: number;
  assessedAt: Date;
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
