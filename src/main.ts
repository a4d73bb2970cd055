import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startFrontline } from './runtime.js';

/** Start-up: config → database (migrate) → integrations → Slack app → listen; clean shutdown on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(
        `Frontline cannot start: the configuration has ${error.problems.length} problem(s).\n`,
      );
      for (const problem of error.problems) process.stderr.write(`  - ${problem}\n`);
      process.exit(2);
    }
    throw error;
  }

  const logger = createLogger(config.logLevel);
  // A promise nobody awaited failed: that piece of work is lost, not the process; say so and carry on serving
  // (Node's default would end the process without a line in our log). A thrown exception nobody caught may have
  // left state half-changed: log it and exit, for the supervisor to restart a clean process.
  process.on('unhandledRejection', (reason: unknown) => {
    logger.error({ err: reason }, 'a promise failed and nothing handled it; carrying on');
  });
  process.on('uncaughtException', (error: Error, origin: string) => {
    logger.fatal({ err: error, origin }, 'uncaught exception; exiting');
    process.exit(1);
  });
  const running = await startFrontline(config, { logger });

  let signalled = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error('shutdown took longer than 10 s; exiting anyway');
      process.exit(1);
    }, 10_000);
    deadline.unref();
    running
      .stop()
      .then(() => {
        logger.info('stopped cleanly');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  // Start-up failures after the configuration is read (database unreachable, port taken, …): one line, no stack.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`Frontline could not start: ${message}\n`);
  process.exit(1);
});
