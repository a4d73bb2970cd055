import type { FakeEnv } from './env.js';
import { invalidParam, invalidRequest } from './errors.js';
import { optionalInteger, optionalString, type Params } from './params.js';
import type { JsonObject } from './types.js';

interface Listable {
  id: string;
  /** Most objects carry `created`; invoice items carry `date`. */
  created?: number;
  date?: number;
}

function pageLimit(params: Params): number {
  const limit = optionalInteger(params, 'limit') ?? 10;
  if (limit < 1 || limit > 100) {
    throw invalidParam(
      'limit',
      'Invalid limit: must be an integer between 1 and 100',
      'parameter_invalid_integer',
    );
  }
  return limit;
}

function timeOf(item: Listable): number {
  return item.created ?? item.date ?? 0;
}

/** Newest first; objects created in the same second keep the reverse of their insertion order, as Stripe does. */
export function newestFirst<T extends Listable>(items: Iterable<T>): T[] {
  return [...items]
    .map((item, index) => ({ item, index }))
    .sort((a, b) => timeOf(b.item) - timeOf(a.item) || b.index - a.index)
    .map(({ item }) => item);
}

/**
 * A Stripe list page (`{object: 'list', data, has_more, url}`) over `items`, honouring `limit`, `starting_after`
 * and `ending_before`. Items are sorted newest first unless `ordered` says they already are in list order.
 */
export function listPage<T extends Listable>(
  env: FakeEnv,
  items: Iterable<T>,
  params: Params,
  url: string,
  options: { ordered?: boolean } = {},
): JsonObject {
  const sorted = options.ordered ? [...items] : newestFirst(items);
  const limit = pageLimit(params);
  const startingAfter = optionalString(params, 'starting_after');
  const endingBefore = optionalString(params, 'ending_before');
  if (startingAfter && endingBefore) {
    throw invalidRequest('Use either starting_after or ending_before, not both.');
  }
  let page: T[];
  let hasMore: boolean;
  if (startingAfter) {
    const index = sorted.findIndex((item) => item.id === startingAfter);
    if (index < 0) throw cursorMissing('starting_after', startingAfter);
    page = sorted.slice(index + 1, index + 1 + limit);
    hasMore = index + 1 + limit < sorted.length;
  } else if (endingBefore) {
    const index = sorted.findIndex((item) => item.id === endingBefore);
    if (index < 0) throw cursorMissing('ending_before', endingBefore);
    const from = Math.max(0, index - limit);
    page = sorted.slice(from, index);
    hasMore = from > 0;
  } else {
    page = sorted.slice(0, limit);
    hasMore = sorted.length > limit;
  }
  return { object: 'list', data: page.map((item) => env.render(item)), has_more: hasMore, url };
}

function cursorMissing(param: string, id: string) {
  return invalidRequest(`No such object: '${id}'`, { code: 'resource_missing', param });
}

/**
 * A search result page (`{object: 'search_result', data, has_more, next_page, url}`); `page` is the opaque cursor
 * a previous page returned in `next_page`.
 */
export function searchPage<T extends Listable>(
  env: FakeEnv,
  items: Iterable<T>,
  params: Params,
  url: string,
): JsonObject {
  const sorted = newestFirst(items);
  const limit = pageLimit(params);
  const page = optionalString(params, 'page');
  let offset = 0;
  if (page) {
    const decoded = Number(
      Buffer.from(page, 'base64url')
        .toString('utf8')
        .replace(/^offset:/, ''),
    );
    if (!Number.isInteger(decoded) || decoded < 0) throw invalidParam('page', 'Invalid page cursor.');
    offset = decoded;
  }
  const data = sorted.slice(offset, offset + limit);
  const hasMore = offset + limit < sorted.length;
  return {
    object: 'search_result',
    data: data.map((item) => env.render(item)),
    has_more: hasMore,
    next_page: hasMore ? Buffer.from(`offset:${offset + limit}`, 'utf8').toString('base64url') : null,
    url,
  };
}
