/**
 * Fails when the drizzle schema and the committed migrations disagree: drizzle-kit generates into a copy of the
 * migrations folder, and any new file there means someone changed the schema without generating a migration.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const copy = mkdtempSync(join(tmpdir(), 'frontline-migrations-'));
try {
  cpSync('drizzle', copy, { recursive: true });
  const before = readdirSync(copy).sort();
  execFileSync('npx', ['drizzle-kit', 'generate', '--name', 'schema_check'], {
    env: { ...process.env, DRIZZLE_OUT: copy },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  const added = readdirSync(copy)
    .sort()
    .filter((file) => !before.includes(file));
  if (added.length > 0) {
    process.stderr.write(
      `The drizzle schema (src/db/schema) has changes that no committed migration contains (${added.join(', ')}).\n` +
        'Run `npm run db:generate` and commit the new migration.\n',
    );
    process.exit(1);
  }
  process.stdout.write('schema and committed migrations agree\n');
} finally {
  rmSync(copy, { recursive: true, force: true });
}
