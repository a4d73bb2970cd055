import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jiraWebhookDeliveries, stripeEvents } from '../../src/db/schema/index.js';
import { JIRA_WEBHOOK_MAX_BYTES } from '../../src/web/jira-webhook.js';
import { STRIPE_WEBHOOK_MAX_BYTES } from '../../src/web/stripe-webhook.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/database.js';

const STRIPE_SECRET = 'whsec_test_frontline';
const JIRA_SECRET = 'jira-webhook-secret';

interface Sent {
  status: number;
  /** Body bytes the client had written when the answer came. */
  written: number;
}

/**
 * POSTs a body through the app's real HTTP server, written in 64 KB chunks as the socket takes them until all of it
 * (`body`, or `total` filler bytes) is written or until the server answers, whichever comes first. Without
 * `contentLength` the body goes chunked. (Not `fetch`: undici reports a server that answers early and closes the
 * connection as a socket error, not as its answer.)
 */
function post(
  url: string,
  headers: Record<string, string>,
  {
    body,
    total = body?.length ?? 0,
    contentLength,
    timeoutMs = 10_000,
  }: { body?: Buffer; total?: number; contentLength?: number; timeoutMs?: number },
): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    let written = 0;
    let answered = false;
    const timer = setTimeout(() => {
      outgoing.destroy();
      reject(new Error(`no answer after ${written} bytes`));
    }, timeoutMs);
    const outgoing = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          ...headers,
          ...(contentLength === undefined ? {} : { 'content-length': String(contentLength) }),
        },
      },
      (response) => {
        answered = true;
        clearTimeout(timer);
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, written }));
        response.on('error', reject);
      },
    );
    // The server may close the connection once it has answered; writes after that fail and do not matter.
    outgoing.on('error', (error) => {
      if (!answered) {
        clearTimeout(timer);
        reject(error);
      }
    });
    const filler = Buffer.alloc(64 * 1024, 'a');
    const pump = () => {
      while (!answered && written < total) {
        const size = Math.min(filler.length, total - written);
        const chunk = body ? body.subarray(written, written + size) : filler.subarray(0, size);
        written += size;
        if (!outgoing.write(chunk)) {
          outgoing.once('drain', pump);
          return;
        }
      }
      // A declared length that was not all written stays open: the server must answer without the rest.
      if (!answered && (contentLength === undefined || written === contentLength)) outgoing.end();
    };
    pump();
  });
}

function stripeEvent(id: string, padding: number): string {
  return JSON.stringify({
    id,
    object: 'event',
    type: 'invoice.payment_failed',
    created: Math.floor(Date.now() / 1000),
    api_version: '2025-01-27.acacia',
    livemode: false,
    data: {
      object: {
        id: 'in_Oversized1',
        object: 'invoice',
        customer: 'cus_DemoBrightleaf',
        amount_due: 24_900,
        currency: 'usd',
        description: 'x'.repeat(padding),
      },
    },
  });
}

function jiraEvent(padding: number): string {
  return JSON.stringify({
    timestamp: Date.now(),
    webhookEvent: 'jira:issue_updated',
    issue: { id: '10001', key: 'RCA-1', fields: { description: 'x'.repeat(padding) } },
  });
}

const jiraSignature = (body: string) =>
  `sha256=${createHmac('sha256', JIRA_SECRET).update(body).digest('hex')}`;

describe.each(DATABASE_KINDS)('webhook body limits (%s)', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ kind, workJobs: false });
  });
  afterAll(async () => app?.stop());

  it('answers 413 to a signed Stripe event over 1 MB and keeps nothing', async () => {
    const payload = stripeEvent('evt_Oversized', STRIPE_WEBHOOK_MAX_BYTES);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
    const sent = await post(
      `${app.url}/webhooks/stripe`,
      { 'stripe-signature': signature },
      { body: Buffer.from(payload), contentLength: Buffer.byteLength(payload) },
    );
    expect(sent.status).toBe(413);
    expect(
      await app.running.deps.db.select().from(stripeEvents).where(eq(stripeEvents.id, 'evt_Oversized')),
    ).toEqual([]);
  });

  it('still keeps a signed Stripe event just under the limit', async () => {
    const payload = stripeEvent('evt_JustUnder', STRIPE_WEBHOOK_MAX_BYTES - 4096);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
    const answer = await fetch(`${app.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body: payload,
    });
    expect(answer.status).toBe(200);
  });

  it('answers a Stripe Content-Length over the limit before the body is sent', async () => {
    const sent = await post(
      `${app.url}/webhooks/stripe`,
      { 'stripe-signature': 't=1,v1=00' },
      { total: 64 * 1024, contentLength: 300 * 1024 * 1024, timeoutMs: 5_000 },
    );
    expect(sent.status).toBe(413);
  });

  it('stops reading a chunked Stripe body once it passes the limit', async () => {
    const sent = await post(
      `${app.url}/webhooks/stripe`,
      { 'stripe-signature': 't=1,v1=00' },
      { total: 64 * 1024 * 1024 },
    );
    expect(sent.status).toBe(413);
    // Answered after about the limit (plus what the sockets buffer), not after the whole 64 MB.
    expect(sent.written).toBeLessThan(STRIPE_WEBHOOK_MAX_BYTES + 8 * 1024 * 1024);
  });

  it('answers 413 to a signed Jira event over 5 MB and records no delivery', async () => {
    const body = jiraEvent(JIRA_WEBHOOK_MAX_BYTES);
    const sent = await post(
      `${app.url}/webhooks/jira`,
      { 'x-hub-signature': jiraSignature(body), 'x-atlassian-webhook-identifier': 'oversized-1' },
      { body: Buffer.from(body), contentLength: Buffer.byteLength(body) },
    );
    expect(sent.status).toBe(413);
    expect(
      await app.running.deps.db
        .select()
        .from(jiraWebhookDeliveries)
        .where(eq(jiraWebhookDeliveries.identifier, 'oversized-1')),
    ).toEqual([]);
  });

  it('still takes a signed Jira event with a long description under the limit', async () => {
    const body = jiraEvent(2 * 1024 * 1024);
    const answer = await fetch(`${app.url}/webhooks/jira`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature': jiraSignature(body),
        'x-atlassian-webhook-identifier': 'large-but-fine-1',
      },
      body,
    });
    expect(answer.status).toBe(200);
  });

  it('answers a Jira Content-Length over the limit before the body is sent', async () => {
    const sent = await post(
      `${app.url}/webhooks/jira`,
      {},
      { total: 64 * 1024, contentLength: 300 * 1024 * 1024, timeoutMs: 5_000 },
    );
    expect(sent.status).toBe(413);
  });

  it('stops reading a chunked Jira body once it passes the limit', async () => {
    const sent = await post(`${app.url}/webhooks/jira`, {}, { total: 64 * 1024 * 1024 });
    expect(sent.status).toBe(413);
    expect(sent.written).toBeLessThan(JIRA_WEBHOOK_MAX_BYTES + 8 * 1024 * 1024);
  });
});
