import { z } from 'zod';

/**
 * Button values and `private_metadata` are JSON Frontline wrote, but they come back from Slack as untrusted text:
 * each is read through its schema, and anything that does not parse or fit is treated as absent.
 */
export function parseJson<T>(schema: z.ZodType<T>, text: string | undefined): T | undefined {
  if (!text) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A problem named by a button or a form: `{"p": <id>}`. */
const problemValue = z.object({ p: z.number().int().positive() });
export const encodeProblem = (problemId: number) => JSON.stringify({ p: problemId });
export const parseProblem = (value: string | undefined) => parseJson(problemValue, value);
