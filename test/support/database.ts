import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import postgres from 'postgres';
import type { DatabaseConnection } from '../../src/config.js';
import { type DatabaseHandle, MIGRATIONS_FOLDER, openDatabase } from '../../src/db/client.js';

/**
 * A fresh, migrated database per test file (or per test): always on the embedded PGlite, and also on the real
 * Postgres when `TEST_DATABASE_URL` is set, where each database is cloned from a migrated template database.
 */
export type DatabaseKind = 'pglite' | 'postgres';

export const DATABASE_KINDS: DatabaseKind[] = process.env.TEST_DATABASE_URL
  ? ['pglite', 'postgres']
  : ['pglite'];

export interface TestDatabase {
  kind: DatabaseKind;
  connection: DatabaseConnection;
  handle: DatabaseHandle;
  /** Closes the handle and removes the database. */
  drop(): Promise<void>;
}

function migrationsFingerprint(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS_FOLDER).sort()) {
    if (file.endsWith('.sql')) hash.update(file).update(readFileSync(`${MIGRATIONS_FOLDER}/${file}`));
  }
  return hash.digest('hex').slice(0, 12);
}

let templatePromise: Promise<string> | undefined;

async function postgresTemplate(adminUrl: string): Promise<string> {
  const name = `frontline_template_${migrationsFingerprint()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`select pg_advisory_lock(hashtext('frontline:test-template'))`;
    const [existing] = await admin`select 1 from pg_database where datname = ${name}`;
    if (!existing) {
      // Old templates of earlier migrations are of no further use.
      const stale = await admin`select datname from pg_database where datname like 'frontline_template_%'`;
      for (const row of stale) await admin.unsafe(`drop database if exists "${row.datname}" with (force)`);
      await admin.unsafe(`create database "${name}"`);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const handle = await openDatabase({ kind: 'postgres', url: url.toString() });
      await handle.migrate();
      await handle.close();
    }
    await admin`select pg_advisory_unlock(hashtext('frontline:test-template'))`;
  } finally {
    await admin.end({ timeout: 5 });
  }
  return name;
}

async function freshPostgres(): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  templatePromise ??= postgresTemplate(adminUrl);
  const template = await templatePromise;
  const name = `frontline_test_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await admin.unsafe(`create database "${name}" template "${template}"`);
        break;
      } catch (error) {
        // Another clone of the same template in the same instant: wait and try again.
        if (attempt >= 10) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const connection: DatabaseConnection = { kind: 'postgres', url: url.toString() };
  const handle = await openDatabase(connection);
  return {
    kind: 'postgres',
    connection,
    handle,
    async drop() {
      await handle.close();
      const cleanup = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await cleanup.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await cleanup.end({ timeout: 5 });
      }
    },
  };
}

let pgliteSnapshot: Promise<Blob> | undefined;

/** A migrated embedded database, restored from a snapshot made once per test process (skips initdb). */
async function freshPglite(): Promise<TestDatabase> {
  pgliteSnapshot ??= (async () => {
    const template = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
    await template.migrate();
    const snapshot = await template.snapshot?.();
    await template.close();
    if (!snapshot) throw new Error('the embedded database cannot make snapshots');
    return snapshot;
  })();
  const connection: DatabaseConnection = { kind: 'pglite', dataDir: 'memory://' };
  const handle = await openDatabase(connection, { pgliteSnapshot: await pgliteSnapshot });
  await handle.migrate();
  return { kind: 'pglite', connection, handle, drop: () => handle.close() };
}

export async function freshDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  return kind === 'postgres' ? freshPostgres() : freshPglite();
}
