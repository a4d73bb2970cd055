import { invalidParam } from './errors.js';

/**
 * Stripe's search query language: clauses `field:value` (exact), `field~value` (substring, 3+ characters),
 * `field>n` / `<` / `>=` / `<=` (numbers), `-clause` (negation), `metadata['key']:'value'`, joined by `AND` or `OR`
 * (not both) or by spaces (AND). Values are quoted with `'` or `"`, or bare; `null` matches a missing value.
 */

type Operator = ':' | '~' | '>' | '<' | '>=' | '<=';

interface Clause {
  negated: boolean;
  field: string;
  metadataKey: string | null;
  operator: Operator;
  value: string;
  quoted: boolean;
}

export interface SearchQuery {
  clauses: Clause[];
  combinator: 'AND' | 'OR';
}

/** A value of a searchable field, as the matcher reads it. */
export type FieldValue = string | number | boolean | null | undefined;

function syntaxError(message: string) {
  return invalidParam('query', `Invalid query: ${message}`, 'parameter_invalid_string');
}

export function parseSearchQuery(query: string): SearchQuery {
  let position = 0;
  const clauses: Clause[] = [];
  const joins: Array<'AND' | 'OR'> = [];
  const skipSpace = () => {
    while (position < query.length && /\s/.test(query[position] ?? '')) position += 1;
  };
  const readQuoted = (): string => {
    const quote = query[position];
    position += 1;
    let out = '';
    while (position < query.length && query[position] !== quote) {
      if (query[position] === '\\' && position + 1 < query.length) position += 1;
      out += query[position];
      position += 1;
    }
    if (query[position] !== quote) throw syntaxError('unterminated string');
    position += 1;
    return out;
  };
  skipSpace();
  if (position >= query.length) throw syntaxError('the query is empty');
  while (position < query.length) {
    if (clauses.length > 0) {
      const keyword = /^(AND|OR)\s/i.exec(query.slice(position));
      if (keyword?.[1]) {
        joins.push(keyword[1].toUpperCase() as 'AND' | 'OR');
        position += keyword[1].length;
        skipSpace();
      } else {
        joins.push('AND');
      }
    }
    let negated = false;
    if (query[position] === '-') {
      negated = true;
      position += 1;
    }
    const fieldMatch = /^[a-zA-Z_][a-zA-Z0-9_.]*/.exec(query.slice(position));
    if (!fieldMatch) throw syntaxError(`expected a field at position ${position}`);
    const field = fieldMatch[0];
    position += field.length;
    let metadataKey: string | null = null;
    if (query[position] === '[') {
      position += 1;
      if (query[position] !== "'" && query[position] !== '"')
        throw syntaxError('metadata keys must be quoted');
      metadataKey = readQuoted();
      if (query[position] !== ']') throw syntaxError("expected ']'");
      position += 1;
    }
    const operatorMatch = /^(>=|<=|:|~|>|<)/.exec(query.slice(position));
    if (!operatorMatch?.[1]) throw syntaxError(`expected an operator after ${field}`);
    const operator = operatorMatch[1] as Operator;
    position += operator.length;
    let value: string;
    let quoted = false;
    if (query[position] === "'" || query[position] === '"') {
      value = readQuoted();
      quoted = true;
    } else {
      const bare = /^[^\s]+/.exec(query.slice(position));
      if (!bare) throw syntaxError(`expected a value for ${field}`);
      value = bare[0];
      position += value.length;
    }
    if (operator === '~' && value.length < 3) {
      throw syntaxError('substring search (~) needs at least 3 characters');
    }
    clauses.push({ negated, field, metadataKey, operator, value, quoted });
    skipSpace();
  }
  const combinators = new Set(joins);
  if (combinators.size > 1) throw syntaxError('AND and OR cannot be combined in one query');
  return { clauses, combinator: combinators.has('OR') ? 'OR' : 'AND' };
}

function clauseMatches(clause: Clause, actual: FieldValue): boolean {
  const { operator, value } = clause;
  if (operator === ':' && !clause.quoted && value === 'null') return actual === null || actual === undefined;
  if (actual === null || actual === undefined) return false;
  if (operator === '>' || operator === '<' || operator === '>=' || operator === '<=') {
    const wanted = Number(value);
    if (typeof actual !== 'number' || Number.isNaN(wanted)) return false;
    if (operator === '>') return actual > wanted;
    if (operator === '<') return actual < wanted;
    if (operator === '>=') return actual >= wanted;
    return actual <= wanted;
  }
  const text = String(actual).toLowerCase();
  if (operator === '~') return text.includes(value.toLowerCase());
  return text === value.toLowerCase();
}

/**
 * Whether `read` (which answers a field's value for one object) satisfies the query. `fields` lists what the
 * resource supports; other fields are refused as Stripe refuses them.
 */
export function matchesQuery(
  query: SearchQuery,
  resource: string,
  fields: readonly string[],
  read: (field: string, metadataKey: string | null) => FieldValue,
): boolean {
  const results = query.clauses.map((clause) => {
    if (clause.field === 'metadata' ? clause.metadataKey === null : !fields.includes(clause.field)) {
      throw invalidParam(
        'query',
        `Field \`${clause.field}\` is an unsupported search field for resource \`${resource}\`.`,
        'parameter_invalid_string',
      );
    }
    const matched = clauseMatches(clause, read(clause.field, clause.metadataKey));
    return clause.negated ? !matched : matched;
  });
  return query.combinator === 'OR' ? results.some(Boolean) : results.every(Boolean);
}

/** Reads a dotted path (`payment_method_details.card.last4`) from a rendered object. */
export function readPath(object: unknown, path: string): FieldValue {
  let node: unknown = object;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  if (typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean' || node === null)
    return node;
  if (typeof node === 'object' && node !== null && 'id' in node) return String((node as { id: unknown }).id);
  return undefined;
}
