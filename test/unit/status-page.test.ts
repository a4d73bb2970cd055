import { describe, expect, it } from 'vitest';
import {
  effectiveHistory,
  formatUptime,
  impactOfSeverity,
  pageStatus,
  type StateChange,
  uptimeDays,
  worstState,
} from '../../src/domain/status-page.js';
import { buildStatusPageModel } from '../../src/services/status-page.js';
import { summaryJson } from '../../src/views/status-page/api.js';
import { renderAtomFeed } from '../../src/views/status-page/feed.js';
import { escapeHtml, html } from '../../src/views/status-page/html.js';
import { renderStatusPage } from '../../src/views/status-page/page.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const at = (text: string) => new Date(text);

describe('uptime per day', () => {
  it('counts a major outage fully, a partial outage at 30%, degraded and maintenance not at all', () => {
    const changes: StateChange[] = [
      { state: 'major_outage', at: at('2026-11-20T00:00:00Z') },
      { state: 'partial_outage', at: at('2026-11-20T06:00:00Z') },
      { state: 'degraded_performance', at: at('2026-11-20T12:00:00Z') },
      { state: 'under_maintenance', at: at('2026-11-20T18:00:00Z') },
      { state: 'operational', at: at('2026-11-21T00:00:00Z') },
    ];
    const { days } = uptimeDays(changes, NOW, 90);
    expect(days).toHaveLength(90);
    expect(days.at(-1)?.date).toBe('2026-11-23');
    expect(days[0]?.date).toBe('2026-08-26');
    const day = days.find((candidate) => candidate.date === '2026-11-20');
    // 6 h major + 0.3 × 6 h partial = 7.8 h down of 24 h.
    expect(day?.uptime).toBeCloseTo(1 - 7.8 / 24, 10);
    expect(day?.worst).toBe('major_outage');
    expect(day?.seconds).toEqual({
      major_outage: 21_600,
      partial_outage: 21_600,
      degraded_performance: 21_600,
      under_maintenance: 21_600,
    });
    expect(days.find((candidate) => candidate.date === '2026-11-21')).toMatchObject({
      uptime: 1,
      worst: 'operational',
    });
  });

  it('carries the state in from before the window, splits outages across midnight, and counts today up to now', () => {
    const changes: StateChange[] = [
      { state: 'major_outage', at: at('2026-01-01T00:00:00Z') },
      { state: 'operational', at: at('2026-08-26T01:00:00Z') },
      { state: 'major_outage', at: at('2026-11-22T23:00:00Z') },
      { state: 'operational', at: at('2026-11-23T01:00:00Z') },
    ];
    const { days, uptime } = uptimeDays(changes, NOW, 90);
    expect(days[0]?.uptime).toBeCloseTo(23 / 24, 10);
    expect(days.at(-2)?.uptime).toBeCloseTo(23 / 24, 10);
    // Today: 1 h down of the 12 h that have passed.
    expect(days.at(-1)?.uptime).toBeCloseTo(11 / 12, 10);
    const observedHours = 89 * 24 + 12;
    expect(uptime).toBeCloseTo(1 - 3 / observedHours, 10);
  });

  it('is 100% with no history, and an ongoing outage counts until now', () => {
    expect(uptimeDays([], NOW).uptime).toBe(1);
    const ongoing = uptimeDays([{ state: 'major_outage', at: at('2026-11-23T06:00:00Z') }], NOW);
    expect(ongoing.days.at(-1)?.uptime).toBeCloseTo(0.5, 10);
  });

  it('never rounds a day with downtime up to 100%', () => {
    expect(formatUptime(0.99999)).toBe('99.99%');
    expect(formatUptime(1)).toBe('100.00%');
  });
});

describe('effective history', () => {
  const resolved = at('2026-11-20T10:00:00Z');
  it('ends an incident’s component state when the incident resolves; a change made outside incidents holds on', () => {
    expect(
      effectiveHistory([
        {
          state: 'major_outage',
          at: at('2026-11-20T08:00:00Z'),
          incidentId: 1,
          incidentResolvedAt: resolved,
        },
      ]),
    ).toEqual([
      { state: 'major_outage', at: at('2026-11-20T08:00:00Z') },
      { state: 'operational', at: resolved },
    ]);
    expect(
      effectiveHistory([
        {
          state: 'major_outage',
          at: at('2026-11-20T08:00:00Z'),
          incidentId: 1,
          incidentResolvedAt: resolved,
        },
        {
          state: 'under_maintenance',
          at: at('2026-11-20T09:00:00Z'),
          incidentId: null,
          incidentResolvedAt: null,
        },
      ]),
    ).toEqual([
      { state: 'major_outage', at: at('2026-11-20T08:00:00Z') },
      { state: 'under_maintenance', at: resolved },
    ]);
  });

  it('a state set by the resolving update itself ends with it; an open incident holds until it resolves', () => {
    expect(
      effectiveHistory([
        {
          state: 'partial_outage',
          at: at('2026-11-20T08:00:00Z'),
          incidentId: 1,
          incidentResolvedAt: resolved,
        },
        { state: 'degraded_performance', at: resolved, incidentId: 1, incidentResolvedAt: resolved },
      ]).map((change) => change.state),
    ).toEqual(['partial_outage', 'operational']);
    expect(
      effectiveHistory([
        { state: 'major_outage', at: resolved, incidentId: 1, incidentResolvedAt: null },
      ]).map((change) => change.state),
    ).toEqual(['major_outage']);
  });

  it('shows the worst state any open incident holds: one incident’s update or resolution leaves another’s alone', () => {
    const a = 1;
    const b = 2;
    const bResolved = at('2026-11-20T12:00:00Z');
    const history = effectiveHistory([
      {
        state: 'degraded_performance',
        at: at('2026-11-20T08:00:00Z'),
        incidentId: a,
        incidentResolvedAt: null,
      },
      { state: 'major_outage', at: at('2026-11-20T09:00:00Z'), incidentId: b, incidentResolvedAt: bResolved },
      // B improves, but A still says degraded: the worse of the two is what the page shows.
      { state: 'operational', at: at('2026-11-20T10:00:00Z'), incidentId: b, incidentResolvedAt: bResolved },
      {
        state: 'partial_outage',
        at: at('2026-11-20T11:00:00Z'),
        incidentId: b,
        incidentResolvedAt: bResolved,
      },
      // B resolves: A's state comes back, not "operational".
    ]);
    expect(history).toEqual([
      { state: 'degraded_performance', at: at('2026-11-20T08:00:00Z') },
      { state: 'major_outage', at: at('2026-11-20T09:00:00Z') },
      { state: 'degraded_performance', at: at('2026-11-20T10:00:00Z') },
      { state: 'partial_outage', at: at('2026-11-20T11:00:00Z') },
      { state: 'degraded_performance', at: bResolved },
    ]);
    // The uptime of that day follows the same history: 1 h major, 1 h partial (30%).
    const day = uptimeDays(history, NOW, 90).days.find((candidate) => candidate.date === '2026-11-20');
    expect(day?.uptime).toBeCloseTo(1 - 1.3 / 24, 10);
    expect(day?.worst).toBe('major_outage');
  });
});

describe('page status and impact', () => {
  it('maps severities to Statuspage impacts', () => {
    expect(['SEV1', 'SEV2', 'SEV3', 'SEV4'].map(impactOfSeverity)).toEqual([
      'critical',
      'major',
      'minor',
      'none',
    ]);
  });

  it('takes the worst of component states and open incidents’ impacts', () => {
    expect(pageStatus(['operational'], [])).toEqual({
      indicator: 'none',
      description: 'All Systems Operational',
    });
    expect(pageStatus(['operational', 'partial_outage'], ['minor']).indicator).toBe('major');
    expect(pageStatus(['under_maintenance'], []).indicator).toBe('maintenance');
    expect(pageStatus(['degraded_performance'], ['critical']).indicator).toBe('critical');
    expect(worstState(['under_maintenance', 'degraded_performance', 'operational'])).toBe(
      'degraded_performance',
    );
  });
});

describe('status page views', () => {
  const model = buildStatusPageModel({
    settings: {
      title: 'Billing <status>',
      components: [
        { id: 'payments', name: 'Card "payments"' },
        { id: 'refunds', name: 'Refunds', description: 'Refunds & credits' },
      ],
    },
    publicUrl: 'https://status.example.test/',
    now: NOW,
    fallbackTime: NOW,
    incidents: [
      {
        id: 7,
        publicTitle: 'Payments <b>down</b>',
        publicSummary: '',
        severity: 'SEV2',
        state: 'identified',
        components: ['payments'],
        createdAt: at('2026-11-23T10:00:00Z'),
        identifiedAt: at('2026-11-23T11:00:00Z'),
        monitoringAt: null,
        resolvedAt: null,
        lastUpdateAt: at('2026-11-23T11:00:00Z'),
      },
    ],
    updates: [
      {
        id: 2,
        incidentId: 7,
        state: 'identified',
        publicMessage: "Found it '<img src=x onerror=alert(1)>'",
        componentStates: { payments: 'partial_outage', unknown: 'major_outage' },
        createdAt: at('2026-11-23T11:00:00Z'),
      },
      {
        id: 1,
        incidentId: 7,
        state: 'investigating',
        publicMessage: 'Looking',
        componentStates: { payments: 'major_outage' },
        createdAt: at('2026-11-23T10:00:00Z'),
      },
    ],
    changes: [
      {
        componentId: 'payments',
        state: 'major_outage',
        incidentId: 7,
        incidentResolvedAt: null,
        at: at('2026-11-23T10:00:00Z'),
      },
      {
        componentId: 'payments',
        state: 'partial_outage',
        incidentId: 7,
        incidentResolvedAt: null,
        at: at('2026-11-23T11:00:00Z'),
      },
    ],
  });

  it('escapes every interpolated value, in text and attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(html`<p title="${'"><script>'}">${'<i>'}</p>`.value).toBe(
      '<p title="&quot;&gt;&lt;script&gt;">&lt;i&gt;</p>',
    );
    const page = renderStatusPage(model);
    expect(page).not.toMatch(/<(script|img|b)\b/);
    expect(page).toContain('Payments &lt;b&gt;down&lt;/b&gt;');
    expect(page).toContain('Card &quot;payments&quot;');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('<title>Billing &lt;status&gt;</title>');
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\/(?!status\.example\.test)/);
  });

  it('orders the timeline and the affected components, and skips unknown components', () => {
    const incident = model.incidents[0];
    expect(incident?.updates.map((update) => update.id)).toEqual([1, 2]);
    expect(incident?.updates[1]?.affected).toEqual([
      { id: 'payments', name: 'Card "payments"', oldState: 'major_outage', newState: 'partial_outage' },
    ]);
    expect(model.status.indicator).toBe('major');
    expect(model.page.url).toBe('https://status.example.test/status');
    expect(model.page.updatedAt).toEqual(at('2026-11-23T11:00:00Z'));
    const summary = summaryJson(model);
    expect(summary.incidents[0]?.incident_updates.map((update) => update.id)).toEqual(['2', '1']);
    expect(summary.incidents[0]?.incident_updates[1]?.affected_components).toEqual([
      { code: 'payments', name: 'Card "payments"', old_status: 'operational', new_status: 'major_outage' },
    ]);
    expect(summary.components.map((component) => component.description)).toEqual([null, 'Refunds & credits']);
  });

  it('writes a well-formed Atom feed with the HTML content escaped once more', () => {
    const feed = renderAtomFeed(model);
    expect(feed).toContain('<title>Billing &lt;status&gt;</title>');
    expect(feed).toContain('<id>https://status.example.test/status/incidents/7</id>');
    expect(feed).toContain('&amp;lt;img src=x onerror=alert(1)&amp;gt;');
    expect(feed).not.toContain('<img');
  });

  it('drops the characters XML cannot carry, so pasted text never breaks the feed', () => {
    const incident = model.incidents[0];
    if (!incident) throw new Error('the model has an incident');
    const pasted = {
      ...model,
      incidents: [
        {
          ...incident,
          title: 'Bell\u0007 and null\u0000 in a title',
          updates: incident.updates.map((update) => ({
            ...update,
            message: `Backspace\b, form feed\f, \uFFFE, a lone \uD800 half and a whole 😀 pair`,
          })),
        },
      ],
    };
    const feed = renderAtomFeed(pasted);
    // XML 1.0's Char: tab, line feed, carriage return, U+0020–U+D7FF, U+E000–U+FFFD, U+10000 and above.
    const notXml = [...feed]
      .map((character) => character.codePointAt(0) ?? 0)
      .filter(
        (code) =>
          !(code === 0x9 || code === 0xa || code === 0xd) &&
          !(code >= 0x20 && code <= 0xd7ff) &&
          !(code >= 0xe000 && code <= 0xfffd) &&
          code < 0x10000,
      );
    expect(notXml).toEqual([]);
    expect(feed).toContain('<title>Bell and null in a title (Identified)</title>');
    expect(feed).toContain('Backspace, form feed, , a lone  half and a whole 😀 pair');
  });
});
