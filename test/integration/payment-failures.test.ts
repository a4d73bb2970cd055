import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { periodFigures } from '../../src/db/repositories/metrics.js';
import { recordStripeEvent } from '../../src/db/repositories/stripe-events.js';
import { monthPeriod } from '../../src/domain/metrics.js';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../support/database.js';

const event = (id: string, type: string, invoice: string, at: string) => ({
  id,
  type,
  customerId: 'cus_A',
  objectId: invoice,
  amountMinor: 9_900,
  currency: 'usd',
  failureCode: null,
  occurredAt: new Date(at),
});

describe.each(DATABASE_KINDS)('payment failures and recovery from Stripe events (%s)', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase(kind);
  });
  afterAll(async () => database.drop());

  it('says "no data" until Stripe has sent any event', async () => {
    expect((await periodFigures(database.handle.db, monthPeriod(2026, 9))).paymentFailures).toBeNull();
  });

  it('counts invoices that failed in the month and those paid afterwards, across the month boundary', async () => {
    const db = database.handle.db;
    // in_1 failed twice in October and was paid in November: one failure, recovered.
    await recordStripeEvent(db, event('evt_1', 'invoice.payment_failed', 'in_1', '2026-10-03T10:00:00Z'));
    await recordStripeEvent(db, event('evt_2', 'invoice.payment_failed', 'in_1', '2026-10-06T10:00:00Z'));
    await recordStripeEvent(db, event('evt_3', 'invoice.paid', 'in_1', '2026-11-02T09:00:00Z'));
    // in_2 failed on the last millisecond of October and was never paid.
    await recordStripeEvent(db, event('evt_4', 'invoice.payment_failed', 'in_2', '2026-10-31T23:59:59.999Z'));
    // in_3 was paid before it failed (a later renewal): not recovered.
    await recordStripeEvent(db, event('evt_5', 'invoice.paid', 'in_3', '2026-10-01T00:00:00Z'));
    await recordStripeEvent(db, event('evt_6', 'invoice.payment_failed', 'in_3', '2026-10-10T00:00:00Z'));
    // in_4 failed in November: not October's.
    await recordStripeEvent(db, event('evt_7', 'invoice.payment_failed', 'in_4', '2026-11-01T00:00:00Z'));

    expect((await periodFigures(db, monthPeriod(2026, 9))).paymentFailures).toEqual({
      failures: 3,
      recovered: 1,
    });
    expect((await periodFigures(db, monthPeriod(2026, 10))).paymentFailures).toEqual({
      failures: 1,
      recovered: 0,
    });
    expect((await periodFigures(db, monthPeriod(2026, 8))).paymentFailures).toEqual({
      failures: 0,
      recovered: 0,
    });
  });
});
