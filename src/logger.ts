import { type Logger, pino } from 'pino';
import type { LogLevel } from './config.js';
import { safeError } from './safe-error.js';

export type { Logger } from 'pino';

/** Paths whose values never reach a log line, wherever they appear in a logged object. */
const REDACTED_PATHS = [
  'token',
  '*.token',
  'botToken',
  '*.botToken',
  'appToken',
  '*.appToken',
  'signingSecret',
  '*.signingSecret',
  'secretKey',
  '*.secretKey',
  'apiToken',
  '*.apiToken',
  'webhookSecret',
  '*.webhookSecret',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-slack-signature"]',
  'headers["stripe-signature"]',
  'headers["x-hub-signature"]',
];

export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: { service: 'frontline' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // Errors are written as their kind, message, stack and codes only: never the request an HTTP client hangs on them.
    serializers: { err: safeError, error: safeError },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}
