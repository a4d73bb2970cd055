import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { queryRows } from '../../src/db/client.js';
import { SLACK_POST_JOB, type SlackPost } from '../../src/jobs/slack-post.js';
import { startFrontline } from '../../src/runtime.js';
import { knownDemoProblem } from '../../src/sandbox/demo/database-demo.js';
import type { SlackFake } from '../../src/sandbox/fakes/slack-fake.js';
import { StripeFake } from '../../src/sandbox/fakes/stripe-fake.js';
import { refuseForeignRequest } from '../../src/sandbox/page.js';
import { DATABASE_KINDS, freshDatabase } from '../support/database.js';
import { freePort, START_TIMEOUT_MS, signalGroup, startProcess, waitForHttp } from '../support/process.js';
import { type Sandbox, startSandbox } from '../support/sandbox.js';

interface Answer {
  status: number;
  body: string;
}

/** A raw HTTP request, so the test chooses every header (fetch will not let it set Host). */
function send(
  base: string,
  input: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  const url = new URL(input.path, base);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: input.method ?? 'GET', headers: { host: url.host, ...input.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(input.body);
  });
}

describe('the sandbox guard', () => {
  const base = { method: 'POST', host: '127.0.0.1:3000', contentType: 'application/json', origin: undefined };
  const PUBLIC_URL = 'https://frontline-demo.example.com';

  it('lets the page itself through: JSON from no origin or its own host, on an address, localhost or PUBLIC_URL', () => {
    for (const request of [
      base,
      { ...base, origin: 'http://127.0.0.1:3000' },
      { ...base, host: 'localhost:3000', origin: 'http://localhost:3000' },
      { ...base, host: '[::1]:3000', origin: 'http://[::1]:3000' },
      { ...base, host: 'frontline-demo.example.com', origin: 'https://frontline-demo.example.com' },
      { ...base, contentType: 'application/json; charset=utf-8' },
      { method: 'GET', host: '127.0.0.1:3000', contentType: undefined, origin: undefined },
    ])
      expect(refuseForeignRequest(request, PUBLIC_URL), JSON.stringify(request)).toBeUndefined();
  });

  it('refuses another origin, a form or text body, and a host name of anyone else', () => {
    expect(refuseForeignRequest({ ...base, origin: 'https://attacker.example' }, PUBLIC_URL)?.status).toBe(
      403,
    );
    expect(refuseForeignRequest({ ...base, origin: 'http://127.0.0.1:4000' }, PUBLIC_URL)?.status).toBe(403);
    expect(refuseForeignRequest({ ...base, origin: 'null' }, PUBLIC_URL)?.status).toBe(403);
    expect(refuseForeignRequest({ ...base, contentType: 'text/plain' }, PUBLIC_URL)?.status).toBe(415);
    expect(
      refuseForeignRequest({ ...base, contentType: 'application/x-www-form-urlencoded' }, PUBLIC_URL)?.status,
    ).toBe(415);
    expect(refuseForeignRequest({ ...base, contentType: undefined }, PUBLIC_URL)?.status).toBe(415);
    // A domain name that resolves to this machine (DNS rebinding) is refused even for reads and same-host origins.
    expect(
      refuseForeignRequest(
        { method: 'GET', host: 'rebind.attacker.example:3000', contentType: undefined, origin: undefined },
        PUBLIC_URL,
      )?.status,
    ).toBe(403);
    expect(
      refuseForeignRequest(
        { ...base, host: 'rebind.attacker.example:3000', origin: 'http://rebind.attacker.example:3000' },
        PUBLIC_URL,
      )?.status,
    ).toBe(403);
    expect(refuseForeignRequest({ ...base, host: undefined }, PUBLIC_URL)?.status).toBe(403);
  });
});

describe.each(DATABASE_KINDS)('a running sandbox answers only its own page (%s)', (kind) => {
  let sandbox: Sandbox;
  let fake: SlackFake;
  const json = { 'content-type': 'application/json' };

  beforeAll(async () => {
    sandbox = await startSandbox(kind);
    fake = sandbox.running.sandbox.slack?.fake as SlackFake;
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('refuses Reset and every other POST from another origin or without JSON; the same origin gets through', async () => {
    const own = new URL(sandbox.url).origin;
    const posted = await send(sandbox.url, {
      method: 'POST',
      path: '/sandbox/api/compose',
      headers: { ...json, origin: own },
      body: JSON.stringify({ user: 'U0SBXL1', channel: 'C0PRODUCT', text: 'Marker that Reset would remove' }),
    });
    expect(posted.status).toBe(200);
    const marker = () => fake.messages('C0PRODUCT').some((m) => m.text === 'Marker that Reset would remove');
    expect(marker()).toBe(true);

    const refused: Array<[Record<string, string>, number]> = [
      [{ ...json, origin: 'https://attacker.example' }, 403],
      [{ ...json, origin: 'null' }, 403],
      [{ 'content-type': 'text/plain' }, 415],
      [{ 'content-type': 'application/x-www-form-urlencoded' }, 415],
      [{ ...json, host: 'rebind.attacker.example' }, 403],
    ];
    for (const [headers, status] of refused) {
      const answer = await send(sandbox.url, {
        method: 'POST',
        path: '/sandbox/api/reset',
        headers,
        body: '{}',
      });
      expect(answer.status, JSON.stringify(headers)).toBe(status);
      expect(JSON.parse(answer.body)).toMatchObject({ error: expect.any(String) });
    }
    const composed = await send(sandbox.url, {
      method: 'POST',
      path: '/sandbox/api/compose',
      headers: { 'content-type': 'text/plain', origin: 'https://attacker.example' },
      body: JSON.stringify({ user: 'U0SBXL1', channel: 'C0PRODUCT', text: 'Posted from elsewhere' }),
    });
    expect(composed.status).toBe(403);
    expect(fake.messages('C0PRODUCT').some((m) => m.text === 'Posted from elsewhere')).toBe(false);
    // Nothing was reset.
    expect(marker()).toBe(true);
    const state = await send(sandbox.url, {
      path: '/sandbox/api/state',
      headers: { host: 'rebind.attacker.example' },
    });
    expect(state.status).toBe(403);
    expect((await send(sandbox.url, { path: '/sandbox/api/state' })).status).toBe(200);

    const reset = await send(sandbox.url, {
      method: 'POST',
      path: '/sandbox/api/reset',
      headers: { ...json, origin: own },
      body: '{}',
    });
    expect(reset.status).toBe(200);
    expect(marker()).toBe(false);
  });

  it('Reset drops the jobs still waiting in the queue, so none acts on the new rows that reuse their ids', async () => {
    const { db, jobs } = sandbox.running.deps;
    const stale: SlackPost = {
      key: 'stale-before-reset',
      channel: 'C0PRODUCT',
      text: 'Stale job after Reset',
    };
    const id = await jobs.enqueue(db, SLACK_POST_JOB, stale, {
      startAfter: new Date(Date.now() + 3_600_000),
    });
    expect(id).toBeTruthy();
    const waiting = async () =>
      (
        await queryRows<{ state: string }>(
          db,
          sql`select state from pgboss.job where id::text = ${String(id)}`,
        )
      ).map((row) => row.state);
    expect(await waiting()).toEqual(['created']);

    const reset = await send(sandbox.url, {
      method: 'POST',
      path: '/sandbox/api/reset',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(reset.status).toBe(200);
    expect(await waiting()).toEqual([]);
    // The queue still works after the purge: a job enqueued now runs.
    await jobs.enqueue(db, SLACK_POST_JOB, { key: 'after-reset', channel: 'C0PRODUCT', text: 'Fresh job' });
    const deadline = Date.now() + 15_000;
    while (!fake.messages('C0PRODUCT').some((m) => m.text === 'Fresh job') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.messages('C0PRODUCT').map((m) => m.text)).toEqual(['Fresh job']);
  });
});

describe('the sandbox page stays off beside a real backend', () => {
  it('without Slack credentials but with a Stripe key: Frontline serves, with no /sandbox, no demo data, and says why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'frontline-sandbox-safety-'));
    const local = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir }, dir);
    const stripe = await new StripeFake().start();
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      {
        write: (line: string) => {
          lines.push(line);
        },
      },
    );
    const running = await startFrontline(
      {
        ...local,
        stripe: {
          mode: 'live',
          secretKey: 'rk_live_stand_in',
          webhookSecret: undefined,
          apiBase: new URL(stripe.url),
        },
      },
      { logger },
    );
    try {
      expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${running.url}/sandbox`)).status).toBe(404);
      expect((await fetch(`${running.url}/sandbox/api/reset`, { method: 'POST' })).status).toBe(404);
      expect(await knownDemoProblem(running.deps.db)).toBeUndefined();
      // Nobody was given a role: the settings hold none of the sandbox people.
      expect(Object.values(running.deps.settings.roles).flatMap((holders) => holders.users)).toEqual([]);
      expect(lines.join('')).toContain('the sandbox page');
      expect(lines.join('')).not.toContain('rk_live_stand_in');
    } finally {
      await running.stop();
      await stripe.stop();
    }
  });

  it('the process without Slack credentials but with a Stripe key (and DATABASE_URL) starts, without the sandbox page', async () => {
    // On the machine's Postgres when the tests have one, so DATABASE_URL is what stands in for real data.
    const database = DATABASE_KINDS.includes('postgres') ? await freshDatabase('postgres') : undefined;
    await database?.handle.close();
    const stripe = await new StripeFake().start();
    const port = await freePort();
    const app = startProcess(['node', '--import', 'tsx', 'src/main.ts'], {
      PORT: String(port),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'frontline-sandbox-off-')),
      STRIPE_SECRET_KEY: 'rk_live_stand_in',
      STRIPE_API_BASE: stripe.url,
      ...(database?.connection.kind === 'postgres' ? { DATABASE_URL: database.connection.url } : {}),
    });
    try {
      const ready = await waitForHttp(`http://127.0.0.1:${port}/readyz`, START_TIMEOUT_MS);
      expect(await ready.json()).toMatchObject({ database: database ? 'postgres' : 'embedded' });
      expect((await fetch(`http://127.0.0.1:${port}/sandbox`)).status).toBe(404);
    } finally {
      signalGroup(app, 'SIGTERM');
      await app.exited;
      await stripe.stop();
      await database?.drop();
    }
    expect(app.output()).toContain('the sandbox page');
    expect(app.output()).not.toContain('rk_live_stand_in');
  }, 120_000);
});
