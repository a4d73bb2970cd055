import { COMPONENT_STATE_LABEL, escapeHtml, formatTime, html, INCIDENT_STATE_LABEL } from './html.js';
import type { IncidentModel, StatusPageModel } from './model.js';

/**
 * `GET /status/feed.atom`: one entry per incident of the window (newest first), its content the whole public
 * timeline, so a feed reader shows a changed entry whenever an update is posted. Text is escaped for XML, and the
 * HTML content is escaped once more as Atom's `type="html"` requires.
 */
export function renderAtomFeed(model: StatusPageModel): string {
  const feedUrl = `${model.page.url}/feed.atom`;
  const entries = model.incidents.map((incident) => entry(model, incident)).join('\n');
  return withoutNonXmlCharacters(`<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
<id>${escapeHtml(feedUrl)}</id>
<title>${escapeHtml(model.page.title)}</title>
<updated>${model.page.updatedAt.toISOString()}</updated>
<author><name>${escapeHtml(model.page.title)}</name></author>
<link rel="self" type="application/atom+xml" href="${escapeHtml(feedUrl)}"/>
<link rel="alternate" type="text/html" href="${escapeHtml(model.page.url)}"/>
${entries}
</feed>
`);
}

/**
 * Characters XML 1.0 does not allow anywhere, even escaped: control characters other than tab and line breaks,
 * U+FFFE/U+FFFF and unpaired surrogates. Text pasted into an update can carry them; one would make the whole feed
 * unreadable to every reader, so they are dropped (the HTML page and the JSON show them harmlessly).
 */
const NON_XML_CHARACTER =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding these characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function withoutNonXmlCharacters(text: string): string {
  return text.replace(NON_XML_CHARACTER, '');
}

function entry(model: StatusPageModel, incident: IncidentModel): string {
  const content = html`${[...incident.updates]
    .reverse()
    .map(
      (update) =>
        html`<p><strong>${INCIDENT_STATE_LABEL[update.state]}</strong> (${formatTime(update.createdAt)}): ${update.message}${
          update.affected.length > 0
            ? html`<br><small>${update.affected
                .map((change) => `${change.name}: ${COMPONENT_STATE_LABEL[change.newState]}`)
                .join('; ')}</small>`
            : ''
        }</p>`,
    )}`;
  return `<entry>
<id>${escapeHtml(`${model.page.baseUrl}/status/incidents/${incident.id}`)}</id>
<title>${escapeHtml(`${incident.title} (${INCIDENT_STATE_LABEL[incident.state]})`)}</title>
<published>${incident.createdAt.toISOString()}</published>
<updated>${incident.updatedAt.toISOString()}</updated>
<link rel="alternate" type="text/html" href="${escapeHtml(incident.url)}"/>
<content type="html">${escapeHtml(content.value)}</content>
</entry>`;
}
