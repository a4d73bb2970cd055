import { get as httpGet } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestApp, type TestApp } from '../support/app.js';
import { DATABASE_KINDS } from '../support/database.js';
import { seedIncident } from '../support/status-page-seed.js';

/**
 * The public status page over HTTP against the running app: Statuspage's public API v2 field names and types, the
 * HTML and the feed, caching headers, and that nothing written for the team only (internal notes) ever appears.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const INTERNAL = 'INTERNAL-ONLY-7f3a';

// Statuspage's public API v2 objects, field for field: strict, so a missing or an extra field fails.
const isoTime = z.iso.datetime({ offset: true });
const componentStatus = z.enum([
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
  'under_maintenance',
]);
const incidentStatus = z.enum(['investigating', 'identified', 'monitoring', 'resolved', 'postmortem']);
const page = z.strictObject({
  id: z.string(),
  name: z.string(),
  url: z.url(),
  time_zone: z.string(),
  updated_at: isoTime,
});
const status = z.strictObject({
  indicator: z.enum(['none', 'minor', 'major', 'critical', 'maintenance']),
  description: z.string(),
});
const component = z.strictObject({
  id: z.string(),
  name: z.string(),
  status: componentStatus,
  created_at: isoTime,
  updated_at: isoTime,
  position: z.number().int(),
  description: z.string().nullable(),
  showcase: z.boolean(),
  start_date: z.string().nullable(),
  group_id: z.string().nullable(),
  page_id: z.string(),
  group: z.boolean(),
  only_show_if_degraded: z.boolean(),
});
const incidentUpdate = z.strictObject({
  id: z.string(),
  status: incidentStatus,
  body: z.string(),
  incident_id: z.string(),
  created_at: isoTime,
  updated_at: isoTime,
  display_at: isoTime,
  affected_components: z
    .array(
      z.strictObject({
        code: z.string(),
        name: z.string(),
        old_status: componentStatus,
        new_status: componentStatus,
      }),
    )
    .nullable(),
  deliver_notifications: z.boolean(),
  custom_tweet: z.string().nullable(),
  tweet_id: z.string().nullable(),
});
const incident = z.strictObject({
  id: z.string(),
  name: z.string(),
  status: incidentStatus,
  created_at: isoTime,
  updated_at: isoTime.nullable(),
  monitoring_at: isoTime.nullable(),
  resolved_at: isoTime.nullable(),
  impact: z.enum(['none', 'minor', 'major', 'critical', 'maintenance']),
  shortlink: z.url(),
  started_at: isoTime,
  page_id: z.string(),
  incident_updates: z.array(incidentUpdate),
  components: z.array(component),
});
const summary = z.strictObject({
  page,
  components: z.array(component),
  incidents: z.array(incident),
  scheduled_maintenances: z.array(z.unknown()),
  status,
});

describe.each(DATABASE_KINDS)('public status page over HTTP (%s)', (kind) => {
  let app: TestApp;
  let resolvedId: number;
  let openId: number;
  const now = Date.now();

  beforeAll(async () => {
    app = await startTestApp({
      kind,
      env: { PUBLIC_URL: 'https://status.example.test' },
      settings: { statusPage: { refreshSeconds: 0 } },
    });
    resolvedId = await seedIncident(app.running.deps.db, {
      publicTitle: 'Card payments failing for some customers',
      severity: 'sev2',
      components: ['payments'],
      createdAt: new Date(now - 10 * DAY),
      updates: [
        {
          state: 'investigating',
          publicMessage: 'Some card payments are being declined. We are looking into it.',
          internalNote: `${INTERNAL} gateway pool exhausted`,
          componentStates: { payments: 'major_outage' },
          at: new Date(now - 10 * DAY),
        },
        {
          state: 'resolved',
          publicMessage: 'Card payments work normally again.',
          internalNote: `${INTERNAL} pool resized`,
          componentStates: { payments: 'operational' },
          at: new Date(now - 10 * DAY + 2 * HOUR),
        },
      ],
    });
    openId = await seedIncident(app.running.deps.db, {
      publicTitle: 'Renewals delayed',
      publicSummary: 'Subscription renewals are taking longer than usual.',
      severity: 'sev1',
      components: ['subscriptions', 'invoicing'],
      createdAt: new Date(now - 3 * HOUR),
      updates: [
        {
          state: 'investigating',
          publicMessage: 'Renewals are not going through.',
          internalNote: `${INTERNAL} queue stuck`,
          componentStates: { subscriptions: 'major_outage' },
          at: new Date(now - 3 * HOUR),
        },
        {
          state: 'identified',
          publicMessage: 'We found the cause & are fixing it.',
          internalNote: `${INTERNAL} bad deploy 4512`,
          componentStates: { subscriptions: 'partial_outage', invoicing: 'degraded_performance' },
          at: new Date(now - 2 * HOUR),
        },
        {
          state: 'monitoring',
          publicMessage: 'A fix is out. <script>alert("x")</script> is not code here.',
          internalNote: `${INTERNAL} watching`,
          componentStates: { subscriptions: 'degraded_performance' },
          at: new Date(now - HOUR),
        },
      ],
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${app.url}${path}`, { headers });
  const getJson = async (path: string) => {
    const response = await get(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    return response.json();
  };

  it('summary.json has Statuspage’s fields and types, the unresolved incident and the worst status', async () => {
    const body = summary.parse(await getJson('/api/v2/summary.json'));
    expect(body.page.url).toBe('https://status.example.test/status');
    expect(body.status).toEqual({ indicator: 'critical', description: 'Major Service Outage' });
    expect(body.components.map((c) => [c.id, c.status, c.position])).toEqual([
      ['payments', 'operational', 1],
      ['subscriptions', 'degraded_performance', 2],
      ['invoicing', 'degraded_performance', 3],
      ['billing-portal', 'operational', 4],
      ['refunds', 'operational', 5],
    ]);
    expect(body.incidents.map((i) => i.id)).toEqual([String(openId)]);
    const [open] = body.incidents;
    expect(open?.impact).toBe('critical');
    expect(open?.status).toBe('monitoring');
    expect(open?.shortlink).toBe(`https://status.example.test/status/incidents/${openId}`);
    expect(open?.incident_updates.map((u) => u.status)).toEqual([
      'monitoring',
      'identified',
      'investigating',
    ]);
    expect(open?.incident_updates[1]?.affected_components).toEqual([
      {
        code: 'subscriptions',
        name: 'Subscriptions and renewals',
        old_status: 'major_outage',
        new_status: 'partial_outage',
      },
      {
        code: 'invoicing',
        name: 'Invoices and receipts',
        old_status: 'operational',
        new_status: 'degraded_performance',
      },
    ]);
    expect(open?.components.map((c) => c.id)).toEqual(['subscriptions', 'invoicing']);
    expect(body.page.id).toBe(open?.page_id);
  });

  it('components.json, status.json, incidents.json and incidents/unresolved.json have Statuspage’s shapes', async () => {
    const components = z
      .strictObject({ page, components: z.array(component) })
      .parse(await getJson('/api/v2/components.json'));
    expect(components.components).toHaveLength(5);
    const statusBody = z.strictObject({ page, status }).parse(await getJson('/api/v2/status.json'));
    expect(statusBody.status.indicator).toBe('critical');
    const all = z
      .strictObject({ page, incidents: z.array(incident) })
      .parse(await getJson('/api/v2/incidents.json'));
    expect(all.incidents.map((i) => i.id)).toEqual([String(openId), String(resolvedId)]);
    const old = all.incidents[1];
    expect(old?.impact).toBe('major');
    expect(old?.resolved_at).not.toBeNull();
    expect(old?.monitoring_at).toBeNull();
    const unresolved = z
      .strictObject({ page, incidents: z.array(incident) })
      .parse(await getJson('/api/v2/incidents/unresolved.json'));
    expect(unresolved.incidents.map((i) => i.id)).toEqual([String(openId)]);
  });

  it('never shows an internal note, on any public resource', async () => {
    const paths = [
      '/status',
      `/status/incidents/${openId}`,
      `/status/incidents/${resolvedId}`,
      '/status/feed.atom',
      '/api/v2/summary.json',
      '/api/v2/status.json',
      '/api/v2/components.json',
      '/api/v2/incidents.json',
      '/api/v2/incidents/unresolved.json',
    ];
    for (const path of paths) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      const text = await response.text();
      expect(text, path).not.toContain(INTERNAL);
      expect(text, path).not.toContain('U0SBXENG');
    }
  });

  it('escapes public text in the HTML and the feed', async () => {
    const page = await (await get('/status')).text();
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(page).not.toContain('<script');
    expect(page).toContain('We found the cause &amp; are fixing it.');
    const feed = await (await get('/status/feed.atom')).text();
    expect(feed).not.toContain('<script');
    expect(feed).toContain('&amp;lt;script&amp;gt;');
    expect(feed).toMatch(
      /^<\?xml version="1.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www.w3.org\/2005\/Atom"/,
    );
    expect(feed.match(/<entry>/g)).toHaveLength(2);
  });

  it('serves ETag and Cache-Control, answers 304 on If-None-Match, and changes the ETag when an update is posted', async () => {
    const first = await get('/status');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('cache-control')).toContain('max-age=');
    expect(first.headers.get('content-security-policy')).toContain("default-src 'none'");
    const again = await get('/status', { 'If-None-Match': etag ?? '' });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');

    await seedIncident(app.running.deps.db, {
      publicTitle: 'Refund emails delayed',
      severity: 'sev4',
      components: ['refunds'],
      createdAt: new Date(),
      updates: [{ state: 'investigating', publicMessage: 'Refund emails are slow.', at: new Date() }],
    });
    const changed = await get('/status', { 'If-None-Match': etag ?? '' });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(await changed.text()).toContain('Refund emails delayed');
  });

  it('gzips only for a client that takes gzip, by its q-values and in any letter case', async () => {
    // node:http, not fetch: fetch asks for gzip itself and hides the encoding it got.
    const raw = (acceptEncoding: string) =>
      new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
        const request = httpGet(
          `${app.url}/api/v2/summary.json`,
          { headers: { 'Accept-Encoding': acceptEncoding } },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () =>
              resolve({ encoding: response.headers['content-encoding'], body: Buffer.concat(chunks) }),
            );
          },
        );
        request.on('error', reject);
      });
    const plain = await raw('identity');
    expect(plain.encoding).toBeUndefined();
    const summary = JSON.parse(plain.body.toString('utf8'));
    for (const header of ['gzip', 'GZIP', 'deflate, gzip;q=0.8', 'gzip, deflate, br']) {
      const answer = await raw(header);
      expect(answer.encoding, header).toBe('gzip');
      expect(JSON.parse(gunzipSync(answer.body).toString('utf8'))).toEqual(summary);
    }
    for (const header of ['gzip;q=0, identity', 'gzip;q=0', 'br', 'identity;q=1, gzip;q=0.5']) {
      const answer = await raw(header);
      expect(answer.encoding, header).toBeUndefined();
      expect(JSON.parse(answer.body.toString('utf8'))).toEqual(summary);
    }
  });

  it('answers 404 for an unknown or malformed incident id', async () => {
    expect((await get('/status/incidents/999999')).status).toBe(404);
    expect((await get('/status/incidents/abc')).status).toBe(404);
    expect((await get('/status/incidents/99999999999999')).status).toBe(404);
  });

  it('draws the day of the past outage on the payments uptime bar', async () => {
    const page = await (await get('/status')).text();
    const day = new Date(now - 10 * DAY).toISOString().slice(0, 10);
    const payments = page.slice(page.indexOf('data-component-id="payments"'));
    expect(payments).toMatch(new RegExp(`class="bar bar-major_outage" title="[^"]*" data-date="${day}"`));
  });
});
