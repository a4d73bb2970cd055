import type { RequestListener } from 'node:http';
import { App, HTTPReceiver } from '@slack/bolt';
import { Hono } from 'hono';
import type { Deps } from './deps.js';
import type { Feature } from './features.js';
import { registerErrorHandler } from './handlers/errors.js';
import { registerMiddleware } from './handlers/middleware.js';
import type { InFlight } from './in-flight.js';
import { boltLogger } from './integrations/slack/bolt-logger.js';
import { slackClientOptions } from './integrations/slack/web-client.js';

/** How the app reaches Slack once credentials (real or sandbox) are settled. */
export type SlackTransport =
  | { mode: 'http'; botToken: string; signingSecret: string; apiUrl: string }
  | { mode: 'socket'; botToken: string; appToken: string; apiUrl: string };

export interface FrontlineApp {
  bolt: App;
  /** Handles `POST /slack/events` in HTTP mode; undefined in Socket Mode. */
  slackListener: RequestListener | undefined;
  web: Hono;
  /** Connects to Slack in Socket Mode; nothing to do in HTTP mode. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Builds the Bolt app and the web routes, and registers every feature on them. */
export function buildApp(
  deps: Deps,
  transport: SlackTransport,
  inFlight: InFlight,
  features: readonly Feature[],
): FrontlineApp {
  const logger = boltLogger(deps.logger);
  const clientOptions = slackClientOptions(
    { botToken: transport.botToken, apiUrl: transport.apiUrl },
    deps.logger,
  );
  let bolt: App;
  let slackListener: RequestListener | undefined;
  if (transport.mode === 'http') {
    const receiver = new HTTPReceiver({
      signingSecret: transport.signingSecret,
      endpoints: '/slack/events',
      processBeforeResponse: false,
      logger,
    });
    bolt = new App({
      token: transport.botToken,
      receiver,
      logger,
      clientOptions,
      extendedErrorHandler: true,
    });
    slackListener = receiver.requestListener;
  } else {
    bolt = new App({
      token: transport.botToken,
      appToken: transport.appToken,
      socketMode: true,
      logger,
      clientOptions,
      installerOptions: { clientOptions },
      extendedErrorHandler: true,
    });
  }

  registerMiddleware(bolt, { db: deps.db, inFlight, logger: deps.logger });
  registerErrorHandler(bolt, { slack: deps.integrations.slack, logger: deps.logger });
  const web = new Hono();
  for (const feature of features) {
    feature.register?.(bolt, deps);
    const routes = feature.routes?.(deps);
    if (routes) web.route('/', routes);
  }
  web.notFound((c) => c.json({ error: 'not_found' }, 404));
  web.onError((error, c) => {
    deps.logger.error({ err: error, path: c.req.path }, 'web request failed');
    return c.json({ error: 'internal_error' }, 500);
  });

  return {
    bolt,
    slackListener,
    web,
    async start() {
      if (transport.mode === 'socket') await bolt.start();
    },
    async stop() {
      if (transport.mode === 'socket') await bolt.stop();
    },
  };
}
