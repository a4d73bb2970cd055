import { describe, expect, it } from 'vitest';
import { approverRoles, escalationWait, homeSections, stageRoles } from '../../src/domain/home.js';
import {
  change,
  choosePeriod,
  emptyFigures,
  formatChange,
  formatChangeBrief,
  formatDuration,
  lastFullMonth,
  monthLabel,
  monthPeriod,
  type PeriodFigures,
  previousMonth,
  share,
  weeksOf,
} from '../../src/domain/metrics.js';
import { ACTION_KINDS } from '../../src/domain/permissions.js';
import { blocksText, findAction } from '../../src/sandbox/fakes/slack-fake.js';
import { homeView } from '../../src/views/home.js';
import { reportMessage } from '../../src/views/report.js';
import { reportCsv, weeklyTrendChartSpec } from '../../src/views/report-files.js';

describe('report periods (UTC)', () => {
  it('names months as half-open UTC intervals', () => {
    const october = monthPeriod(2026, 9);
    expect(october.month).toBe('2026-10');
    expect(october.from.toISOString()).toBe('2026-10-01T00:00:00.000Z');
    expect(october.to.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(monthLabel(october)).toBe('October 2026');
  });

  it('defaults to the last full month, across a year boundary and at the very first instant of a month', () => {
    expect(lastFullMonth(new Date('2026-03-01T00:00:00Z')).month).toBe('2026-02');
    expect(lastFullMonth(new Date('2026-02-28T23:59:59.999Z')).month).toBe('2026-01');
    expect(lastFullMonth(new Date('2027-01-15T12:00:00Z')).month).toBe('2026-12');
    expect(previousMonth(monthPeriod(2026, 0)).month).toBe('2025-12');
  });

  it('reads YYYY-MM, refuses anything else and months that have not started', () => {
    const now = new Date('2026-11-23T12:00:00Z');
    expect(choosePeriod('', now)).toMatchObject({ ok: true, period: { month: '2026-10' } });
    expect(choosePeriod(' 2026-02 ', now)).toMatchObject({ ok: true, period: { month: '2026-02' } });
    expect(choosePeriod('2026-11', now)).toMatchObject({ ok: true, period: { month: '2026-11' } });
    for (const bad of ['2026-13', '2026-00', '26-10', 'october', '2026/10', '2026-10-01']) {
      expect(choosePeriod(bad, now)).toMatchObject({
        ok: false,
        message: expect.stringContaining('YYYY-MM'),
      });
    }
    expect(choosePeriod('2026-12', now)).toMatchObject({
      ok: false,
      message: expect.stringContaining('not started'),
    });
  });

  it('splits a month into Monday-based weeks clipped to it', () => {
    // February 2026 starts on a Sunday and has 28 days.
    expect(weeksOf(monthPeriod(2026, 1)).map((w) => [w.weekStart, w.label])).toEqual([
      ['2026-01-26', '2026-02-01'],
      ['2026-02-02', '2026-02-02'],
      ['2026-02-09', '2026-02-09'],
      ['2026-02-16', '2026-02-16'],
      ['2026-02-23', '2026-02-23'],
    ]);
    const last = weeksOf(monthPeriod(2026, 1)).at(-1);
    expect(last?.to.toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });
});

describe('changes and shares', () => {
  it('divides only when there is something to divide', () => {
    expect(share(3, 7)).toBeCloseTo(0.428571, 5);
    expect(share(0, 0)).toBeNull();
  });

  it('describes a change in the unit of the figure', () => {
    expect(change(7, 3)).toEqual({ delta: 4, relative: 4 / 3 });
    expect(change(null, 3)).toBeNull();
    expect(formatChange(7, 3, 'count')).toBe('+4 (+133.3%)');
    expect(formatChange(3, 7, 'count')).toBe('−4 (−57.1%)');
    expect(formatChange(4, 0, 'count')).toBe('+4 (from none)');
    expect(formatChange(5, 5, 'count')).toBe('no change');
    expect(formatChange(0.85, 0.8, 'share')).toBe('+5.0 pts');
    expect(formatChange(2 * 3_600_000, 3_600_000, 'duration')).toBe('+60.0 min (+100.0%)');
    expect(formatChange(3_600_000, null, 'duration')).toBe('no earlier figure');
    expect(formatChange(null, null, 'duration')).toBe('');
  });

  it('says the same change briefly for a table cell', () => {
    expect(formatChangeBrief(4, 2, 'count')).toBe('+2');
    expect(formatChangeBrief(0, 3, 'count')).toBe('−3');
    expect(formatChangeBrief(5, 5, 'count')).toBe('=');
    expect(formatChangeBrief(0.75, 0.5, 'share')).toBe('+25.0 pts');
    expect(formatChangeBrief(0, null, 'share')).toBe('new');
    expect(formatChangeBrief(null, 0.5, 'share')).toBe('');
    expect(formatChangeBrief(2 * 3_600_000, 5_400_000, 'duration')).toBe('+30.0 min');
  });

  it('formats durations at a readable scale', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(30_000)).toBe('30 s');
    expect(formatDuration(252_000)).toBe('4.2 min');
    expect(formatDuration(2.1 * 3_600_000)).toBe('2.1 h');
    expect(formatDuration(1.3 * 86_400_000 * 2)).toBe('2.6 d');
  });
});

describe('App Home rules', () => {
  it('shows sections by role', () => {
    const none = { agent: false, approver: false, figures: false, engineer: false };
    expect(homeSections(['l1'])).toEqual({ ...none, agent: true });
    expect(homeSections(['l2'])).toEqual({ ...none, agent: true });
    expect(homeSections(['billing_specialist', 'engineer'])).toEqual({
      ...none,
      approver: true,
      figures: true,
      engineer: true,
    });
    expect(homeSections(['vp'])).toEqual({ ...none, approver: true, figures: true });
    expect(homeSections(['legal'])).toEqual({ ...none, approver: true });
    expect(homeSections([])).toEqual(none);
  });

  it('decides approvals for the approving roles only, and reads a stage of several roles', () => {
    // An L2 agent decides an L1's small credits; an L1 and an engineer decide nothing.
    expect(approverRoles(['l2', 'manager', 'engineer'])).toEqual(['l2', 'manager']);
    expect(approverRoles(['l1', 'engineer'])).toEqual([]);
    expect(approverRoles(['vp', 'legal'])).toEqual(['vp', 'legal']);
    expect(stageRoles('manager,billing_specialist')).toEqual(['manager', 'billing_specialist']);
    expect(stageRoles('vp')).toEqual(['vp']);
  });

  it('says what an open escalation waits for', () => {
    const base = { problemStatus: null, problemKind: null, incidentState: null };
    expect(escalationWait({ ...base, status: 'open', problemId: null }).who).toBe('you');
    expect(escalationWait({ ...base, status: 'open', problemId: 4, problemStatus: 'triage' }).text).toBe(
      'engineering to confirm and classify PRB-4',
    );
    expect(
      escalationWait({
        status: 'linked',
        problemId: 4,
        problemStatus: 'open',
        problemKind: 'incident',
        incidentState: 'monitoring',
      }).text,
    ).toBe('the fix: incident PRB-4 is monitoring');
    expect(escalationWait({ ...base, status: 'awaiting_confirmation', problemId: 4 }).who).toBe('you');
  });
});

describe('report and home views', () => {
  const october = monthPeriod(2026, 9);

  it('renders an empty month within Slack limits', () => {
    const message = reportMessage({
      period: october,
      previousPeriod: previousMonth(october),
      current: emptyFigures(),
      previous: emptyFigures(),
      trend: [],
    });
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const block of message.blocks) {
      const text = (block as { text?: { text: string } }).text?.text ?? '';
      expect(text.length).toBeLessThanOrEqual(3000);
    }
    expect(JSON.stringify(message.blocks)).toContain('no data');
  });

  it('quotes CSV cells that need it', () => {
    const csv = reportCsv([
      {
        record: 'account_action',
        id: 1,
        created_at: '2026-10-01T00:00:00Z',
        category_or_kind: 'refund',
        status: 'executed',
        problem_id: null,
        duplicate_avoided: null,
        finished_at: null,
        duration_minutes: 1.5,
        amount_minor: 500,
        currency: 'usd',
        reason: 'said "twice", then left',
        person: 'U1',
      },
    ]);
    expect(csv.split('\n')[1]).toBe(
      'account_action,1,2026-10-01T00:00:00Z,refund,executed,,,,1.5,500,usd,"said ""twice"", then left",U1',
    );
  });

  it('charts both series for every week', () => {
    const spec = weeklyTrendChartSpec(october, [
      { label: '2026-10-01', escalations: 2, duplicatesAvoided: 3 },
    ]);
    expect(spec.data.values).toEqual([
      { week: '2026-10-01', series: 'Escalations raised', count: 2 },
      { week: '2026-10-01', series: 'Duplicates avoided', count: 3 },
    ]);
  });

  it('keeps App Home under 100 blocks when every list is full', () => {
    const now = new Date('2026-11-23T12:00:00Z');
    const view = homeView({
      userId: 'U1',
      roles: ['l1', 'manager', 'engineer'],
      sections: { agent: true, approver: true, figures: true, engineer: true },
      now,
      escalations: Array.from({ length: 15 }, (_, id) => ({
        id,
        customerName: 'C',
        summary: 's',
        category: 'refund',
        status: 'open',
        createdAt: now,
        problemId: null,
        problemStatus: null,
        problemKind: null,
        incidentState: null,
      })),
      actionRequests: Array.from({ length: 10 }, (_, id) => ({
        id,
        kind: 'refund',
        customerId: 'cus_1',
        amountMinor: 100,
        currency: 'usd',
        state: 'pending_approval',
        waitingStage: 1,
        waitingRole: 'manager',
      })),
      approvals: Array.from({ length: 10 }, (_, id) => ({
        actionId: id,
        stage: 1,
        requiredRole: 'manager',
        kind: 'refund',
        customerId: 'cus_1',
        amountMinor: 100,
        currency: 'usd',
        reason: 'r',
        requesterId: 'U2',
        requestedAt: now,
        expiresAt: null,
      })),
      today: emptyFigures(),
      problems: Array.from({ length: 10 }, (_, id) => ({
        id,
        title: 't',
        status: 'open',
        kind: 'bug',
        priorityScore: 1,
        priorityExplanation: [],
        rcaKey: null,
        rcaStatus: null,
        assessment: null,
        linkedEscalations: 0,
      })),
      incidents: Array.from({ length: 10 }, (_, id) => ({
        id,
        problemId: id,
        publicTitle: 'i',
        severity: 'major',
        state: 'investigating',
        createdAt: now,
      })),
    });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    // Nothing was cut: the last block is still the footer.
    expect(JSON.stringify(view.blocks.at(-1))).toContain('Updated 2026-11-23 12:00 UTC');
  });
});

describe('the report shows every figure with its change since the month before', () => {
  const october = monthPeriod(2026, 9);
  const HOUR = 3_600_000;
  const MIN = 60_000;

  const figures = (values: Partial<PeriodFigures>): PeriodFigures => ({ ...emptyFigures(), ...values });
  const current = figures({
    categories: [
      {
        category: 'payment_failed',
        escalations: 4,
        resolvedWithoutEngineering: 3,
        duplicatesAvoided: 2,
        resolved: 2,
        averageResolutionMs: 2 * HOUR,
      },
      {
        category: 'refund',
        escalations: 1,
        resolvedWithoutEngineering: 0,
        duplicatesAvoided: 0,
        resolved: 0,
        averageResolutionMs: null,
      },
    ],
    problems: { total: 3, bug: 1, incident: 2, unclassified: 0 },
    actions: {
      requested: 4,
      needingApproval: 1,
      byKind: [{ kind: 'refund', requested: 4, succeeded: 3, failed: 0, averageMs: 61 * MIN }],
    },
    approvals: { requested: 5, approved: 2, denied: 1, expired: 1, pending: 1, averageDecisionMs: HOUR },
    refunds: {
      count: 3,
      totals: { usd: 8200 },
      byReason: [
        { reason: 'requested_by_customer', count: 2, totals: { usd: 3200 } },
        { reason: 'duplicate', count: 1, totals: { usd: 5000 } },
      ],
    },
    credits: { count: 1, totals: { usd: 3000 } },
    paymentFailures: { failures: 4, recovered: 3 },
  });
  const previous = figures({
    categories: [
      {
        category: 'payment_failed',
        escalations: 2,
        resolvedWithoutEngineering: 1,
        duplicatesAvoided: 0,
        resolved: 1,
        averageResolutionMs: 1.5 * HOUR,
      },
      {
        category: 'tax_question',
        escalations: 3,
        resolvedWithoutEngineering: 3,
        duplicatesAvoided: 1,
        resolved: 3,
        averageResolutionMs: 30 * MIN,
      },
    ],
    problems: { total: 2, bug: 1, incident: 0, unclassified: 1 },
    actions: {
      requested: 3,
      needingApproval: 0,
      byKind: [
        { kind: 'refund', requested: 2, succeeded: 1, failed: 1, averageMs: 30 * MIN },
        { kind: 'credit', requested: 1, succeeded: 1, failed: 0, averageMs: MIN },
      ],
    },
    approvals: { requested: 4, approved: 3, denied: 0, expired: 1, pending: 0, averageDecisionMs: HOUR },
    refunds: {
      count: 2,
      totals: { usd: 4000, eur: 1000 },
      byReason: [
        { reason: 'duplicate', count: 1, totals: { usd: 4000 } },
        { reason: 'unspecified', count: 1, totals: { eur: 1000 } },
      ],
    },
    credits: { count: 1, totals: { usd: 3000 } },
    paymentFailures: { failures: 5, recovered: 2 },
  });
  const render = (now: PeriodFigures, before: PeriodFigures) =>
    reportMessage({
      period: october,
      previousPeriod: previousMonth(october),
      current: now,
      previous: before,
      trend: [],
    });
  const sectionTexts = (message: ReturnType<typeof reportMessage>) =>
    message.blocks.map((block) => (block.type === 'section' ? (block.text?.text ?? '') : ''));
  const sectionStarting = (message: ReturnType<typeof reportMessage>, title: string) =>
    sectionTexts(message).find((text) => text.startsWith(title)) ?? '';
  /** A table row, its cells separated by single spaces. */
  const row = (text: string, label: string) =>
    text
      .split('\n')
      .find((line) => line.startsWith(label))
      ?.replaceAll('```', '')
      .replace(/\s+/g, ' ')
      .trim();

  it('per category: raised, share without engineering, duplicates and resolution time, each with its change', () => {
    const table = sectionStarting(render(current, previous), '*By category*');
    expect(table).toContain('the change since September 2026');
    // 4 vs 2 raised; 3/4 = 75.0% vs 1/2 = 50.0%; 2 vs 0 duplicates; 2 h vs 1.5 h.
    expect(row(table, 'Payment failed')).toBe(
      'Payment failed 4 (+2) 75.0% (+25.0 pts) 2 (+2) 2.0 h (+30.0 min)',
    );
    // New this month: no share last month to compare with; nothing resolved, so no average.
    expect(row(table, 'Refund')).toBe('Refund 1 (+1) 0.0% (new) 0 (=) —');
    // Gone this month: still listed, with its fall.
    expect(row(table, 'Tax question')).toBe('Tax question 0 (−3) — 0 (−1) —');
  });

  it('per kind of action: count, success rate and time, each with its change', () => {
    const table = sectionStarting(render(current, previous), '*By kind of action*');
    // 4 vs 2; 3/3 = 100% vs 1/2 = 50%; 61 min vs 30 min.
    expect(row(table, 'Refund')).toBe('Refund 4 (+2) 100.0% (+50.0 pts) 61.0 min (+31.0 min)');
    expect(row(table, 'Credit')).toBe('Credit 0 (−1) — —');
  });

  it('bugs and incidents, approval decisions, refunds by reason, credits and payment failures, each with its change', () => {
    const text = sectionTexts(render(current, previous)).join('\n');
    for (const line of [
      '• Problems confirmed: *3* _(+1 (+50.0%))_',
      '    ◦ Bugs: 1 _(no change)_',
      '    ◦ Incidents: 2 _(+2 (from none))_',
      '    ◦ Not classified yet: 0 _(−1 (−100.0%))_',
      '• Approvals requested (one per stage): *5* _(+1 (+25.0%))_',
      '    ◦ Approved: 2 _(−1 (−33.3%))_',
      '    ◦ Denied: 1 _(+1 (from none))_',
      '    ◦ Expired: 1 _(no change)_',
      '    ◦ Still waiting: 1 _(+1 (from none))_',
      // $82.00 vs $40.00 + €10.00: currencies are compared one by one, never added.
      '• Refunds: *3* for *$82.00* _(+1 (+50.0%); −€10.00 (−100.0%), +$42.00 (+105.0%))_',
      '    ◦ Requested by the customer: 2 for $32.00 _(+2 (from none); +$32.00 (from none))_',
      '    ◦ Duplicate charge: 1 for $50.00 _(no change; +$10.00 (+25.0%))_',
      '    ◦ No reason given: 0 for $0.00 _(−1 (−100.0%); −€10.00 (−100.0%))_',
      '• Credits: *1* for *$30.00* _(no change)_',
      '• Payment failures: *4* _(−1 (−20.0%))_',
      // 3/4 = 75.0% recovered vs 2/5 = 40.0%.
      '    ◦ Paid afterwards: 3 _(+1 (+50.0%))_ — recovery rate *75.0%* _(+35.0 pts)_',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
  });

  it('says when last month had no Stripe data to compare payment failures with', () => {
    const text = sectionTexts(render(current, { ...previous, paymentFailures: null })).join('\n');
    expect(text).toContain('• Payment failures: *4* _(no earlier figure)_');
    expect(text).toContain('recovery rate *75.0%* _(no earlier figure)_');
  });

  it('stays within Slack’s limits at the largest: every section under 3,000 characters, tables cut by whole rows', () => {
    const many = Array.from({ length: 60 }, (_, index) => ({
      category: `imported_category_with_a_long_name_${index}`,
      escalations: 100_000 + index,
      resolvedWithoutEngineering: 50_000,
      duplicatesAvoided: 12_345,
      resolved: 99_999,
      averageResolutionMs: 1_234 * HOUR,
    }));
    const kinds = [...ACTION_KINDS].map((kind) => ({
      kind,
      requested: 99_999,
      succeeded: 99_000,
      failed: 999,
      averageMs: 999 * HOUR,
    }));
    const totals = { usd: 987_654_321, eur: 123_456_789, gbp: 5, jpy: 1_000_000 };
    const largest = figures({
      categories: many,
      actions: { requested: 1_499_985, needingApproval: 1_000, byKind: kinds },
      refunds: {
        count: 9_999,
        totals,
        byReason: ['duplicate', 'requested_by_customer', 'fraudulent', 'unspecified'].map((reason) => ({
          reason,
          count: 2_500,
          totals,
        })),
      },
      credits: { count: 9_999, totals },
      paymentFailures: { failures: 99_999, recovered: 12_345 },
    });
    // Last month had other categories and kinds still: the tables list both months' rows.
    const before = figures({
      categories: many.map((c) => ({ ...c, category: `${c.category}_last_month` })),
      actions: {
        requested: 1,
        needingApproval: 0,
        byKind: kinds.map((k) => ({ ...k, kind: `${k.kind}_old` })),
      },
      paymentFailures: { failures: 1, recovered: 0 },
    });
    const message = render(largest, before);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const text of sectionTexts(message)) {
      expect(text.length).toBeLessThanOrEqual(3000);
      // A cut never breaks the monospace table open.
      expect(text.split('```').length % 2).toBe(1);
    }
    const categories = sectionStarting(message, '*By category*');
    const shown = categories.split('\n').filter((line) => line.startsWith('imported'));
    expect(shown.length).toBeGreaterThan(10);
    expect(categories).toContain(
      `_…and ${120 - shown.length} more rows; the CSV in the thread has them all._`,
    );
    // 30 action rows fit whole.
    const actions = sectionStarting(message, '*By kind of action*');
    expect(actions).not.toContain('more rows');
    expect(row(actions, 'Clear billing flag old')).toBe('Clear billing flag old 0 (−99999) — —');
    // A count wider than its column still stands apart from the next one.
    const wide = categories.split('\n').find((line) => line.startsWith('imported')) ?? '';
    expect(wide).toMatch(/^imported_category_with +100000 \(\+100000\) +50\.0%/);
    const money = sectionStarting(message, '*Money*');
    expect(money).toContain('    ◦ Paid afterwards: 12345');
  });
});

describe('App Home view by role', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  const base = {
    userId: 'U1',
    now,
    escalations: [],
    actionRequests: [],
    approvals: [],
    today: emptyFigures(),
    problems: [],
    incidents: [],
  };
  const problem = {
    id: 7,
    title: 'Renewal charged twice',
    status: 'open',
    kind: 'bug',
    priorityScore: 420,
    priorityExplanation: [],
    rcaKey: 'RCA-7',
    rcaStatus: 'open',
    linkedEscalations: 3,
  };

  it('shows the latest assessment with its release decision, or says it is missing', () => {
    const text = blocksText(
      homeView({
        ...base,
        roles: ['engineer'],
        sections: homeSections(['engineer']),
        problems: [
          {
            ...problem,
            assessment: {
              decision: 'patch',
              severity: 'critical',
              fixVersion: '2026.11.2',
              revision: 2,
              assessedAt: now,
            },
          },
          {
            ...problem,
            id: 8,
            assessment: {
              decision: 'next_compile',
              severity: 'major',
              fixVersion: '2026.12',
              revision: 1,
              assessedAt: now,
            },
          },
          { ...problem, id: 9, assessment: null },
        ],
      }).blocks,
    );
    expect(text).toContain(
      'RCA RCA-7 (open) · assessed: critical (revision 2) · release: Patch, version 2026.11.2',
    );
    expect(text).toContain('assessed: major · release: Next customer compile, tentatively version 2026.12');
    expect(text).toContain(':warning: assessment missing');
  });

  it('gives VPs and legal their approvals; today’s figures to VPs but not to legal', () => {
    const approval = {
      actionId: 12,
      stage: 2,
      requiredRole: 'vp',
      kind: 'credit',
      customerId: 'cus_1',
      amountMinor: 60_000,
      currency: 'usd',
      reason: 'Goodwill after the outage',
      requesterId: 'U2',
      requestedAt: now,
      expiresAt: null,
    };
    const vp = homeView({ ...base, roles: ['vp'], sections: homeSections(['vp']), approvals: [approval] });
    expect(blocksText(vp.blocks)).toContain('Approvals waiting for you');
    expect(blocksText(vp.blocks)).toContain('VP approval, stage 2');
    expect(findAction(vp.blocks, 'account_action_approve')?.element.value).toBe('12:2');
    expect(blocksText(vp.blocks)).toContain("Today's figures");
    const legal = homeView({
      ...base,
      roles: ['legal'],
      sections: homeSections(['legal']),
      approvals: [{ ...approval, requiredRole: 'legal', kind: 'force_cancel', amountMinor: null }],
    });
    expect(blocksText(legal.blocks)).toContain('Legal approval, stage 2');
    expect(blocksText(legal.blocks)).not.toContain("Today's figures");
  });
});
