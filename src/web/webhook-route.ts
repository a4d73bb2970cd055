import type { Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../logger.js';

/**
 * Refuses a webhook body over `maxBytes` with 413, from its `Content-Length` or as soon as a chunked body passes the
 * limit, without buffering it; the refusal is logged once, as `what`.
 */
export function cappedBody(logger: Logger, path: string, maxBytes: number, what: string): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      logger.warn({ path, maxBytes }, what);
      return c.json({ error: 'payload_too_large' }, 413);
    },
  });
}

/** A webhook takes POST only: any other method on its path gets 405, as `/slack/events` answers. */
export function postOnly(web: Hono, path: string): void {
  web.all(path, (c) => c.json({ error: 'method_not_allowed' }, 405, { Allow: 'POST' }));
}
