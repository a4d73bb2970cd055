import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { type RunningFrontline, startFrontline } from '../../src/runtime.js';
import { seedStripeDemo } from '../../src/sandbox/demo/stripe-demo.js';
import { JiraFake } from '../../src/sandbox/fakes/jira-fake.js';
import type { SlackViewOutput } from '../../src/sandbox/fakes/slack/types.js';
import { SlackFake } from '../../src/sandbox/fakes/slack-fake.js';
import { StripeFake } from '../../src/sandbox/fakes/stripe-fake.js';
import { SANDBOX_PEOPLE } from '../../src/sandbox/people.js';
import { SlackDriver } from '../../src/sandbox/slack-driver.js';
import { type DatabaseKind, freshDatabase, type TestDatabase } from './database.js';

/**
 * Frontline running in this test process on a fresh database, configured through its real environment variables and
 * settings file, talking to local Slack, Stripe and Jira fakes; plus a driver that sends signed Slack requests.
 */
export interface TestApp {
  running: RunningFrontline;
  url: string;
  slack: SlackFake;
  stripe: StripeFake;
  jira: JiraFake;
  driver: SlackDriver;
  database: TestDatabase;
  signingSecret: string;
  people: typeof PEOPLE;
  stop(): Promise<void>;
}

/** Test people by role (the sandbox's people: one per role, two L1 agents). */
export const PEOPLE = {
  l1: 'U0SBXL1',
  l1b: 'U0SBXL1B',
  l2: 'U0SBXL2',
  manager: 'U0SBXMGR',
  billingSpecialist: 'U0SBXBIL',
  vp: 'U0SBXVP',
  legal: 'U0SBXLGL',
  engineer: 'U0SBXENG',
} as const;

export interface TestAppOptions {
  kind?: DatabaseKind;
  /** Settings merged over the defaults (roles for the test people, the default channels). */
  settings?: Record<string, unknown>;
  /** Extra environment variables. */
  env?: Record<string, string>;
  slackRateLimit?: boolean;
  seedStripe?: boolean;
  workJobs?: boolean;
  now?: () => Date;
  /** Reach the app over Socket Mode (SLACK_APP_TOKEN) instead of signed HTTP posts. */
  socketMode?: boolean;
  /**
   * Start on the database and the fakes of an earlier app, as a restart does (stop that app's `running` first). The
   * new app's stop() leaves them alone; the earlier app's stop() removes them.
   */
  reuse?: TestApp;
}

const SIGNING_SECRET = 'test-signing-secret-0123456789';
const BOT_TOKEN = 'xoxb-test-0000-frontline';
const APP_TOKEN = 'xapp-1-A0FRONTLINE-0000-frontline';

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const reused = options.reuse;
  const database = reused?.database ?? (await freshDatabase(options.kind ?? 'pglite'));
  const slack =
    reused?.slack ??
    (await new SlackFake({
      botToken: BOT_TOKEN,
      appToken: APP_TOKEN,
      teamId: 'T0FRONTLINE',
      botUserId: 'U0FRONTLINE',
      rateLimit: options.slackRateLimit ? { perChannelPerSecond: 1, burst: 3 } : false,
    }).start());
  const stripe = reused?.stripe ?? (await new StripeFake().start());
  if (!reused && (options.seedStripe ?? true)) seedStripeDemo(stripe);
  const jira =
    reused?.jira ?? (await new JiraFake({ projects: [{ key: 'RCA', name: 'Root-cause analysis' }] }).start());

  if (!reused) {
    for (const person of SANDBOX_PEOPLE)
      slack.addUser({ id: person.id, name: person.name, realName: person.realName });
    for (const [id, name] of [
      ['C0INTAKE', 'billing-intake'],
      ['C0INCIDENTS', 'billing-incidents'],
      ['C0APPROVALS', 'billing-approvals'],
      ['C0PRODUCT', 'product'],
      ['C0MARKETING', 'marketing'],
      ['C0SUPPORT', 'support'],
    ] as const) {
      slack.addChannel({ id, name });
    }
  }

  const roles: Record<string, { users: string[] }> = {};
  for (const person of SANDBOX_PEOPLE) {
    roles[person.role] ??= { users: [] };
    roles[person.role]?.users.push(person.id);
  }
  const settings = { roles, ...options.settings };
  const dir = mkdtempSync(join(tmpdir(), 'frontline-test-'));
  const settingsPath = join(dir, 'frontline.yml');
  writeFileSync(settingsPath, stringify(settings));

  const config = loadConfig(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: `${slack.url}/api/`,
      STRIPE_SECRET_KEY: 'sk_test_frontline',
      STRIPE_API_BASE: stripe.url,
      STRIPE_WEBHOOK_SECRET: 'whsec_test_frontline',
      JIRA_HOST: jira.url,
      JIRA_EMAIL: 'frontline@example.com',
      JIRA_API_TOKEN: 'jira-token',
      JIRA_PROJECT_KEY: 'RCA',
      JIRA_WEBHOOK_SECRET: 'jira-webhook-secret',
      FRONTLINE_CONFIG: settingsPath,
      DATA_DIR: dir,
      ...(options.socketMode ? { SLACK_APP_TOKEN: APP_TOKEN } : {}),
      ...(database.connection.kind === 'postgres' ? { DATABASE_URL: database.connection.url } : {}),
      ...options.env,
    },
    dir,
  );
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const running = await startFrontline(config, {
    logger,
    // The app closes what it is given when it stops; the database outlives it (a restart starts on it again) and
    // is closed by drop().
    database: { ...database.handle, close: async () => {} },
    ...(options.now ? { now: options.now } : {}),
    ...(options.workJobs === undefined ? {} : { workJobs: options.workJobs }),
  });
  const driver = new SlackDriver({
    appUrl: running.url,
    signingSecret: SIGNING_SECRET,
    fake: slack,
    teamId: 'T0FRONTLINE',
    botUserId: 'U0FRONTLINE',
    transport: options.socketMode ? 'socket' : 'http',
  });
  return {
    running,
    url: running.url,
    slack,
    stripe,
    jira,
    driver,
    database,
    signingSecret: SIGNING_SECRET,
    people: PEOPLE,
    async stop() {
      await running.stop();
      if (reused) return;
      await Promise.all([slack.stop(), stripe.stop(), jira.stop()]);
      await database.drop();
    },
  };
}

/** Runs `/escalate <text>` as `user` (a signed request, answered 200) and answers the id of the form it opened. */
export async function openEscalationForm(app: TestApp, user: string, text: string): Promise<string> {
  const seen = new Set(app.slack.openViews(user).map((view) => view.id));
  const answer = await app.driver.command({ user, channel: 'C0SUPPORT', command: '/escalate', text });
  if (answer.status !== 200) throw new Error(`/escalate was answered ${answer.status}: ${answer.text}`);
  return eventually(() => app.slack.openViews(user).find((view) => !seen.has(view.id))?.id);
}

/**
 * The view a click opened for `user` (one not in `seen`), once what the app read from Stripe has replaced its loading
 * text.
 */
export function loadedView(app: TestApp, user: string, seen: ReadonlySet<string>): Promise<SlackViewOutput> {
  return eventually(() => {
    const view = app.slack.openViews(user).find((candidate) => !seen.has(candidate.id));
    return view && !JSON.stringify(view.blocks ?? []).includes('Reading Stripe') ? view : undefined;
  });
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw last instanceof Error ? last : new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
