/**
 * Fails when the drizzle schema and the committed migrations disagree: drizzle-kit generates into a copy of the
 * migrations folder, and any new file there means someone changed the schema without generating a migration.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const copy = mkdtempSync(join(tmpdir(), 'frontline-migrations-'));
try {
  cpSync('drizzle', copy, { recursive: true });
  const before = readdirSync(copy).sort();
  // drizzle-kit puts './' in front of the folder it is given (an absolute path then points nowhere) and exits 0 on
  // such errors, so it gets a relative path and what it prints is read for errors.
  const run = spawnSync('npx', ['drizzle-kit', 'generate', '--name', 'schema_check'], {
    env: { ...process.env, DRIZZLE_OUT: relative(process.cwd(), copy) },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.status !== 0 || /\bError\b/.test(`${run.stdout}${run.stderr}`)) {
    process.stderr.write(
      `drizzle-kit could not compare the schema with the migrations:\n${run.stdout}${run.stderr}\n`,
    );
    process.exit(1);
  }
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
