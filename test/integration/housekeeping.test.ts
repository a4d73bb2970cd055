import { WebClient } from '@slack/web-api';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { FEATURES } from '../../src/features.js';
import { PRUNE_DELIVERIES_JOB, pruneDeliveriesJob } from '../../src/jobs/housekeeping.js';
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from '../support/database.js';

const NOW = new Date('2026-12-07T03:17:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000);

describe.each(DATABASE_KINDS)('pruning old delivery ids (%s)', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });

  const ids = async (table: 'slack_deliveries' | 'jira_webhook_deliveries') => {
    const column = table === 'slack_deliveries' ? sql.raw('event_id') : sql.raw('identifier');
    const rows = await queryRows<{ id: string }>(
      database.handle.db,
      sql`select ${column} as id from ${sql.raw(table)} order by 1`,
    );
    return rows.map((row) => row.id);
  };

  it('deletes Slack ids older than 7 days and Jira ids older than 30, in batches, and keeps the rest', async () => {
    const db = database.handle.db;
    // More old Slack rows than one batch deletes, so the job has to come back for the rest.
    await db.execute(sql`insert into slack_deliveries (event_id, event_type, created_at)
      select 'EvOld' || n, 'app_home_opened', ${daysAgo(8).toISOString()}::timestamptz from generate_series(1, 12001) as n`);
    await db.execute(sql`insert into slack_deliveries (event_id, event_type, created_at) values
      ('EvRecent', 'message', ${daysAgo(6).toISOString()}::timestamptz), ('EvToday', 'app_mention', ${NOW.toISOString()}::timestamptz)`);
    await db.execute(sql`insert into jira_webhook_deliveries (identifier, event, issue_key, created_at) values
      ('jira-old', 'jira:issue_updated', 'RCA-1', ${daysAgo(31).toISOString()}::timestamptz),
      ('jira-kept', 'jira:issue_updated', 'RCA-1', ${daysAgo(29).toISOString()}::timestamptz)`);

    const logged: unknown[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(JSON.parse(line)) });
    const job = pruneDeliveriesJob({ db, logger, now: () => NOW });
    await job.handler({}, { logger } as never);

    expect(await ids('slack_deliveries')).toEqual(['EvRecent', 'EvToday']);
    expect(await ids('jira_webhook_deliveries')).toEqual(['jira-kept']);
    expect(logged).toContainEqual(expect.objectContaining({ slack: 12001, jira: 1 }));

    // Nothing left to prune: a second run deletes nothing.
    await job.handler({}, { logger } as never);
    expect(await ids('slack_deliveries')).toEqual(['EvRecent', 'EvToday']);
  });

  it('runs every night as part of the app', () => {
    const deps = {
      db: database.handle.db,
      logger: pino({ level: 'silent' }),
      now: () => NOW,
      integrations: { slack: new WebClient('xoxb-unused') },
    } as never;
    const core = FEATURES.find((feature) => feature.name === 'core');
    const job = core?.jobs?.(deps).find((definition) => definition.name === PRUNE_DELIVERIES_JOB);
    expect(job?.schedule).toMatch(/^\d+ \d+ \* \* \*$/);
  });
});
