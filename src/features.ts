import type { App, RespondFn } from '@slack/bolt';
import type { Hono } from 'hono';
import type { Deps } from './deps.js';
import { registerEscalation } from './handlers/escalation.js';
import { registerFrontlineCommand } from './handlers/frontline.js';
import { registerIncident } from './handlers/incident.js';
import { incidentJobs } from './jobs/incident-jobs.js';
import { refreshTermStatsJob } from './jobs/matching-stats.js';
import type { JobDefinition } from './jobs/queue.js';
import { slackPostJob } from './jobs/slack-post.js';
import { syncTriageCardJob } from './services/triage.js';
import { healthRoutes } from './web/health.js';

/**
 * Everything Frontline does, one entry per feature: the Slack listeners it registers, the durable jobs it defines
 * and the web routes it serves. Adding a feature means adding it here.
 */
export interface Feature {
  name: string;
  register?(app: App, deps: Deps): void;
  // biome-ignore lint/suspicious/noExplicitAny: each feature's jobs carry their own data types
  jobs?(deps: Deps): JobDefinition<any>[];
  routes?(deps: Deps): Hono;
  /**
   * `/frontline <word> …` subcommands this feature answers (e.g. `queue`, `report`, `audit`). The command is acked
   * before the handler runs; the handler answers with `respond` (ephemeral unless it says otherwise).
   */
  frontline?(deps: Deps): Record<string, FrontlineSubcommand>;
}

export interface FrontlineSubcommandContext {
  userId: string;
  channelId: string;
  /** The words after the subcommand, as typed. */
  args: string;
  respond: RespondFn;
  triggerId: string;
}
export type FrontlineSubcommand = (context: FrontlineSubcommandContext) => Promise<void>;

export const FEATURES: Feature[] = [
  {
    name: 'core',
    register: (app, deps) => registerFrontlineCommand(app, deps, FEATURES),
    jobs: (deps) => [slackPostJob({ db: deps.db, slack: deps.integrations.slack })],
    routes: (deps) => healthRoutes({ database: deps.database, startedAt: deps.now() }),
  },
  {
    name: 'escalation intake and known-issue matching',
    register: (app, deps) => registerEscalation(app, deps),
    jobs: (deps) => [
      syncTriageCardJob({ db: deps.db, slack: deps.integrations.slack, settings: deps.settings }),
      refreshTermStatsJob({ db: deps.db, logger: deps.logger }),
    ],
  },
  {
    name: 'triage, incidents and status updates',
    register: (app, deps) => registerIncident(app, deps),
    jobs: (deps) =>
      incidentJobs({
        db: deps.db,
        slack: deps.integrations.slack,
        jobs: deps.jobs,
        settings: deps.settings,
        logger: deps.logger,
        now: deps.now,
      }),
  },
];
