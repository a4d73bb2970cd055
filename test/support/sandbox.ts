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
  const config = loadConfig(
    {
      PORT: '0',
      LOG_LEVEL: 'silent',
      DATA_DIR: dir,
      ...(database.connection.kind === 'postgres' ? { DATABASE_URL: database.connection.url } : {}),
    },
    dir,
  );
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
