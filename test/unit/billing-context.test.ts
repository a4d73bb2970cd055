import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../src/config.js';
import {
  type BillingPort,
  forgetBillingContext,
  getBillingContext,
} from '../../src/services/billingContext.js';

const settings = parseSettings({ billing: { stripeTimeoutMs: 200 } }, 'test').settings;
if (!settings) throw new Error('settings do not parse');
const logger = pino({ level: 'silent' });
const NOW = new Date('2026-11-23T12:00:00Z');

/** A port that records when each call starts and can fail or stall one of them. */
function fakePort(options: { fail?: string; stall?: string; gate?: Promise<void> } = {}) {
  const calls: Array<{ name: string }> = [];
  const answer = async <T>(name: string, value: T): Promise<T> => {
    calls.push({ name });
    if (options.fail === name) throw new Error('boom');
    if (options.stall === name) return new Promise(() => {});
    await options.gate;
    return value;
  };
  const port: BillingPort = {
    search: () => answer('search', []),
    customer: (id) =>
      answer('customer', {
        id,
        name: 'Test Co',
        email: undefined,
        address: undefined,
        createdAt: NOW,
        segment: undefined,
        balanceMinor: 0,
        currency: 'usd',
        delinquent: false,
        metadata: {},
        defaultCard: undefined,
      }),
    subscriptions: () =>
      answer('subscriptions', [
        {
          id: 'sub_1',
          status: 'active' as const,
          createdAt: NOW,
          startedAt: NOW,
          currentPeriodStart: NOW,
          currentPeriodEnd: NOW,
          cancelAtPeriodEnd: false,
          cancelAt: undefined,
          canceledAt: undefined,
          trialStart: undefined,
          trialEnd: undefined,
          paused: undefined,
          items: [],
          discounts: [],
          seatsUsed: undefined,
          metadata: {},
        },
      ]),
    invoices: () => answer('invoices', { invoices: [], complete: true }),
    charges: () => answer('charges', { charges: [], complete: true }),
    upcomingInvoice: () => answer('upcoming', { amountMinor: 100, currency: 'usd', at: NOW, lines: [] }),
    previewPlanChange: () => answer('preview', { amountMinor: 0, currency: 'usd', at: NOW, lines: [] }),
    plans: () => answer('plans', []),
    lifecycleEvents: () => answer('events', { events: [] }),
  };
  return { port, calls };
}

const contextFor = (port: BillingPort) => ({ port, settings, logger, now: () => NOW });

describe('billing context service', () => {
  it('asks for the four independent parts at once, then the preview; reuses the picture until forgotten', async () => {
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const { port, calls } = fakePort({ gate });
    const pending = getBillingContext(contextFor(port), 'cus_A');
    await new Promise((resolve) => setImmediate(resolve));
    // All four are under way before any has answered; the preview waits for the subscription.
    expect(calls.map((call) => call.name).sort()).toEqual([
      'charges',
      'customer',
      'invoices',
      'subscriptions',
    ]);
    open();
    const first = await pending;
    expect(first.upcoming).toEqual({ ok: true, value: expect.objectContaining({ amountMinor: 100 }) });
    expect(calls.at(-1)?.name).toBe('upcoming');

    await getBillingContext(contextFor(port), 'cus_A');
    expect(calls).toHaveLength(5);
    forgetBillingContext('cus_A');
    await getBillingContext(contextFor(port), 'cus_A');
    expect(calls).toHaveLength(10);
  });

  it('marks a failed or stalled part and does not keep an incomplete picture', async () => {
    const failing = fakePort({ fail: 'charges' });
    const context = await getBillingContext(contextFor(failing.port), 'cus_B');
    expect(context.charges).toEqual({ ok: false, reason: 'Stripe returned an error' });
    expect(context.customer.ok).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    await getBillingContext(contextFor(failing.port), 'cus_B');
    expect(failing.calls.filter((call) => call.name === 'charges')).toHaveLength(2);

    const stalled = fakePort({ stall: 'upcoming' });
    const slow = await getBillingContext(contextFor(stalled.port), 'cus_C');
    expect(slow.upcoming).toEqual({ ok: false, reason: 'Stripe did not answer in time' });
    expect(slow.subscriptions.ok).toBe(true);
  });

  it('after a search it reuses the customer it found and previews the invoice in the same round', async () => {
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const { port, calls } = fakePort({ gate });
    const customer = await fakePort().port.customer('cus_D');
    if (!customer) throw new Error('no customer');
    const pending = getBillingContext(contextFor(port), 'cus_D', { customer, mainSubscriptionId: 'sub_1' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.map((call) => call.name).sort()).toEqual([
      'charges',
      'invoices',
      'subscriptions',
      'upcoming',
    ]);
    open();
    const context = await pending;
    expect(context.customer).toEqual({ ok: true, value: customer });
    expect(calls).toHaveLength(4);
  });
});
