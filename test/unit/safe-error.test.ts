import { Writable } from 'node:stream';
import { WebClient } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { createJiraClient } from '../../src/integrations/jira/client.js';
import { boltLogger } from '../../src/integrations/slack/bolt-logger.js';
import { createLogger } from '../../src/logger.js';
import { maskCredentials, safeError } from '../../src/safe-error.js';

const TOKEN = 'JIRASECRETTOKEN123';
const EMAIL = 'ops@example.com';
const BASIC = Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64');
const BOT_TOKEN = 'xoxb-1111-2222-secretbottoken';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('debug', destination), text: () => lines.join('') };
}

/** A request to a port nothing listens on: the client's own error, as it comes. */
async function refusedJiraError(): Promise<unknown> {
  const jira = createJiraClient({ host: 'http://127.0.0.1:9', email: EMAIL, apiToken: TOKEN });
  try {
    await jira.myself.getCurrentUser();
  } catch (error) {
    return error;
  }
  throw new Error('the request to a closed port succeeded');
}

describe('errors written down keep no credentials', () => {
  it("a Jira client's network error is logged with its message and code, never its Authorization header", async () => {
    const error = await refusedJiraError();
    // The raw error does carry the header: that is what must not be written.
    expect(JSON.stringify(error)).toContain(BASIC);
    const { logger, text } = capture();
    logger.warn({ err: error }, 'job failed');
    expect(text()).not.toContain(BASIC);
    expect(text()).not.toContain(TOKEN);
    expect(text()).toContain('ECONNREFUSED');
  });

  it("a Slack client's request error, logged through the Bolt logger, keeps no bot token", async () => {
    const slack = new WebClient(BOT_TOKEN, {
      slackApiUrl: 'http://127.0.0.1:9/api/',
      retryConfig: { retries: 0 },
    });
    const error = await slack.auth.test().catch((caught: unknown) => caught);
    const { logger, text } = capture();
    boltLogger(logger).error('An unhandled error occurred', error);
    expect(text()).not.toContain(BOT_TOKEN);
    expect(text()).toContain('An unhandled error occurred');
  });

  it('keeps what helps: kind, code, status, Slack’s error code and the cause', () => {
    const cause = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const error = Object.assign(new Error('An API error occurred: channel_not_found', { cause }), {
      code: 'slack_webapi_platform_error',
      statusCode: 200,
      data: { ok: false, error: 'channel_not_found' },
      config: { headers: { Authorization: `Bearer ${BOT_TOKEN}` } },
    });
    expect(safeError(error)).toMatchObject({
      type: 'Error',
      message: 'An API error occurred: channel_not_found',
      code: 'slack_webapi_platform_error',
      status: 200,
      detail: 'channel_not_found',
      cause: { message: 'socket hang up', code: 'ECONNRESET' },
    });
    expect(JSON.stringify(safeError(error))).not.toContain(BOT_TOKEN);
  });

  it('masks credentials a message quotes', () => {
    expect(maskCredentials(`Authorization: Basic ${BASIC}`)).toBe('Authorization: Basic [redacted]');
    expect(maskCredentials(`token ${BOT_TOKEN} refused`)).toBe('token [redacted] refused');
    expect(maskCredentials('postgres://frontline:s3cret@db:5432/x')).toBe(
      'postgres://frontline:[redacted]@db:5432/x',
    );
    expect(maskCredentials('key sk_live_abcdefgh12345678')).toBe('key [redacted]');
  });
});
