import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import autocannon from 'autocannon';
import { parseSettings } from '../src/config.js';
import type { DatabaseHandle } from '../src/db/client.js';
import { statusPageRoutes } from '../src/web/status-page.js';
import { freshDatabase } from '../test/support/database.js';
import { type SeedIncident, type SeedUpdate, seedIncident } from '../test/support/status-page-seed.js';
import { heading, line, ms } from './support.js';

/**
 * `/status` throughput with 50 incidents in the last 90 days (2–4 updates each, with component states). The routes
 * run on a local HTTP server in this process and autocannon (50 keep-alive connections, gzip accepted) loads it for a
 * fixed time from the same process, so client and server share the CPU: the figures are a floor. Three cases: the normal page (rendered once per data
 * change; every request still runs the version query), conditional requests answered 304, and with the render
 * cache off (every request re-reads the rows and renders, concurrent requests share a read).
 */

const CONCURRENCY = 50;
const DURATION_MS = 5_000;
const DAY = 86_400_000;
const COMPONENTS = ['payments', 'subscriptions', 'invoicing', 'billing-portal', 'refunds'];
const BAD = ['major_outage', 'partial_outage', 'degraded_performance'] as const;

function incidentsFor(now: number): SeedIncident[] {
  return Array.from({ length: 50 }, (_, index) => {
    const start = now - ((index * 89) / 50) * DAY - 3_600_000;
    const component = COMPONENTS[index % COMPONENTS.length] as string;
    const steps: Array<[SeedUpdate['state'], string]> = [
      ['investigating', BAD[index % BAD.length] ?? 'major_outage'],
      ['identified', 'degraded_performance'],
    ];
    // The two newest stay open; the others are resolved, every other one after a monitoring phase.
    if (index >= 2) {
      if (index % 2 === 0) steps.push(['monitoring', 'degraded_performance']);
      steps.push(['resolved', 'operational']);
    }
    return {
      publicTitle: `Incident ${index + 1}: ${component} trouble`,
      publicSummary: 'Some customers are affected.',
      severity: (['sev1', 'sev2', 'sev3', 'sev4'] as const)[index % 4] ?? 'sev3',
      components: [component],
      createdAt: new Date(start),
      updates: steps.map(([state, componentState], step) => ({
        state,
        publicMessage: `Update ${step + 1} on incident ${index + 1}: ${'details for customers. '.repeat(4)}`,
        internalNote: 'team only',
        componentStates: { [component]: componentState },
        at: new Date(start + step * 40 * 60_000),
      })),
    };
  });
}

async function load(url: string, headers: Record<string, string>, expected: number) {
  const result = await autocannon({
    url,
    connections: CONCURRENCY,
    duration: DURATION_MS / 1000,
    headers: { 'accept-encoding': 'gzip', ...headers },
  });
  const total = Object.values(result.statusCodeStats ?? {}).reduce((sum, stat) => sum + (stat.count ?? 0), 0);
  const good = result.statusCodeStats?.[String(expected) as keyof typeof result.statusCodeStats]?.count ?? 0;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: total - good + result.errors + result.timeouts,
    bytesPerRequest: result.throughput.average / Math.max(1, result.requests.average),
  };
}

async function measure(database: DatabaseHandle, label: string): Promise<void> {
  const now = Date.now();
  for (const incident of incidentsFor(now)) await seedIncident(database.db, incident);
  const settings = parseSettings({}, 'bench').settings;
  if (!settings) throw new Error('default settings do not parse');
  const modes: Array<[string, number | undefined, number]> = [
    ['refreshSeconds 1 (default)', undefined, settings.statusPage.refreshSeconds * 1000],
    ['refreshSeconds 0 (version query per request)', undefined, 0],
    ['render cache off', 0, 0],
  ];
  for (const [mode, maxAgeMs, versionTtlMs] of modes) {
    const web = statusPageRoutes({
      db: database.db,
      settings: settings.statusPage,
      publicUrl: 'https://status.example.test',
      now: () => new Date(),
      versionTtlMs,
      ...(maxAgeMs === undefined ? {} : { maxAgeMs }),
    });
    const server = createServer(getRequestListener(web.fetch));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/status`;
    const plain = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
    const size = (await plain.arrayBuffer()).byteLength;
    const compressed = await fetch(url, {
      headers: { 'accept-encoding': 'gzip' },
      decompress: false,
    } as RequestInit);
    const etag = compressed.headers.get('etag') ?? '';
    if (mode === modes[0]?.[0]) {
      line(
        `${label}: page size (identity / gzip)`,
        `${(size / 1024).toFixed(0)} KB / ${(Number(compressed.headers.get('content-length')) / 1024).toFixed(1)} KB`,
      );
    }
    const full = await load(url, {}, 200);
    line(
      `${label}, ${mode}: /status 200 req/s; p50 / p99 latency`,
      `${full.rps.toFixed(0)}; ${ms(full.p50)} / ${ms(full.p99)}${full.failures ? ` (${full.failures} failed)` : ''}`,
    );
    if (mode !== 'render cache off') {
      const revalidated = await load(url, { 'If-None-Match': etag }, 304);
      line(
        `${label}, ${mode}: /status 304 on If-None-Match req/s; p50 / p99`,
        `${revalidated.rps.toFixed(0)}; ${ms(revalidated.p50)} / ${ms(revalidated.p99)}${revalidated.failures ? ` (${revalidated.failures} failed)` : ''}`,
      );
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
  }
}

/** The same server and client answering a two-byte route: what this machine allows right now, for comparison. */
async function baseline(): Promise<void> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const result = await load(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {}, 200);
  line(
    'baseline: a route answering "ok", req/s; p50 / p99 latency',
    `${result.rps.toFixed(0)}; ${ms(result.p50)} / ${ms(result.p99)}`,
  );
  await new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
}

export async function statusPageBench(): Promise<void> {
  heading(
    `/status with 50 incidents in the last 90 days (${CONCURRENCY} concurrent clients, ${DURATION_MS / 1000} s each)`,
  );
  await baseline();
  const embedded = await freshDatabase('pglite');
  try {
    await measure(embedded.handle, 'embedded');
  } finally {
    await embedded.drop();
  }
  const url = process.env.BENCH_DATABASE_URL;
  if (!url) {
    line('postgres', 'skipped: set BENCH_DATABASE_URL (a scratch database is created beside it)');
    return;
  }
  process.env.TEST_DATABASE_URL = url;
  const server = await freshDatabase('postgres');
  try {
    await measure(server.handle, 'postgres');
  } finally {
    await server.drop();
  }
}
