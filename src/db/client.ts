import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { type SQL, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import type { DatabaseConnection } from '../config.js';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Anything queries can run on: the database itself or an open transaction. */
export type Executor = Database | Transaction;

/** What pg-boss needs to run SQL: `$n` parameters; several statements in one text when there are none. */
export interface SqlExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface DatabaseHandle {
  kind: 'postgres' | 'pglite';
  db: Database;
  /** For the job queue: a connection string (pg-boss opens its own pool) or an executor on the embedded database. */
  jobs: { connectionString: string } | { executor: SqlExecutor };
  migrate(): Promise<void>;
  /** True when every committed migration has been applied. */
  migrationsApplied(): Promise<boolean>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Embedded database only: a copy of the whole data directory, to start other databases from. */
  snapshot?(): Promise<Blob>;
}

export interface OpenOptions {
  /** Embedded database only: start from this snapshot instead of an empty directory (tests). */
  pgliteSnapshot?: Blob;
}

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

function readJournal(): { entries: Array<{ when: number }> } {
  return JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as {
    entries: Array<{ when: number }>;
  };
}

function committedMigrationCount(): number {
  return readJournal().entries.length;
}

/**
 * When the first committed migration was made: a time every instance, restart and database agrees on, for records
 * that need a creation time before anything has happened (a status component that never changed state).
 */
export function schemaEpoch(): Date {
  const first = readJournal().entries[0];
  if (!first) throw new Error('the migrations journal has no entries');
  return new Date(first.when);
}

/** Rows of a raw query, whichever driver ran it (postgres.js answers an array, PGlite an object with `rows`). */
export async function queryRows<Row>(executor: Executor, query: SQL): Promise<Row[]> {
  const result = (await executor.execute(query)) as unknown;
  if (Array.isArray(result)) return result as Row[];
  return ((result as { rows?: Row[] }).rows ?? []) as Row[];
}

async function appliedMigrationCount(db: Database): Promise<number> {
  const exists = await queryRows<{ present: boolean }>(
    db,
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`,
  );
  if (!exists[0]?.present) return 0;
  const rows = await queryRows<{ count: number | string }>(
    db,
    sql`select count(*) as count from drizzle.__drizzle_migrations`,
  );
  return Number(rows[0]?.count ?? 0);
}

export async function openDatabase(
  connection: DatabaseConnection,
  options: OpenOptions = {},
): Promise<DatabaseHandle> {
  return connection.kind === 'postgres'
    ? openPostgres(connection.url)
    : openPglite(connection.dataDir, options.pgliteSnapshot);
}

async function openPostgres(url: string): Promise<DatabaseHandle> {
  const client = postgres(url, {
    max: 10,
    onnotice: () => {},
    connection: { application_name: 'frontline' },
  });
  const db = drizzlePostgres({ client, schema, casing: 'snake_case' }) as unknown as Database;
  return {
    kind: 'postgres',
    db,
    jobs: { connectionString: url },
    async migrate() {
      // One connection holds an advisory lock for the whole run, so instances starting together migrate in turn.
      const lockClient = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await lockClient`select pg_advisory_lock(hashtext('frontline:migrations'))`;
        await migratePostgres(drizzlePostgres({ client: lockClient }), {
          migrationsFolder: MIGRATIONS_FOLDER,
        });
        await lockClient`select pg_advisory_unlock(hashtext('frontline:migrations'))`;
      } finally {
        await lockClient.end({ timeout: 5 });
      }
    },
    async migrationsApplied() {
      return (await appliedMigrationCount(db)) >= committedMigrationCount();
    },
    async ping() {
      await client`select 1`;
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

async function openPglite(dataDir: string, snapshot: Blob | undefined): Promise<DatabaseHandle> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create({
    dataDir,
    extensions: { pg_trgm },
    // The default 128 MB of shared buffers is sized for a server; an embedded single-team database needs far less,
    // and every megabyte here is resident memory of the app's process.
    postgresqlconf: ['shared_buffers = 32MB'],
    ...(snapshot ? { loadDataDir: snapshot } : {}),
  });
  const db = drizzlePglite({ client, schema, casing: 'snake_case' }) as unknown as Database;
  const executor: SqlExecutor = {
    async executeSql(text, values) {
      if (!values || values.length === 0) {
        const results = await client.exec(text);
        return { rows: results.at(-1)?.rows ?? [] };
      }
      const result = await client.query(text, values);
      return { rows: result.rows };
    },
  };
  return {
    kind: 'pglite',
    db,
    jobs: { executor },
    async migrate() {
      await migratePglite(drizzlePglite({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
    },
    async migrationsApplied() {
      return (await appliedMigrationCount(db)) >= committedMigrationCount();
    },
    async ping() {
      await client.query('select 1');
    },
    async close() {
      if (!client.closed) await client.close();
    },
    snapshot: () => client.dumpDataDir('none'),
  };
}

/**
 * An executor that runs pg-boss's `$n`-parameter SQL inside a drizzle transaction, so a job is enqueued in the same
 * transaction as the state change that needs it.
 */
export function transactionExecutor(tx: Executor): SqlExecutor {
  return {
    async executeSql(text, values = []) {
      const chunks: SQL[] = [];
      let last = 0;
      for (const match of text.matchAll(/\$(\d+)/g)) {
        const index = match.index ?? 0;
        chunks.push(sql.raw(text.slice(last, index)));
        chunks.push(sql`${serialiseParameter(values[Number(match[1]) - 1])}`);
        last = index + match[0].length;
      }
      chunks.push(sql.raw(text.slice(last)));
      return { rows: await queryRows(tx, sql.join(chunks)) };
    },
  };
}

function serialiseParameter(value: unknown): unknown {
  if (value === undefined) return null;
  if (value === null || value instanceof Date || typeof value !== 'object' || Array.isArray(value))
    return value;
  return JSON.stringify(value);
}
