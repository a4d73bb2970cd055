import { formatUptime, type UptimeDay } from '../../domain/status-page.js';
import {
  COMPONENT_STATE_LABEL,
  formatDay,
  formatDuration,
  formatTime,
  type Html,
  html,
  IMPACT_LABEL,
  INCIDENT_STATE_LABEL,
  INDICATOR_HEADLINE,
  layout,
} from './html.js';
import type { ComponentModel, IncidentModel, StatusPageModel, UpdateModel } from './model.js';

/** `GET /status`: overall status, components with their 90-day bars, open incidents, the window's incidents. */
export function renderStatusPage(model: StatusPageModel): string {
  const active = model.incidents.filter((incident) => incident.state !== 'resolved');
  const past = model.incidents.filter((incident) => incident.state === 'resolved');
  const body = html`
<div class="banner banner-${model.status.indicator}" data-testid="overall-status" data-indicator="${model.status.indicator}">${INDICATOR_HEADLINE[model.status.indicator]}</div>
${
  active.length > 0
    ? html`<section aria-labelledby="active-heading" data-testid="active-incidents">
<h2 id="active-heading">Ongoing incidents</h2>
${active.map((incident) => incidentBlock(incident, { headingLink: true }))}
</section>`
    : ''
}
<section aria-labelledby="components-heading" data-testid="components">
<h2 id="components-heading">Services</h2>
${model.components.map((component) => componentBlock(component, model.windowDays))}
</section>
<section aria-labelledby="history-heading" data-testid="past-incidents">
<h2 id="history-heading">Past incidents (last ${model.windowDays} days)</h2>
${past.length === 0 ? html`<p class="meta">No incidents in the last ${model.windowDays} days.</p>` : past.map(pastIncident)}
</section>`;
  return layout({
    title: model.page.title,
    heading: model.page.title,
    homeUrl: model.page.url,
    feedUrl: `${model.page.url}/feed.atom`,
    body,
    footer: pageFooter(model),
  });
}

/** `GET /status/incidents/:id`: one incident's whole timeline. */
export function renderIncidentPage(model: StatusPageModel, incident: IncidentModel): string {
  const body = html`
<section data-testid="incident" data-incident-id="${incident.id}">
${incidentBlock(incident, { headingLink: false })}
</section>
<p><a href="${model.page.url}">← All services</a></p>`;
  return layout({
    title: `${incident.title} · ${model.page.title}`,
    heading: model.page.title,
    homeUrl: model.page.url,
    feedUrl: `${model.page.url}/feed.atom`,
    body,
    footer: pageFooter(model),
  });
}

function pageFooter(model: StatusPageModel): Html {
  return html`Updated ${formatTime(model.page.updatedAt)} ·
<a href="${model.page.url}/feed.atom">Atom feed</a> ·
<a href="${model.page.baseUrl}/api/v2/summary.json">JSON</a>`;
}

function componentBlock(component: ComponentModel, windowDays: number): Html {
  return html`<div class="component" data-testid="component" data-component-id="${component.id}" data-state="${component.state}">
<div class="component-head">
<span class="component-name">${component.name}</span>
<span class="state state-${component.state}" data-testid="component-state">${COMPONENT_STATE_LABEL[component.state]}</span>
</div>
${component.description ? html`<p class="description">${component.description}</p>` : ''}
<div class="bars" role="img" aria-label="${`${component.name}: ${formatUptime(component.uptime.uptime)} uptime over the last ${windowDays} days`}">
${component.uptime.days.map(uptimeBar)}
</div>
<div class="bars-legend"><span>${windowDays} days ago</span><span data-testid="uptime">${formatUptime(component.uptime.uptime)} uptime</span><span>Today</span></div>
</div>`;
}

function uptimeBar(day: UptimeDay): Html {
  const details = Object.entries(day.seconds)
    .map(
      ([state, seconds]) =>
        `${COMPONENT_STATE_LABEL[state as keyof typeof COMPONENT_STATE_LABEL]} ${formatDuration(seconds ?? 0)}`,
    )
    .join(', ');
  const title = `${formatDay(day.date)}: ${formatUptime(day.uptime)}${details ? ` · ${details}` : ''}`;
  return html`<span class="bar bar-${day.worst}" title="${title}" data-date="${day.date}"></span>`;
}

function incidentBlock(incident: IncidentModel, { headingLink }: { headingLink: boolean }): Html {
  const newestFirst = [...incident.updates].reverse();
  return html`<article class="incident" data-testid="incident-block" data-incident-id="${incident.id}" data-state="${incident.state}">
<h3>${headingLink ? html`<a href="${incident.url}">${incident.title}</a>` : incident.title}</h3>
<p class="meta"><span class="impact-${incident.impact}">${IMPACT_LABEL[incident.impact]}</span> · ${INCIDENT_STATE_LABEL[incident.state]} · started ${formatTime(incident.createdAt)}${incident.resolvedAt ? ` · resolved ${formatTime(incident.resolvedAt)}` : ''}</p>
${incident.summary ? html`<p class="summary">${incident.summary}</p>` : ''}
${
  incident.components.length > 0
    ? html`<p class="meta">Affects: ${incident.components.map(
        (component, index) =>
          html`${index > 0 ? ', ' : ''}${component.name} (<span class="state-${component.state}">${COMPONENT_STATE_LABEL[component.state]}</span>)`,
      )}</p>`
    : ''
}
<ol class="timeline" data-testid="timeline">
${newestFirst.map(updateItem)}
</ol>
</article>`;
}

function updateItem(update: UpdateModel): Html {
  return html`<li data-testid="update" data-update-id="${update.id}" data-state="${update.state}">
<div><span class="update-state">${INCIDENT_STATE_LABEL[update.state]}</span> <span class="meta">${formatTime(update.createdAt)}</span></div>
<p class="update-message" data-testid="update-message">${update.message}</p>
${
  update.affected.length > 0
    ? html`<p class="meta">${update.affected.map(
        (change, index) =>
          html`${index > 0 ? '; ' : ''}${change.name}: ${COMPONENT_STATE_LABEL[change.newState]}`,
      )}</p>`
    : ''
}
</li>`;
}

/** A resolved incident of the window, with its whole timeline (newest first), as Statuspage lists its history. */
function pastIncident(incident: IncidentModel): Html {
  const newestFirst = [...incident.updates].reverse();
  return html`<article class="incident" data-testid="past-incident" data-incident-id="${incident.id}">
<h3><a href="${incident.url}">${incident.title}</a></h3>
<p class="meta"><span class="impact-${incident.impact}">${IMPACT_LABEL[incident.impact]}</span> · ${formatTime(incident.createdAt)}${incident.resolvedAt ? ` – ${formatTime(incident.resolvedAt)}` : ''}</p>
<ol class="timeline" data-testid="timeline">
${newestFirst.map(updateItem)}
</ol>
</article>`;
}
