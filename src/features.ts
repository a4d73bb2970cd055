import type { App, RespondFn } from '@slack/bolt';
import type { Hono } from 'hono';
import type { Deps } from './deps.js';
import {
  accountActionsSweepJob,
  auditSubcommand,
  registerAccountActions,
} from './handlers/account-actions.js';
import { registerBilling } from './handlers/billing.js';
import { escalationContext, registerEscalation } from './handlers/escalation.js';
import { registerFrontlineCommand } from './handlers/frontline.js';
import { registerHome } from './handlers/home.js';
import { registerIncident } from './handlers/incident.js';
import { queueSubcommand, rcaDeps, registerRca } from './handlers/rca.js';
import { reportSubcommand } from './handlers/reports.js';
import { fetchCustomerFacts } from './integrations/stripe/customer-facts.js';
import { pruneDeliveriesJob } from './jobs/housekeeping.js';
import { incidentJobs } from './jobs/incident-jobs.js';
import { refreshTermStatsJob } from './jobs/matching-stats.js';
import type { JobDefinition } from './jobs/queue.js';
import { slackPostJob } from './jobs/slack-post.js';
import { forgetBillingContext } from './services/billingContext.js';
import { escalationIntakeJob, linkedReplyJob } from './services/escalation.js';
import { homeRefreshJob } from './services/home.js';
import { refreshCustomerFactsJob } from './services/priority.js';
import { rcaJobs } from './services/rca.js';
import { syncTriageCardJob } from './services/triage.js';
import { healthRoutes } from './web/health.js';
import { jiraWebhookRoutes } from './web/jira-webhook.js';
import { statusPageRoutes } from './web/status-page.js';
import { stripeWebhookRoutes } from './web/stripe-webhook.js';

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
    jobs: (deps) => [
      slackPostJob({ db: deps.db, slack: deps.integrations.slack }),
      pruneDeliveriesJob({ db: deps.db, logger: deps.logger, now: deps.now }),
    ],
    routes: (deps) => healthRoutes({ database: deps.database, startedAt: deps.now() }),
  },
  {
    name: 'stripe webhooks',
    routes: (deps) =>
      stripeWebhookRoutes({
        db: deps.db,
        stripe: deps.integrations.stripe,
        secret: deps.integrations.stripeWebhookSecret,
        logger: deps.logger,
        onCustomerEvent: forgetBillingContext,
      }),
  },
  {
    name: 'escalation intake and known-issue matching',
    register: (app, deps) => registerEscalation(app, deps),
    jobs: (deps) => [
      escalationIntakeJob(escalationContext(deps)),
      linkedReplyJob(escalationContext(deps)),
      syncTriageCardJob({ db: deps.db, slack: deps.integrations.slack, settings: deps.settings }),
      refreshTermStatsJob({ db: deps.db, logger: deps.logger }),
    ],
  },
  {
    name: 'billing context and playbooks',
    register: (app, deps) => registerBilling(app, deps),
  },
  {
    name: 'billing support report and App Home',
    register: (app, deps) => registerHome(app, deps),
    jobs: (deps) => [homeRefreshJob(deps)],
    frontline: (deps) => ({ report: reportSubcommand(deps) }),
  },
  {
    name: 'account actions and approvals',
    register: (app, deps) => registerAccountActions(app, deps),
    jobs: (deps) => [accountActionsSweepJob(deps)],
    frontline: (deps) => ({ audit: auditSubcommand(deps) }),
  },
  {
    name: 'public status page',
    routes: (deps) =>
      statusPageRoutes({
        db: deps.db,
        settings: deps.settings.statusPage,
        publicUrl: deps.config.publicUrl,
        now: deps.now,
        versionTtlMs: deps.settings.statusPage.refreshSeconds * 1000,
      }),
  },
  {
    name: 'RCA tickets, engineering assessment, resolution loop and priority',
    register: (app, deps) => {
      registerRca(app, deps);
    },
    jobs: (deps) => [
      ...rcaJobs(rcaDeps(deps)),
      refreshCustomerFactsJob({
        db: deps.db,
        jobs: deps.jobs,
        settings: deps.settings,
        logger: deps.logger,
        now: deps.now,
        customerFacts: (customerId) => fetchCustomerFacts(deps.integrations.stripe, customerId),
      }),
    ],
    routes: (deps) => jiraWebhookRoutes({ ...rcaDeps(deps), secret: deps.integrations.jiraWebhookSecret }),
    frontline: (deps) => ({ queue: queueSubcommand(deps) }),
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
