import { createHmac, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { type JiraWebhookDeps, receiveJiraWebhook } from '../services/jira-webhook.js';
import { cappedBody, postOnly } from './webhook-route.js';

/**
 * The largest Jira delivery read. An issue event carries the whole issue (description, custom fields, changelog), so
 * it can run to a few hundred kilobytes with long descriptions; 5 MB leaves room for those while refusing, with 413,
 * bodies no Jira webhook sends. Checked from `Content-Length`, or as a chunked body streams in, without buffering it.
 */
export const JIRA_WEBHOOK_MAX_BYTES = 5 * 1024 * 1024;

/** Jira admin webhooks sign the raw body: `X-Hub-Signature: sha256=<hex HMAC-SHA256 with the webhook secret>`. */
export function validJiraSignature(secret: string, rawBody: string, header: string | undefined): boolean {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header?.trim() ?? '');
  if (!match?.[1]) return false;
  const expected = createHmac('sha256', secret).update(rawBody, 'utf8').digest();
  const given = Buffer.from(match[1], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** `POST /webhooks/jira`: verified, de-duplicated by `X-Atlassian-Webhook-Identifier`, applied to the RCA ticket. */
export function jiraWebhookRoutes(deps: JiraWebhookDeps & { secret: string | undefined }): Hono {
  const web = new Hono();
  const path = '/webhooks/jira';
  web.post(
    path,
    async (c, next) => {
      // Refused before a byte of the body is read: without a secret no delivery can be verified.
      if (!deps.secret) {
        deps.logger.warn({ path }, 'refused a Jira webhook: JIRA_WEBHOOK_SECRET is not set');
        return c.json({ error: 'invalid_signature' }, 401);
      }
      await next();
    },
    cappedBody(deps.logger, path, JIRA_WEBHOOK_MAX_BYTES, 'refused a Jira webhook over the size limit'),
    async (c) => {
      const raw = await c.req.text();
      if (!deps.secret || !validJiraSignature(deps.secret, raw, c.req.header('x-hub-signature'))) {
        deps.logger.warn({ path }, 'refused a Jira webhook without a valid signature');
        return c.json({ error: 'invalid_signature' }, 401);
      }
      const identifier = c.req.header('x-atlassian-webhook-identifier')?.trim();
      if (!identifier) {
        deps.logger.warn({ path }, 'refused a Jira webhook without X-Atlassian-Webhook-Identifier');
        return c.json({ error: 'missing_identifier' }, 400);
      }
      let payload: unknown;
      try {
        payload = JSON.parse(raw);
      } catch {
        deps.logger.warn({ path, identifier }, 'refused a signed Jira webhook whose body is not JSON');
        return c.json({ error: 'invalid_json' }, 400);
      }
      const result = await receiveJiraWebhook(deps, { identifier, payload });
      return c.json(result, 200);
    },
  );
  postOnly(web, path);
  return web;
}
