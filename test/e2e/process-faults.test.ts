import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/app.js';
import { freePort, START_TIMEOUT_MS, signalGroup, startProcess, waitForHttp } from '../support/process.js';

/**
 * What the real process does with failures nobody handled (src/main.ts): a rejected promise is logged and the
 * process keeps serving; an uncaught exception is logged and the process exits non-zero. The faults are raised by a
 * preloaded script on a signal, since nothing in the app fails on purpose.
 */
describe('failures nobody handled, in the real process', () => {
  it('logs an unhandled rejection and keeps serving; logs an uncaught exception and exits', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'frontline-faults-'));
    const app = startProcess(
      ['node', '--import', 'tsx', '--import', './test/support/process-faults.mjs', 'src/main.ts'],
      { PORT: String(port), DATA_DIR: dataDir },
    );
    try {
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, START_TIMEOUT_MS);
      if (!app.child.pid) throw new Error('no process');
      process.kill(app.child.pid, 'SIGUSR2');
      await eventually(() => app.output().includes('a promise failed and nothing handled it'), 10_000);
      expect(app.output()).toContain('test: a rejection nobody handles');
      // Still alive and answering.
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

      process.kill(app.child.pid, 'SIGHUP');
      expect(await app.exited).toBe(1);
      expect(app.output()).toContain('uncaught exception; exiting');
      expect(app.output()).toContain('test: an exception nobody catches');
    } finally {
      signalGroup(app, 'SIGKILL');
    }
  }, 120_000);
});
