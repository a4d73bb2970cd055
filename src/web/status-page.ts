import { type Context, Hono } from 'hono';
import Negotiator from 'negotiator';
import type { Executor } from '../db/client.js';
import { StatusPageCache, type StatusPageSettings } from '../services/status-page.js';
import {
  componentsJson,
  incidentsJson,
  statusJson,
  summaryJson,
  unresolvedIncidentsJson,
} from '../views/status-page/api.js';
import { renderAtomFeed } from '../views/status-page/feed.js';
import type { StatusPageModel } from '../views/status-page/model.js';
import { renderIncidentPage, renderStatusPage } from '../views/status-page/page.js';

/**
 * The public status page: HTML, the Statuspage-compatible JSON API and the Atom feed. No login; everything shown
 * comes from public fields. Responses carry a strong ETag (304 on a matching If-None-Match) and a short public
 * cache lifetime, and are rendered once per change of the data (`StatusPageCache`).
 */

const CACHE_CONTROL = 'public, max-age=15, stale-while-revalidate=30';
const HTML_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const HTML_TYPE = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const ATOM_TYPE = 'application/atom+xml; charset=utf-8';

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

/**
 * Whether the client takes gzip, by RFC 9110's rules (q-values, `q=0` refusing a coding, `*`, any letter case),
 * preferring gzip when the two rank alike.
 */
function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (!acceptEncoding) return false;
  const negotiator = new Negotiator({ headers: { 'accept-encoding': acceptEncoding } });
  return negotiator.encoding(['gzip', 'identity']) === 'gzip';
}

export function statusPageRoutes({
  db,
  settings,
  publicUrl,
  now,
  maxAgeMs,
  versionTtlMs,
}: {
  db: Executor;
  settings: StatusPageSettings;
  publicUrl: string;
  now: () => Date;
  /** How long a rendered page may be reused while the data version is unchanged (default 60 s; 0 = never). */
  maxAgeMs?: number;
  /**
   * How long one answer of the data-version query serves every request (default 0: each request asks). A second
   * keeps the database out of a traffic spike entirely, at the price of the page lagging a change by that long.
   */
  versionTtlMs?: number;
}): Hono {
  const cache = new StatusPageCache({
    db,
    settings,
    publicUrl,
    now,
    ...(maxAgeMs === undefined ? {} : { maxAgeMs }),
    ...(versionTtlMs === undefined ? {} : { versionTtlMs }),
  });
  const web = new Hono();

  const serve = async (
    c: Context,
    key: string,
    type: string,
    render: (model: StatusPageModel) => string | undefined | Promise<string | undefined>,
  ) => {
    const resource = await cache.resource(key, render);
    const headers: Record<string, string> = {
      'Cache-Control': CACHE_CONTROL,
      'X-Content-Type-Options': 'nosniff',
    };
    if (type === HTML_TYPE) headers['Content-Security-Policy'] = HTML_POLICY;
    // Widgets on customers' own sites read the JSON from the browser, as they do Statuspage's.
    if (type === JSON_TYPE) headers['Access-Control-Allow-Origin'] = '*';
    if (!resource) {
      return c.body(type === HTML_TYPE ? notFoundPage() : JSON.stringify({ error: 'not_found' }), 404, {
        ...headers,
        'Content-Type': type === HTML_TYPE ? HTML_TYPE : JSON_TYPE,
        'Cache-Control': 'public, max-age=15',
      });
    }
    // Each encoding is its own representation with its own strong validator.
    const gzip = acceptsGzip(c.req.header('Accept-Encoding'));
    const etag = gzip ? `${resource.etag.slice(0, -1)}-gz"` : resource.etag;
    headers.ETag = etag;
    headers.Vary = 'Accept-Encoding';
    if (matches(c.req.header('If-None-Match'), etag)) return c.body(null, 304, headers);
    if (gzip) {
      return c.body(resource.gzipped, 200, {
        ...headers,
        'Content-Type': type,
        'Content-Encoding': 'gzip',
      });
    }
    return c.body(resource.body, 200, { ...headers, 'Content-Type': type });
  };

  const json = (build: (model: StatusPageModel) => unknown) => (model: StatusPageModel) =>
    JSON.stringify(build(model));

  web.get('/status', (c) => serve(c, 'page', HTML_TYPE, renderStatusPage));
  web.get('/status/', (c) => c.redirect('/status', 301));
  web.get('/status/feed.atom', (c) => serve(c, 'feed', ATOM_TYPE, renderAtomFeed));
  web.get('/status/incidents/:id', (c) => {
    const text = c.req.param('id');
    const id = /^[1-9]\d{0,9}$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(id) || id > 2_147_483_647) {
      return c.body(notFoundPage(), 404, {
        'Content-Type': HTML_TYPE,
        'Cache-Control': 'public, max-age=15',
      });
    }
    return serve(c, `incident:${id}`, HTML_TYPE, async (model) => {
      const incident =
        model.incidents.find((candidate) => candidate.id === id) ?? (await cache.olderIncident(model, id));
      return incident ? renderIncidentPage(model, incident) : undefined;
    });
  });
  web.get('/api/v2/summary.json', (c) => serve(c, 'summary', JSON_TYPE, json(summaryJson)));
  web.get('/api/v2/status.json', (c) => serve(c, 'status', JSON_TYPE, json(statusJson)));
  web.get('/api/v2/components.json', (c) => serve(c, 'components', JSON_TYPE, json(componentsJson)));
  web.get('/api/v2/incidents.json', (c) => serve(c, 'incidents', JSON_TYPE, json(incidentsJson)));
  web.get('/api/v2/incidents/unresolved.json', (c) =>
    serve(c, 'unresolved', JSON_TYPE, json(unresolvedIncidentsJson)),
  );
  return web;
}

function notFoundPage(): string {
  return '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Not found</title></head><body><p>There is no such incident. <a href="/status">Back to the status page</a></p></body></html>';
}
