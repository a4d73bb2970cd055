import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import type { InFlight } from './in-flight.js';
import type { Logger } from './logger.js';

/**
 * One HTTP server on one port: Slack's requests (`POST /slack/events`) go to Bolt's receiver, everything else
 * (status page, webhooks, health) to the web routes.
 */
export interface HttpServer {
  server: Server;
  url: string;
  /** Stops accepting connections and closes idle ones; resolves when the server is closed. */
  close(): Promise<void>;
}

export async function startHttpServer({
  port,
  host,
  slackListener,
  web,
  inFlight,
  logger,
}: {
  port: number;
  host: string;
  slackListener: RequestListener | undefined;
  web: Hono;
  inFlight: InFlight;
  logger: Logger;
}): Promise<HttpServer> {
  const webListener = getRequestListener(web.fetch);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    void inFlight.track(
      () =>
        new Promise<void>((resolve) => {
          res.once('close', resolve);
          try {
            if (path === '/slack/events' && slackListener) {
              // Slack only ever POSTs here; Bolt's receiver throws on anything else, so answer that ourselves.
              if (req.method !== 'POST') {
                res.writeHead(405, { allow: 'POST', 'content-type': 'application/json' });
                res.end(JSON.stringify({ error: 'method_not_allowed' }));
                return;
              }
              slackListener(req, res);
            } else {
              void webListener(req, res);
            }
          } catch (error) {
            // Not the error object itself: an HTTP library's error may carry the request, headers and all.
            logger.error(
              { path, error: error instanceof Error ? error.message : String(error) },
              'request failed',
            );
            if (!res.headersSent) res.writeHead(500).end();
          }
        }),
    );
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    server,
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
