import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { jiraWebhookRoutes } from '../../src/web/jira-webhook.js';
import { stripeWebhookRoutes } from '../../src/web/stripe-webhook.js';

const STRIPE_SECRET = 'whsec_refusal_test_secret';
const JIRA_SECRET = 'jira-refusal-test-secret';
const BODY_MARKER = 'body-marker-never-logged';

/** A logger that keeps every line it writes, parsed. */
function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** A request body that records whether anyone read it. */
function watchedBody(text: string): { body: ReadableStream<Uint8Array>; read: () => boolean } {
  let pulled = false;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulled = true;
        controller.enqueue(new TextEncoder().encode(text));
        controller.close();
      },
    },
    // Nothing is pulled ahead of a reader.
    { highWaterMark: 0 },
  );
  return { body, read: () => pulled };
}

function expectLoggedOnce(lines: Array<Record<string, unknown>>, message: RegExp, secret: string) {
  const warnings = lines.filter((line) => line.level === 40);
  expect(warnings).toHaveLength(1);
  expect(String(warnings[0]?.msg)).toMatch(message);
  const logged = JSON.stringify(lines);
  expect(logged).not.toContain(secret);
  expect(logged).not.toContain(BODY_MARKER);
}

describe('Stripe webhook refusals', () => {
  const routes = (secret: string | undefined) => {
    const { logger, lines } = capturedLogger();
    const web = stripeWebhookRoutes({
      db: {} as never,
      stripe: new Stripe('sk_test_refusals'),
      secret,
      logger,
    });
    return { web, lines };
  };
  const payload = JSON.stringify({ id: 'evt_Refused', marker: BODY_MARKER });

  it('logs once, and reads no body, when no secret is configured', async () => {
    const { web, lines } = routes(undefined);
    const { body, read } = watchedBody(payload);
    const answer = await web.request('/webhooks/stripe', {
      method: 'POST',
      headers: { 'stripe-signature': 't=1,v1=00' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(answer.status).toBe(503);
    expect(read()).toBe(false);
    expectLoggedOnce(lines, /STRIPE_WEBHOOK_SECRET/, STRIPE_SECRET);
  });

  it('logs once when the Stripe-Signature header is missing', async () => {
    const { web, lines } = routes(STRIPE_SECRET);
    const answer = await web.request('/webhooks/stripe', { method: 'POST', body: payload });
    expect(answer.status).toBe(400);
    expectLoggedOnce(lines, /Stripe-Signature/, STRIPE_SECRET);
  });

  it('logs once when the signature is wrong', async () => {
    const { web, lines } = routes(STRIPE_SECRET);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_someone_else' });
    const answer = await web.request('/webhooks/stripe', {
      method: 'POST',
      headers: { 'stripe-signature': signature },
      body: payload,
    });
    expect(answer.status).toBe(400);
    expectLoggedOnce(lines, /invalid signature/, STRIPE_SECRET);
  });

  it('logs once when the body is over the limit', async () => {
    const { web, lines } = routes(STRIPE_SECRET);
    const answer = await web.request('/webhooks/stripe', {
      method: 'POST',
      headers: { 'stripe-signature': 't=1,v1=00', 'content-length': String(2 * 1024 * 1024) },
      body: payload,
    });
    expect(answer.status).toBe(413);
    expectLoggedOnce(lines, /size limit/, STRIPE_SECRET);
  });
});

describe('Jira webhook refusals', () => {
  const routes = (secret: string | undefined) => {
    const { logger, lines } = capturedLogger();
    // Refusals answer before anything but the logger is used.
    const web = jiraWebhookRoutes({ logger, secret } as unknown as Parameters<typeof jiraWebhookRoutes>[0]);
    return { web, lines };
  };
  const sign = (raw: string) => `sha256=${createHmac('sha256', JIRA_SECRET).update(raw).digest('hex')}`;

  it('refuses without reading the body, and logs once, when no secret is configured', async () => {
    const { web, lines } = routes(undefined);
    const { body, read } = watchedBody(`{"marker":"${BODY_MARKER}"}`);
    const answer = await web.request('/webhooks/jira', {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);
    expect(answer.status).toBe(401);
    expect(read()).toBe(false);
    expectLoggedOnce(lines, /JIRA_WEBHOOK_SECRET/, JIRA_SECRET);
  });

  it('logs once when the signature is wrong', async () => {
    const { web, lines } = routes(JIRA_SECRET);
    const answer = await web.request('/webhooks/jira', {
      method: 'POST',
      headers: { 'x-hub-signature': `sha256=${'0'.repeat(64)}`, 'x-atlassian-webhook-identifier': 'w-1' },
      body: `{"marker":"${BODY_MARKER}"}`,
    });
    expect(answer.status).toBe(401);
    expectLoggedOnce(lines, /valid signature/, JIRA_SECRET);
  });

  it('logs once when the delivery identifier is missing', async () => {
    const { web, lines } = routes(JIRA_SECRET);
    const raw = `{"marker":"${BODY_MARKER}"}`;
    const answer = await web.request('/webhooks/jira', {
      method: 'POST',
      headers: { 'x-hub-signature': sign(raw) },
      body: raw,
    });
    expect(answer.status).toBe(400);
    expectLoggedOnce(lines, /Identifier/, JIRA_SECRET);
  });

  it('logs once when a signed body is not JSON', async () => {
    const { web, lines } = routes(JIRA_SECRET);
    const raw = `not json ${BODY_MARKER}`;
    const answer = await web.request('/webhooks/jira', {
      method: 'POST',
      headers: { 'x-hub-signature': sign(raw), 'x-atlassian-webhook-identifier': 'w-2' },
      body: raw,
    });
    expect(answer.status).toBe(400);
    expectLoggedOnce(lines, /not JSON/, JIRA_SECRET);
  });

  it('logs once when the body is over the limit', async () => {
    const { web, lines } = routes(JIRA_SECRET);
    const answer = await web.request('/webhooks/jira', {
      method: 'POST',
      headers: { 'content-length': String(6 * 1024 * 1024) },
      body: `{"marker":"${BODY_MARKER}"}`,
    });
    expect(answer.status).toBe(413);
    expectLoggedOnce(lines, /size limit/, JIRA_SECRET);
  });
});

describe('webhook routes and methods', () => {
  it.each([
    ['/webhooks/stripe', 'GET'],
    ['/webhooks/stripe', 'PUT'],
    ['/webhooks/jira', 'GET'],
    ['/webhooks/jira', 'DELETE'],
  ])('%s answers %s with 405 and Allow: POST', async (path, method) => {
    const { logger } = capturedLogger();
    const deps = { logger, secret: 'unused' } as never;
    const web = path.includes('stripe') ? stripeWebhookRoutes(deps) : jiraWebhookRoutes(deps);
    const answer = await web.request(path, { method });
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('POST');
  });
});
