import qs from 'qs';
import { invalidParam, missingParam } from './errors.js';

/**
 * Request parameters as Stripe clients send them: bracket-nested form fields (`items[0][price]=…`,
 * `metadata[k]=…`), parsed by `qs` into nested objects whose leaves are strings.
 */
export type Params = Record<string, unknown>;

export function parseParams(encoded: string): Params {
  if (!encoded) return {};
  return qs.parse(encoded, { depth: 20, arrayLimit: 1000, parameterLimit: 100_000 }) as Params;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The parameter as an object, or undefined when absent. `''` (Stripe's "unset") answers null. */
export function optionalObject(params: Params, name: string): Params | null | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (value === '') return null;
  if (!isRecord(value))
    throw invalidParam(name, `Invalid object: ${name} must be a hash.`, 'parameter_invalid');
  return value;
}

/** A list parameter (`x[0]=…` or `x[]=…`); qs turns long or sparse lists into objects keyed by index. */
export function optionalArray(params: Params, name: string): unknown[] | null | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (value === '') return null;
  if (Array.isArray(value)) return value;
  if (isRecord(value)) {
    return Object.keys(value)
      .filter((key) => /^\d+$/.test(key))
      .sort((a, b) => Number(a) - Number(b))
      .map((key) => value[key]);
  }
  return [value];
}

export function arrayOfObjects(params: Params, name: string): Params[] | undefined {
  const list = optionalArray(params, name);
  if (list === undefined || list === null) return list === null ? [] : undefined;
  return list.map((entry, index) => {
    if (!isRecord(entry))
      throw invalidParam(`${name}[${index}]`, `Invalid object: ${name}[${index}] must be a hash.`);
    return entry;
  });
}

export function optionalString(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidParam(name, `Invalid string: ${name} must be a string.`);
  return value;
}

export function requiredString(params: Params, name: string): string {
  const value = optionalString(params, name);
  if (value === undefined || value === '') throw missingParam(name);
  return value;
}

export function optionalStringList(params: Params, name: string): string[] | undefined {
  const list = optionalArray(params, name);
  if (list === undefined) return undefined;
  if (list === null) return [];
  return list.map((entry, index) => {
    if (typeof entry !== 'string')
      throw invalidParam(`${name}[${index}]`, `Invalid string: ${name}[${index}].`);
    return entry;
  });
}

export function optionalInteger(params: Params, name: string): number | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
    throw invalidParam(name, `Invalid integer: ${String(value)}`, 'parameter_invalid_integer');
  }
  return Number(value);
}

export function requiredInteger(params: Params, name: string): number {
  const value = optionalInteger(params, name);
  if (value === undefined) throw missingParam(name);
  return value;
}

export function optionalNumber(params: Params, name: string): number | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^-?\d+(\.\d+)?$/.test(value)) {
    throw invalidParam(name, `Invalid decimal: ${String(value)}`, 'parameter_invalid_decimal');
  }
  return Number(value);
}

export function optionalBoolean(params: Params, name: string): boolean | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalidParam(name, `Invalid boolean: ${String(value)}`);
}

export function optionalEnum<T extends string>(
  params: Params,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const value = optionalString(params, name);
  if (value === undefined || value === '') return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalidParam(name, `Invalid ${name}: must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** A timestamp parameter that may also be a keyword such as `now`. */
export function optionalTimestampOr<K extends string>(
  params: Params,
  name: string,
  keywords: readonly K[],
): number | K | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' && (keywords as readonly string[]).includes(value)) return value as K;
  return optionalInteger(params, name);
}

/**
 * Applies a `metadata` update the way Stripe does: keys are merged, a key set to `''` is removed, and
 * `metadata=''` clears everything.
 */
export function applyMetadata(current: Record<string, string>, params: Params): Record<string, string> {
  const update = params.metadata;
  if (update === undefined) return current;
  if (update === '') return {};
  if (!isRecord(update)) throw invalidParam('metadata', 'Invalid metadata: must be a hash of strings.');
  const next = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (typeof value !== 'string') throw invalidParam(`metadata[${key}]`, 'Metadata values must be strings.');
    if (value === '') delete next[key];
    else next[key] = value;
  }
  return next;
}

export interface RangeFilter {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  eq?: number;
}

/** `created=123` or `created[gte]=…&created[lt]=…`. */
export function optionalRange(params: Params, name: string): RangeFilter | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string') return { eq: requiredInteger(params, name) };
  if (!isRecord(value)) throw invalidParam(name, `Invalid ${name}: must be an integer or a hash.`);
  const range: RangeFilter = {};
  for (const key of ['gt', 'gte', 'lt', 'lte'] as const) {
    const bound = optionalInteger(value, key);
    if (bound !== undefined) range[key] = bound;
  }
  return range;
}

export function inRange(value: number | null | undefined, range: RangeFilter | undefined): boolean {
  if (!range) return true;
  if (value === null || value === undefined) return false;
  if (range.eq !== undefined && value !== range.eq) return false;
  if (range.gt !== undefined && !(value > range.gt)) return false;
  if (range.gte !== undefined && !(value >= range.gte)) return false;
  if (range.lt !== undefined && !(value < range.lt)) return false;
  if (range.lte !== undefined && !(value <= range.lte)) return false;
  return true;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return isRecord(value);
}
