import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { queryRows } from '../../src/db/client.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../support/database.js';

const silent = pino({ level: 'silent' });

async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(DATABASE_KINDS)('durable jobs on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase(kind);
    await database.handle.db.execute(sql`create table job_effects (job text, value text)`);
  });
  afterAll(async () => {
    await database.drop();
  });

  it('enqueues in the caller’s transaction: a rollback leaves no job, a commit runs it', async () => {
    const seen: string[] = [];
    const queue = new JobQueue(database.handle, silent);
    queue.define({
      name: 'test.tx',
      schema: z.object({ value: z.string() }),
      handler: async ({ value }) => void seen.push(value),
    });
    await queue.start();
    const db = database.handle.db;
    await expect(
      db.transaction(async (tx) => {
        await tx.execute(sql`insert into job_effects values ('tx', 'rolled back')`);
        await queue.enqueue(tx, 'test.tx', { value: 'rolled back' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await db.transaction(async (tx) => {
      await tx.execute(sql`insert into job_effects values ('tx', 'committed')`);
      await queue.enqueue(tx, 'test.tx', { value: 'committed' });
    });
    await waitFor(() => seen.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(seen).toEqual(['committed']);
    const effects = await queryRows<{ value: string }>(
      db,
      sql`select value from job_effects where job = 'tx'`,
    );
    expect(effects.map((row) => row.value)).toEqual(['committed']);
    await queue.stop();
  });

  it('retries a failing job with backoff until it succeeds', async () => {
    const attempts: Array<{ at: number; retryCount: number }> = [];
    const queue = new JobQueue(database.handle, silent);
    queue.define({
      name: 'test.flaky',
      schema: z.object({}),
      retryDelaySeconds: 1,
      retryLimit: 4,
      handler: async (_data, context) => {
        attempts.push({ at: Date.now(), retryCount: context.retryCount });
        if (attempts.length < 3) throw new Error('not yet');
      },
    });
    await queue.start();
    await queue.enqueue(database.handle.db, 'test.flaky', {});
    await waitFor(() => attempts.length >= 3, 20_000);
    expect(attempts.map((a) => a.retryCount)).toEqual([0, 1, 2]);
    const [first, second, third] = attempts.map((a) => a.at);
    // Exponential backoff: the second wait is longer than the first.
    expect((third ?? 0) - (second ?? 0)).toBeGreaterThan((second ?? 0) - (first ?? 0));
    await queue.stop();
  }, 30_000);

  it("stores a failed job's error without what an HTTP client hung on it (credentials)", async () => {
    const secret = Buffer.from('ops@example.com:JIRASECRETTOKEN123').toString('base64');
    let failed = false;
    const queue = new JobQueue(database.handle, silent);
    queue.define({
      name: 'test.leaky',
      schema: z.object({}),
      retryLimit: 0,
      handler: async () => {
        failed = true;
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4393'), {
          code: 'ECONNREFUSED',
          config: { headers: { Authorization: `Basic ${secret}` } },
          request: { _header: `GET /rest/api/3/myself HTTP/1.1\r\nAuthorization: Basic ${secret}\r\n` },
        });
      },
    });
    await queue.start();
    const id = await queue.enqueue(database.handle.db, 'test.leaky', {});
    await waitFor(() => failed);
    const stored = async () =>
      (
        await queryRows<{ state: string; output: unknown }>(
          database.handle.db,
          sql`select state, output from pgboss.job where id = ${id}`,
        )
      )[0];
    const deadline = Date.now() + 10_000;
    while ((await stored())?.state !== 'failed' && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const row = await stored();
    expect(row?.state).toBe('failed');
    const output = JSON.stringify(row?.output);
    expect(output).toContain('ECONNREFUSED');
    expect(output).not.toContain(secret);
    await queue.stop();
  });

  // Several instances share one database only on Postgres; the embedded database belongs to one process.
  if (kind !== 'postgres') return;
  it('several instances starting together on a new database all start (no deadlock creating queues)', async () => {
    const fresh = await freshDatabase('postgres');
    try {
      const names = Array.from({ length: 24 }, (_, n) => `test.start-${n}`);
      const queues = [0, 1, 2, 3].map(() => {
        const queue = new JobQueue(fresh.handle, silent);
        for (const name of names)
          queue.define({ name, schema: z.object({}), schedule: '0 3 * * *', handler: async () => {} });
        return queue;
      });
      const started = await Promise.allSettled(queues.map((queue) => queue.start({ work: false })));
      expect(
        started.map((result) => (result.status === 'rejected' ? String(result.reason) : 'started')),
      ).toEqual(['started', 'started', 'started', 'started']);
      await Promise.all(queues.map((queue) => queue.stop()));
    } finally {
      await fresh.drop();
    }
  });

  it('runs each job once across several instances', async () => {
    const runs = new Map<number, number>();
    const queues = [0, 1, 2].map(() => {
      const queue = new JobQueue(database.handle, silent);
      queue.define({
        name: 'test.once',
        schema: z.object({ n: z.number() }),
        concurrency: 3,
        handler: async ({ n }) => {
          runs.set(n, (runs.get(n) ?? 0) + 1);
          await new Promise((resolve) => setTimeout(resolve, 5));
        },
      });
      return queue;
    });
    for (const queue of queues) await queue.start();
    for (let n = 0; n < 60; n += 1) await queues[n % 3]?.enqueue(database.handle.db, 'test.once', { n });
    await waitFor(() => runs.size === 60, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    for (const queue of queues) await queue.stop();
  }, 40_000);
});
