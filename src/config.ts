import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ROLE_NAMES, type Settings, settingsSchema } from './config/settings.js';

/**
 * Every setting Frontline reads, in one place: environment variables (secrets, endpoints, process settings) and
 * the YAML file (how the team works: channels, roles, limits, weights). Both are validated at start-up; a bad
 * setting stops the process with one line per problem and never prints a secret's value.
 */

export type { Settings } from './config/settings.js';

export type SlackConnection =
  | { mode: 'http'; botToken: string; signingSecret: string; apiUrl: string }
  | { mode: 'socket'; botToken: string; appToken: string; signingSecret: string | undefined; apiUrl: string }
  /** No Slack credentials: the in-process Slack fake stands in (local sandbox and tests). */
  | { mode: 'sandbox' };

export type DatabaseConnection = { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };

export type StripeConnection =
  | { mode: 'live'; secretKey: string; webhookSecret: string | undefined; apiBase: URL }
  | { mode: 'sandbox'; webhookSecret: string | undefined };

export type JiraConnection =
  | {
      mode: 'live';
      host: string;
      email: string;
      apiToken: string;
      projectKey: string;
      webhookSecret: string | undefined;
    }
  | { mode: 'sandbox'; projectKey: string; webhookSecret: string | undefined };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  /** Interface to bind; loopback when Slack is the local sandbox, unless `HOST` says otherwise. */
  host: string;
  publicUrl: string;
  logLevel: LogLevel;
  slack: SlackConnection;
  database: DatabaseConnection;
  stripe: StripeConnection;
  jira: JiraConnection;
  settings: Settings;
  /** Where the settings came from, for the start-up log. */
  settingsSource: string;
}

/** Names of environment variables whose values must never appear in output. */
export const SECRET_VARIABLES = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'DATABASE_URL',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'JIRA_API_TOKEN',
  'JIRA_WEBHOOK_SECRET',
] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Reads an optional variable; an empty string counts as unset. */
function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const problem = (name: string, text: string) => problems.push(`${name}: ${text}`);

  const portText = read(env, 'PORT');
  const port = portText === undefined ? 3000 : Number(portText);
  // Digits only: Number() would also read "4.33e3", "0x10f0" or "1e3" as a port.
  const portIsValid =
    (portText === undefined || /^\d{1,5}$/.test(portText.trim())) &&
    Number.isInteger(port) &&
    port >= 0 &&
    port <= 65535;
  if (!portIsValid) {
    problem('PORT', 'is not a valid port; expected a whole number from 0 to 65535');
  }

  const logLevel = (read(env, 'LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problem('LOG_LEVEL', `is not a known level; expected one of ${LOG_LEVELS.join(', ')}`);
  }

  // Slack: HTTP mode needs the token and the signing secret together; Socket Mode needs the app token and the
  // bot token. With none of them, the local sandbox stands in.
  const botToken = read(env, 'SLACK_BOT_TOKEN');
  const signingSecret = read(env, 'SLACK_SIGNING_SECRET');
  const appToken = read(env, 'SLACK_APP_TOKEN');
  const slackApiUrl = read(env, 'SLACK_API_URL') ?? 'https://slack.com/api/';
  if (!isHttpUrl(slackApiUrl))
    problem('SLACK_API_URL', 'is not an http(s) URL; expected e.g. https://slack.com/api/');
  let slack: SlackConnection = { mode: 'sandbox' };
  if (appToken) {
    if (!botToken)
      problem('SLACK_BOT_TOKEN', 'is missing; Socket Mode (SLACK_APP_TOKEN) also needs the bot token');
    if (!appToken.startsWith('xapp-'))
      problem('SLACK_APP_TOKEN', 'does not look like an app-level token (xapp-…)');
    slack = {
      mode: 'socket',
      botToken: botToken ?? '',
      appToken,
      signingSecret,
      apiUrl: normaliseApiUrl(slackApiUrl),
    };
  } else if (botToken || signingSecret) {
    if (!botToken)
      problem('SLACK_BOT_TOKEN', 'is missing; it must be set together with SLACK_SIGNING_SECRET');
    if (!signingSecret)
      problem('SLACK_SIGNING_SECRET', 'is missing; it must be set together with SLACK_BOT_TOKEN');
    slack = {
      mode: 'http',
      botToken: botToken ?? '',
      signingSecret: signingSecret ?? '',
      apiUrl: normaliseApiUrl(slackApiUrl),
    };
  }
  if (botToken && !/^xox[bp]-/.test(botToken)) {
    problem('SLACK_BOT_TOKEN', 'does not look like a bot token; expected a value starting with xoxb-');
  }

  const databaseUrl = read(env, 'DATABASE_URL');
  let database: DatabaseConnection = {
    kind: 'pglite',
    dataDir: resolve(cwd, read(env, 'DATA_DIR') ?? '.data'),
  };
  if (databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
      problem('DATABASE_URL', 'is not a Postgres URL; expected postgres://user@host:port/database');
    } else {
      database = { kind: 'postgres', url: databaseUrl };
    }
  }

  const stripeKey = read(env, 'STRIPE_SECRET_KEY');
  const stripeWebhookSecret = read(env, 'STRIPE_WEBHOOK_SECRET');
  const stripeBase = read(env, 'STRIPE_API_BASE') ?? 'https://api.stripe.com';
  let stripe: StripeConnection = { mode: 'sandbox', webhookSecret: stripeWebhookSecret };
  if (!isHttpUrl(stripeBase)) {
    problem('STRIPE_API_BASE', 'is not an http(s) URL; expected e.g. https://api.stripe.com');
  } else if (stripeKey) {
    if (!/^(sk|rk)_(test|live)_/.test(stripeKey)) {
      problem('STRIPE_SECRET_KEY', 'does not look like a Stripe key; expected sk_… or a restricted rk_… key');
    }
    stripe = {
      mode: 'live',
      secretKey: stripeKey,
      webhookSecret: stripeWebhookSecret,
      apiBase: new URL(stripeBase),
    };
  }
  if (stripeWebhookSecret && !stripeWebhookSecret.startsWith('whsec_')) {
    problem('STRIPE_WEBHOOK_SECRET', 'does not look like a webhook signing secret; expected whsec_…');
  }

  const jiraHost = read(env, 'JIRA_HOST');
  const jiraEmail = read(env, 'JIRA_EMAIL');
  const jiraToken = read(env, 'JIRA_API_TOKEN');
  const jiraProject = read(env, 'JIRA_PROJECT_KEY');
  const jiraWebhookSecret = read(env, 'JIRA_WEBHOOK_SECRET');
  let jira: JiraConnection = {
    mode: 'sandbox',
    projectKey: jiraProject ?? 'RCA',
    webhookSecret: jiraWebhookSecret,
  };
  if (jiraProject && !/^[A-Z][A-Z0-9_]{1,9}$/.test(jiraProject)) {
    problem(
      'JIRA_PROJECT_KEY',
      'is not a Jira project key; expected 2-10 capital letters or digits, e.g. RCA',
    );
  }
  if (jiraHost || jiraEmail || jiraToken) {
    const missing = (
      [
        ['JIRA_HOST', jiraHost],
        ['JIRA_EMAIL', jiraEmail],
        ['JIRA_API_TOKEN', jiraToken],
        ['JIRA_PROJECT_KEY', jiraProject],
      ] as const
    ).filter(([, value]) => !value);
    for (const [name] of missing)
      problem(
        name,
        'is missing; Jira needs JIRA_HOST, JIRA_EMAIL, JIRA_API_TOKEN and JIRA_PROJECT_KEY together',
      );
    if (jiraHost && !isHttpUrl(jiraHost))
      problem('JIRA_HOST', 'is not an http(s) URL; expected e.g. https://your-team.atlassian.net');
    if (missing.length === 0 && jiraHost && isHttpUrl(jiraHost)) {
      jira = {
        mode: 'live',
        host: jiraHost,
        email: jiraEmail ?? '',
        apiToken: jiraToken ?? '',
        projectKey: jiraProject ?? '',
        webhookSecret: jiraWebhookSecret,
      };
    }
  }

  const host = read(env, 'HOST') ?? (slack.mode === 'sandbox' ? '127.0.0.1' : '0.0.0.0');
  const publicUrlText = read(env, 'PUBLIC_URL') ?? `http://localhost:${portIsValid ? port : 3000}`;
  if (!isHttpUrl(publicUrlText))
    problem('PUBLIC_URL', 'is not an http(s) URL; expected e.g. https://frontline.example.com');

  const { settings, source, settingsProblems } = loadSettings(read(env, 'FRONTLINE_CONFIG'), cwd);
  problems.push(...settingsProblems);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host,
    publicUrl: publicUrlText.replace(/\/+$/, ''),
    logLevel,
    slack,
    database,
    stripe,
    jira,
    settings: settings as Settings,
    settingsSource: source,
  };
}

/**
 * Whether this configuration may run the local sandbox page: Slack is the local fake, and so are the database
 * (embedded), Stripe and Jira. The page gives every role to whoever opens it, seeds demo data and empties the
 * database on Reset, so beside a real database, Stripe account or Jira site (Slack credentials not set yet) Frontline
 * starts without it and says why.
 */
export function sandboxIsSafe(config: Pick<Config, 'slack' | 'database' | 'stripe' | 'jira'>): boolean {
  return (
    config.slack.mode === 'sandbox' &&
    config.database.kind === 'pglite' &&
    config.stripe.mode === 'sandbox' &&
    config.jira.mode === 'sandbox'
  );
}

function normaliseApiUrl(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

function loadSettings(
  explicitPath: string | undefined,
  cwd: string,
): { settings: Settings | undefined; source: string; settingsProblems: string[] } {
  const defaultPath = resolve(cwd, 'frontline.yml');
  const path = explicitPath ? resolve(cwd, explicitPath) : existsSync(defaultPath) ? defaultPath : undefined;
  if (!path) return parseSettings({}, 'built-in defaults');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {
      settings: undefined,
      source: path,
      settingsProblems: [`FRONTLINE_CONFIG: cannot read ${path}; expected a readable YAML file`],
    };
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, lineCounter });
  if (document.errors.length > 0) {
    return {
      settings: undefined,
      source: path,
      settingsProblems: document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        const what = error.code.toLowerCase().replaceAll('_', ' ');
        return `${path}: line ${line}, column ${col}: malformed YAML (${what}); expected a YAML mapping of settings`;
      }),
    };
  }
  return parseSettings(document.toJS() ?? {}, path);
}

export function parseSettings(
  input: unknown,
  source: string,
): { settings: Settings | undefined; source: string; settingsProblems: string[] } {
  const result = settingsSchema.safeParse(input);
  if (result.success) return { settings: result.data, source, settingsProblems: [] };
  return {
    settings: undefined,
    source,
    settingsProblems: result.error.issues.map((issue) => describeIssue(source, issue)),
  };
}

function describeIssue(source: string, issue: z.core.$ZodIssue): string {
  const key = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  let text: string;
  switch (issue.code) {
    case 'unrecognized_keys':
      if (key === 'roles') {
        const names = issue.keys.map((k) => `"${k}"`).join(', ');
        return `${source}: roles: unknown role ${names}; expected one of ${ROLE_NAMES.join(', ')}`;
      }
      text = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      return `${source}: ${key === '(top level)' ? '' : `${key}: `}${text}; expected only keys Frontline knows (see README)`;
    default:
      text = issue.message;
  }
  return `${source}: ${key}: ${text}`;
}
