import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, sandboxIsSafe } from '../../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'frontline-config-'));

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, dir);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

function yaml(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('configuration', () => {
  it('starts with no environment at all: sandbox Slack, embedded database, local Stripe and Jira, seed defaults', () => {
    const config = loadConfig({}, dir);
    expect(config.slack.mode).toBe('sandbox');
    expect(config.database).toEqual({ kind: 'pglite', dataDir: join(dir, '.data') });
    expect(config.stripe.mode).toBe('sandbox');
    expect(config.jira.mode).toBe('sandbox');
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.settings.channels).toEqual({
      intake: ['C0INTAKE'],
      incidents: 'C0INCIDENTS',
      approvals: 'C0APPROVALS',
      product: 'C0PRODUCT',
      marketing: 'C0MARKETING',
    });
  });

  it('picks HTTP mode, Postgres, live Stripe and Jira from their variables', () => {
    const config = loadConfig(
      {
        SLACK_BOT_TOKEN: 'xoxb-1-abc',
        SLACK_SIGNING_SECRET: 'shh',
        SLACK_API_URL: 'http://127.0.0.1:9999/api',
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
        STRIPE_SECRET_KEY: 'rk_test_abc',
        STRIPE_API_BASE: 'http://127.0.0.1:12111',
        JIRA_HOST: 'http://127.0.0.1:8080',
        JIRA_EMAIL: 'bot@example.com',
        JIRA_API_TOKEN: 'token',
        JIRA_PROJECT_KEY: 'BILL',
        PORT: '4100',
      },
      dir,
    );
    expect(config.slack).toEqual({
      mode: 'http',
      botToken: 'xoxb-1-abc',
      signingSecret: 'shh',
      apiUrl: 'http://127.0.0.1:9999/api/',
    });
    expect(config.database.kind).toBe('postgres');
    expect(config.stripe.mode).toBe('live');
    expect(config.jira).toMatchObject({ mode: 'live', projectKey: 'BILL' });
    expect(config.host).toBe('0.0.0.0');
  });

  it('names each bad setting once, says what is expected, and never shows a secret', () => {
    const problems = problemsOf({
      SLACK_BOT_TOKEN: 'xoxb-very-secret-token',
      PORT: '99999',
      SLACK_API_URL: 'not a url',
      STRIPE_SECRET_KEY: 'sk_test_topsecret',
      STRIPE_API_BASE: 'ftp://nope',
      JIRA_HOST: 'https://team.atlassian.net',
      DATABASE_URL: 'mysql://root:hunter2@db/x',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^PORT: .*expected a whole number/),
      expect.stringMatching(/^SLACK_API_URL: is not an http\(s\) URL/),
      expect.stringMatching(
        /^SLACK_SIGNING_SECRET: is missing; it must be set together with SLACK_BOT_TOKEN/,
      ),
      expect.stringMatching(/^DATABASE_URL: is not a Postgres URL/),
      expect.stringMatching(/^STRIPE_API_BASE: is not an http\(s\) URL/),
      expect.stringMatching(/^JIRA_EMAIL: is missing/),
      expect.stringMatching(/^JIRA_API_TOKEN: is missing/),
      expect.stringMatching(/^JIRA_PROJECT_KEY: is missing/),
    ]);
    const text = problems.join('\n');
    for (const secret of ['very-secret-token', 'topsecret', 'hunter2']) expect(text).not.toContain(secret);
  });

  it('refuses half of a Slack pair either way round', () => {
    expect(problemsOf({ SLACK_SIGNING_SECRET: 'shh' })).toEqual([
      'SLACK_BOT_TOKEN: is missing; it must be set together with SLACK_SIGNING_SECRET',
    ]);
    expect(problemsOf({ SLACK_APP_TOKEN: 'xapp-1' })).toEqual([
      'SLACK_BOT_TOKEN: is missing; Socket Mode (SLACK_APP_TOKEN) also needs the bot token',
    ]);
  });

  it('starts beside a real database, Stripe key or Jira account without Slack credentials (the sandbox page stays off)', () => {
    const jira = {
      JIRA_HOST: 'https://team.atlassian.net',
      JIRA_EMAIL: 'bot@example.com',
      JIRA_API_TOKEN: 'jira-secret-token',
      JIRA_PROJECT_KEY: 'RCA',
    };
    const envs: Array<Record<string, string>> = [
      { DATABASE_URL: 'postgres://frontline:hunter2@db.internal/frontline' },
      { STRIPE_SECRET_KEY: 'rk_live_topsecret' },
      jira,
    ];
    for (const env of envs) {
      expect(problemsOf(env)).toEqual([]);
      const config = loadConfig(env, dir);
      expect(config.slack.mode).toBe('sandbox');
      expect(sandboxIsSafe(config)).toBe(false);
      // Still on loopback: without Slack credentials nothing outside this machine has reason to reach it.
      expect(config.host).toBe('127.0.0.1');
    }
  });

  it('calls a configuration safe for the sandbox only when Slack, the database, Stripe and Jira are all local', () => {
    const local = loadConfig({}, dir);
    expect(sandboxIsSafe(local)).toBe(true);
    expect(sandboxIsSafe({ ...local, database: { kind: 'postgres', url: 'postgres://db/x' } })).toBe(false);
    expect(
      sandboxIsSafe({
        ...local,
        stripe: {
          mode: 'live',
          secretKey: 'sk_test_x',
          webhookSecret: undefined,
          apiBase: new URL('https://x.test'),
        },
      }),
    ).toBe(false);
    expect(
      sandboxIsSafe({
        ...local,
        jira: {
          mode: 'live',
          host: 'https://x.test',
          email: 'a@b.c',
          apiToken: 't',
          projectKey: 'RCA',
          webhookSecret: undefined,
        },
      }),
    ).toBe(false);
    expect(sandboxIsSafe(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }, dir))).toBe(
      false,
    );
  });

  it('refuses an unknown role, a bad channel id and an unknown key in the YAML file', () => {
    const path = yaml(
      'roles.yml',
      'roles:\n  superhero: { users: [U0AAA] }\nchannels:\n  incidents: general\nchanels: {}\n',
    );
    expect(problemsOf({ FRONTLINE_CONFIG: path })).toEqual([
      `${path}: channels.incidents: is not a Slack channel id; expected e.g. C0123ABCD`,
      `${path}: roles: unknown role "superhero"; expected one of l1, l2, manager, billing_specialist, vp, legal, engineer`,
      `${path}: unknown key "chanels"; expected only keys Frontline knows (see README)`,
    ]);
  });

  it('reads PORT only as digits', () => {
    for (const port of ['4.33e3', '0x10f0', '1e3', '80.0', 'abc', '-1', '65536'])
      expect(problemsOf({ PORT: port }), port).toEqual([
        'PORT: is not a valid port; expected a whole number from 0 to 65535',
      ]);
    expect(loadConfig({ PORT: '4330' }, dir).port).toBe(4330);
  });

  it('refuses a Jira reconcile schedule that is not a five-field cron, naming the key', () => {
    for (const schedule of ['every ten minutes', '0 0 0 * * * *', '61 * * * *', '*/5 * * * * *']) {
      const path = yaml('cron.yml', `jira:\n  reconcileSchedule: "${schedule}"\n`);
      expect(problemsOf({ FRONTLINE_CONFIG: path }), schedule).toEqual([
        expect.stringMatching(
          new RegExp(
            `^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: jira\\.reconcileSchedule: is not a cron schedule`,
          ),
        ),
      ]);
    }
    const good = yaml('cron-good.yml', 'jira:\n  reconcileSchedule: "*/5 * * * *"\n');
    expect(problemsOf({ FRONTLINE_CONFIG: good })).toEqual([]);
  });

  it('still loads a settings file that names a key no longer read (billing.refundReviewAboveMinor)', () => {
    const path = yaml(
      'old-billing.yml',
      'billing:\n  refundReviewAboveMinor: 100000\n  refundWindowDays: 14\n',
    );
    expect(problemsOf({ FRONTLINE_CONFIG: path })).toEqual([]);
    expect(loadConfig({ FRONTLINE_CONFIG: path }, dir).settings.billing.refundWindowDays).toBe(14);
  });

  it('refuses malformed YAML with its line, and a missing file', () => {
    const path = yaml('broken.yml', 'channels:\n  intake: [C0AAA\n  incidents: C0BBB\n');
    const [first] = problemsOf({ FRONTLINE_CONFIG: path });
    expect(first).toMatch(new RegExp(`^${path}: line \\d+, column \\d+: malformed YAML`));
    expect(problemsOf({ FRONTLINE_CONFIG: join(dir, 'missing.yml') })).toEqual([
      `FRONTLINE_CONFIG: cannot read ${join(dir, 'missing.yml')}; expected a readable YAML file`,
    ]);
  });

  it('reads roles from the YAML file with user groups', () => {
    const path = yaml('ok.yml', 'roles:\n  manager: { users: [U0MGR], usergroups: [S0LEADS] }\n');
    const config = loadConfig({ FRONTLINE_CONFIG: path }, dir);
    expect(config.settings.roles.manager).toEqual({ users: ['U0MGR'], usergroups: ['S0LEADS'] });
    expect(config.settings.roles.l1).toEqual({ users: [], usergroups: [] });
  });
});
