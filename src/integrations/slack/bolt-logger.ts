import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../../logger.js';
import { maskCredentials, safeError } from '../../safe-error.js';

/** Bolt and the Slack SDK log through our structured logger. */
export function boltLogger(logger: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const log =
    (method: 'debug' | 'info' | 'warn' | 'error') =>
    (...messages: unknown[]) => {
      // Bolt and the SDK pass their errors here too; an HTTP error carries its request, bot token and all.
      const text = messages
        .map((message) =>
          typeof message === 'string'
            ? message
            : JSON.stringify(message instanceof Error ? safeError(message) : message),
        )
        .join(' ');
      logger[method]({ component: 'slack' }, maskCredentials(text));
    };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
