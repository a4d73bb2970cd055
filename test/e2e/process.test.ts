import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows } from '../../src/db/client.js';
import { SlackFake } from '../../src/sandbox/fakes/slack-fake.js';
import { SlackDriver } from '../../src/sandbox/slack-driver.js';
import { eventually } from '../support/app.js';
import { DATABASE_KINDS, freshDatabase } from '../support/database.js';
import { freePort, START_TIMEOUT_MS, signalGroup, startProcess, waitForHttp } from '../support/process.js';

const SERVER = ['node', '--import', 'tsx', 'src/main.ts'];

describe('starting and stopping the real process', () => {
  it('npm start with no credentials comes up healthy on the embedded database and local fakes, and stops on SIGTERM', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'frontline-start-'));
    const app = startProcess(['npm', 'start', '--silent'], { PORT: String(port), DATA_DIR: dataDir });
    try {
      const started = Date.now();
      const health = await waitForHttp(`http://127.0.0.1:${port}/healthz`, START_TIMEOUT_MS);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      const ready = await waitForHttp(
        `http://127.0.0.1:${port}/readyz`,
        START_TIMEOUT_MS - (Date.now() - started),
      );
      expect(await ready.json()).toEqual({ status: 'ready', database: 'embedded', migrations: 'applied' });
      // The log is written asynchronously, and the lines naming each integration follow the first one.
      await eventually(() => app.output().includes('local Stripe fake with demo customers'), 20_000);
      expect(app.output()).toContain('Frontline is listening on');
      expect(app.output()).toContain('local Slack sandbox');
      // A process manager signals the main process only: npm must pass it on to the server.
      const stopAt = Date.now();
      if (app.child.pid) process.kill(app.child.pid, 'SIGTERM');
      await app.exited;
      expect(Date.now() - stopAt).toBeLessThan(10_000);
      expect(app.output()).toContain('stopped cleanly');
    } finally {
      signalGroup(app, 'SIGKILL');
    }
  }, 120_000);

  it('refuses bad settings: non-zero exit, one clear line each, no stack trace, no secret', async () => {
    const app = startProcess(SERVER, {
      SLACK_BOT_TOKEN: 'xoxb-secret-value-123',
      STRIPE_SECRET_KEY: 'sk_test_supersecret',
      STRIPE_API_BASE: 'not-a-url',
      PORT: 'seventy',
      FRONTLINE_CONFIG: join(tmpdir(), 'does-not-exist.yml'),
    });
    const code = await app.exited;
    expect(code).not.toBe(0);
    const output = app.output();
    expect(output).toContain('SLACK_SIGNING_SECRET: is missing');
    expect(output).toContain('STRIPE_API_BASE: is not an http(s) URL');
    expect(output).toContain('PORT: is not a valid port');
    expect(output).toContain('FRONTLINE_CONFIG: cannot read');
    expect(output).not.toMatch(/secret-value-123|supersecret/);
    expect(output).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('names DATABASE_URL when its database cannot be reached, without its password', async () => {
    const app = startProcess(SERVER, {
      DATABASE_URL: 'postgres://frontline:db-password-456@127.0.0.1:9/frontline',
      PORT: '0',
    });
    const code = await app.exited;
    expect(code).toBe(1);
    const output = app.output();
    expect(output).toMatch(
      /Frontline could not start: DATABASE_URL: the database could not be opened \(.+\)/,
    );
    expect(output).not.toContain('db-password-456');
    expect(output).not.toMatch(/\n\s+at /);
  }, 30_000);
});

describe.each(DATABASE_KINDS)('a job pending when the process is killed (%s)', (kind) => {
  const slackFakes: SlackFake[] = [];
  afterAll(async () => {
    for (const fake of slackFakes) await fake.stop();
  });

  it('runs exactly once after a restart', async () => {
    const slack = await new SlackFake({ botToken: 'xoxb-kill-test', rateLimit: false }).start();
    slackFakes.push(slack);
    slack.addChannel({ id: 'C0SUPPORT', name: 'support' });
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'frontline-kill-'));
    const database = kind === 'postgres' ? await freshDatabase('postgres') : undefined;
    await database?.handle.close();
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      SLACK_BOT_TOKEN: 'xoxb-kill-test',
      SLACK_SIGNING_SECRET: 'kill-test-secret',
      SLACK_API_URL: `${slack.url}/api/`,
      ...(database?.connection.kind === 'postgres' ? { DATABASE_URL: database.connection.url } : {}),
    };
    const driver = new SlackDriver({
      appUrl: `http://127.0.0.1:${port}`,
      signingSecret: 'kill-test-secret',
      fake: slack,
    });

    // Slack refuses the first posts, so the reply's job is waiting for its retry when the process dies.
    const refuse = slack.inject({
      match: (request) => request.path === '/api/chat.postMessage',
      response: { status: 200, body: { ok: false, error: 'fatal_error' } },
    });
    let app = startProcess(SERVER, env);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/readyz`, START_TIMEOUT_MS);
      const mention = await driver.appMention({ user: 'U0SOMEONE', channel: 'C0SUPPORT', text: 'help' });
      await eventually(
        () => slack.requests.some((request) => request.path === '/api/chat.postMessage'),
        15_000,
      );
      // Let the failed attempt be recorded: the job then waits out its retry delay (1-2 s) when the process dies.
      await new Promise((resolve) => setTimeout(resolve, 300));
      signalGroup(app, 'SIGKILL');
      await app.exited;
      refuse();

      app = startProcess(SERVER, env);
      await waitForHttp(`http://127.0.0.1:${port}/readyz`, START_TIMEOUT_MS);
      const replies = () =>
        slack.thread('C0SUPPORT', mention.message.ts).filter((message) => message.user !== 'U0SOMEONE');
      await eventually(() => replies().length === 1, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(replies()).toHaveLength(1);
      signalGroup(app, 'SIGTERM');
      await app.exited;

      if (database) {
        const reopened = await openDatabase(database.connection);
        const jobs = await queryRows<{ state: string }>(
          reopened.db,
          sql`select state from pgboss.job where name = 'slack.post'`,
        );
        expect(jobs.map((job) => job.state)).toEqual(['completed']);
        await reopened.close();
      }
    } finally {
      signalGroup(app, 'SIGKILL');
      await database?.drop();
    }
  }, 180_000);
});
