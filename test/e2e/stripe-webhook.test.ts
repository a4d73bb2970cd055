import { eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stripeEvents } from '../../src/db/schema/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/database.js';

const SECRET = 'whsec_test_frontline_webhooks';

function invoiceFailed(id: string, created = Math.floor(Date.now() / 1000)) {
  return JSON.stringify({
    id,
    object: 'event',
    type: 'invoice.payment_failed',
    created,
    api_version: '2025-01-27.acacia',
    livemode: false,
    data: {
      object: {
        id: 'in_WebhookTest1',
        object: 'invoice',
        customer: 'cus_DemoBrightleaf',
        amount_due: 24_900,
        amount_paid: 0,
        currency: 'usd',
      },
    },
  });
}

describe.each(DATABASE_KINDS)('POST /webhooks/stripe (%s)', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ kind, env: { STRIPE_WEBHOOK_SECRET: SECRET } });
  });
  afterAll(async () => app?.stop());

  const deliver = (payload: string, signature: string) =>
    fetch(`${app.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body: payload,
    });
  const sign = (payload: string, options: { secret?: string; timestamp?: number } = {}) =>
    Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: options.secret ?? SECRET,
      ...(options.timestamp ? { timestamp: options.timestamp } : {}),
    });
  const stored = (id: string) =>
    app.running.deps.db.select().from(stripeEvents).where(eq(stripeEvents.id, id));

  it('keeps a signed payment failure once, however often Stripe delivers it', async () => {
    const payload = invoiceFailed('evt_WebhookOnce');
    const first = await deliver(payload, sign(payload));
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ kept: true, duplicate: false });
    const again = await deliver(payload, sign(payload));
    expect(await again.json()).toMatchObject({ kept: true, duplicate: true });
    expect(await stored('evt_WebhookOnce')).toEqual([
      expect.objectContaining({
        type: 'invoice.payment_failed',
        customerId: 'cus_DemoBrightleaf',
        objectId: 'in_WebhookTest1',
        amountMinor: 24_900,
        currency: 'usd',
      }),
    ]);
  });

  it('refuses a wrong signature, a stale timestamp and a missing header, and stores nothing', async () => {
    const payload = invoiceFailed('evt_WebhookForged');
    expect((await deliver(payload, sign(payload, { secret: 'whsec_someone_else' }))).status).toBe(400);
    const stale = Math.floor(Date.now() / 1000) - 10 * 60;
    expect((await deliver(payload, sign(payload, { timestamp: stale }))).status).toBe(400);
    const tampered = payload.replace('24900', '1');
    expect((await deliver(tampered, sign(payload))).status).toBe(400);
    const unsigned = await fetch(`${app.url}/webhooks/stripe`, { method: 'POST', body: payload });
    expect(unsigned.status).toBe(400);
    expect(await stored('evt_WebhookForged')).toEqual([]);
  });

  it('acknowledges events it does not use without storing them', async () => {
    const payload = JSON.stringify({
      id: 'evt_WebhookIgnored',
      object: 'event',
      type: 'product.created',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'prod_1', object: 'product' } },
    });
    const answer = await deliver(payload, sign(payload));
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ kept: false });
    expect(await stored('evt_WebhookIgnored')).toEqual([]);
  });
  it('answers a signed body that is not a Stripe event with 400 and a reason, and stores nothing', async () => {
    const now = Math.floor(Date.now() / 1000);
    const shapes = {
      null: 'null',
      'no data': JSON.stringify({ id: 'evt_NoData', type: 'invoice.paid', created: now }),
      'null object': JSON.stringify({
        id: 'evt_NullObject',
        type: 'invoice.paid',
        created: now,
        data: { object: null },
      }),
      'created is text': JSON.stringify({
        id: 'evt_TextCreated',
        type: 'invoice.paid',
        created: 'yesterday',
        data: { object: { id: 'in_1' } },
      }),
      'no id': JSON.stringify({ type: 'invoice.paid', created: now, data: { object: { id: 'in_1' } } }),
    };
    for (const [name, payload] of Object.entries(shapes)) {
      const answer = await deliver(payload, sign(payload));
      expect(answer.status, name).toBe(400);
      expect(await answer.json(), name).toEqual({ error: 'invalid payload: not a Stripe event' });
    }
    const notJson = '{"id": "evt_Broken", ';
    const answer = await deliver(notJson, sign(notJson));
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ error: 'invalid payload: not JSON' });
    const rows = await app.running.deps.db.select().from(stripeEvents);
    expect(rows.map((row) => row.id)).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/NoData|NullObject|TextCreated|Broken/)]),
    );
  });

  it('keeps an event whose amount is out of range, without the amount', async () => {
    const payload = invoiceFailed('evt_HugeAmount').replace('24900', '1e20');
    const answer = await deliver(payload, sign(payload));
    expect(answer.status).toBe(200);
    expect(await stored('evt_HugeAmount')).toEqual([expect.objectContaining({ amountMinor: null })]);
  });

  it("reads a dispute's customer from its charge when the charge comes expanded", async () => {
    const dispute = (id: string, charge: unknown) =>
      JSON.stringify({
        id,
        object: 'event',
        type: 'charge.dispute.created',
        created: Math.floor(Date.now() / 1000),
        data: {
          object: {
            id: `dp_${id}`,
            object: 'dispute',
            amount: 4_900,
            currency: 'usd',
            reason: 'fraudulent',
            charge,
          },
        },
      });
    const expanded = dispute('evt_DisputeExpanded', {
      id: 'ch_Disputed1',
      object: 'charge',
      customer: 'cus_DemoCorvid',
    });
    const plain = dispute('evt_DisputePlain', 'ch_Disputed2');
    for (const payload of [expanded, plain]) expect((await deliver(payload, sign(payload))).status).toBe(200);
    expect(await stored('evt_DisputeExpanded')).toEqual([
      expect.objectContaining({ customerId: 'cus_DemoCorvid', objectId: 'ch_Disputed1', amountMinor: 4_900 }),
    ]);
    expect(await stored('evt_DisputePlain')).toEqual([
      expect.objectContaining({ customerId: null, objectId: 'ch_Disputed2' }),
    ]);
  });
});
