/**
 * A stateful local Stripe API that the real `stripe` SDK talks to over HTTP (API version 2026-10-28), for tests and
 * the app's no-credentials mode.
 *
 *   const fake = await new StripeFake({ now: () => clock }).start();
 *   const stripe = new Stripe('sk_test_x', { ...fake.clientOptions(), maxNetworkRetries: 2 });
 *
 * Wire format: Bearer `sk_`/`rk_` keys, form-encoded bodies with bracket nesting, `expand[]`, list pagination, search
 * (`/search?query=`), Stripe's error bodies and status codes, `Request-Id` headers, and idempotency keys (a repeat
 * replays the first answer with `Idempotent-Replayed: true`; the same key with other parameters is a 400
 * `idempotency_error`). Objects start from Stripe's own example bodies and are stored in their wire shape in
 * `fake.state` (Maps keyed by id). Every state change records an event (`GET /v1/events`), and
 * `webhookPayload` + `signedWebhookHeader` turn one into a request Stripe would send.
 *
 * Seeding (`fake.seed`) writes backdated history directly, through the same billing rules as the API:
 *
 *   const card = { last4: '4242', expMonth: 3, expYear: 2027 };
 *   const customer = fake.seed.customer({ email: 'ap@example.com', name: 'Example Ltd', card });
 *   const { subscription, latestInvoice } = fake.seed.subscription({
 *     customer: customer.id, items: [{ price: priceId, quantity: 50 }], start: monthsAgo(22),
 *     latestInvoice: 'open',                 // every earlier period is paid; this one is left open
 *   });
 *   fake.seed.failedPayment({ invoice: latestInvoice.id, declineCode: 'insufficient_funds', at: daysAgo(3) });
 *   fake.seed.charge({ customer: customer.id, amount: 4900, at: minutesAgo(3) });   // a charge outside invoices
 *   fake.seed.refund({ charge: chargeId, amount: 1000 });
 *
 * Times given to seeding are `Date`s or epoch milliseconds; stored timestamps are unix seconds. `fake.reset()`
 * returns to the state as it was when the first API request arrived after seeding (or now, if none has).
 * Faults: `rateLimitNext`, `failNext`, `cardErrorNext` (plus the base class's `inject`). `runBilling()` renews
 * every subscription whose period has ended by `now()` and retries due invoices, like time passing in Stripe.
 */
import { createHash, createHmac } from 'node:crypto';
import { type FakeResponse, HttpFake, type HttpFakeOptions, type RecordedRequest } from './http-fake.js';
import { Billing } from './stripe/billing.js';
import { FakeEnv } from './stripe/env.js';
import { cardErrorBody, type StripeErrorBody, StripeFakeError } from './stripe/errors.js';
import { expandPaths } from './stripe/expand.js';
import { IdGenerator } from './stripe/ids.js';
import { newestFirst } from './stripe/listing.js';
import { API_VERSION } from './stripe/objects.js';
import { invoicePage, portalPage, receiptPage } from './stripe/pages.js';
import { optionalStringList, type Params, parseParams } from './stripe/params.js';
import { Router } from './stripe/router.js';
import { catalogRoutes } from './stripe/routes/catalog.js';
import { customerRoutes } from './stripe/routes/customers.js';
import { invoiceRoutes } from './stripe/routes/invoices.js';
import { paymentRoutes } from './stripe/routes/payments.js';
import { scheduleRoutes } from './stripe/routes/schedules.js';
import { subscriptionRoutes } from './stripe/routes/subscriptions.js';
import { StripeSeeder } from './stripe/seed.js';
import {
  type CardDecline,
  type FakeEvent,
  type JsonObject,
  restoreState,
  type StripeState,
} from './stripe/types.js';

export type { CardSeed, SeededPayment, SeededSubscription, When } from './stripe/seed.js';
export { StripeSeeder } from './stripe/seed.js';
export type { CardDecline, FakeEvent, StripeState } from './stripe/types.js';

export interface StripeFakeOptions extends HttpFakeOptions {
  /** The fake's clock in epoch milliseconds (`Date.now` by default); timestamps it writes come from it. */
  now?: () => number;
}

interface StoredAnswer {
  fingerprint: string;
  requestId: string;
  response: FakeResponse;
}

/** Fields holding links to pages the fake serves; stored as paths, sent as absolute URLs. */
const LINK_FIELDS = new Set(['url', 'hosted_invoice_url', 'invoice_pdf', 'receipt_url']);

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

function errorResponse(status: number, body: StripeErrorBody, headers: Record<string, string>): FakeResponse {
  return { status, headers, body: { error: body } };
}

export class StripeFake extends HttpFake {
  /** Everything the fake holds, keyed by id; read it in assertions, change it only through `seed` or the API. */
  readonly state: StripeState;
  /** Writes backdated history without HTTP; see the top of this file. */
  readonly seed: StripeSeeder;
  readonly now: () => number;
  private readonly env: FakeEnv;
  private readonly billing: Billing;
  private readonly router = new Router([
    ...customerRoutes,
    ...catalogRoutes,
    ...subscriptionRoutes,
    ...scheduleRoutes,
    ...invoiceRoutes,
    ...paymentRoutes,
  ]);
  private readonly answers = new Map<string, StoredAnswer>();
  private baseline: StripeState | null = null;
  private seededSinceBaseline = true;

  constructor(options: StripeFakeOptions = {}) {
    super(options);
    this.now = options.now ?? Date.now;
    this.env = new FakeEnv(new IdGenerator(options.random ?? Math.random), this.now);
    this.state = this.env.state;
    this.billing = new Billing(this.env);
    this.seed = new StripeSeeder(this.env, this.billing, () => {
      this.seededSinceBaseline = true;
    });
  }

  /** Options for `new Stripe(key, { ...fake.clientOptions() })`. */
  clientOptions(): { host: string; port: number; protocol: 'http' } {
    return {
      host: new URL(this.url).hostname.replace(/^\[(.*)\]$/, '$1'),
      port: this.port,
      protocol: 'http',
    };
  }

  // ---------------------------------------------------------------- faults

  /** The next `count` requests get a 429 that Stripe marks retryable (`Stripe-Should-Retry: true`). */
  rateLimitNext(count = 1): () => void {
    return this.inject({
      times: count,
      response: {
        status: 429,
        headers: { 'Request-Id': this.requestId(), 'Stripe-Should-Retry': 'true' },
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'rate_limit',
            message: 'Request rate limit exceeded; retry with exponential backoff.',
          },
        },
      },
    });
  }

  /** The next `count` requests fail with `status` (a 5xx or 409 is retried by the SDK) without changing anything. */
  failNext(count = 1, status = 500): () => void {
    return this.inject({
      times: count,
      response: {
        status,
        headers: { 'Request-Id': this.requestId() },
        body: {
          error:
            status === 409
              ? {
                  type: 'invalid_request_error',
                  code: 'lock_timeout',
                  message: 'Another request is changing this object right now; retry shortly.',
                }
              : { type: 'api_error', message: 'An unknown error occurred' },
        },
      },
    });
  }

  /** The next POST (or the next request `match` accepts) is declined with a 402 `card_error`, changing nothing. */
  cardErrorNext(decline: CardDecline, match?: (request: RecordedRequest) => boolean): () => void {
    return this.inject({
      times: 1,
      match: match ?? ((request) => request.method === 'POST'),
      response: {
        status: 402,
        headers: { 'Request-Id': this.requestId() },
        body: { error: cardErrorBody(decline, { charge: `ch_${this.env.ids.token(24)}` }) },
      },
    });
  }

  /** Makes every later charge on a card decline (or succeed again, with `null`). */
  setCardDecline(paymentMethodId: string, decline: CardDecline | null): void {
    if (decline) this.state.declines.set(paymentMethodId, decline);
    else this.state.declines.delete(paymentMethodId);
  }

  /** Forgets every idempotency key, as Stripe does 24 hours after a key's first use. */
  expireIdempotencyKeys(): void {
    this.answers.clear();
  }

  // ---------------------------------------------------------------- state

  /**
   * Restores the seeded state, and forgets idempotency keys, faults and recorded requests. Ids keep counting, so
   * events after a reset never reuse an id the app may have seen.
   */
  reset(): void {
    this.captureBaseline();
    if (this.baseline) restoreState(this.state, this.baseline);
    this.answers.clear();
    this.clearFaults();
    this.clearRequests();
  }

  /** Bills every subscription whose current period has ended by `now()`; answers how many invoices it made. */
  runBilling(): number {
    const before = this.state.invoices.size;
    const until = this.env.nowSec();
    for (const subscription of [...this.state.subscriptions.values()])
      this.billing.advance(subscription, until);
    return this.state.invoices.size - before;
  }

  /** Events of one type, newest first. */
  eventsOfType(type: string): FakeEvent[] {
    return newestFirst([...this.state.events.values()].filter((event) => event.type === type));
  }

  /** The body Stripe would POST to a webhook endpoint for this event. */
  webhookPayload(event: FakeEvent | string): string {
    const found = typeof event === 'string' ? this.state.events.get(event) : event;
    if (!found) throw new Error(`No such event: ${String(event)}`);
    return JSON.stringify(this.absolutize(this.env.render(found)), null, 2);
  }

  /**
   * A `Stripe-Signature` header for `payload`: `t=<timestamp>,v1=<hex HMAC-SHA256 of "t.payload">`. The timestamp
   * defaults to the real clock, which is what `stripe.webhooks.constructEvent` checks its tolerance against.
   */
  signedWebhookHeader(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
    const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
    return `t=${timestamp},v1=${signature}`;
  }

  private captureBaseline(): void {
    if (!this.seededSinceBaseline && this.baseline) return;
    this.baseline = structuredClone(this.state);
    this.seededSinceBaseline = false;
  }

  private requestId(): string {
    return `req_${this.env.ids.token(14)}`;
  }

  // ---------------------------------------------------------------- HTTP

  protected handle(request: RecordedRequest): FakeResponse {
    const requestId = this.requestId();
    const headers: Record<string, string> = {
      'Request-Id': requestId,
      'Stripe-Version': request.headers['stripe-version'] ?? API_VERSION,
    };
    if (!request.path.startsWith('/v1/')) return this.servePage(request, headers);

    const authorization = request.headers.authorization ?? '';
    const key = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (!key) {
      return errorResponse(
        401,
        {
          type: 'invalid_request_error',
          message:
            'No API key provided: send it in the Authorization header as a Bearer token (`Authorization: Bearer sk_test_…`).',
        },
        headers,
      );
    }
    if (!/^(sk|rk)_(test|live)_\S+$/.test(key)) {
      return errorResponse(
        401,
        {
          type: 'invalid_request_error',
          message: `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`,
        },
        headers,
      );
    }

    let params: Params;
    try {
      params = parseParams(request.method === 'POST' ? request.rawBody : request.query.toString());
    } catch {
      return errorResponse(400, { type: 'invalid_request_error', message: 'Invalid request body.' }, headers);
    }

    const idempotencyKey = request.method === 'POST' ? (request.headers['idempotency-key'] ?? null) : null;
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    const fingerprint = createHash('sha256')
      .update(JSON.stringify(canonical({ method: request.method, path: request.path, params })))
      .digest('hex');
    if (idempotencyKey) {
      const stored = this.answers.get(idempotencyKey);
      if (stored && stored.fingerprint !== fingerprint) {
        return errorResponse(
          400,
          {
            type: 'idempotency_error',
            message: `The idempotency key '${idempotencyKey}' was already used with different parameters; use a new key for a different request.`,
          },
          headers,
        );
      }
      if (stored) {
        return {
          ...stored.response,
          headers: {
            ...stored.response.headers,
            ...headers,
            'Idempotent-Replayed': 'true',
            'Original-Request': stored.requestId,
          },
        };
      }
    }

    this.captureBaseline();
    const response = this.dispatch(request, params, headers, requestId, idempotencyKey);
    // Stripe keeps the answer of a request that ran (including a decline), not of one it refused.
    if (idempotencyKey && (response.status === 200 || response.status === 402)) {
      this.answers.set(idempotencyKey, { fingerprint, requestId, response });
    }
    return response;
  }

  private dispatch(
    request: RecordedRequest,
    params: Params,
    headers: Record<string, string>,
    requestId: string,
    idempotencyKey: string | null,
  ): FakeResponse {
    const matched = this.router.match(request.method, request.path);
    if (!matched) {
      return errorResponse(
        404,
        {
          type: 'invalid_request_error',
          message: `Unrecognized request URL (${request.method}: ${request.path}).`,
        },
        headers,
      );
    }
    const mutating = request.method !== 'GET';
    const before = mutating ? structuredClone(this.state) : null;
    this.env.request = { id: requestId, idempotencyKey };
    try {
      const body = matched.route.handler({
        params,
        args: matched.args,
        env: this.env,
        billing: this.billing,
        at: this.env.nowSec(),
      });
      const expand = optionalStringList(params, 'expand') ?? [];
      const expanded = expand.length > 0 ? expandPaths(this.env, body, expand) : body;
      return { status: 200, headers, body: this.absolutize(expanded) };
    } catch (error) {
      if (error instanceof StripeFakeError) {
        // A refused request changes nothing; a declined payment is recorded (attempt, failed charge), as in Stripe.
        if (before && error.status !== 402) restoreState(this.state, before);
        return errorResponse(error.status, error.body, headers);
      }
      if (before) restoreState(this.state, before);
      return errorResponse(
        500,
        {
          type: 'api_error',
          message: `The Stripe fake failed: ${error instanceof Error ? error.message : String(error)}`,
        },
        headers,
      );
    } finally {
      this.env.request = null;
    }
  }

  private servePage(request: RecordedRequest, headers: Record<string, string>): FakeResponse {
    const html = { ...headers, 'content-type': 'text/html; charset=utf-8' };
    let body: string | null = null;
    const invoice = /^\/invoices\/([^/]+)(\/pdf)?$/.exec(request.path);
    const receipt = /^\/receipts\/([^/]+)$/.exec(request.path);
    if (request.method === 'GET' && request.path.startsWith('/p/session/'))
      body = portalPage(this.env, request.path);
    else if (request.method === 'GET' && invoice?.[1]) body = invoicePage(this.env, invoice[1]);
    else if (request.method === 'GET' && receipt?.[1]) body = receiptPage(this.env, receipt[1]);
    if (body === null)
      return {
        status: 404,
        headers: html,
        body: '<!doctype html><title>Not found</title><h1>Not found</h1>',
      };
    return { status: 200, headers: html, body };
  }

  /** Turns the paths of the fake's own pages into absolute URLs (API paths like `/v1/…` stay relative). */
  private absolutize(body: JsonObject): JsonObject {
    let base: string | null = null;
    try {
      base = this.url;
    } catch {
      return body;
    }
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) {
        for (const entry of node) walk(entry);
        return;
      }
      if (typeof node !== 'object' || node === null) return;
      const record = node as Record<string, unknown>;
      for (const [key, value] of Object.entries(record)) {
        if (typeof value === 'string') {
          if (LINK_FIELDS.has(key) && value.startsWith('/') && !value.startsWith('/v1/'))
            record[key] = `${base}${value}`;
        } else {
          walk(value);
        }
      }
    };
    walk(body);
    return body;
  }
}
