import { describe, expect, it } from 'vitest';
import { settingsSchema } from '../../src/config/settings.js';
import type { Settings } from '../../src/config.js';
import {
  COMPONENT_STATES,
  canMoveTo,
  componentStatesOfUpdate,
  dedicatedChannelName,
  INCIDENT_STATES,
  reminderDue,
  stateTimestampField,
} from '../../src/domain/incident.js';
import {
  type ClassificationAnswers,
  DEFAULT_POLICY,
  overrideProblem,
  SEVERITIES,
  SEVERITY_DEFINITIONS,
  suggestClassification,
} from '../../src/domain/policy.js';
import { parseIncidentCommand } from '../../src/handlers/incident.js';
import { ChannelPacer } from '../../src/jobs/channel-pacer.js';
import { type ClassificationInput, classificationErrors } from '../../src/services/incident.js';

const none: ClassificationAnswers = {
  blocksSubscriptions: false,
  blocksPayments: false,
  cosmeticOnly: false,
  financial: false,
  afterRelease: false,
  customersAffected: 1,
};

describe('bug-or-incident policy', () => {
  it('blocking payments or subscriptions is always an incident, even when it is also cosmetic', () => {
    for (const answers of [
      { ...none, blocksPayments: true },
      { ...none, blocksSubscriptions: true },
      { ...none, blocksPayments: true, cosmeticOnly: true },
    ]) {
      const suggestion = suggestClassification(answers, DEFAULT_POLICY);
      expect(suggestion.outcome).toBe('incident');
      expect(suggestion.reason).toMatch(/blocks (payments|subscriptions)/);
      expect(['sev1', 'sev2']).toContain(suggestion.severity);
    }
  });

  it('cosmetic or visual only is a bug of SEV4, however many customers see it', () => {
    const suggestion = suggestClassification(
      { ...none, cosmeticOnly: true, customersAffected: 5000 },
      DEFAULT_POLICY,
    );
    expect(suggestion).toMatchObject({ outcome: 'bug', severity: 'sev4' });
  });

  it('financial issues and wide impact push towards an incident at the configured thresholds', () => {
    const policy = { ...DEFAULT_POLICY, financialIncidentCustomers: 5, largeImpactCustomers: 50 };
    expect(suggestClassification({ ...none, financial: true, customersAffected: 4 }, policy).outcome).toBe(
      'bug',
    );
    expect(suggestClassification({ ...none, financial: true, customersAffected: 5 }, policy).outcome).toBe(
      'incident',
    );
    expect(suggestClassification({ ...none, customersAffected: 49 }, policy).outcome).toBe('bug');
    expect(suggestClassification({ ...none, customersAffected: 50 }, policy).outcome).toBe('incident');
    expect(
      suggestClassification(
        { ...none, financial: true, customersAffected: 5 },
        { ...policy, financialIncidentCustomers: 10 },
      ).outcome,
    ).toBe('bug');
  });

  it('severity grows with reach and with a release as the likely cause', () => {
    expect(
      suggestClassification({ ...none, blocksPayments: true, customersAffected: 500 }, DEFAULT_POLICY)
        .severity,
    ).toBe('sev1');
    expect(
      suggestClassification({ ...none, financial: true, customersAffected: 6 }, DEFAULT_POLICY).severity,
    ).toBe('sev3');
    const released = suggestClassification(
      { ...none, financial: true, customersAffected: 6, afterRelease: true },
      DEFAULT_POLICY,
    );
    expect(released.severity).toBe('sev2');
    expect(released.severityReason).toContain('release');
  });

  it('every severity has a definition; going against the suggestion needs a reason', () => {
    for (const severity of SEVERITIES) expect(SEVERITY_DEFINITIONS[severity].length).toBeGreaterThan(20);
    const suggestion = suggestClassification(none, DEFAULT_POLICY);
    expect(overrideProblem(suggestion, 'bug', '')).toBeUndefined();
    expect(overrideProblem(suggestion, 'incident', '')).toContain('suggests bug');
    expect(overrideProblem(suggestion, 'incident', 'Finance asked for it')).toBeUndefined();
  });

  it('settings default to the seed policy and the reminder minutes per severity', () => {
    const settings = settingsSchema.parse({});
    expect(settings.policy).toEqual(DEFAULT_POLICY);
    expect(settings.incidents).toEqual({
      responderRoles: ['engineer', 'manager'],
      reminderMinutes: { sev1: 30, sev2: 60, sev3: 240, sev4: 1440 },
      dedicatedChannel: false,
    });
    expect(() => settingsSchema.parse({ incidents: { reminderMinutes: { sev1: 0 } } })).toThrow();
  });
});

describe('incident lifecycle', () => {
  it("uses Statuspage's codes exactly", () => {
    expect(INCIDENT_STATES).toEqual(['investigating', 'identified', 'monitoring', 'resolved']);
    expect(COMPONENT_STATES).toEqual([
      'operational',
      'degraded_performance',
      'partial_outage',
      'major_outage',
      'under_maintenance',
    ]);
  });

  it('a resolved incident takes no more updates; each state has its timestamp', () => {
    expect(canMoveTo('monitoring', 'identified')).toBe(true);
    expect(canMoveTo('resolved', 'investigating')).toBe(false);
    expect(stateTimestampField('identified')).toBe('identifiedAt');
    expect(stateTimestampField('resolved')).toBe('resolvedAt');
    expect(stateTimestampField('investigating')).toBeUndefined();
  });

  it('names dedicated channels inc-<number>-<slug> within Slack limits', () => {
    expect(dedicatedChannelName(42, 'Card payments failing at checkout!')).toBe(
      'inc-42-card-payments-failing-at-checkout',
    );
    expect(dedicatedChannelName(7, '!!!')).toBe('inc-7');
    expect(dedicatedChannelName(123456, 'x'.repeat(200)).length).toBeLessThanOrEqual(80);
  });

  it('reminds after the severity’s silence, once per period, and after a snooze ends', () => {
    const minutes = { sev1: 30, sev2: 60, sev3: 240, sev4: 1440 };
    const start = new Date('2026-11-23T10:00:00Z');
    const at = (m: number) => new Date(start.getTime() + m * 60_000);
    const base = {
      state: 'investigating',
      severity: 'sev1',
      createdAt: start,
      lastUpdateAt: start,
      remindedAt: null,
      snoozedUntil: null,
    };
    expect(reminderDue(base, minutes, at(29))).toBe(false);
    expect(reminderDue(base, minutes, at(30))).toBe(true);
    expect(reminderDue({ ...base, remindedAt: at(30) }, minutes, at(45))).toBe(false);
    expect(reminderDue({ ...base, remindedAt: at(30) }, minutes, at(60))).toBe(true);
    expect(reminderDue({ ...base, remindedAt: at(30), snoozedUntil: at(120) }, minutes, at(100))).toBe(false);
    expect(reminderDue({ ...base, remindedAt: at(30), snoozedUntil: at(120) }, minutes, at(120))).toBe(true);
    expect(reminderDue({ ...base, severity: 'sev4' }, minutes, at(1439))).toBe(false);
    expect(reminderDue({ ...base, state: 'resolved' }, minutes, at(5000))).toBe(false);
  });
});

describe('what a status update records per component', () => {
  const affected = ['payments'];
  const held = { payments: 'major_outage' } as const;

  it('records the incident’s own components and what the person changed, never the rest of the form', () => {
    // The form shows every component; the others are at operational because this incident does not hold them.
    const submitted = {
      payments: 'partial_outage',
      subscriptions: 'operational',
      invoicing: 'operational',
    } as const;
    expect(componentStatesOfUpdate({ affected, held, submitted, resolving: false })).toEqual({
      states: { payments: 'partial_outage' },
      refused: [],
    });
    expect(
      componentStatesOfUpdate({
        affected,
        held,
        submitted: { ...submitted, invoicing: 'degraded_performance' },
        resolving: false,
      }).states,
    ).toEqual({ payments: 'partial_outage', invoicing: 'degraded_performance' });
    // A component the form did not show keeps this incident's state.
    expect(componentStatesOfUpdate({ affected, held, submitted: {}, resolving: false }).states).toEqual({
      payments: 'major_outage',
    });
  });

  it('resolving returns only this incident’s components to operational, and refuses a state set while resolving', () => {
    expect(
      componentStatesOfUpdate({
        affected,
        held: { ...held, invoicing: 'degraded_performance' },
        submitted: {},
        resolving: true,
      }),
    ).toEqual({ states: { payments: 'operational', invoicing: 'operational' }, refused: [] });
    // From the ordinary form with "Resolved" picked: states left as they were go back to operational.
    expect(
      componentStatesOfUpdate({
        affected,
        held,
        submitted: { payments: 'major_outage', subscriptions: 'operational' },
        resolving: true,
      }),
    ).toEqual({ states: { payments: 'operational' }, refused: [] });
    expect(
      componentStatesOfUpdate({
        affected,
        held,
        submitted: { payments: 'degraded_performance', refunds: 'partial_outage' },
        resolving: true,
      }).refused,
    ).toEqual(['payments', 'refunds']);
  });
});

describe('/incident arguments', () => {
  it('reads classify and update with or without the PRB-/INC- prefix', () => {
    expect(parseIncidentCommand('classify PRB-12')).toEqual({ verb: 'classify', id: 12 });
    expect(parseIncidentCommand(' update inc-3 ')).toEqual({ verb: 'update', id: 3 });
    expect(parseIncidentCommand('update 7')).toEqual({ verb: 'update', id: 7 });
    expect(parseIncidentCommand('close 7')).toBeUndefined();
    expect(parseIncidentCommand('classify')).toBeUndefined();
  });
});

describe('channel pacer', () => {
  it('allows a burst, then one a second per channel; a 429 blocks that channel only for Retry-After', () => {
    let now = 0;
    const pacer = new ChannelPacer({ perSecond: 1, burst: 3 }, () => now);
    const post = (channel: string) => {
      const wait = pacer.tryTake(channel);
      if (wait === 0) pacer.settled(channel);
      return wait;
    };
    expect([post('C1'), post('C1'), post('C1')]).toEqual([0, 0, 0]);
    expect(post('C1')).toBe(1000);
    expect(post('C2')).toBe(0);
    now = 1000;
    expect(post('C1')).toBe(0);
    pacer.rateLimited('C2', 2);
    expect(post('C2')).toBe(2000);
    expect(post('C3')).toBe(0);
    now = 3000;
    expect(post('C2')).toBe(0);
    // One post when the wait is over, then one a second again.
    expect(post('C2')).toBe(1000);
  });

  it('counts a post as arriving at its answer, at the latest: only the first post’s time in flight is lost', () => {
    let now = 0;
    const pacer = new ChannelPacer({ perSecond: 1, burst: 3 }, () => now);
    // Each post takes 100 ms to be answered. Slack saw the first arrive by 100 ms at the latest, so a fourth may
    // go at 1,100 ms (a bucket that forgot every post's time in flight would wait until 1,300 ms).
    for (const sent of [0, 100, 200]) {
      now = sent;
      expect(pacer.tryTake('C1')).toBe(0);
      now = sent + 100;
      pacer.settled('C1');
    }
    expect(pacer.tryTake('C1')).toBe(800);
    now = 1_099;
    expect(pacer.tryTake('C1')).toBe(1);
    now = 1_100;
    expect(pacer.tryTake('C1')).toBe(0);
  });

  it('lets one post per channel be in flight at a time', () => {
    const pacer = new ChannelPacer({ perSecond: 1, burst: 3 }, () => 0);
    expect(pacer.tryTake('C1')).toBe(0);
    expect(pacer.tryTake('C1')).toBeGreaterThan(0);
    expect(pacer.tryTake('C2')).toBe(0);
    pacer.settled('C1');
    expect(pacer.tryTake('C1')).toBe(0);
  });
});

describe('the classification form', () => {
  const input = (customersAffected: number): ClassificationInput => ({
    problemId: 1,
    actorId: 'U0ENG',
    answers: {
      blocksSubscriptions: false,
      blocksPayments: false,
      cosmeticOnly: true,
      financial: false,
      customersAffected,
      afterRelease: false,
    },
    outcome: 'bug',
    severity: 'sev4',
    reason: '',
    incident: { publicTitle: '', publicSummary: '', components: [], impact: 'operational', ownerId: 'U0ENG' },
  });
  const settings = settingsSchema.parse({}) as unknown as Settings;

  it('takes only a whole number of customers', () => {
    expect(classificationErrors(input(12), settings).errors).toEqual({});
    for (const customers of [12.5, -1, Number.NaN, 1e20])
      expect(classificationErrors(input(customers), settings).errors, String(customers)).toEqual({
        classify_customers: 'Give a whole number of customers (0 or more).',
      });
  });
});
