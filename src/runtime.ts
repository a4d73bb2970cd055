import { buildApp, type FrontlineApp, type SlackTransport } from './app.js';
import { type Config, sandboxIsSafe } from './config.js';
import { type DatabaseHandle, openDatabase } from './db/client.js';
import type { Deps, Integrations } from './deps.js';
import { FEATURES, type Feature } from './features.js';
import { InFlight } from './in-flight.js';
import { createJiraClient } from './integrations/jira/client.js';
import { createSlackWebClient } from './integrations/slack/web-client.js';
import { createStripeClient } from './integrations/stripe/client.js';
import { JobQueue } from './jobs/queue.js';
import { createLogger, type Logger } from './logger.js';
import { maskCredentials } from './safe-error.js';
import { type SandboxIntegrations, startSandboxIntegrations } from './sandbox/integrations.js';
import { createSandboxPage } from './sandbox/page.js';
import { withSandboxPeople } from './sandbox/people.js';
import { startHttpServer } from './server.js';
import { createDirectory } from './services/people.js';

export interface StartOptions {
  logger?: Logger;
  now?: () => Date;
  /** Run job workers in this process (default true). */
  workJobs?: boolean;
  /** An already open database to use instead of opening `config.database` (tests). */
  database?: DatabaseHandle;
  /** The features to run (default: all of them). */
  features?: readonly Feature[];
}

export interface RunningFrontline {
  url: string;
  deps: Deps;
  app: FrontlineApp;
  transport: SlackTransport;
  /** The local fakes standing in for missing credentials; empty in a real deployment. */
  sandbox: SandboxIntegrations;
  /** Stops taking requests, lets in-flight work finish, stops the job workers and closes the database. */
  stop(): Promise<void>;
}

const SHUTDOWN_BUDGET_MS = 9_000;

export async function startFrontline(config: Config, options: StartOptions = {}): Promise<RunningFrontline> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? (() => new Date());
  const startedAt = Date.now();

  const sandbox = await startSandboxIntegrations(config, logger);
  const closers: Array<() => Promise<void>> = [() => sandbox.stop()];
  // One budget for the whole shutdown: each step gets what the steps before it left, keeping `reserveMs` for the
  // steps after it, so the total stays within what main.ts allows (10 s).
  let deadline = 0;
  const remaining = (reserveMs: number) => Math.max(250, deadline - Date.now() - reserveMs);
  const closeAll = async () => {
    deadline ||= Date.now() + SHUTDOWN_BUDGET_MS;
    for (const close of closers.splice(0).reverse()) {
      await close().catch((error: unknown) => logger.warn({ err: error }, 'shutdown step failed'));
    }
  };

  try {
    const transport = slackTransport(config, sandbox);
    // The sandbox page exists only when Slack itself is the local fake, never beside real credentials, and only on
    // local data: its people hold every role and its Reset empties the database.
    const withSandboxPage = sandbox.slack !== undefined && sandboxIsSafe(config);
    const settings = withSandboxPage ? withSandboxPeople(config.settings) : config.settings;

    const database =
      options.database ?? (await namingTheSetting(config, () => openDatabase(config.database)));
    closers.push(() => database.close());
    await namingTheSetting(config, () => database.migrate());

    const slack = createSlackWebClient({ botToken: transport.botToken, apiUrl: transport.apiUrl }, logger);
    const integrations: Integrations = {
      slack,
      stripe: createStripeClient(
        config.stripe.mode === 'live'
          ? config.stripe
          : {
              secretKey: sandbox.stripe?.secretKey ?? '',
              apiBase: sandbox.stripe?.apiBase ?? new URL('http://127.0.0.1'),
            },
      ),
      jira: createJiraClient(
        config.jira.mode === 'live' ? config.jira : (sandbox.jira ?? { host: '', email: '', apiToken: '' }),
      ),
      jiraProjectKey: config.jira.projectKey,
      jiraHost: config.jira.mode === 'live' ? config.jira.host : (sandbox.jira?.host ?? ''),
      stripeWebhookSecret: config.stripe.webhookSecret,
      jiraWebhookSecret: config.jira.webhookSecret,
    };

    const jobs = new JobQueue(database, logger);
    const deps: Deps = {
      config,
      settings,
      logger,
      database,
      db: database.db,
      jobs,
      integrations,
      directory: createDirectory({ settings, slack, logger }),
      now,
    };
    const sandboxPage = withSandboxPage
      ? createSandboxPage(sandbox, settings, { publicUrl: config.publicUrl })
      : undefined;
    const features = [...(options.features ?? FEATURES), ...(sandboxPage ? [sandboxPage.feature] : [])];
    for (const feature of features) for (const job of feature.jobs?.(deps) ?? []) jobs.define(job);

    const inFlight = new InFlight();
    const app = buildApp(deps, transport, inFlight, features);

    await jobs.start({ work: options.workJobs ?? true });
    // Whatever the requests left, less a second for the database and the local fakes.
    closers.push(() => jobs.stop(remaining(1_000)));

    const http = await startHttpServer({
      port: config.port,
      host: config.host,
      slackListener: app.slackListener,
      web: app.web,
      inFlight,
      logger,
    });
    closers.push(async () => {
      const closing = http.close();
      // Up to 4 s for requests in flight, leaving the job workers at least 3 s.
      const drained = await inFlight.drained(Math.min(4_000, remaining(4_000)));
      if (!drained) logger.warn({ inFlight: inFlight.size }, 'shutting down with requests still in flight');
      http.server.closeAllConnections();
      await closing;
    });
    await app.start();
    closers.push(() => app.stop());
    if (sandboxPage) {
      sandboxPage.attach(http.url);
      closers.push(async () => sandboxPage.close());
      await sandboxPage.seed(deps);
    }

    logStartup(logger, config, http.url, sandbox, Date.now() - startedAt);
    if (sandbox.slack && !sandboxPage)
      logger.warn(
        'no Slack credentials, but the database, Stripe or Jira is a real one: the sandbox page (every role for whoever opens it, a Reset that empties the database) stays off; set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN) to connect Slack',
      );

    let stopping: Promise<void> | undefined;
    return {
      url: http.url,
      deps,
      app,
      transport,
      sandbox,
      stop: () => {
        stopping ??= closeAll();
        return stopping;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** A database that cannot be opened is reported under the setting that names it, so the operator knows what to fix. */
async function namingTheSetting<T>(config: Config, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (error) {
    const setting =
      config.database.kind === 'postgres'
        ? 'DATABASE_URL: the database'
        : `DATA_DIR: the embedded database in ${config.database.dataDir}`;
    const reason = maskCredentials(error instanceof Error ? error.message : String(error));
    throw new Error(`${setting} could not be opened (${reason})`, { cause: error });
  }
}

function slackTransport(config: Config, sandbox: SandboxIntegrations): SlackTransport {
  const slack = config.slack;
  if (slack.mode === 'http') return slack;
  if (slack.mode === 'socket')
    return { mode: 'socket', botToken: slack.botToken, appToken: slack.appToken, apiUrl: slack.apiUrl };
  if (!sandbox.slack) throw new Error('the local Slack sandbox did not start');
  return {
    mode: 'http',
    botToken: sandbox.slack.botToken,
    signingSecret: sandbox.slack.signingSecret,
    apiUrl: sandbox.slack.apiUrl,
  };
}

function logStartup(
  logger: Logger,
  config: Config,
  url: string,
  sandbox: SandboxIntegrations,
  elapsedMs: number,
) {
  const database =
    config.database.kind === 'postgres'
      ? 'Postgres (DATABASE_URL)'
      : `embedded PGlite in ${config.database.dataDir}`;
  const slack =
    config.slack.mode === 'sandbox'
      ? `local Slack sandbox (no Slack credentials) at ${sandbox.slack?.apiUrl}`
      : config.slack.mode === 'socket'
        ? 'Slack over Socket Mode'
        : `Slack over HTTP: point the app's request URLs at ${config.publicUrl}/slack/events`;
  const stripe =
    config.stripe.mode === 'live'
      ? `Stripe at ${config.stripe.apiBase.origin}`
      : `local Stripe fake with demo customers at ${sandbox.stripe?.fake.url}`;
  const jira =
    config.jira.mode === 'live'
      ? `Jira at ${config.jira.host}`
      : `local Jira fake at ${sandbox.jira?.fake.url}`;
  logger.info({ url, elapsedMs }, `Frontline is listening on ${url}`);
  logger.info(`database: ${database}; settings: ${config.settingsSource}`);
  logger.info(`slack: ${slack}`);
  logger.info(`stripe: ${stripe}; jira: ${jira}`);
  logger.info(`health: ${url}/healthz and ${url}/readyz`);
}
