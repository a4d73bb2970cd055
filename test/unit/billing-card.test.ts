import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../src/config.js';
import type { BillingContext } from '../../src/services/billingContext.js';
import { summariseBillingContext } from '../../src/services/billingContext.js';
import { billingCardMessage, billingCardModal, customerPickList } from '../../src/views/billingCard.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const settings = parseSettings({}, 'test').settings;
if (!settings) throw new Error('default settings do not parse');

function longContext(): BillingContext {
  const items = Array.from({ length: 30 }, (_, index) => ({
    itemId: `si_${index}`,
    priceId: `price_${index}`,
    productId: `prod_${index}`,
    productName: `Add-on with a rather long name number ${index} ${'x'.repeat(60)}`,
    unitAmountMinor: 1_000 + index,
    currency: 'usd',
    quantity: index === 0 ? 500 : 1,
    interval: 'month' as const,
    intervalCount: 1,
    addOn: index > 0,
  }));
  return {
    customerId: 'cus_Long',
    fetchedAt: NOW,
    customer: {
      ok: true,
      value: {
        id: 'cus_Long',
        name: 'A'.repeat(300),
        email: 'a@example.com',
        address: 'B'.repeat(400),
        createdAt: new Date('2020-01-01'),
        segment: 'enterprise',
        balanceMinor: -5_000,
        currency: 'usd',
        delinquent: false,
        metadata: { seats_used: '400' },
        defaultCard: undefined,
      },
    },
    subscriptions: {
      ok: true,
      value: [
        {
          id: 'sub_1',
          status: 'active',
          createdAt: new Date('2020-01-01'),
          startedAt: new Date('2020-01-01'),
          currentPeriodStart: new Date('2026-11-01'),
          currentPeriodEnd: new Date('2026-12-01'),
          cancelAtPeriodEnd: false,
          cancelAt: undefined,
          canceledAt: undefined,
          trialStart: undefined,
          trialEnd: undefined,
          paused: undefined,
          items,
          discounts: [],
          seatsUsed: undefined,
          metadata: {},
        },
      ],
    },
    invoices: { ok: false, reason: 'Stripe returned an error' },
    charges: { ok: true, value: { charges: [], complete: false } },
    upcoming: { ok: false, reason: 'Stripe did not answer in time' },
  };
}

function checkLimits(blocks: KnownBlock[]) {
  for (const block of blocks) {
    const b = block as { text?: { text: string }; fields?: Array<{ text: string }>; elements?: unknown[] };
    if (block.type === 'header') expect(b.text?.text.length).toBeLessThanOrEqual(150);
    else if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    if (b.fields) {
      expect(b.fields.length).toBeLessThanOrEqual(10);
      for (const field of b.fields) expect(field.text.length).toBeLessThanOrEqual(2000);
    }
    if (block.type === 'actions') expect(b.elements?.length).toBeLessThanOrEqual(25);
  }
}

describe('billing card view', () => {
  it('stays within Block Kit limits with long names and many add-ons, and marks missing parts', () => {
    const model = summariseBillingContext(longContext(), settings.billing, NOW);
    const message = billingCardMessage(model);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    checkLimits(message.blocks);
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('Payments and invoices unavailable — Stripe returned an error');
    expect(text).toContain('Invoice preview unavailable — Stripe did not answer in time');
    expect(text).toContain('Total revenue*\\nat least $0.00');
    expect(text).toContain('400 of 500 (80% used)');
    const modal = billingCardModal(model);
    expect(modal.blocks.length).toBeLessThanOrEqual(100);
    expect(modal.title.text.length).toBeLessThanOrEqual(24);
  });

  it('a pick list keeps option labels within 75 characters', () => {
    const customers = Array.from({ length: 3 }, (_, index) => ({
      id: `cus_${index}`,
      name: `Customer ${'y'.repeat(100)} ${index}`,
      email: `c${index}@example.com`,
      createdAt: NOW,
      segment: undefined,
    }));
    const list = customerPickList('Customer', customers);
    const select = JSON.stringify(list.blocks);
    expect(select).toContain('billing_customer_pick');
    const options =
      (list.blocks[1] as { elements: Array<{ options: Array<{ text: { text: string } }> }> }).elements[0]
        ?.options ?? [];
    expect(options).toHaveLength(3);
    for (const option of options) expect(option.text.text.length).toBeLessThanOrEqual(75);
  });
});
