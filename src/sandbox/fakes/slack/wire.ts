import type { RecordedRequest } from '../http-fake.js';

/** Small helpers for reading Web API arguments off the wire and writing answers the way Slack does. */

export type Rec = Record<string, unknown>;

export function isRec(value: unknown): value is Rec {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Form values arrive as strings: `true`, `1` and `false`, `0`, `''`. */
export function bool(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value === 'true' || value === '1';
  return false;
}

export function int(value: unknown, fallback: number): number {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' ? Number.parseInt(value, 10) : Number.NaN;
  return Number.isFinite(n) ? n : fallback;
}

/** Comma separated lists (`users=U1,U2`) or JSON arrays. */
export function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => String(v));
  const text = str(value);
  if (!text) return [];
  if (text.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map((v) => String(v));
    } catch {
      // not JSON: fall through to the comma form
    }
  }
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Arguments that the Web API takes as JSON-encoded strings. */
export const JSON_ARGUMENTS = new Set([
  'blocks',
  'attachments',
  'metadata',
  'view',
  'files',
  'unfurls',
  'user_auth_blocks',
  'profile',
  'options',
  'option_groups',
]);

export class ArgumentError extends Error {
  constructor(
    readonly field: string,
    readonly error: string,
  ) {
    super(`${field}: ${error}`);
  }
}

/** Decodes one JSON argument; `undefined` when absent. Throws {@link ArgumentError} for malformed JSON. */
export function jsonArg(args: Rec, field: string): unknown {
  const value = args[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new ArgumentError(field, field === 'blocks' ? 'invalid_blocks_format' : 'invalid_arguments');
  }
}

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** Splits a `multipart/form-data` body into its parts. */
export function parseMultipart(body: Buffer, contentType: string): MultipartPart[] {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) return [];
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const afterDelimiter = start + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, afterDelimiter);
    if (next < 0) break;
    // Skip the CRLF after the delimiter; the part ends with a CRLF before the next delimiter.
    const part = body.subarray(afterDelimiter + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd >= 0) {
      const headerText = part.subarray(0, headerEnd).toString('utf8');
      const data = part.subarray(headerEnd + 4);
      const disposition = /content-disposition:([^\r\n]*)/i.exec(headerText)?.[1] ?? '';
      const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? '';
      const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
      const type = /content-type:\s*([^\r\n]*)/i.exec(headerText)?.[1];
      parts.push({
        name,
        data,
        ...(filename !== undefined ? { filename } : {}),
        ...(type ? { contentType: type.trim() } : {}),
      });
    }
    start = next;
  }
  return parts;
}

/** Reads Web API arguments from the query string and the body (form, JSON or multipart). */
export function readArguments(request: RecordedRequest, rawBytes?: Buffer): Rec {
  const args: Rec = Object.fromEntries(request.query);
  const type = request.headers['content-type'] ?? '';
  if (!request.rawBody) return args;
  if (type.includes('application/json')) {
    const parsed: unknown = JSON.parse(request.rawBody);
    if (isRec(parsed)) Object.assign(args, parsed);
  } else if (type.includes('multipart/form-data')) {
    const bytes = rawBytes ?? Buffer.from(request.rawBody, 'utf8');
    for (const part of parseMultipart(bytes, type)) {
      args[part.name] = part.filename !== undefined ? part.data : part.data.toString('utf8');
    }
  } else {
    for (const [key, value] of new URLSearchParams(request.rawBody)) args[key] = value;
  }
  return args;
}

/** The bearer token from the Authorization header, or the `token` argument. */
export function readToken(request: RecordedRequest, args: Rec): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  return str(args.token);
}

/** Slack's opaque cursors are base64 of `next_ts:<ts>` style strings; this fake uses `<kind>:<value>`. */
export function encodeCursor(kind: string, value: string | number): string {
  return Buffer.from(`${kind}:${value}`).toString('base64');
}

export function decodeCursor(cursor: unknown, kind: string): string | undefined {
  const text = str(cursor);
  if (!text) return undefined;
  const decoded = Buffer.from(text, 'base64').toString('utf8');
  return decoded.startsWith(`${kind}:`) ? decoded.slice(kind.length + 1) : undefined;
}

/** Compares two Slack timestamps (`"1732350000.000100"`) numerically. */
export function compareTs(a: string, b: string): number {
  const [as = '0', af = '0'] = a.split('.');
  const [bs = '0', bf = '0'] = b.split('.');
  const bySeconds = Number(as) - Number(bs);
  if (bySeconds !== 0) return bySeconds;
  return Number(af.padEnd(6, '0')) - Number(bf.padEnd(6, '0'));
}

/** Message timestamps carried in permalinks: `p` + the ts without its dot. */
export function permalinkTs(ts: string): string {
  return `p${ts.replace('.', '')}`;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}
