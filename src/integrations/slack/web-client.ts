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
const derived = new WeakMap<WebClient, Map<string, WebClient>>();

/**
 * The same client, for posts that must not land twice: a timeout or a 5xx may come after Slack posted the message,
 * so nothing is retried behind the caller's back; the caller (a durable job) first looks for the message it may
 * already have posted. On a rate limit the client either waits out `Retry-After` and tries again (`wait`), or
 * answers at once (`reject`) for a caller that paces each channel itself, where waiting would pause every call.
 */
export function singlePostClient(
  shared: WebClient,
  rateLimited: 'wait' | 'reject',
  extra: Pick<WebClientOptions, 'logger' | 'maxRequestConcurrency' | 'fetch'> = {},
): WebClient {
  const build = () =>
    new WebClient(shared.token, {
      slackApiUrl: shared.slackApiUrl,
      timeout: 15_000,
      ...extra,
      ...(rateLimited === 'wait'
        ? { rejectRateLimitedCalls: false, retryConfig: rateLimitOnlyRetries }
        : { rejectRateLimitedCalls: true, retryConfig: { retries: 0 } }),
    });
  // Clients with their own logger, concurrency or fetch are the caller's to keep; plain ones are made once per client.
  if (extra.logger || extra.maxRequestConcurrency || extra.fetch) return build();
  const byMode = derived.get(shared) ?? new Map<string, WebClient>();
  derived.set(shared, byMode);
  let client = byMode.get(rateLimited);
  if (!client) {
    client = build();
    byMode.set(rateLimited, client);
  }
  return client;
}
