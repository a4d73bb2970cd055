/** `npm run db:migrate`: applies the committed migrations to `DATABASE_URL` (or the embedded database) and exits. */
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase } from './client.js';

try {
  const config = loadConfig();
  const database = await openDatabase(config.database);
  await database.migrate();
  await database.close();
  process.stdout.write(
    `migrations applied (${config.database.kind === 'postgres' ? 'Postgres' : config.database.dataDir})\n`,
  );
} catch (error) {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) process.stderr.write(`  - ${problem}\n`);
    process.exit(2);
  }
  process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
