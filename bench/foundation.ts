import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlackFake } from '../src/sandbox/fakes/slack-fake.js';
import { SlackDriver } from '../src/sandbox/slack-driver.js';
import { freePort, signalGroup, startProcess, waitForHttp } from '../test/support/process.js';
import { heading, largestRssInGroup, line, mb, ms, summary } from './support.js';

const SECRET = 'bench-signing-secret';
const TOKEN = 'xoxb-bench-token';

interface Measured {
  startupMs: number;
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
    await new Promise((resolve) => setTimeout(resolve, 2_000));
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
    return { startupMs, idleRss, ack: summary(latencies) };
  } finally {
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
  runs.push([
    'Frontline, embedded PGlite',
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
    line(`${label}: idle RSS`, mb(result.idleRss));
    line(`${label}: ack p50 / p99`, `${ms(result.ack.p50)} / ${ms(result.ack.p99)}`);
  }
}
