/** The roles Frontline knows. Support roles act on accounts; VP and legal approve; engineers own problems. */
export const ROLE_NAMES = ['l1', 'l2', 'manager', 'billing_specialist', 'vp', 'legal', 'engineer'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

export const ROLE_LABELS: Record<RoleName, string> = {
  l1: 'L1 agent',
  l2: 'L2 agent',
  manager: 'Support manager',
  billing_specialist: 'Billing specialist',
  vp: 'VP',
  legal: 'Legal',
  engineer: 'Engineer',
};

export function describeRoles(roles: readonly RoleName[]): string[] {
  return roles.map((role) => ROLE_LABELS[role]);
}
