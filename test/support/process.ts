import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** Frontline as a separate process, started the way an operator starts it. */
export interface AppProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Runs `command` in the repository with exactly `env` (plus PATH and HOME), capturing both output streams. */
export function startProcess(command: string[], env: Record<string, string>): AppProcess {
  const [file, ...args] = command;
  if (!file) throw new Error('no command');
  const child = spawn(file, args, {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  return { child, output: () => output, exited };
}

/** Sends a signal to the process and everything it started (npm → tsx → node). */
export function signalGroup(app: AppProcess, signal: NodeJS.Signals): void {
  if (app.child.pid) {
    try {
      process.kill(-app.child.pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * How long a test waits for a started process to answer. Idle, `npm start` is ready in about 6 s; with the rest of
 * the suite running on two cores (other app processes, Chromium, PGlite instances) it has taken over 20 s. Start-up
 * time itself is measured by `npm run bench -- foundation`, not here.
 */
export const START_TIMEOUT_MS = 60_000;

export async function waitForHttp(url: string, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return response;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
