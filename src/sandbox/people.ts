import type { Settings } from '../config.js';
import type { RoleName } from '../domain/roles.js';

/** The people of the local sandbox: one per role, so every flow can be tried from each side. */
export interface SandboxPerson {
  id: string;
  name: string;
  realName: string;
  role: RoleName;
}

export const SANDBOX_PEOPLE: readonly SandboxPerson[] = [
  { id: 'U0SBXL1', name: 'lena', realName: 'Lena Okafor', role: 'l1' },
  { id: 'U0SBXL1B', name: 'tomas', realName: 'Tomás Varga', role: 'l1' },
  { id: 'U0SBXL2', name: 'priya', realName: 'Priya Raman', role: 'l2' },
  { id: 'U0SBXMGR', name: 'marcus', realName: 'Marcus Lindqvist', role: 'manager' },
  { id: 'U0SBXBIL', name: 'sofia', realName: 'Sofia Brandt', role: 'billing_specialist' },
  { id: 'U0SBXVP', name: 'dana', realName: 'Dana Whitfield', role: 'vp' },
  { id: 'U0SBXLGL', name: 'kenji', realName: 'Kenji Mori', role: 'legal' },
  { id: 'U0SBXENG', name: 'noor', realName: 'Noor Haddad', role: 'engineer' },
];

/** Settings with the sandbox people added to their roles (people already configured are kept). */
export function withSandboxPeople(settings: Settings): Settings {
  const roles = structuredClone(settings.roles);
  for (const person of SANDBOX_PEOPLE) {
    if (!roles[person.role].users.includes(person.id)) roles[person.role].users.push(person.id);
  }
  return { ...settings, roles };
}
