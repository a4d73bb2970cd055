import { describe, expect, it } from 'vitest';
import {
  type ChannelMessage,
  type EscalationDraft,
  effectivePriority,
  isIntakeRequest,
  validateEscalation,
} from '../../src/domain/escalation.js';
import { rankMatches } from '../../src/domain/matching.js';
import { formatMoney } from '../../src/domain/money.js';
import { monthlyRecurringRevenue } from '../../src/domain/revenue.js';
import { extractSignals, NO_SIGNALS, terms, textCues } from '../../src/domain/text.js';

const draft = (overrides: Partial<EscalationDraft> = {}): EscalationDraft => ({
  customerId: 'cus_A',
  caseRef: '',
  priority: 'p3',
  category: 'duplicate_charge',
  summary: 'Charged twice for the renewal',
  details: '',
  reproductionSteps: '',
  evidenceText: '',
  triggers: [],
  ...overrides,
});

describe('the escalation checklist', () => {
  it('accepts a complete draft and keeps one evidence link per line', () => {
    const result = validateEscalation(
      draft({
        evidenceText:
          'https://a.example.com/1.png\n https://b.example.com/2 \n\nhttps://c.example.com/x, https://d.example.com',
      }),
    );
    expect(result).toMatchObject({
      ok: true,
      value: {
        evidenceLinks: [
          'https://a.example.com/1.png',
          'https://b.example.com/2',
          'https://c.example.com/x',
          'https://d.example.com',
        ],
      },
    });
  });

  it('names each problem under its own field and quotes what is not a link', () => {
    const result = validateEscalation(
      draft({
        customerId: undefined,
        summary: '  ',
        evidenceText: 'see attached screenshot',
        caseRef: 'https://',
      }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(['case_ref', 'customer', 'evidence', 'summary']);
    expect(result.errors.evidence).toContain('"see attached screenshot"');
  });

  it('refuses a summary over 150 characters', () => {
    const result = validateEscalation(draft({ summary: 'x'.repeat(151) }));
    expect(result.ok ? undefined : result.errors.summary).toMatch(/150/);
  });

  it('any trigger raises the priority to P1 and marks the escalation urgent', () => {
    expect(effectivePriority('p4', [])).toEqual({ priority: 'p4', urgent: false });
    for (const trigger of ['after_release', 'financial', 'large_impact'] as const)
      expect(effectivePriority('p3', [trigger])).toEqual({ priority: 'p1', urgent: true });
  });
});

describe('which intake-channel messages get an answer', () => {
  const intake = new Set(['C0INTAKE']);
  const post = (overrides: Partial<ChannelMessage> = {}): ChannelMessage => ({
    channel: 'C0INTAKE',
    ts: '1700000000.000100',
    user: 'U0AGENT',
    text: 'Customer charged twice for the renewal',
    ...overrides,
  });

  it("answers a person's top-level post, with or without a file attached", () => {
    expect(isIntakeRequest(post(), intake)).toBe(true);
    expect(isIntakeRequest(post({ subtype: 'file_share' }), intake)).toBe(true);
    // The parent of a thread carries its own ts as thread_ts.
    expect(isIntakeRequest(post({ threadTs: '1700000000.000100' }), intake)).toBe(true);
  });

  it('ignores bots, edits, deletions, thread replies, other subtypes, empty posts and other channels', () => {
    const ignored: Array<Partial<ChannelMessage>> = [
      { subtype: 'bot_message', botId: 'B0OTHER', user: undefined },
      { botId: 'B0OTHER' },
      { subtype: 'file_share', botId: 'B0OTHER' },
      { subtype: 'message_changed' },
      { subtype: 'message_deleted', user: undefined, text: undefined },
      { subtype: 'thread_broadcast', threadTs: '1690000000.000001' },
      { subtype: 'channel_join' },
      { threadTs: '1690000000.000001' },
      { subtype: 'file_share', threadTs: '1690000000.000001' },
      { subtype: 'file_share', text: '' },
      { text: '   ' },
      { user: undefined },
      { channel: 'C0ELSEWHERE' },
    ];
    for (const overrides of ignored)
      expect(isIntakeRequest(post(overrides), intake), JSON.stringify(overrides)).toBe(false);
  });
});

describe('text for matching', () => {
  it('folds accents, spells out shorthand and stems, so variants meet', () => {
    expect(terms('Refunded')).toEqual(terms('refunds'));
    expect(terms('Café invoices')).toEqual(terms('cafe invoice'));
  });

  it('finds Stripe codes, ids and invoice numbers', () => {
    const signals = extractSignals(
      'Declined: insufficient_funds on in_1AbCdEfGhIjKlMnO, invoice INV-2026-0142',
    );
    expect(signals.codes).toEqual(['insufficient_funds']);
    expect(signals.invoiceNumbers).toEqual(['INV-2026-0142']);
    expect(signals.stripeIds.length).toBe(1);
  });

  it('reads codes as whole words, also in text with long runs of letters (read in linear time)', () => {
    expect(extractSignals('(code:card_declined), then do_not_honor.').codes).toEqual([
      'card_declined',
      'do_not_honor',
    ]);
    // A pasted blob of 200,000 letters: the old pattern backtracked over it from every position (minutes).
    expect(extractSignals(`${'a'.repeat(200_000)} insufficient_funds`).codes).toEqual(['insufficient_funds']);
  });

  it('tells a how-to question from a report of something going wrong', () => {
    expect(textCues('How do I change the billing email?').isQuestion).toBe(true);
    expect(
      textCues('The card was declined twice and the invoice is still open').malfunctionCues,
    ).toBeGreaterThan(1);
  });
});

describe('ranking known problems', () => {
  const now = new Date('2026-11-01T00:00:00Z');
  const candidates = [
    {
      problemId: 1,
      title: 'Annual renewals charged twice after a gateway timeout',
      symptoms: 'Two identical charges for the renewal minutes apart; the retry created a second payment.',
      linkedTexts: [],
      category: 'duplicate_charge' as const,
      signals: NO_SIGNALS,
      lastActivityAt: now,
    },
    {
      problemId: 2,
      title: 'VAT missing on invoices for EU customers',
      symptoms: 'Invoices for customers with a VAT id show no tax line.',
      linkedTexts: [],
      category: 'tax_question' as const,
      signals: NO_SIGNALS,
      lastActivityAt: now,
    },
  ];

  it('puts the problem that explains the text first, with its reasons', () => {
    const [best] = rankMatches(
      {
        text: 'Customer charged twice on renewal, two identical charges',
        category: 'duplicate_charge',
        signals: NO_SIGNALS,
      },
      candidates,
      now,
      { possible: 0.1, likely: 0.7 },
    );
    expect(best?.problemId).toBe(1);
    expect(best?.reasons.length).toBeGreaterThan(0);
  });

  it('shows nothing for a text that shares no meaningful words', () => {
    expect(
      rankMatches(
        { text: 'Please send the security questionnaire', category: 'other', signals: NO_SIGNALS },
        candidates,
        now,
        {
          possible: 0.25,
          likely: 0.7,
        },
      ),
    ).toEqual([]);
  });
});

describe('money', () => {
  it('normalises recurring revenue to a month across intervals, quantities and discounts, in minor units', () => {
    const mrr = monthlyRecurringRevenue(
      [
        { unitAmountMinor: 120_000, quantity: 1, interval: 'year', intervalCount: 1, currency: 'usd' },
        { unitAmountMinor: 1_500, quantity: 10, interval: 'month', intervalCount: 1, currency: 'usd' },
      ],
      [{ kind: 'percent', percentOff: 10 }],
    );
    expect(mrr.get('usd')).toBe(Math.round((10_000 + 15_000) * 0.9));
  });

  it('formats per currency', () => {
    expect(formatMoney(123_456, 'usd')).toBe('$1,234.56');
    expect(formatMoney(5_000, 'jpy')).toBe('¥5,000');
  });
});
