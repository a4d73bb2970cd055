import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { type RunningFrontline, startFrontline } from '../../src/runtime.js';
import { type DatabaseKind, freshDatabase, type TestDatabase } from './database.js';

/**
 * Frontline as a newcomer runs it: no credentials at all, so Slack, Stripe and Jira are the local fakes and the
 * sandbox page is served at `/sandbox` (in this process, on a fresh database).
 */
export interface Sandbox {
  running: RunningFrontline;
  url: string;
  database: TestDatabase;
  stop(): Promise<void>;
}

export async function startSandbox(kind: DatabaseKind = 'pglite'): Promise<Sandbox> {
  const database = await freshDatabase(kind);
  const dir = mkdtempSync(join(tmpdir(), 'frontline-sandbox-'));
  // No DATABASE_URL even on Postgres: the sandbox refuses one (it runs only on the embedded database). The test's
  // database is handed in below, so the sandbox's SQL (demo, Reset) still runs on both engines.
  const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', DATA_DIR: dir }, dir);
  const running = await startFrontline(config, {
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    database: database.handle,
  });
  return {
    running,
    url: running.url,
    database,
    async stop() {
      await running.stop();
      await database.drop();
    },
  };
}
