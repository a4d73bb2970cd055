import { pino } from 'pino';
import { type DatabaseHandle, openDatabase } from '../src/db/client.js';
import { createSlackWebClient } from '../src/integrations/slack/web-client.js';
import { ChannelPacer, SLACK_CHANNEL_PACE } from '../src/jobs/channel-pacer.js';
import { type FanOutTarget, fanOut } from '../src/jobs/fan-out.js';
import { fanOutClient } from '../src/jobs/incident-jobs.js';
import { SlackFake } from '../src/sandbox/fakes/slack-fake.js';
import { heading, line } from './support.js';

/**
 * Time to fan one status update out to 1,000 escalation threads in 300 channels, against the Slack fake enforcing
 * Slack's pace per channel (one chat.postMessage a second after a burst of three; 429 with Retry-After beyond), as a
 * ratio to the least time that limit allows: the busiest channel's posts beyond the burst, one a second. Each post
 * goes through the app's real path (keyed record before, ts after, the pacer, the SDK over HTTP). Embedded database
 * unless BENCH_DATABASE_URL names a Postgres.
 *
 * Two layouts of the same 1,000 threads: "even" (3–4 threads per channel; the limit allows about 1 s, so the figure
 * is dominated by our own costs: the attempts recorded before the first post, and how soon each 4-thread channel's
 * first post is answered, since its fourth may go a second after that) and "skewed" (as escalations really gather: a
 * few busy intake channels and many quiet ones; the limit allows tens of seconds, so the figure shows how well the
 * pace is used).
 */
const THREADS = 1_000;
const CHANNELS = 300;

function evenLayout(): number[] {
  return Array.from(
    { length: CHANNELS },
    (_, i) => Math.floor(THREADS / CHANNELS) + (i < THREADS % CHANNELS ? 1 : 0),
  );
}

/** Zipf-like: channel i gets a share proportional to 1/(i+1), at least one thread each. */
function skewedLayout(): number[] {
  const weights = Array.from({ length: CHANNELS }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const spare = THREADS - CHANNELS;
  const counts = weights.map((w) => 1 + Math.floor((w / total) * spare));
  let missing = THREADS - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; missing > 0; i = (i + 1) % CHANNELS, missing -= 1) counts[i] = (counts[i] ?? 0) + 1;
  return counts;
}

function minimumSeconds(layout: number[]): number {
  const { perSecond, burst } = SLACK_CHANNEL_PACE;
  return Math.max(...layout.map((n) => Math.max(0, n - burst) / perSecond));
}

async function openBenchDatabase(): Promise<DatabaseHandle> {
  const url = process.env.BENCH_DATABASE_URL;
  const handle = url
    ? await openDatabase({ kind: 'postgres', url })
    : await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
  await handle.migrate();
  return handle;
}

async function run(label: string, layout: number[], database: DatabaseHandle, round: number): Promise<void> {
  const slack = await new SlackFake({
    botToken: 'xoxb-bench',
    rateLimit: { perChannelPerSecond: SLACK_CHANNEL_PACE.perSecond, burst: SLACK_CHANNEL_PACE.burst },
  }).start();
  try {
    const targets: FanOutTarget[] = [];
    for (const [c, count] of layout.entries()) {
      const channel = `C0BENCH${String(c).padStart(4, '0')}`;
      slack.addChannel({ id: channel, name: `support-${c}` });
      for (let t = 0; t < count; t += 1) {
        const root = slack.postAsUser({ channel, user: 'U0AGENT', text: `case ${c}-${t}` });
        targets.push({
          channel,
          threadTs: root.ts,
          text: 'INC-1 Identified: we found the cause and are deploying a fix.',
        });
      }
    }
    const logger = pino({ level: 'silent' });
    const shared = createSlackWebClient({ botToken: 'xoxb-bench', apiUrl: `${slack.url}/api/` }, logger);
    const started = performance.now();
    const result = await fanOut({
      db: database.db,
      slack: fanOutClient(shared, logger),
      pacer: new ChannelPacer(),
      logger,
      keyPrefix: `bench:${label}:${round}:`,
      targets,
    });
    const seconds = (performance.now() - started) / 1000;
    const minimum = minimumSeconds(layout);
    const refused = slack.calls('chat.postMessage').filter((c) => c.error === 'ratelimited').length;
    line(
      `${label}: channels / threads / busiest channel`,
      `${layout.length} / ${targets.length} / ${Math.max(...layout)}`,
    );
    line(
      `${label}: posted / failed / 429s from Slack`,
      `${result.posted} / ${result.failed.length} / ${refused}`,
    );
    line(
      `${label}: fan-out time (minimum the limit allows)`,
      `${seconds.toFixed(2)} s (${minimum.toFixed(2)} s)`,
    );
    line(
      `${label}: ratio to the minimum (target ≤ 1.2)`,
      minimum > 0 ? (seconds / minimum).toFixed(2) : 'n/a',
    );
  } finally {
    await slack.stop();
  }
}

/** The machine's floor: the same 1,000 posts as bare SDK calls to an unlimited fake (no pace, no database). */
async function baseline(): Promise<number> {
  const slack = await new SlackFake({ botToken: 'xoxb-bench', rateLimit: false }).start();
  try {
    const roots: Array<{ channel: string; ts: string }> = [];
    for (const [c, count] of evenLayout().entries()) {
      const channel = `C0BASE${String(c).padStart(4, '0')}`;
      slack.addChannel({ id: channel, name: `base-${c}` });
      for (let t = 0; t < count; t += 1)
        roots.push({ channel, ts: slack.postAsUser({ channel, user: 'U0AGENT', text: 'case' }).ts });
    }
    const logger = pino({ level: 'silent' });
    const client = fanOutClient(
      createSlackWebClient({ botToken: 'xoxb-bench', apiUrl: `${slack.url}/api/` }, logger),
      logger,
    );
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        for (let root = roots[next++]; root; root = roots[next++])
          await client.chat.postMessage({
            channel: root.channel,
            thread_ts: root.ts,
            text: 'INC-1 Identified',
          });
      }),
    );
    return (performance.now() - started) / 1000;
  } finally {
    await slack.stop();
  }
}

export async function fanoutBench(): Promise<void> {
  heading(`fan-out: one status update to ${THREADS} threads in ${CHANNELS} channels`);
  const database = await openBenchDatabase();
  line('database', database.kind);
  line('floor: 1,000 bare posts, no pace, no database', `${(await baseline()).toFixed(2)} s`);
  try {
    await run('even', evenLayout(), database, 1);
    await run('skewed', skewedLayout(), database, 1);
  } finally {
    await database.close();
  }
}
