import { createHmac, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { type JiraWebhookDeps, receiveJiraWebhook } from '../services/jira-webhook.js';

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
  web.post('/webhooks/jira', async (c) => {
    const raw = await c.req.text();
    if (!deps.secret || !validJiraSignature(deps.secret, raw, c.req.header('x-hub-signature'))) {
      deps.logger.warn({ path: '/webhooks/jira' }, 'refused a Jira webhook without a valid signature');
      return c.json({ error: 'invalid_signature' }, 401);
    }
    const identifier = c.req.header('x-atlassian-webhook-identifier')?.trim();
    if (!identifier) return c.json({ error: 'missing_identifier' }, 400);
    let payload: unknown;
    try {
      payload = JSON.parse(raw);
    } catch {
      return c.json({ error: 'invalid_json' }, 400);
    }
    const result = await receiveJiraWebhook(deps, { identifier, payload });
    return c.json(result, 200);
  });
  return web;
}
