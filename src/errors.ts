/**
 * The few ways a user's request can fail, each with a code that decides how it is shown. Services throw these;
 * handlers and the global error handler turn them into text where the user is. Anything else is a bug and is shown
 * as a generic failure (and logged with its stack).
 */
export type ErrorCode =
  | 'not_permitted'
  | 'needs_approval'
  | 'not_found'
  | 'invalid_input'
  | 'conflict'
  | 'upstream_failed';

export class FrontlineError extends Error {
  constructor(
    readonly code: ErrorCode,
    /** Text for the person who asked; never contains secrets or internal identifiers of other systems. */
    readonly userMessage: string,
    /** Field-level messages for modals (block id → message). */
    readonly fieldErrors?: Record<string, string>,
    options?: { cause?: unknown },
  ) {
    super(userMessage, options);
    this.name = 'FrontlineError';
  }
}

export const notPermitted = (message: string) => new FrontlineError('not_permitted', message);
export const notFound = (message: string) => new FrontlineError('not_found', message);
export const invalidInput = (message: string, fieldErrors?: Record<string, string>) =>
  new FrontlineError('invalid_input', message, fieldErrors);
export const conflict = (message: string) => new FrontlineError('conflict', message);
export const upstreamFailed = (message: string, cause?: unknown) =>
  new FrontlineError('upstream_failed', message, undefined, { cause });

const PREFIX: Record<ErrorCode, string> = {
  not_permitted: ':no_entry: Not allowed.',
  needs_approval: ':hourglass_flowing_sand: This needs approval.',
  not_found: ':mag: Not found.',
  invalid_input: ':warning: Please check your input.',
  conflict: ':twisted_rightwards_arrows: Someone got there first.',
  upstream_failed: ':electric_plug: A service Frontline depends on did not answer.',
};

/** Finds our error inside whatever wrapped it (Bolt wraps listener errors; some SDKs use `cause`). */
export function findFrontlineError(error: unknown): FrontlineError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    if (current instanceof FrontlineError) return current;
    const next = current as { original?: unknown; cause?: unknown; originals?: unknown[] };
    current = next.original ?? next.originals?.[0] ?? next.cause;
  }
  return undefined;
}

/** The one place where failures become text for a person. */
export function userFacingText(error: unknown): string {
  const known = findFrontlineError(error);
  if (known) return `${PREFIX[known.code]} ${known.userMessage}`;
  return ':x: Something went wrong on our side and nothing was changed. The team running Frontline has the details in the logs.';
}
