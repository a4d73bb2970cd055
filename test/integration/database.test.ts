import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { auditEvents, problems } from '../../src/db/schema/index.js';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../support/database.js';

describe.each(DATABASE_KINDS)('database on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase(kind);
  });
  afterAll(async () => {
    await database.drop();
  });

  it('has every committed migration applied and answers a ping', async () => {
    expect(await database.handle.migrationsApplied()).toBe(true);
    await expect(database.handle.ping()).resolves.toBeUndefined();
  });

  it('has trigram similarity available for matching', async () => {
    const rows = await queryRows<{ score: number }>(
      database.handle.db,
      sql`select similarity('renewal charged twice', 'renewal charged two times') as score`,
    );
    expect(Number(rows[0]?.score)).toBeGreaterThan(0.4);
  });

  it('stores and reads the core vocabulary', async () => {
    const [problem] = await database.handle.db
      .insert(problems)
      .values({
        title: 'Seats not reduced after removing users',
        category: 'overcharge_dispute',
        createdBy: 'U0ENG',
      })
      .returning();
    expect(problem?.status).toBe('triage');
    expect(problem?.createdAt).toBeInstanceOf(Date);
  });

  it('keeps the audit trail append-only: UPDATE and DELETE are refused by the database', async () => {
    const db = database.handle.db;
    const [event] = await db
      .insert(auditEvents)
      .values({
        actorId: 'U0MGR',
        action: 'credit.requested',
        customerId: 'cus_1',
        result: 'pending',
        amountMinor: 5000,
        currency: 'usd',
      })
      .returning();
    if (!event) throw new Error('no audit event inserted');
    // drizzle reports the failed statement and keeps the database's own error as the cause.
    const refused = { cause: { message: expect.stringMatching(/audit_events is append-only/) } };
    await expect(
      db.update(auditEvents).set({ result: 'succeeded' }).where(eq(auditEvents.id, event.id)),
    ).rejects.toMatchObject(refused);
    await expect(db.delete(auditEvents).where(eq(auditEvents.id, event.id))).rejects.toMatchObject(refused);
    await expect(db.execute(sql`truncate audit_events`)).rejects.toMatchObject(refused);
    const rows = await db.select().from(auditEvents).where(eq(auditEvents.id, event.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.result).toBe('pending');
  });
});
