import type { WebClient } from '@slack/web-api';
import type { Version3Client } from 'jira.js';
import type Stripe from 'stripe';
import type { Config, Settings } from './config.js';
import type { Database, DatabaseHandle } from './db/client.js';
import type { JobQueue } from './jobs/queue.js';
import type { Logger } from './logger.js';
import type { Directory } from './services/people.js';

/** The SDK clients, built from config by factories in `integrations/` (pointing at the local fakes in the sandbox). */
export interface Integrations {
  slack: WebClient;
  stripe: Stripe;
  jira: Version3Client;
  jiraProjectKey: string;
  /** Jira's base URL, for links to issues (`<host>/browse/KEY`). */
  jiraHost: string;
  /** Secrets for verifying inbound webhooks; undefined means that webhook is refused. */
  stripeWebhookSecret: string | undefined;
  jiraWebhookSecret: string | undefined;
}

/** What features receive: everything is passed in, nothing is reached through a module-level client. */
export interface Deps {
  config: Config;
  settings: Settings;
  logger: Logger;
  database: DatabaseHandle;
  db: Database;
  jobs: JobQueue;
  integrations: Integrations;
  directory: Directory;
  /** The current time; tests pass a controllable clock. */
  now: () => Date;
}
