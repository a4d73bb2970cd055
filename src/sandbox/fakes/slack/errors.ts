/** A Web API error answer: `{ok: false, error, ...extra}` with HTTP 200 (or `status` when Slack uses another). */
export class SlackApiError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
    readonly status = 200,
    readonly headers: Record<string, string> = {},
  ) {
    super(error);
  }
}

/** `invalid_arguments` with Slack's `response_metadata.messages` entries (`[ERROR] … [json-pointer:…]`). */
export function invalidArguments(problems: string[]): SlackApiError {
  return new SlackApiError('invalid_arguments', {
    response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) },
  });
}

/** `invalid_blocks` the way `chat.*` answers it: the problems in `errors` and in `response_metadata`. */
export function invalidBlocks(problems: string[]): SlackApiError {
  return new SlackApiError('invalid_blocks', {
    errors: problems,
    response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) },
  });
}
