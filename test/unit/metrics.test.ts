import { describe, expect, it } from 'vitest';
import { escalationWait, homeSections } from '../../src/domain/home.js';
import {
  change,
  choosePeriod,
  emptyFigures,
  formatChange,
  formatDuration,
  lastFullMonth,
  monthLabel,
  monthPeriod,
  previousMonth,
  share,
  weeksOf,
} from '../../src/domain/metrics.js';
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
    expect(homeSections(['l1'])).toEqual({ agent: true, approver: false, engineer: false });
    expect(homeSections(['billing_specialist', 'engineer'])).toEqual({
      agent: false,
      approver: true,
      engineer: true,
    });
    expect(homeSections([])).toEqual({ agent: false, approver: false, engineer: false });
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
      sections: { agent: true, approver: true, engineer: true },
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
        assessed: false,
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
