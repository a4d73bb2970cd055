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
