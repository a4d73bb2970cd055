import type { ComponentState, Impact, IncidentState, Indicator } from '../../domain/status-page.js';

/**
 * Building blocks of the status page's HTML. Every piece of data goes through `escapeHtml` (text and attribute
 * values alike); `Html` marks strings that are already safe markup, so a raw string can never be spliced in by
 * accident.
 */

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

type Part = Html | string | number | null | undefined | false | readonly Part[];

function renderPart(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(renderPart).join('');
  return escapeHtml(String(part));
}

/** Tagged template: interpolated values are escaped unless they are `Html`; arrays are joined. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += renderPart(value) + (strings[index + 1] ?? '');
  });
  return new Html(out);
}

export const COMPONENT_STATE_LABEL: Record<ComponentState, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
};

export const INCIDENT_STATE_LABEL: Record<IncidentState, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

export const IMPACT_LABEL: Record<Impact, string> = {
  none: 'No impact',
  minor: 'Minor impact',
  major: 'Major impact',
  critical: 'Critical impact',
};

export const INDICATOR_HEADLINE: Record<Indicator, string> = {
  none: 'Everything is working normally',
  maintenance: 'Maintenance in progress',
  minor: 'Some services are slower than usual',
  major: 'Some services are partly unavailable',
  critical: 'A service is unavailable',
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const two = (value: number) => String(value).padStart(2, '0');

/** `23 Nov 2026, 14:05 UTC` — times are shown in UTC so every reader sees the same text (and the same ETag). */
export function formatTime(at: Date): string {
  return `${at.getUTCDate()} ${MONTHS[at.getUTCMonth()]} ${at.getUTCFullYear()}, ${two(at.getUTCHours())}:${two(at.getUTCMinutes())} UTC`;
}

export function formatDay(date: string): string {
  const [year, month, day] = date.split('-').map(Number);
  return `${day} ${MONTHS[(month ?? 1) - 1]} ${year}`;
}

/** `1 h 5 min`, `12 min`, `40 s`. */
export function formatDuration(seconds: number): string {
  const total = Math.round(seconds);
  if (total < 60) return `${total} s`;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  return hours > 0 ? `${hours} h ${minutes} min` : `${minutes} min`;
}

const STYLE = `
:root{--ok:#2e7d32;--maint:#1565c0;--minor:#b7950b;--major:#e65100;--critical:#c62828;--ink:#1d2329;--muted:#5f6b76;--line:#dde3e8;--bg:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:860px;margin:0 auto;padding:16px}
header h1{font-size:1.5rem;margin:8px 0 16px}
header h1 a{color:inherit;text-decoration:none}
a{color:#0b5cad}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px;margin:0 0 16px}
h2{font-size:1.15rem;margin:0 0 12px}
h3{font-size:1rem;margin:0 0 4px}
.banner{color:#fff;border-radius:8px;padding:14px 16px;margin:0 0 16px;font-weight:600;font-size:1.1rem}
.banner-none{background:var(--ok)}.banner-maintenance{background:var(--maint)}.banner-minor{background:var(--minor)}
.banner-major{background:var(--major)}.banner-critical{background:var(--critical)}
.component{padding:12px 0;border-top:1px solid var(--line)}
.component:first-of-type{border-top:0;padding-top:0}
.component-head{display:flex;justify-content:space-between;gap:8px;flex-wrap:wrap}
.component-name{font-weight:600}
.state{font-weight:600;white-space:nowrap}
.state-operational{color:var(--ok)}.state-under_maintenance{color:var(--maint)}.state-degraded_performance{color:var(--minor)}
.state-partial_outage{color:var(--major)}.state-major_outage{color:var(--critical)}
.description{color:var(--muted);font-size:.9rem;margin:2px 0 0}
.bars{display:flex;gap:1px;height:28px;margin:8px 0 4px}
.bar{flex:1;min-width:1px;border-radius:1px;background:var(--ok)}
.bar-under_maintenance{background:var(--maint)}.bar-degraded_performance{background:var(--minor)}
.bar-partial_outage{background:var(--major)}.bar-major_outage{background:var(--critical)}
.bars-legend{display:flex;justify-content:space-between;color:var(--muted);font-size:.8rem}
.incident{border-top:1px solid var(--line);padding:12px 0}
.incident:first-of-type{border-top:0;padding-top:0}
.meta{color:var(--muted);font-size:.875rem}
.impact-critical{color:var(--critical)}.impact-major{color:var(--major)}.impact-minor{color:var(--minor)}.impact-none{color:var(--muted)}
ol.timeline{list-style:none;margin:8px 0 0;padding:0}
ol.timeline li{border-left:3px solid var(--line);padding:0 0 12px 12px}
.update-state{font-weight:600}
.update-message{white-space:pre-wrap;overflow-wrap:anywhere;margin:2px 0}
.summary{white-space:pre-wrap;overflow-wrap:anywhere}
footer{color:var(--muted);font-size:.875rem;text-align:center;padding:8px 0 24px}
@media (max-width:520px){main{padding:10px}section{padding:12px}.bars{height:22px}}
`;

/** The page around every status-page view: no scripts, no external assets, one inline stylesheet. */
export function layout({
  title,
  heading,
  homeUrl,
  feedUrl,
  body,
  footer,
}: {
  title: string;
  heading: string;
  homeUrl: string;
  feedUrl: string;
  body: Html;
  footer: Html;
}): string {
  return `<!doctype html>${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="alternate" type="application/atom+xml" title="${heading}" href="${feedUrl}">
<style>${new Html(STYLE)}</style>
</head>
<body>
<main>
<header><h1><a href="${homeUrl}">${heading}</a></h1></header>
${body}
<footer>${footer}</footer>
</main>
</body>
</html>
`}`;
}
