import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { Logger } from '../../logger.js';
import { boltLogger } from './bolt-logger.js';

export interface SlackApiSettings {
  botToken: string;
  /** Base URL of the Web API, ending in a slash (`SLACK_API_URL`). */
  apiUrl: string;
}

/** Options every WebClient Frontline makes shares: the API URL, retries that honour `Retry-After`, our logger. */
export function slackClientOptions(settings: SlackApiSettings, logger: Logger): WebClientOptions {
  return {
    slackApiUrl: settings.apiUrl,
    logger: boltLogger(logger),
    // Rate-limited calls wait for `Retry-After` and try again; other failures retry a few times with backoff.
    rejectRateLimitedCalls: false,
    retryConfig: { retries: 5, factor: 2, minTimeout: 200, maxTimeout: 5_000, randomize: true },
    timeout: 15_000,
  };
}

export function createSlackWebClient(settings: SlackApiSettings, logger: Logger): WebClient {
  return new WebClient(settings.botToken, slackClientOptions(settings, logger));
}

const RATE_LIMITED = /rate limit was exceeded/i;
// The SDK hands its retry options to p-retry, whose `onFailedAttempt` ends the retries when it throws.
const rateLimitOnlyRetries = {
  retries: 10,
  minTimeout: 0,
  maxTimeout: 0,
  onFailedAttempt: (error: Error) => {
    if (!RATE_LIMITED.test(error.message)) throw error;
  },
};
const singleShot = new WeakMap<WebClient, WebClient>();

/**
 * The same client, but retrying only calls Slack refused for rate limiting (after waiting its `Retry-After`).
 * For posts that must not happen twice: a timeout or a 5xx may come after Slack posted the message, so the caller
 * (a durable job) first looks for the message it may already have posted instead of the SDK blindly posting again.
 */
export function withoutBlindRetries(client: WebClient): WebClient {
  let strict = singleShot.get(client);
  if (!strict) {
    strict = new WebClient(client.token, {
      slackApiUrl: client.slackApiUrl,
      rejectRateLimitedCalls: false,
      retryConfig: rateLimitOnlyRetries,
      timeout: 15_000,
    });
    singleShot.set(client, strict);
  }
  return strict;
}
