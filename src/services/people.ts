import type { WebClient } from '@slack/web-api';
import type { Settings } from '../config.js';
import { ROLE_NAMES, type RoleName } from '../domain/roles.js';
import { notPermitted } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * Who holds which role, from the settings file: Slack user ids directly, or membership of a Slack user group
 * (looked up with `usergroups.users.list` and kept for a few minutes).
 */
export interface Directory {
  rolesOf(userId: string): Promise<RoleName[]>;
  /** Everyone named directly or through a group for a role (for mentions and App Home). */
  membersOf(role: RoleName): Promise<string[]>;
}

export function createDirectory({
  settings,
  slack,
  logger,
  cacheMs = 5 * 60_000,
  now = Date.now,
}: {
  settings: Settings;
  slack: WebClient;
  logger: Logger;
  cacheMs?: number;
  now?: () => number;
}): Directory {
  const groups = new Map<string, { users: string[]; fetchedAt: number }>();

  async function groupMembers(groupId: string): Promise<string[]> {
    const cached = groups.get(groupId);
    if (cached && now() - cached.fetchedAt < cacheMs) return cached.users;
    try {
      const answer = await slack.usergroups.users.list({ usergroup: groupId });
      const users = answer.users ?? [];
      groups.set(groupId, { users, fetchedAt: now() });
      return users;
    } catch (error) {
      // A group we cannot read grants nothing; the last known members stay valid until the next try.
      logger.warn({ err: error, usergroup: groupId }, 'could not read user group members');
      return cached?.users ?? [];
    }
  }

  async function membersOf(role: RoleName): Promise<string[]> {
    const entry = settings.roles[role];
    const viaGroups = await Promise.all(entry.usergroups.map(groupMembers));
    return [...new Set([...entry.users, ...viaGroups.flat()])];
  }

  return {
    membersOf,
    async rolesOf(userId) {
      const held: RoleName[] = [];
      for (const role of ROLE_NAMES) {
        if (settings.roles[role].users.includes(userId) || (await membersOf(role)).includes(userId))
          held.push(role);
      }
      return held;
    },
  };
}

/** Refuses, with `refusal`, someone who holds no Frontline role (for what names customers: the report, the queue). */
export async function checkHoldsRole(
  directory: Pick<Directory, 'rolesOf'>,
  userId: string,
  refusal: string,
): Promise<void> {
  if ((await directory.rolesOf(userId)).length > 0) return;
  throw notPermitted(refusal);
}
