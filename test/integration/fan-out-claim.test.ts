import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimFanOut, releaseFanOut, renewFanOut } from '../../src/db/repositories/incidents.js';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../support/database.js';
import { seedIncident } from '../support/status-page-seed.js';

describe.each(DATABASE_KINDS)("an incident's fan-out claim (%s)", (kind) => {
  let database: TestDatabase;
  let incidentId: number;
  let otherId: number;

  beforeAll(async () => {
    database = await freshDatabase(kind);
    const seed = (publicTitle: string) =>
      seedIncident(database.handle.db, {
        publicTitle,
        severity: 'sev2',
        components: ['payments'],
        createdAt: new Date(),
        updates: [],
      });
    incidentId = await seed('Card payments failing');
    otherId = await seed('Invoices late');
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('is held by one run at a time, per incident, until released', async () => {
    const db = database.handle.db;
    expect(await claimFanOut(db, incidentId, 'run-a', 60)).toEqual({ claimed: true });
    const refused = await claimFanOut(db, incidentId, 'run-b', 60);
    expect(refused.claimed).toBe(false);
    // It says until when the other run's claim holds: about a minute from now.
    const until = refused.claimed ? 0 : (refused.until?.getTime() ?? 0);
    expect(until - Date.now()).toBeGreaterThan(50_000);
    expect(until - Date.now()).toBeLessThan(70_000);
    // Another incident is not held up.
    expect(await claimFanOut(db, otherId, 'run-b', 60)).toEqual({ claimed: true });
    // The holder renews and claims again; nobody else can renew or release it.
    expect(await renewFanOut(db, incidentId, 'run-a', 60)).toBe(true);
    expect(await claimFanOut(db, incidentId, 'run-a', 60)).toEqual({ claimed: true });
    expect(await renewFanOut(db, incidentId, 'run-b', 60)).toBe(false);
    await releaseFanOut(db, incidentId, 'run-b');
    expect((await claimFanOut(db, incidentId, 'run-b', 60)).claimed).toBe(false);
    await releaseFanOut(db, incidentId, 'run-a');
    expect(await claimFanOut(db, incidentId, 'run-b', 60)).toEqual({ claimed: true });
    // The first run, had it still been working, learns that its claim is gone.
    expect(await renewFanOut(db, incidentId, 'run-a', 60)).toBe(false);
  });

  it('a claim left by a run that died runs out, and another run takes it', async () => {
    const db = database.handle.db;
    await releaseFanOut(db, otherId, 'run-b');
    expect(await claimFanOut(db, otherId, 'dead-run', 1)).toEqual({ claimed: true });
    expect((await claimFanOut(db, otherId, 'run-c', 60)).claimed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(await claimFanOut(db, otherId, 'run-c', 60)).toEqual({ claimed: true });
  });
});
