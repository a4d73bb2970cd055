import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaEpoch } from '../../src/db/client.js';
import {
  listComponentStateChanges,
  listPublicIncidents,
  recordComponentStates,
  statusPageVersion,
} from '../../src/db/repositories/status-page.js';
import { incidents } from '../../src/db/schema/index.js';
import { loadStatusPageModel, StatusPageCache, windowStart } from '../../src/services/status-page.js';
import { componentsJson, incidentsJson, summaryJson } from '../../src/views/status-page/api.js';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../support/database.js';
import { seedIncident } from '../support/status-page-seed.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-23T12:00:00Z');

describe.each(DATABASE_KINDS)('status page repository (%s)', (kind) => {
  let database: TestDatabase;
  let oldId: number;
  let recentId: number;
  let longId: number;

  beforeAll(async () => {
    database = await freshDatabase(kind);
    oldId = await seedIncident(database.handle.db, {
      publicTitle: 'Invoices late, long ago',
      severity: 'sev3',
      components: ['invoicing'],
      createdAt: new Date(NOW.getTime() - 120 * DAY),
      updates: [
        {
          state: 'investigating',
          publicMessage: 'Invoices are late.',
          internalNote: 'team only',
          componentStates: { invoicing: 'partial_outage' },
          at: new Date(NOW.getTime() - 120 * DAY),
        },
        {
          // A state set by the resolving update ends with the incident: nothing holds invoicing after it.
          state: 'resolved',
          publicMessage: 'Invoices are on time again.',
          componentStates: { invoicing: 'degraded_performance' },
          at: new Date(NOW.getTime() - 100 * DAY),
        },
      ],
    });
    // Open since before the window: it still holds the billing portal when the window starts.
    longId = await seedIncident(database.handle.db, {
      publicTitle: 'Billing portal slow',
      severity: 'sev4',
      components: ['billing-portal'],
      createdAt: new Date(NOW.getTime() - 95 * DAY),
      updates: [
        {
          state: 'investigating',
          publicMessage: 'The billing portal is slow.',
          componentStates: { 'billing-portal': 'degraded_performance' },
          at: new Date(NOW.getTime() - 95 * DAY),
        },
      ],
    });
    // Changes made outside any incident: maintenance from before the window, over inside it.
    await recordComponentStates(database.handle.db, {
      incidentId: null,
      states: { subscriptions: 'under_maintenance' },
      at: new Date(NOW.getTime() - 97 * DAY),
    });
    await recordComponentStates(database.handle.db, {
      incidentId: null,
      states: { subscriptions: 'operational' },
      at: new Date(NOW.getTime() - 2 * DAY),
    });
    recentId = await seedIncident(database.handle.db, {
      publicTitle: 'Refunds slow',
      severity: 'sev4',
      components: ['refunds'],
      createdAt: new Date(NOW.getTime() - 5 * DAY),
      updates: [
        {
          state: 'investigating',
          publicMessage: 'Refunds take longer.',
          componentStates: { refunds: 'degraded_performance' },
          at: new Date(NOW.getTime() - 5 * DAY),
        },
      ],
    });
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('refuses a state that is not a Statuspage component state, writing nothing', async () => {
    const before = await listComponentStateChanges(database.handle.db, new Date(0));
    await expect(
      database.handle.db.transaction((tx) =>
        recordComponentStates(tx, {
          incidentId: recentId,
          states: { refunds: 'operational', payments: 'on_fire' },
          at: NOW,
        }),
      ),
    ).rejects.toThrow(/on_fire/);
    expect(await listComponentStateChanges(database.handle.db, new Date(0))).toEqual(before);
  });

  it('reads the changes of the window plus what held each component when it starts', async () => {
    const changes = await listComponentStateChanges(database.handle.db, windowStart(NOW));
    // Not invoicing: the incident that set it was resolved before the window.
    expect(changes.map((change) => [change.componentId, change.state, change.incidentId])).toEqual([
      ['subscriptions', 'under_maintenance', null],
      ['billing-portal', 'degraded_performance', longId],
      ['refunds', 'degraded_performance', recentId],
      ['subscriptions', 'operational', null],
    ]);
    const model = await loadStatusPageModel(database.handle.db, {
      settings: {
        title: 'Billing status',
        components: [
          { id: 'billing-portal', name: 'Billing portal' },
          { id: 'subscriptions', name: 'Subscriptions' },
          { id: 'invoicing', name: 'Invoices' },
        ],
      },
      publicUrl: 'https://status.example.test',
      now: NOW,
      fallbackTime: NOW,
    });
    expect(model.components.map((c) => [c.id, c.state])).toEqual([
      ['billing-portal', 'degraded_performance'],
      ['subscriptions', 'operational'],
      ['invoicing', 'operational'],
    ]);
    expect(model.components[0]?.uptime.days[0]?.worst).toBe('degraded_performance');
    expect(model.components[1]?.uptime.days[0]?.worst).toBe('under_maintenance');
  });

  it('lists open incidents and those of the window only', async () => {
    const listed = await listPublicIncidents(database.handle.db, windowStart(NOW));
    expect(listed.map((incident) => incident.id)).toEqual([recentId, longId]);
    expect(Object.keys(listed[0] ?? {})).not.toContain('ownerId');
  });

  it('changes its version when an incident of the window is edited', async () => {
    const since = windowStart(NOW);
    const before = await statusPageVersion(database.handle.db, since);
    expect(await statusPageVersion(database.handle.db, since)).toBe(before);
    await database.handle.db
      .update(incidents)
      .set({ publicTitle: 'Refunds slower than usual' })
      .where(eq(incidents.id, recentId));
    expect(await statusPageVersion(database.handle.db, since)).not.toBe(before);
  });

  it('still serves the page of an incident older than the window, with components as they are now', async () => {
    const cache = new StatusPageCache({
      db: database.handle.db,
      settings: {
        title: 'Billing status',
        components: [
          { id: 'invoicing', name: 'Invoices and receipts' },
          { id: 'refunds', name: 'Refunds and credits' },
        ],
      },
      publicUrl: 'https://status.example.test',
      now: () => NOW,
    });
    const rendered = await cache.resource(`incident:${oldId}`, async (model) => {
      expect(model.incidents.map((incident) => incident.id)).toEqual([recentId, longId]);
      const incident = await cache.olderIncident(model, oldId);
      expect(incident?.components).toEqual([
        { id: 'invoicing', name: 'Invoices and receipts', state: 'operational' },
      ]);
      return incident?.updates.map((update) => update.message).join('|');
    });
    expect(new TextDecoder().decode(rendered?.body)).toBe('Invoices are late.|Invoices are on time again.');
  });

  it('gives every instance the same component times: the first change ever, else one fixed time', async () => {
    const settings = {
      title: 'Billing status',
      components: [
        { id: 'invoicing', name: 'Invoices and receipts' },
        { id: 'never-changed', name: 'Something that never broke' },
      ],
    };
    // Two instances started a day apart, serving at the same moment.
    let clock = new Date(NOW.getTime() - 2 * DAY);
    const first = new StatusPageCache({
      db: database.handle.db,
      settings,
      publicUrl: 'https://s.example.test',
      now: () => clock,
    });
    clock = new Date(NOW.getTime() - DAY);
    const second = new StatusPageCache({
      db: database.handle.db,
      settings,
      publicUrl: 'https://s.example.test',
      now: () => clock,
    });
    clock = NOW;
    const render = (model: Parameters<typeof componentsJson>[0]) => JSON.stringify(componentsJson(model));
    const [a, b] = await Promise.all([
      first.resource('components', render),
      second.resource('components', render),
    ]);
    expect(a?.etag).toBe(b?.etag);
    const components = (JSON.parse(new TextDecoder().decode(a?.body)) as ReturnType<typeof componentsJson>)
      .components;
    // Invoicing last changed 100 days ago, outside the window: its creation is still its first change, 120 days ago.
    expect(components.find((c) => c.id === 'invoicing')?.created_at).toBe(
      new Date(NOW.getTime() - 120 * DAY).toISOString(),
    );
    const never = components.find((c) => c.id === 'never-changed');
    expect(never?.created_at).toBe(schemaEpoch().toISOString());
    expect(never?.updated_at).toBe(schemaEpoch().toISOString());
  });

  it('lists the most recent incidents in incidents.json whatever their age; the page keeps to its window', async () => {
    const model = await loadStatusPageModel(database.handle.db, {
      settings: { title: 'Billing status', components: [{ id: 'invoicing', name: 'Invoices and receipts' }] },
      publicUrl: 'https://status.example.test',
      now: NOW,
      fallbackTime: NOW,
    });
    expect(model.incidents.map((incident) => incident.id)).not.toContain(oldId);
    const listed = incidentsJson(model).incidents;
    expect(listed.map((incident) => incident.id)).toContain(String(oldId));
    // Newest first, the old one with its whole public timeline.
    const times = listed.map((incident) => incident.created_at);
    expect(times).toEqual([...times].sort().reverse());
    expect(
      listed.find((incident) => incident.id === String(oldId))?.incident_updates.map((u) => u.body),
    ).toEqual(['Invoices are on time again.', 'Invoices are late.']);
  });

  it('shows a component operational again once the incident that broke it is resolved, if nobody said otherwise', async () => {
    await seedIncident(database.handle.db, {
      publicTitle: 'Card payments failing',
      severity: 'sev1',
      components: ['payments'],
      createdAt: new Date(NOW.getTime() - 2 * DAY),
      updates: [
        {
          state: 'investigating',
          publicMessage: 'Payments fail.',
          componentStates: { payments: 'major_outage' },
          at: new Date(NOW.getTime() - 2 * DAY),
        },
        { state: 'resolved', publicMessage: 'Fixed.', at: new Date(NOW.getTime() - 2 * DAY + 6 * 3_600_000) },
      ],
    });
    const model = await loadStatusPageModel(database.handle.db, {
      settings: { title: 'Billing status', components: [{ id: 'payments', name: 'Card payments' }] },
      publicUrl: 'https://status.example.test',
      now: NOW,
      fallbackTime: NOW,
    });
    const payments = model.components[0];
    expect(payments?.state).toBe('operational');
    const day = payments?.uptime.days.find((candidate) => candidate.date === '2026-11-21');
    expect(day?.uptime).toBeCloseTo(1 - 6 / 24, 10);
    expect(model.status.indicator).toBe('none');
  });

  it('keeps serving the last page it had while the database does not answer', async () => {
    let broken = false;
    const flaky = new Proxy(database.handle.db, {
      get(target, property, receiver) {
        if (broken && property === 'execute') return () => Promise.reject(new Error('connection refused'));
        return Reflect.get(target, property, receiver);
      },
    });
    const cache = new StatusPageCache({
      db: flaky,
      settings: { title: 'Billing status', components: [{ id: 'refunds', name: 'Refunds and credits' }] },
      publicUrl: 'https://status.example.test',
      now: () => NOW,
    });
    const render = (model: { incidents: Array<{ title: string }> }) =>
      model.incidents.map((incident) => incident.title).join('|');
    const first = await cache.resource('titles', render);
    broken = true;
    const second = await cache.resource('titles', render);
    expect(second?.etag).toBe(first?.etag);
    const fresh = new StatusPageCache({
      db: flaky,
      settings: { title: 'Billing status', components: [] },
      publicUrl: 'https://status.example.test',
      now: () => NOW,
    });
    await expect(fresh.resource('titles', render)).rejects.toThrow('connection refused');
  });

  it('two incidents on one component: the worst open state holds, in the uptime, the page and the JSON alike', async () => {
    const day = (date: string, hour = 0) => new Date(`${date}T${String(hour).padStart(2, '0')}:00:00Z`);
    // A: a partial outage of exports from the 20th, still open.
    await seedIncident(database.handle.db, {
      publicTitle: 'Exports partly failing',
      severity: 'sev3',
      components: ['exports'],
      createdAt: day('2026-11-20'),
      updates: [
        {
          state: 'investigating',
          publicMessage: 'Some exports fail.',
          componentStates: { exports: 'partial_outage' },
          at: day('2026-11-20'),
        },
      ],
    });
    // B: a major outage of exports on the 21st; at 06:00 B says exports are fine for it, at 12:00 B is resolved.
    const b = await seedIncident(database.handle.db, {
      publicTitle: 'Exports down',
      severity: 'sev2',
      components: ['exports'],
      createdAt: day('2026-11-21'),
      updates: [
        {
          state: 'investigating',
          publicMessage: 'Exports are down.',
          componentStates: { exports: 'major_outage' },
          at: day('2026-11-21'),
        },
        {
          state: 'monitoring',
          publicMessage: 'Exports work again for this part.',
          componentStates: { exports: 'operational' },
          at: day('2026-11-21', 6),
        },
        { state: 'resolved', publicMessage: 'Resolved.', at: day('2026-11-21', 12) },
      ],
    });
    const model = await loadStatusPageModel(database.handle.db, {
      settings: { title: 'Billing status', components: [{ id: 'exports', name: 'Exports' }] },
      publicUrl: 'https://status.example.test',
      now: NOW,
      fallbackTime: NOW,
    });
    const exports = model.components[0];
    // Neither B's "operational" nor its resolution undoes A's partial outage.
    expect(exports?.state).toBe('partial_outage');
    const uptime = (date: string) => exports?.uptime.days.find((candidate) => candidate.date === date);
    expect(uptime('2026-11-20')?.uptime).toBeCloseTo(0.7, 10);
    // 6 h major, then 18 h of A's partial outage (30% down).
    expect(uptime('2026-11-21')).toMatchObject({ worst: 'major_outage' });
    expect(uptime('2026-11-21')?.uptime).toBeCloseTo(1 - (6 + 0.3 * 18) / 24, 10);
    expect(uptime('2026-11-23')?.worst).toBe('partial_outage');
    const summary = summaryJson(model);
    expect(summary.components.map((c) => [c.id, c.status])).toEqual([['exports', 'partial_outage']]);
    const all = incidentsJson(model);
    const resolved = all.incidents.find((incident) => incident.id === String(b));
    expect(resolved?.incident_updates.map((u) => u.affected_components)).toEqual([
      null,
      [{ code: 'exports', name: 'Exports', old_status: 'major_outage', new_status: 'operational' }],
      [{ code: 'exports', name: 'Exports', old_status: 'operational', new_status: 'major_outage' }],
    ]);
    expect(resolved?.components.map((c) => c.status)).toEqual(['partial_outage']);
  });
});
