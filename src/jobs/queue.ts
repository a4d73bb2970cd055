import PgBoss from 'pg-boss';
import postgres from 'postgres';
import type { z } from 'zod';
import { type DatabaseHandle, type Executor, transactionExecutor } from '../db/client.js';
import type { Logger } from '../logger.js';
import { safeError } from '../safe-error.js';

/**
 * Durable background work on a Postgres-backed queue (pg-boss), on the real Postgres or the embedded database.
 * A job is enqueued through an executor, so it commits or rolls back with the state change that needs it; pg-boss
 * hands each job to one worker across all instances, retries failures with exponential backoff, and a job that was
 * running when its process died is retried once its expiry passes (handlers are written to be safe to re-run).
 */

export interface JobContext {
  jobId: string;
  /** 0 on the first attempt. */
  retryCount: number;
  logger: Logger;
  /** Aborted when this process starts shutting down: long jobs stop early and are retried (by any instance). */
  signal: AbortSignal;
}

export interface JobDefinition<Data> {
  name: string;
  schema: z.ZodType<Data>;
  handler: (data: Data, context: JobContext) => Promise<void>;
  retryLimit?: number;
  retryDelaySeconds?: number;
  /** Seconds a running job may take before another worker may take it over. */
  expireInSeconds?: number;
  /** Parallel workers in this process for this queue. */
  concurrency?: number;
  pollingIntervalSeconds?: number;
  /** Cron expression (UTC) for a job that runs on a schedule, once per tick across all instances. */
  schedule?: string;
  /**
   * pg-boss's queue policy; `singleton`: at most one job of a singleton key active at a time, across instances (a
   * queued job whose key is active waits, and holds back the jobs queued after it until that one ends).
   */
  policy?: 'standard' | 'singleton';
}

export interface EnqueueOptions {
  /** Not before this time. */
  startAfter?: Date;
  /** At most one queued job with this key (pg-boss singleton). */
  singletonKey?: string;
  retryLimit?: number;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds definitions of many data types
type AnyJobDefinition = JobDefinition<any>;

export class JobQueue {
  private readonly definitions = new Map<string, AnyJobDefinition>();
  private readonly boss: PgBoss;
  /** Postgres only: where the queue setup takes its advisory lock. */
  private readonly connectionString: string | undefined;
  private started = false;
  private stopped = false;
  private readonly stopping = new AbortController();

  constructor(
    database: DatabaseHandle,
    private readonly logger: Logger,
    options: { maintenanceIntervalSeconds?: number } = {},
  ) {
    const base = {
      schema: 'pgboss',
      // Maintenance also expires jobs whose worker died mid-run, so they are retried; keep it frequent.
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 30,
    };
    this.connectionString = 'connectionString' in database.jobs ? database.jobs.connectionString : undefined;
    this.boss =
      'connectionString' in database.jobs
        ? new PgBoss({
            ...base,
            connectionString: database.jobs.connectionString,
            max: 4,
            application_name: 'frontline-jobs',
          })
        : new PgBoss({ ...base, db: database.jobs.executor });
    this.boss.on('error', (error: unknown) => this.logger.error({ err: error }, 'job queue error'));
  }

  define<Data>(definition: JobDefinition<Data>): void {
    if (this.started) throw new Error(`job ${definition.name} must be defined before the queue starts`);
    if (this.definitions.has(definition.name)) throw new Error(`job ${definition.name} is defined twice`);
    this.definitions.set(definition.name, definition);
  }

  /**
   * Creating queues takes locks in pg-boss's tables: two instances creating the same queues at once can deadlock
   * (Postgres then aborts one, and that instance fails to start). On Postgres, instances therefore set up their
   * queues in turn, under an advisory lock held on a connection of its own.
   */
  private async oneAtATime(setUp: () => Promise<void>): Promise<void> {
    if (!this.connectionString) return setUp();
    const lock = postgres(this.connectionString, { max: 1, onnotice: () => {} });
    try {
      await lock`select pg_advisory_lock(hashtext('frontline:job-queues'))`;
      try {
        await setUp();
      } finally {
        await lock`select pg_advisory_unlock(hashtext('frontline:job-queues'))`;
      }
    } finally {
      await lock.end();
    }
  }

  /** Creates the queue tables and queues; with `work`, also starts the workers of this process. */
  async start({ work = true }: { work?: boolean } = {}): Promise<void> {
    await this.boss.start();
    this.started = true;
    await this.oneAtATime(() => this.createQueues());
    if (work) for (const definition of this.definitions.values()) await this.startWorkers(definition);
  }

  private async createQueues(): Promise<void> {
    for (const definition of this.definitions.values()) {
      const options = {
        name: definition.name,
        retryLimit: definition.retryLimit ?? 5,
        retryDelay: definition.retryDelaySeconds ?? 2,
        retryBackoff: true,
        expireInSeconds: definition.expireInSeconds ?? 300,
        ...(definition.policy ? { policy: definition.policy } : {}),
      };
      await this.boss.createQueue(definition.name, options);
      // A queue made before its definition named a policy keeps the old one unless told (createQueue leaves it).
      if (definition.policy) await this.boss.updateQueue(definition.name, options);
      if (definition.schedule)
        await this.boss.schedule(definition.name, definition.schedule, {}, { tz: 'UTC' });
    }
  }

  private async startWorkers(definition: AnyJobDefinition): Promise<void> {
    const workers = definition.concurrency ?? 1;
    for (let worker = 0; worker < workers; worker += 1) {
      await this.boss.work(
        definition.name,
        {
          batchSize: 1,
          includeMetadata: true,
          pollingIntervalSeconds: definition.pollingIntervalSeconds ?? 0.5,
        },
        async (jobs) => {
          for (const job of jobs) await this.run(definition, job);
        },
      );
    }
  }

  private async run(definition: AnyJobDefinition, job: PgBoss.Job<unknown>): Promise<void> {
    const logger = this.logger.child({ job: definition.name, jobId: job.id });
    const parsed = definition.schema.safeParse(job.data);
    if (!parsed.success) {
      // A job whose data no longer parses cannot succeed by retrying; record it and let it go.
      logger.error({ issues: parsed.error.issues }, 'job data is invalid; dropping the job');
      return;
    }
    const retryCount = 'retryCount' in job ? Number(job.retryCount) : 0;
    try {
      await definition.handler(parsed.data, {
        jobId: job.id,
        retryCount,
        logger,
        signal: this.stopping.signal,
      });
    } catch (error) {
      logger.warn({ err: error, retryCount }, 'job failed; it will be retried if attempts remain');
      // pg-boss stores what is thrown as the job's output: only what may be written down goes there.
      const safe = safeError(error);
      throw Object.assign(new Error(typeof safe === 'string' ? safe : safe.message), { detail: safe });
    }
  }

  /** Enqueues a job in the given transaction (or directly on the database). Returns the job id. */
  async enqueue<Data>(
    executor: Executor,
    name: string,
    data: Data,
    options: EnqueueOptions = {},
  ): Promise<string | null> {
    const definition = this.definitions.get(name);
    if (!definition) throw new Error(`unknown job ${name}`);
    const payload = definition.schema.parse(data);
    return this.boss.send(name, payload as object, {
      db: transactionExecutor(executor),
      ...(options.startAfter ? { startAfter: options.startAfter } : {}),
      ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
      ...(options.retryLimit !== undefined ? { retryLimit: options.retryLimit } : {}),
    });
  }

  /** Deletes the jobs no worker has taken yet (queued or waiting to retry) from every queue defined here. */
  async purgePending(): Promise<void> {
    for (const name of this.definitions.keys()) await this.boss.purgeQueue(name);
  }

  /** Stops fetching, lets running jobs finish (up to `timeoutMs`), then releases the queue's connections. */
  async stop(timeoutMs = 8000): Promise<void> {
    if (!this.started || this.stopped) return;
    this.stopped = true;
    this.stopping.abort();
    await new Promise<void>((resolve) => {
      this.boss.once('stopped', () => resolve());
      this.boss.stop({ graceful: true, wait: false, timeout: timeoutMs }).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'job queue did not stop cleanly');
        resolve();
      });
    });
  }
}
