import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listComponentStateChanges,
  listPublicIncidents,
  recordComponentStates,
  statusPageVersion,
} from '../../src/db/repositories/status-page.js';
import { incidents } from '../../src/db/schema/index.js';
import { loadStatusPageModel, StatusPageCache, windowStart } from '../../src/services/status-page.js';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../support/database.js';
import { seedIncident } from '../support/status-page-seed.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-23T12:00:00Z');

describe.each(DATABASE_KINDS)('status page repository (%s)', (kind) => {
  let database: TestDatabase;
  let oldId: number;
  let recentId: number;

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
          state: 'resolved',
          publicMessage: 'Invoices are on time again.',
          componentStates: { invoicing: 'degraded_performance' },
          at: new Date(NOW.getTime() - 100 * DAY),
        },
      ],
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

  it('reads the changes of the window plus each component’s last change before it', async () => {
    const changes = await listComponentStateChanges(database.handle.db, windowStart(NOW));
    expect(changes.map((change) => [change.componentId, change.state])).toEqual([
      ['invoicing', 'degraded_performance'],
      ['refunds', 'degraded_performance'],
    ]);
  });

  it('lists open incidents and those of the window only', async () => {
    const listed = await listPublicIncidents(database.handle.db, windowStart(NOW));
    expect(listed.map((incident) => incident.id)).toEqual([recentId]);
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
      expect(model.incidents.map((incident) => incident.id)).toEqual([recentId]);
      const incident = await cache.olderIncident(model, oldId);
      expect(incident?.components).toEqual([
        { id: 'invoicing', name: 'Invoices and receipts', state: 'degraded_performance' },
      ]);
      return incident?.updates.map((update) => update.message).join('|');
    });
    expect(new TextDecoder().decode(rendered?.body)).toBe('Invoices are late.|Invoices are on time again.');
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
});
