import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlackFake } from '../src/sandbox/fakes/slack-fake.js';
import { SlackDriver } from '../src/sandbox/slack-driver.js';
import { freePort, signalGroup, startProcess, waitForHttp } from '../test/support/process.js';
import { heading, largestRssInGroup, line, mb, ms, summary } from './support.js';

const SECRET = 'bench-signing-secret';
/**
 * How long the app idles before its memory is read: right after ready, a first start still holds what creating the
 * embedded database took (about 900 MB at the peak) until V8 collects it, so one reading at 2 s could land anywhere
 * between the peak and the settled figure. The peak is reported separately.
 */
const IDLE_MS = 20_000;
const TOKEN = 'xoxb-bench-token';

interface Measured {
  startupMs: number;
  /** The most the process held while starting (migrations, seeding, the embedded database's load). */
  peakRss: number;
  /** What it holds once idle: sampled for IDLE_MS after ready, the last sample. */
  idleRss: number;
  ack: ReturnType<typeof summary>;
}

async function measure(
  label: string,
  command: string[],
  slashCommand: string,
  readyPath: string | undefined,
  extraEnv: Record<string, string>,
): Promise<Measured> {
  const slack = await new SlackFake({ botToken: TOKEN, rateLimit: false }).start();
  slack.addChannel({ id: 'C0BENCH', name: 'bench' });
  const port = await freePort();
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: `${slack.url}/api/`,
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const started = Date.now();
  const app = startProcess(command, env);
  let peakRss = 0;
  const sampler = setInterval(() => {
    if (app.child.pid) peakRss = Math.max(peakRss, largestRssInGroup(app.child.pid));
  }, 250);
  try {
    if (readyPath) {
      await waitForHttp(`http://127.0.0.1:${port}${readyPath}`, 60_000).catch((error) => {
        throw new Error(`${label} did not start: ${error}\n${app.output()}`);
      });
    } else {
      // The bare app has no health route: it is ready when it says so.
      const deadline = Date.now() + 60_000;
      while (!app.output().includes('listening')) {
        if (Date.now() > deadline) throw new Error(`${label} did not start:\n${app.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    const startupMs = Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    clearInterval(sampler);
    const idleRss = app.child.pid ? largestRssInGroup(app.child.pid) : 0;
    const driver = new SlackDriver({
      appUrl: `http://127.0.0.1:${port}`,
      signingSecret: SECRET,
      fake: slack,
    });
    const latencies: number[] = [];
    for (let i = 0; i < 220; i += 1) {
      const answer = await driver.command({
        user: 'U0BENCH',
        channel: 'C0BENCH',
        command: slashCommand,
        text: 'help',
      });
      if (answer.status !== 200) throw new Error(`${label}: command answered ${answer.status}`);
      if (i >= 20) latencies.push(answer.elapsedMs);
    }
    return { startupMs, peakRss, idleRss, ack: summary(latencies) };
  } finally {
    clearInterval(sampler);
    signalGroup(app, 'SIGTERM');
    await Promise.race([app.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    signalGroup(app, 'SIGKILL');
    await slack.stop();
  }
}

export async function foundationBench(): Promise<void> {
  heading(
    'Foundation: start-up, idle memory, ack latency of a signed slash command (200 requests after 20 warm-up)',
  );
  const runs: Array<[string, Measured]> = [];
  runs.push([
    'bare Bolt app, one no-op command',
    await measure('bare bolt', ['node', '--import', 'tsx', 'bench/bare-bolt.ts'], '/noop', undefined, {}),
  ]);
  const dataDir = mkdtempSync(join(tmpdir(), 'frontline-bench-'));
  // The first start creates the embedded database (initdb); the buffers that takes stay until V8's next full
  // collection, which an idle process may not run for a long while. A restart on the same directory is what a
  // running deployment looks like.
  runs.push([
    'Frontline, embedded PGlite, new data dir',
    await measure('frontline', ['node', '--import', 'tsx', 'src/main.ts'], '/frontline', '/readyz', {
      DATA_DIR: dataDir,
    }),
  ]);
  runs.push([
    'Frontline, embedded PGlite, restart',
    await measure('frontline', ['node', '--import', 'tsx', 'src/main.ts'], '/frontline', '/readyz', {
      DATA_DIR: dataDir,
    }),
  ]);
  if (process.env.BENCH_DATABASE_URL) {
    runs.push([
      'Frontline, Postgres',
      await measure('frontline-pg', ['node', '--import', 'tsx', 'src/main.ts'], '/frontline', '/readyz', {
        DATABASE_URL: process.env.BENCH_DATABASE_URL,
      }),
    ]);
  }
  for (const [label, result] of runs) {
    line(`${label}: start-up to ready`, ms(result.startupMs));
    line(
      `${label}: RSS peak / idle after ${IDLE_MS / 1000} s`,
      `${mb(result.peakRss)} / ${mb(result.idleRss)}`,
    );
    line(`${label}: ack p50 / p99`, `${ms(result.ack.p50)} / ${ms(result.ack.p99)}`);
  }
}
