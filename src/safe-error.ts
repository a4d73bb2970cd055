/**
 * What of an error may be written down (a log line, a failed job's stored output): its kind, message, stack, codes
 * and causes, and nothing else. HTTP clients hang their whole request on their errors (axios, under jira.js, keeps
 * `config.headers.Authorization` and the raw request with its headers), so copying an error's own properties, as a
 * generic serializer does, can write a credential down. Credentials that a message or stack might quote are masked
 * too.
 */

export interface SafeError {
  type: string;
  message: string;
  stack?: string;
  code?: string | number;
  status?: number;
  /** Slack's error code (`channel_not_found`), Stripe's error type. */
  detail?: string;
  cause?: SafeError | string;
}

const CREDENTIALS: Array<[RegExp, string]> = [
  [/\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]{8,}/g, '$1 [redacted]'],
  [/\bxox[abeprs]-[A-Za-z0-9-]{8,}/g, '[redacted]'],
  [/\bxapp-[A-Za-z0-9-]{8,}/g, '[redacted]'],
  [/\b(sk|rk)_(live|test)_[A-Za-z0-9]{8,}/g, '[redacted]'],
  [/\bwhsec_[A-Za-z0-9]{8,}/g, '[redacted]'],
  [/(\/\/[^/\s:@]+:)[^@\s/]+@/g, '$1[redacted]@'],
];

/** Masks credentials a text may quote (authorization headers, Slack and Stripe keys, passwords in URLs). */
export function maskCredentials(text: string): string {
  let masked = text;
  for (const [pattern, replacement] of CREDENTIALS) masked = masked.replace(pattern, replacement);
  return masked;
}

const MAX_DEPTH = 3;

export function safeError(value: unknown, depth = 0): SafeError | string {
  if (!(value instanceof Error)) return maskCredentials(String(value));
  const error = value as Error & {
    code?: unknown;
    status?: unknown;
    statusCode?: unknown;
    type?: unknown;
    data?: { error?: unknown };
    cause?: unknown;
  };
  const status = [error.status, error.statusCode].find((candidate) => typeof candidate === 'number');
  const detail = [error.data?.error, error.type].find((candidate) => typeof candidate === 'string');
  const safe: SafeError = {
    type: error.constructor?.name || error.name || 'Error',
    message: maskCredentials(error.message),
  };
  if (error.stack) safe.stack = maskCredentials(error.stack);
  if (typeof error.code === 'string' || typeof error.code === 'number') safe.code = error.code;
  if (typeof status === 'number') safe.status = status;
  if (typeof detail === 'string') safe.detail = detail;
  if (error.cause !== undefined && depth < MAX_DEPTH) safe.cause = safeError(error.cause, depth + 1);
  return safe;
}
