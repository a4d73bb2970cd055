import { createHash, createHmac, randomUUID } from 'node:crypto';
import {
  type FakeResponse,
  HttpFake,
  type HttpFakeOptions,
  type RecordedRequest,
  sleep,
} from './http-fake.js';

/**
 * A stateful local stand-in for Jira Cloud's REST API v3, spoken to by the real `jira.js` `Version3Client`.
 *
 * It keeps projects, issues (with comments, changelog, properties, remote links and issue links), versions and users
 * in memory, answers with Jira's wire format (including its `{errorMessages, errors}` error bodies), evaluates a
 * useful subset of JQL for the enhanced search endpoint, and sends signed Jira-shaped webhooks. Test-side controls
 * (`transition`, `setAssignee`, `setFixVersion`, `setDueDate`, `addComment`) change issues the way a person working in
 * Jira would, record a changelog, and notify the configured webhook target.
 */

type Json = Record<string, unknown>;

/** A node of an Atlassian Document Format document. */
export interface AdfNode {
  type: string;
  text?: string;
  content?: AdfNode[];
  attrs?: Record<string, unknown>;
  marks?: Array<{ type: string; attrs?: Record<string, unknown> }>;
}

/** An Atlassian Document Format document, the rich text of descriptions and comments in API v3. */
export interface AdfDocument {
  type: 'doc';
  version: 1;
  content: AdfNode[];
}

export type JiraStatusCategoryKey = 'new' | 'indeterminate' | 'done';

export interface JiraUserRecord {
  accountId: string;
  displayName: string;
  emailAddress?: string;
  active: boolean;
  timeZone: string;
}

export interface JiraProjectRecord {
  id: string;
  key: string;
  name: string;
}

export interface JiraIssueTypeRecord {
  id: string;
  name: string;
  description: string;
}

export interface JiraStatusRecord {
  id: string;
  name: string;
  category: JiraStatusCategoryKey;
  /** Id of the (global) transition that leads to this status. */
  transitionId: string;
}

export interface JiraPriorityRecord {
  id: string;
  name: string;
}

export interface JiraResolutionRecord {
  id: string;
  name: string;
  description: string;
}

export interface JiraVersionRecord {
  id: string;
  name: string;
  projectId: string;
  description?: string;
  released: boolean;
  archived: boolean;
  releaseDate?: string;
  startDate?: string;
}

export interface JiraCommentRecord {
  id: string;
  author: JiraUserRecord;
  updateAuthor: JiraUserRecord;
  /** Atlassian Document Format. */
  body: unknown;
  created: number;
  updated: number;
}

export interface JiraChangeItem {
  field: string;
  fieldtype: string;
  fieldId?: string;
  from: string | null;
  fromString: string | null;
  to: string | null;
  toString: string | null;
  tmpFromAccountId?: string | null;
  tmpToAccountId?: string | null;
}

export interface JiraChangelogEntry {
  id: string;
  author: JiraUserRecord;
  created: number;
  items: JiraChangeItem[];
}

export interface JiraRemoteLinkRecord {
  id: number;
  globalId?: string;
  application?: unknown;
  relationship?: string;
  object: Json;
}

export interface JiraIssueLinkRecord {
  id: string;
  typeName: string;
  inwardIssueId: string;
  outwardIssueId: string;
}

export interface JiraIssueRecord {
  id: string;
  key: string;
  project: JiraProjectRecord;
  summary: string;
  /** Atlassian Document Format, or null. */
  description: unknown;
  issueType: JiraIssueTypeRecord;
  status: JiraStatusRecord;
  statusCategoryChanged: number;
  priority: JiraPriorityRecord;
  labels: string[];
  assignee: JiraUserRecord | null;
  reporter: JiraUserRecord;
  creator: JiraUserRecord;
  /** `YYYY-MM-DD` or null. */
  duedate: string | null;
  fixVersions: JiraVersionRecord[];
  resolution: JiraResolutionRecord | null;
  resolutionDate: number | null;
  created: number;
  updated: number;
  comments: JiraCommentRecord[];
  changelog: JiraChangelogEntry[];
  properties: Map<string, unknown>;
  remoteLinks: JiraRemoteLinkRecord[];
  /** `customfield_NNNNN` values, stored as sent. */
  customFields: Record<string, unknown>;
}

export type JiraWebhookEvent =
  | 'jira:issue_created'
  | 'jira:issue_updated'
  | 'jira:issue_deleted'
  | 'comment_created'
  | 'comment_updated'
  | 'comment_deleted';

export interface JiraWebhookTarget {
  url: string;
  /** When set, deliveries carry `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. */
  secret?: string;
  /** Only these events are sent; all when omitted. */
  events?: JiraWebhookEvent[];
}

export interface JiraWebhookMessage {
  event: JiraWebhookEvent;
  identifier: string;
  payload: Json;
  /** The raw body exactly as sent (and signed). */
  body: string;
  headers: Record<string, string>;
}

export interface JiraWebhookDeliveryRecord extends JiraWebhookMessage {
  url: string;
  attempts: Array<{ status?: number; error?: string; at: number }>;
  /** Status of the last attempt, when the target answered. */
  status?: number;
  error?: string;
}

export interface JiraControlOptions {
  /** Send a webhook for this change; defaults to true when `webhookTarget` is set. */
  webhook?: boolean;
  /** Display name of the person making the change (created on first use); a default Jira user otherwise. */
  as?: string;
}

export interface JiraControlResult {
  issue: JiraIssueRecord;
  /** The changelog entry recorded, or undefined when nothing changed. */
  changelog?: JiraChangelogEntry;
  comment?: JiraCommentRecord;
  delivery?: JiraWebhookDeliveryRecord;
}

export type JiraWebhookChangeInput = Partial<JiraChangeItem> & { field: string };

export interface BuildWebhookOptions {
  event?: JiraWebhookEvent;
  /** Reuse an identifier (e.g. to simulate a retry); a fresh one otherwise. */
  identifier?: string;
  /** Signing secret; `webhookTarget.secret` otherwise. */
  secret?: string;
  /** Who made the change; a default Jira user otherwise. */
  as?: string;
  timestamp?: number;
  /** Attempt number (0 for the first delivery); > 0 adds `X-Atlassian-Webhook-Retry`. */
  retry?: number;
}

export interface JiraFakeOptions extends HttpFakeOptions {
  projects?: Array<{ key: string; name?: string; id?: string }>;
  /** Issue types; defaults to Task, Bug and Incident. */
  issueTypes?: Array<string | { name: string; id?: string; description?: string }>;
  /** Workflow statuses in board order; every status can be reached from every other one. */
  statuses?: Array<{ name: string; category: JiraStatusCategoryKey; id?: string }>;
  /** Users known up front (more are created when they authenticate or are assigned). */
  users?: Array<{ displayName: string; emailAddress?: string; accountId?: string }>;
  /** Clock, in epoch milliseconds. */
  now?: () => number;
}

const CATEGORIES: Record<JiraStatusCategoryKey, { id: number; name: string; colorName: string }> = {
  new: { id: 2, name: 'To Do', colorName: 'blue-gray' },
  indeterminate: { id: 4, name: 'In Progress', colorName: 'yellow' },
  done: { id: 3, name: 'Done', colorName: 'green' },
};

const DEFAULT_STATUSES: Array<{ name: string; category: JiraStatusCategoryKey; id: string }> = [
  { name: 'To Do', category: 'new', id: '10000' },
  { name: 'In Progress', category: 'indeterminate', id: '3' },
  { name: 'In Review', category: 'indeterminate', id: '10001' },
  { name: 'Done', category: 'done', id: '10002' },
];

const DEFAULT_ISSUE_TYPES: JiraIssueTypeRecord[] = [
  { id: '10001', name: 'Task', description: 'A small, distinct piece of work.' },
  { id: '10002', name: 'Bug', description: 'A problem or error.' },
  { id: '10003', name: 'Incident', description: 'A problem that disrupts customers.' },
];

const PRIORITIES: JiraPriorityRecord[] = [
  { id: '1', name: 'Highest' },
  { id: '2', name: 'High' },
  { id: '3', name: 'Medium' },
  { id: '4', name: 'Low' },
  { id: '5', name: 'Lowest' },
];
const DEFAULT_PRIORITY = 'Medium';

const RESOLUTIONS: JiraResolutionRecord[] = [
  { id: '10000', name: 'Done', description: 'Work has been completed on this issue.' },
  { id: '10001', name: "Won't Do", description: 'This issue will not be actioned.' },
  { id: '10002', name: 'Duplicate', description: 'The problem is a duplicate of an existing issue.' },
];

const LINK_TYPES = [
  { id: '10000', name: 'Blocks', inward: 'is blocked by', outward: 'blocks' },
  { id: '10001', name: 'Cloners', inward: 'is cloned by', outward: 'clones' },
  { id: '10002', name: 'Duplicate', inward: 'is duplicated by', outward: 'duplicates' },
  { id: '10003', name: 'Relates', inward: 'relates to', outward: 'relates to' },
];

/** Fields a search returns for `*navigable`; everything else is only returned when asked for (or `*all`). */
const NON_NAVIGABLE_FIELDS = new Set(['comment', 'worklog', 'attachment']);

const NOT_FOUND_ISSUE = 'Issue does not exist or you do not have permission to see it.';
const ISSUE_EXPAND = 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations';

class JiraApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorMessages: string[],
    readonly errors: Record<string, string> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(errorMessages[0] ?? Object.values(errors)[0] ?? `HTTP ${status}`);
  }
}

const badRequest = (message: string): JiraApiError => new JiraApiError(400, [message]);
const fieldErrors = (errors: Record<string, string>): JiraApiError => new JiraApiError(400, [], errors);
const notFound = (message: string): JiraApiError => new JiraApiError(404, [message]);

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Jira's timestamp format: `2026-01-01T10:00:00.000+0000`. */
export function jiraDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** Plain text of an Atlassian Document Format node (or a string). */
export function adfToText(node: unknown): string {
  if (typeof node === 'string') return node;
  if (Array.isArray(node)) return node.map(adfToText).join('');
  if (!isRecord(node)) return '';
  if (node.type === 'text' && typeof node.text === 'string') return node.text;
  if (node.type === 'hardBreak') return '\n';
  const inner = Array.isArray(node.content) ? node.content.map(adfToText).join('') : '';
  const block = ['paragraph', 'heading', 'listItem', 'codeBlock', 'blockquote'].includes(String(node.type));
  return block ? `${inner}\n` : inner;
}

/** A one-paragraph Atlassian Document Format document. */
export function adfText(text: string): AdfDocument {
  return { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] };
}

function isAdfDocument(value: unknown): boolean {
  return isRecord(value) && value.type === 'doc' && value.version === 1 && Array.isArray(value.content);
}

function accountIdFor(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `712020:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function displayNameFromEmail(email: string): string {
  const local = email.split('@')[0] ?? email;
  return (
    local
      .split(/[._+-]+/)
      .filter(Boolean)
      .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
      .join(' ') || email
  );
}

function isValidDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === value;
}

function numberParam(value: string | null, fallback: number): number {
  if (value === null || value === '') return fallback;
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed >= 0 ? parsed : fallback;
}

/** List-valued query parameters arrive comma-joined and/or repeated. */
function listParam(query: URLSearchParams, name: string): string[] {
  return query
    .getAll(name)
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '' && value !== 'false');
}

function keyOrder(key: string): [string, number] {
  const index = key.lastIndexOf('-');
  return [key.slice(0, index), Number(key.slice(index + 1))];
}

function compareKeys(a: string, b: string): number {
  const [pa, na] = keyOrder(a);
  const [pb, nb] = keyOrder(b);
  return pa === pb ? na - nb : pa < pb ? -1 : 1;
}

// ---------------------------------------------------------------------------------------------------------------
// JQL
// ---------------------------------------------------------------------------------------------------------------

type JqlTokenKind = 'word' | 'string' | 'op' | 'lparen' | 'rparen' | 'comma' | 'eof';
interface JqlToken {
  kind: JqlTokenKind;
  text: string;
  /** 1-based character position, as Jira reports it. */
  pos: number;
}

type JqlOperand =
  | { kind: 'value'; text: string; quoted: boolean; pos: number }
  | { kind: 'list'; items: JqlOperand[] }
  | { kind: 'function'; name: string; args: string[]; pos: number }
  | { kind: 'empty' };

interface JqlClause {
  kind: 'clause';
  field: string;
  op: string;
  operand: JqlOperand;
}

type JqlNode = { kind: 'and' | 'or'; nodes: JqlNode[] } | { kind: 'not'; node: JqlNode } | JqlClause;

interface JqlQuery {
  where?: JqlNode;
  orderBy: Array<{ field: string; direction: 'asc' | 'desc' }>;
}

const JQL_KEYWORDS = new Set([
  'and',
  'or',
  'not',
  'order',
  'by',
  'in',
  'is',
  'was',
  'changed',
  'empty',
  'null',
]);
const JQL_OPERATORS = "'=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'";

function jqlError(message: string): JiraApiError {
  return badRequest(`Error in the JQL Query: ${message}`);
}

function tokenizeJql(jql: string): JqlToken[] {
  const tokens: JqlToken[] = [];
  let i = 0;
  while (i < jql.length) {
    const ch = jql.charAt(i);
    const pos = i + 1;
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === '(') {
      tokens.push({ kind: 'lparen', text: ch, pos });
      i += 1;
    } else if (ch === ')') {
      tokens.push({ kind: 'rparen', text: ch, pos });
      i += 1;
    } else if (ch === ',') {
      tokens.push({ kind: 'comma', text: ch, pos });
      i += 1;
    } else if (ch === '"' || ch === "'") {
      let text = '';
      let j = i + 1;
      let closed = false;
      while (j < jql.length) {
        const c = jql.charAt(j);
        if (c === '\\' && j + 1 < jql.length) {
          text += jql.charAt(j + 1);
          j += 2;
        } else if (c === ch) {
          closed = true;
          j += 1;
          break;
        } else {
          text += c;
          j += 1;
        }
      }
      if (!closed)
        throw jqlError(`The quoted string '${text}' has not been completed. (line 1, character ${pos})`);
      tokens.push({ kind: 'string', text, pos });
      i = j;
    } else if (jql.startsWith('&&', i) || jql.startsWith('||', i)) {
      tokens.push({ kind: 'word', text: ch === '&' ? 'AND' : 'OR', pos });
      i += 2;
    } else if (['!=', '!~', '>=', '<='].some((op) => jql.startsWith(op, i))) {
      tokens.push({ kind: 'op', text: jql.slice(i, i + 2), pos });
      i += 2;
    } else if ('=<>~'.includes(ch)) {
      tokens.push({ kind: 'op', text: ch, pos });
      i += 1;
    } else if (ch === '!') {
      tokens.push({ kind: 'word', text: 'NOT', pos });
      i += 1;
    } else {
      let j = i;
      while (j < jql.length && !/[\s()=,!<>~"'&|]/.test(jql.charAt(j))) j += 1;
      if (j === i)
        throw jqlError(`The character '${ch}' is a reserved JQL character. (line 1, character ${pos})`);
      tokens.push({ kind: 'word', text: jql.slice(i, j), pos });
      i = j;
    }
  }
  tokens.push({ kind: 'eof', text: '', pos: jql.length + 1 });
  return tokens;
}

class JqlParser {
  private index = 0;

  constructor(private readonly tokens: JqlToken[]) {}

  static parse(jql: string): JqlQuery {
    return new JqlParser(tokenizeJql(jql)).query();
  }

  private peek(offset = 0): JqlToken {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)] as JqlToken;
  }

  private next(): JqlToken {
    const token = this.peek();
    if (token.kind !== 'eof') this.index += 1;
    return token;
  }

  private isWord(token: JqlToken, word: string): boolean {
    return token.kind === 'word' && token.text.toLowerCase() === word;
  }

  private describe(token: JqlToken): string {
    return token.kind === 'eof' ? 'the end of the query' : `'${token.text}'`;
  }

  private where(token: JqlToken): string {
    return token.kind === 'eof' ? '' : ` (line 1, character ${token.pos})`;
  }

  private query(): JqlQuery {
    let where: JqlNode | undefined;
    if (this.peek().kind !== 'eof' && !this.isWord(this.peek(), 'order')) where = this.or();
    const orderBy: JqlQuery['orderBy'] = [];
    const token = this.peek();
    if (this.isWord(token, 'order')) {
      this.next();
      const by = this.next();
      if (!this.isWord(by, 'by'))
        throw jqlError(`Expecting 'BY' but got ${this.describe(by)}.${this.where(by)}`);
      for (;;) {
        const field = this.next();
        if (field.kind !== 'word' && field.kind !== 'string') {
          throw jqlError(`Expecting a field name but got ${this.describe(field)}.${this.where(field)}`);
        }
        let direction: 'asc' | 'desc' = 'asc';
        if (this.isWord(this.peek(), 'asc') || this.isWord(this.peek(), 'desc')) {
          direction = this.next().text.toLowerCase() as 'asc' | 'desc';
        }
        orderBy.push({ field: field.text, direction });
        if (this.peek().kind !== 'comma') break;
        this.next();
      }
    }
    const rest = this.peek();
    if (rest.kind !== 'eof') {
      throw jqlError(`Expecting either 'OR' or 'AND' but got ${this.describe(rest)}.${this.where(rest)}`);
    }
    return { where, orderBy };
  }

  private or(): JqlNode {
    const nodes = [this.and()];
    while (this.isWord(this.peek(), 'or')) {
      this.next();
      nodes.push(this.and());
    }
    return nodes.length === 1 ? (nodes[0] as JqlNode) : { kind: 'or', nodes };
  }

  private and(): JqlNode {
    const nodes = [this.not()];
    while (this.isWord(this.peek(), 'and')) {
      this.next();
      nodes.push(this.not());
    }
    return nodes.length === 1 ? (nodes[0] as JqlNode) : { kind: 'and', nodes };
  }

  private not(): JqlNode {
    const token = this.peek();
    if (this.isWord(token, 'not')) {
      this.next();
      return { kind: 'not', node: this.not() };
    }
    if (token.kind === 'lparen') {
      this.next();
      const node = this.or();
      const close = this.next();
      if (close.kind !== 'rparen')
        throw jqlError(`Expecting ')' but got ${this.describe(close)}.${this.where(close)}`);
      return node;
    }
    return this.clause();
  }

  private clause(): JqlClause {
    const fieldToken = this.next();
    if (
      (fieldToken.kind !== 'word' && fieldToken.kind !== 'string') ||
      (fieldToken.kind === 'word' && JQL_KEYWORDS.has(fieldToken.text.toLowerCase()))
    ) {
      throw jqlError(`Expecting a field name but got ${this.describe(fieldToken)}.${this.where(fieldToken)}`);
    }
    const opToken = this.next();
    let op: string;
    if (opToken.kind === 'op') {
      op = opToken.text;
    } else if (this.isWord(opToken, 'in')) {
      op = 'in';
    } else if (this.isWord(opToken, 'not') && this.isWord(this.peek(), 'in')) {
      this.next();
      op = 'not in';
    } else if (this.isWord(opToken, 'is')) {
      op = 'is';
      if (this.isWord(this.peek(), 'not')) {
        this.next();
        op = 'is not';
      }
    } else if (this.isWord(opToken, 'was') || this.isWord(opToken, 'changed')) {
      throw badRequest(`This Jira sandbox does not support the '${opToken.text.toUpperCase()}' operator.`);
    } else {
      throw jqlError(
        `Expecting operator but got ${this.describe(opToken)}. The valid operators are ${JQL_OPERATORS}.${this.where(opToken)}`,
      );
    }
    let operand: JqlOperand;
    if (op === 'is' || op === 'is not') {
      const token = this.next();
      if (!this.isWord(token, 'empty') && !this.isWord(token, 'null')) {
        throw jqlError(`Expecting 'EMPTY' or 'NULL' but got ${this.describe(token)}.${this.where(token)}`);
      }
      operand = { kind: 'empty' };
    } else if (op === 'in' || op === 'not in') {
      operand = this.peek().kind === 'lparen' ? this.list() : this.operand();
    } else {
      operand = this.operand();
    }
    return { kind: 'clause', field: fieldToken.text, op, operand };
  }

  private list(): JqlOperand {
    this.next();
    const items: JqlOperand[] = [];
    if (this.peek().kind === 'rparen') {
      const token = this.peek();
      throw jqlError(`Expecting either a value or function but got ')'.${this.where(token)}`);
    }
    for (;;) {
      items.push(this.operand());
      const token = this.next();
      if (token.kind === 'rparen') break;
      if (token.kind !== 'comma') {
        throw jqlError(`Expecting ',' or ')' but got ${this.describe(token)}.${this.where(token)}`);
      }
    }
    return { kind: 'list', items };
  }

  private operand(): JqlOperand {
    const token = this.next();
    if (token.kind === 'string') return { kind: 'value', text: token.text, quoted: true, pos: token.pos };
    if (token.kind === 'word') {
      const lower = token.text.toLowerCase();
      if (lower === 'empty' || lower === 'null') return { kind: 'empty' };
      if (this.peek().kind === 'lparen') {
        this.next();
        const args: string[] = [];
        while (this.peek().kind !== 'rparen') {
          const arg = this.next();
          if (arg.kind === 'eof') throw jqlError(`Expecting ')' before the end of the query.`);
          if (arg.kind !== 'comma') args.push(arg.text);
        }
        this.next();
        return { kind: 'function', name: token.text, args, pos: token.pos };
      }
      if (JQL_KEYWORDS.has(lower)) {
        throw jqlError(
          `Expecting either a value, list or function but got '${token.text}'. You must surround '${token.text}' in quotation marks to use it as a value.${this.where(token)}`,
        );
      }
      return { kind: 'value', text: token.text, quoted: false, pos: token.pos };
    }
    throw jqlError(
      `Expecting either a value, list or function but got ${this.describe(token)}.${this.where(token)}`,
    );
  }
}

type Predicate = (issue: JiraIssueRecord) => boolean;

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const UNIT_MS: Record<string, number> = { w: 7 * DAY, d: DAY, h: 60 * MINUTE, m: MINUTE };

/** Parses a JQL date value (absolute, relative like `-15m` / `-1w 2d`, or epoch millis) to epoch millis. */
function parseJqlDate(text: string, now: number): number | undefined {
  const trimmed = text.trim();
  const absolute = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?$/.exec(trimmed);
  if (absolute) {
    const [, y, mo, d, h, mi] = absolute;
    return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0));
  }
  if (/^\d{10,}$/.test(trimmed)) return Number(trimmed);
  const relative = /^([+-]?)\s*((?:\d+\s*[wdhm]\s*)+)$/i.exec(trimmed);
  if (relative) {
    let offset = 0;
    for (const part of (relative[2] ?? '').matchAll(/(\d+)\s*([wdhm])/gi)) {
      offset += Number(part[1]) * (UNIT_MS[(part[2] ?? 'm').toLowerCase()] ?? MINUTE);
    }
    return relative[1] === '-' ? now - offset : now + offset;
  }
  return undefined;
}

function startOfUtcDay(ms: number): number {
  const date = new Date(ms);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
}

interface JqlContext {
  fake: JiraFake;
  now: number;
  actor: JiraUserRecord;
}

type EntityGetter = (issue: JiraIssueRecord) => string[];

const UNRESOLVED = '__unresolved__';

function operandItems(operand: JqlOperand): JqlOperand[] {
  return operand.kind === 'list' ? operand.items : [operand];
}

function operatorNotSupported(op: string, field: string): JiraApiError {
  return badRequest(`The operator '${op.toUpperCase()}' is not supported by the '${field}' field.`);
}

function combine(op: string, field: string, getter: EntityGetter, values: Set<string> | 'empty'): Predicate {
  const isEmpty = (issue: JiraIssueRecord) => getter(issue).length === 0;
  if (values === 'empty') {
    if (op === '=' || op === 'is' || op === 'in') return isEmpty;
    if (op === '!=' || op === 'is not' || op === 'not in') return (issue) => !isEmpty(issue);
    throw operatorNotSupported(op, field);
  }
  const hits = (issue: JiraIssueRecord) => getter(issue).some((value) => values.has(value));
  switch (op) {
    case '=':
    case 'in':
      return hits;
    case '!=':
    case 'not in':
      return (issue) => !isEmpty(issue) && !hits(issue);
    default:
      throw operatorNotSupported(op, field);
  }
}

function compileJql(node: JqlNode, ctx: JqlContext): Predicate {
  switch (node.kind) {
    case 'and': {
      const parts = node.nodes.map((n) => compileJql(n, ctx));
      return (issue) => parts.every((p) => p(issue));
    }
    case 'or': {
      const parts = node.nodes.map((n) => compileJql(n, ctx));
      return (issue) => parts.some((p) => p(issue));
    }
    case 'not': {
      const inner = compileJql(node.node, ctx);
      return (issue) => !inner(issue);
    }
    case 'clause':
      return compileClause(node, ctx);
  }
}

function compileClause(clause: JqlClause, ctx: JqlContext): Predicate {
  const field = clause.field.toLowerCase();
  const { op, operand } = clause;
  const isEmptyOperand = operand.kind === 'empty';
  if ((op === 'in' || op === 'not in') && operand.kind !== 'list' && operand.kind !== 'function') {
    throw jqlError(`Operator '${op.toUpperCase()}' requires a list of values.`);
  }
  if (!['in', 'not in'].includes(op) && operand.kind === 'list') {
    throw jqlError(`The operator '${op.toUpperCase()}' does not accept a list of values.`);
  }

  const fake = ctx.fake;
  const entity = (
    name: string,
    getter: EntityGetter,
    resolve: (value: string) => string[] | undefined,
    options: { validate?: boolean } = {},
  ): Predicate => {
    if (isEmptyOperand) return combine(op, name, getter, 'empty');
    const values = new Set<string>();
    for (const item of operandItems(operand)) {
      if (item.kind === 'function') throw badRequest(`Unable to find JQL function '${item.name}()'.`);
      if (item.kind !== 'value') continue;
      const resolved = resolve(item.text);
      if (resolved === undefined) {
        if (options.validate === false) continue;
        throw badRequest(`The value '${item.text}' does not exist for the field '${clause.field}'.`);
      }
      for (const value of resolved) values.add(value);
    }
    return combine(op, name, getter, values);
  };

  switch (field) {
    case 'project':
      return entity(
        field,
        (issue) => [issue.project.id],
        (value) => {
          const project = fake.findProject(value);
          return project ? [project.id] : undefined;
        },
      );
    case 'key':
    case 'issuekey':
    case 'issue':
    case 'id': {
      if (isEmptyOperand) throw operatorNotSupported(op, field);
      return entity(
        field,
        (issue) => [issue.id],
        (value) => {
          const issue = fake.findIssue(value);
          if (!issue)
            throw badRequest(`An issue with key '${value}' does not exist for field '${clause.field}'.`);
          return [issue.id];
        },
      );
    }
    case 'labels':
      return entity(
        field,
        (issue) => issue.labels.map((label) => label.toLowerCase()),
        (value) => [value.toLowerCase()],
      );
    case 'status':
      return entity(
        field,
        (issue) => [issue.status.id],
        (value) => {
          const status = fake.findStatus(value);
          return status ? [status.id] : undefined;
        },
      );
    case 'statuscategory': {
      return entity(
        field,
        (issue) => [issue.status.category],
        (value) => {
          const lower = value.toLowerCase();
          const match = (Object.keys(CATEGORIES) as JiraStatusCategoryKey[]).find((key) => {
            const category = CATEGORIES[key];
            return key === lower || category.name.toLowerCase() === lower || String(category.id) === lower;
          });
          return match ? [match] : undefined;
        },
      );
    }
    case 'issuetype':
    case 'type':
      return entity(
        field,
        (issue) => [issue.issueType.id],
        (value) => {
          const type = fake.findIssueType(value);
          return type ? [type.id] : undefined;
        },
      );
    case 'priority':
      return entity(
        field,
        (issue) => [issue.priority.id],
        (value) => {
          const priority = findByIdOrName(PRIORITIES, value);
          return priority ? [priority.id] : undefined;
        },
      );
    case 'resolution':
      if (isEmptyOperand)
        return combine(op, field, (issue) => (issue.resolution ? [issue.resolution.id] : []), 'empty');
      return entity(
        field,
        (issue) => [issue.resolution?.id ?? UNRESOLVED],
        (value) => {
          if (value.toLowerCase() === 'unresolved') return [UNRESOLVED];
          const resolution = findByIdOrName(RESOLUTIONS, value);
          return resolution ? [resolution.id] : undefined;
        },
      );
    case 'fixversion':
      return entity(
        field,
        (issue) => issue.fixVersions.map((version) => version.id),
        (value) => {
          const matches = fake.versions.filter(
            (version) => version.id === value || version.name.toLowerCase() === value.toLowerCase(),
          );
          return matches.length > 0 ? matches.map((version) => version.id) : undefined;
        },
      );
    case 'assignee':
    case 'reporter':
    case 'creator': {
      const getter: EntityGetter = (issue) => {
        const user =
          field === 'assignee' ? issue.assignee : field === 'reporter' ? issue.reporter : issue.creator;
        return user ? [user.accountId] : [];
      };
      if (isEmptyOperand) return combine(op, field, getter, 'empty');
      const values = new Set<string>();
      for (const item of operandItems(operand)) {
        if (item.kind === 'function') {
          if (item.name.toLowerCase() !== 'currentuser') {
            throw badRequest(`Unable to find JQL function '${item.name}()'.`);
          }
          values.add(ctx.actor.accountId);
        } else if (item.kind === 'value') {
          const user = fake.findUser(item.text);
          if (!user)
            throw badRequest(`The value '${item.text}' does not exist for the field '${clause.field}'.`);
          values.add(user.accountId);
        }
      }
      return combine(op, field, getter, values);
    }
    case 'created':
    case 'createddate':
    case 'updated':
    case 'updateddate':
    case 'resolved':
    case 'resolutiondate':
    case 'due':
    case 'duedate': {
      const getter = (issue: JiraIssueRecord): number | null => {
        if (field.startsWith('created')) return issue.created;
        if (field.startsWith('updated')) return issue.updated;
        if (field.startsWith('resol')) return issue.resolutionDate;
        return issue.duedate ? Date.parse(`${issue.duedate}T00:00:00Z`) : null;
      };
      if (isEmptyOperand) {
        if (op === '=' || op === 'is') return (issue) => getter(issue) === null;
        if (op === '!=' || op === 'is not') return (issue) => getter(issue) !== null;
        throw operatorNotSupported(op, field);
      }
      if (op === 'in' || op === 'not in' || op === '~' || op === '!~') throw operatorNotSupported(op, field);
      if (operand.kind === 'list') throw operatorNotSupported(op, field);
      const target = jqlDateOperand(operand, clause.field, ctx.now);
      return (issue) => {
        const value = getter(issue);
        if (value === null) return false;
        switch (op) {
          case '=':
            return Math.floor(value / MINUTE) === Math.floor(target / MINUTE);
          case '!=':
            return Math.floor(value / MINUTE) !== Math.floor(target / MINUTE);
          case '>':
            return value > target;
          case '>=':
            return value >= target;
          case '<':
            return value < target;
          default:
            return value <= target;
        }
      };
    }
    case 'summary':
    case 'description':
    case 'comment':
    case 'text': {
      const text = (issue: JiraIssueRecord): string => {
        if (field === 'summary') return issue.summary;
        if (field === 'description') return adfToText(issue.description);
        if (field === 'comment') return issue.comments.map((c) => adfToText(c.body)).join('\n');
        return [
          issue.summary,
          adfToText(issue.description),
          ...issue.comments.map((c) => adfToText(c.body)),
        ].join('\n');
      };
      if (isEmptyOperand && field !== 'text') {
        if (op === 'is' || op === '=') return (issue) => text(issue).trim() === '';
        if (op === 'is not' || op === '!=') return (issue) => text(issue).trim() !== '';
      }
      if (op !== '~' && op !== '!~') throw operatorNotSupported(op, clause.field);
      if (operand.kind !== 'value') throw jqlError(`The '${clause.field}' field needs a text value.`);
      const phrase = /^".*"$/.test(operand.text.trim());
      const needle = operand.text.replace(/["*?]/g, ' ').trim().toLowerCase();
      const words = phrase ? [needle] : needle.split(/\s+/).filter(Boolean);
      const matches = (issue: JiraIssueRecord) => {
        const haystack = text(issue).toLowerCase();
        return words.every((word) => haystack.includes(word));
      };
      return op === '~' ? matches : (issue) => !matches(issue);
    }
    default:
      throw badRequest(`Field '${clause.field}' does not exist or you do not have permission to view it.`);
  }
}

function jqlDateOperand(operand: JqlOperand, field: string, now: number): number {
  if (operand.kind === 'function') {
    const name = operand.name.toLowerCase();
    const offsetArg = operand.args[0];
    const offset = offsetArg === undefined ? 0 : (parseJqlDate(offsetArg, 0) ?? Number.NaN);
    if (Number.isNaN(offset))
      throw badRequest(`Invalid offset '${offsetArg}' for JQL function '${operand.name}()'.`);
    const day = startOfUtcDay(now);
    const date = new Date(now);
    switch (name) {
      case 'now':
        return now + offset;
      case 'startofday':
        return day + offset;
      case 'endofday':
        return day + DAY - 1 + offset;
      case 'startofweek':
        return day - date.getUTCDay() * DAY + offset;
      case 'endofweek':
        return day + (7 - date.getUTCDay()) * DAY - 1 + offset;
      case 'startofmonth':
        return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) + offset;
      case 'endofmonth':
        return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) - 1 + offset;
      default:
        throw badRequest(`Unable to find JQL function '${operand.name}()'.`);
    }
  }
  if (operand.kind !== 'value') throw badRequest(`Date value for field '${field}' is invalid.`);
  const parsed = parseJqlDate(operand.text, now);
  if (parsed === undefined) {
    throw badRequest(
      `Date value '${operand.text}' for field '${field}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.`,
    );
  }
  return parsed;
}

function findByIdOrName<T extends { id: string; name: string }>(list: T[], value: string): T | undefined {
  const lower = value.toLowerCase();
  return list.find((item) => item.id === value || item.name.toLowerCase() === lower);
}

type Comparator = (a: JiraIssueRecord, b: JiraIssueRecord) => number;

function compileOrderBy(orderBy: JqlQuery['orderBy'], fake: JiraFake): Comparator {
  const nullsLast = (a: number | null, b: number | null) =>
    a === null ? (b === null ? 0 : 1) : b === null ? -1 : a - b;
  const comparators: Comparator[] = orderBy.map(({ field, direction }) => {
    let base: Comparator;
    switch (field.toLowerCase()) {
      case 'key':
      case 'issuekey':
      case 'id':
      case 'rank':
        base = (a, b) => compareKeys(a.key, b.key);
        break;
      case 'created':
        base = (a, b) => a.created - b.created;
        break;
      case 'updated':
        base = (a, b) => a.updated - b.updated;
        break;
      case 'resolved':
      case 'resolutiondate':
        base = (a, b) => nullsLast(a.resolutionDate, b.resolutionDate);
        break;
      case 'due':
      case 'duedate':
        base = (a, b) => (a.duedate ?? '\uffff').localeCompare(b.duedate ?? '\uffff');
        break;
      case 'priority':
        // Jira sorts priorities by their scheme order; DESC puts the highest first.
        base = (a, b) => Number(b.priority.id) - Number(a.priority.id);
        break;
      case 'status':
        base = (a, b) => fake.statuses.indexOf(a.status) - fake.statuses.indexOf(b.status);
        break;
      case 'summary':
        base = (a, b) => a.summary.localeCompare(b.summary);
        break;
      case 'project':
        base = (a, b) => a.project.key.localeCompare(b.project.key);
        break;
      case 'issuetype':
      case 'type':
        base = (a, b) => a.issueType.name.localeCompare(b.issueType.name);
        break;
      case 'assignee':
        base = (a, b) =>
          (a.assignee?.displayName ?? '\uffff').localeCompare(b.assignee?.displayName ?? '\uffff');
        break;
      case 'labels':
      case 'comment':
      case 'description':
      case 'text':
        throw badRequest(`Field '${field}' does not support sorting.`);
      default:
        throw badRequest(`Not able to sort using field '${field}'.`);
    }
    return direction === 'desc' ? (a, b) => base(b, a) : base;
  });
  // Without ORDER BY, newest first; ties broken by key.
  comparators.push((a, b) => compareKeys(b.key, a.key));
  return (a, b) => {
    for (const comparator of comparators) {
      const result = comparator(a, b);
      if (result !== 0) return result;
    }
    return 0;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The fake
// ---------------------------------------------------------------------------------------------------------------

interface RequestContext {
  request: RecordedRequest;
  query: URLSearchParams;
  actor: JiraUserRecord;
  body: unknown;
}

type RouteParams = [string, string];
type RouteHandler = (ctx: RequestContext, params: RouteParams) => FakeResponse | Promise<FakeResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: RouteHandler;
}

type Setter = () => JiraChangeItem[];

const SEGMENT = '([^/]+)';

export class JiraFake extends HttpFake {
  /** All issues, by key. */
  readonly issues = new Map<string, JiraIssueRecord>();
  readonly projects: JiraProjectRecord[] = [];
  readonly issueTypes: JiraIssueTypeRecord[];
  readonly statuses: JiraStatusRecord[];
  readonly versions: JiraVersionRecord[] = [];
  readonly issueLinks: JiraIssueLinkRecord[] = [];
  /** Users by account id. */
  readonly users = new Map<string, JiraUserRecord>();
  /** Every webhook the fake sent (automatic deliveries and `deliverWebhook` calls). */
  readonly webhookDeliveries: JiraWebhookDeliveryRecord[] = [];

  /** When set, only these Basic credentials are accepted; any email/token otherwise. */
  credentials: { email: string; apiToken: string } | undefined;
  /** Where webhooks go; nothing is sent while unset. */
  webhookTarget: JiraWebhookTarget | undefined;
  /** Also send webhooks for changes made through the REST API (Jira does; off by default). */
  webhookOnApiChanges = false;
  /**
   * Search is eventually consistent in Jira Cloud: when > 0, an issue only shows up in JQL searches this many
   * milliseconds (of the fake's clock) after it was created, unless the search names it in `reconcileIssues`.
   */
  searchIndexLagMs = 0;
  /** Retries for failed automatic deliveries (Jira retries 5xx, 408, 409, 425, 429 and network errors). */
  webhookRetry = { maxRetries: 0, delayMs: 100 };

  private readonly options: JiraFakeOptions;
  private readonly now: () => number;
  private readonly routes: Route[];
  private nextIssueId = 10000;
  private nextCommentId = 10000;
  private nextChangelogId = 10000;
  private nextVersionId = 10000;
  private nextRemoteLinkId = 10000;
  private nextIssueLinkId = 10000;
  private readonly issueCounters = new Map<string, number>();

  constructor(options: JiraFakeOptions = {}) {
    super(options);
    this.options = options;
    this.now = options.now ?? Date.now;
    this.issueTypes = (options.issueTypes ?? DEFAULT_ISSUE_TYPES).map((type, index) => {
      const spec = typeof type === 'string' ? { name: type } : type;
      const known = DEFAULT_ISSUE_TYPES.find((t) => t.name.toLowerCase() === spec.name.toLowerCase());
      return {
        id: spec.id ?? known?.id ?? String(10100 + index),
        name: spec.name,
        description: ('description' in spec ? spec.description : undefined) ?? known?.description ?? '',
      };
    });
    this.statuses = (options.statuses ?? DEFAULT_STATUSES).map((status, index) => ({
      id: status.id ?? DEFAULT_STATUSES.find((s) => s.name === status.name)?.id ?? String(10100 + index),
      name: status.name,
      category: status.category,
      transitionId: String((index + 1) * 10 + 1),
    }));
    if (this.statuses.length === 0) throw new Error('JiraFake needs at least one status');
    this.seed();
    this.routes = this.buildRoutes();
  }

  // ------------------------------------------------------------------------------------------------------------
  // Test-side controls and lookups
  // ------------------------------------------------------------------------------------------------------------

  /** Forgets all issues, versions, links, users created on the fly, webhook deliveries, recorded requests and faults. */
  reset(): void {
    this.issues.clear();
    this.projects.length = 0;
    this.versions.length = 0;
    this.issueLinks.length = 0;
    this.users.clear();
    this.webhookDeliveries.length = 0;
    this.issueCounters.clear();
    this.nextIssueId = 10000;
    this.nextCommentId = 10000;
    this.nextChangelogId = 10000;
    this.nextVersionId = 10000;
    this.nextRemoteLinkId = 10000;
    this.nextIssueLinkId = 10000;
    this.clearRequests();
    this.clearFaults();
    this.seed();
  }

  /** The issue with this key (or id); throws when there is none. */
  issue(keyOrId: string): JiraIssueRecord {
    const issue = this.findIssue(keyOrId);
    if (!issue) throw new Error(`JiraFake: no issue ${keyOrId}`);
    return issue;
  }

  /** The issue as `GET /rest/api/3/issue/{key}` would return it. */
  issueJson(keyOrId: string): Json {
    return this.serializeIssue(this.issue(keyOrId), { fields: ['*all'] });
  }

  /** Moves an issue to a status (by name or id), as a person would on the board. */
  async transition(
    key: string,
    status: string,
    options: JiraControlOptions = {},
  ): Promise<JiraControlResult> {
    const issue = this.issue(key);
    const target = this.findStatus(status);
    if (!target) throw new Error(`JiraFake: no status ${status}`);
    const actor = this.personFor(options.as);
    const changelog = this.commit(issue, actor, [() => this.setStatus(issue, target)]);
    return this.controlResult(issue, actor, changelog, options);
  }

  /** Assigns an issue to a person by display name (created if unknown), or unassigns it with null. */
  async setAssignee(
    key: string,
    displayName: string | null,
    options: JiraControlOptions = {},
  ): Promise<JiraControlResult> {
    const issue = this.issue(key);
    const user = displayName === null ? null : (this.findUser(displayName) ?? this.addUser({ displayName }));
    const actor = this.personFor(options.as);
    const changelog = this.commit(issue, actor, [() => this.setAssigneeField(issue, user)]);
    return this.controlResult(issue, actor, changelog, options);
  }

  /** Sets the issue's only fix version (created in its project if missing), or clears them with null. */
  async setFixVersion(
    key: string,
    name: string | null,
    options: JiraControlOptions = {},
  ): Promise<JiraControlResult> {
    const issue = this.issue(key);
    const versions = name === null ? [] : [this.ensureVersion(issue.project, name)];
    const actor = this.personFor(options.as);
    const changelog = this.commit(issue, actor, [() => this.setFixVersionsField(issue, versions)]);
    return this.controlResult(issue, actor, changelog, options);
  }

  /** Sets the due date (`YYYY-MM-DD` or a Date), or clears it with null. */
  async setDueDate(
    key: string,
    date: string | Date | null,
    options: JiraControlOptions = {},
  ): Promise<JiraControlResult> {
    const issue = this.issue(key);
    const value = date instanceof Date ? date.toISOString().slice(0, 10) : date;
    if (value !== null && !isValidDate(value)) throw new Error(`JiraFake: invalid due date ${value}`);
    const actor = this.personFor(options.as);
    const changelog = this.commit(issue, actor, [() => this.setDueDateField(issue, value)]);
    return this.controlResult(issue, actor, changelog, options);
  }

  /** Adds a comment (plain text or ADF) as a person; sends `comment_created`. */
  async addComment(
    key: string,
    body: string | AdfDocument,
    options: JiraControlOptions = {},
  ): Promise<JiraControlResult> {
    const issue = this.issue(key);
    const actor = this.personFor(options.as);
    const comment = this.createComment(issue, actor, typeof body === 'string' ? adfText(body) : body);
    const result: JiraControlResult = { issue, comment };
    if (options.webhook ?? this.webhookTarget !== undefined) {
      result.delivery = await this.emit(this.commentPayload('comment_created', issue, comment));
    }
    return result;
  }

  /**
   * Builds a Jira-shaped webhook for an issue's current state without changing it, signed with the target's secret.
   * Replaying the returned body and headers with `deliverWebhook` simulates Jira retrying the same delivery.
   */
  buildWebhook(
    key: string,
    changes: JiraWebhookChangeInput[] = [],
    options: BuildWebhookOptions = {},
  ): JiraWebhookMessage {
    const issue = this.issue(key);
    const event = options.event ?? 'jira:issue_updated';
    const actor = this.personFor(options.as);
    const timestamp = options.timestamp ?? this.now();
    let payload: Json;
    if (event.startsWith('comment_')) {
      const comment = issue.comments.at(-1);
      if (!comment) throw new Error(`JiraFake: ${key} has no comment for a ${event} webhook`);
      payload = this.commentPayload(event, issue, comment, timestamp);
    } else {
      const items: JiraChangeItem[] = changes.map((change) => ({
        field: change.field,
        fieldtype: change.fieldtype ?? 'jira',
        fieldId: change.fieldId ?? change.field,
        from: change.from ?? null,
        fromString: change.fromString ?? null,
        to: change.to ?? null,
        toString: change.toString ?? null,
      }));
      const changelog =
        event === 'jira:issue_updated'
          ? { id: String(this.nextChangelogId++), author: actor, created: timestamp, items }
          : undefined;
      payload = this.issuePayload(event, issue, actor, changelog, timestamp);
    }
    return this.sign(event, payload, options);
  }

  /** POSTs a webhook body with the given headers to the target (or `url`); resolves to the HTTP status. */
  async deliverWebhook(body: string, headers: Record<string, string>, url?: string): Promise<number> {
    const target = url ?? this.webhookTarget?.url;
    if (!target) throw new Error('JiraFake: no webhook target');
    const record = this.deliveryRecord(body, headers, target);
    this.webhookDeliveries.push(record);
    const attempt = await this.post(target, body, headers);
    record.attempts.push(attempt);
    record.status = attempt.status;
    record.error = attempt.error;
    if (attempt.status === undefined) throw new Error(`JiraFake: webhook delivery failed: ${attempt.error}`);
    return attempt.status;
  }

  findIssue(keyOrId: string): JiraIssueRecord | undefined {
    const upper = keyOrId.trim().toUpperCase();
    const byKey = this.issues.get(upper);
    if (byKey) return byKey;
    for (const issue of this.issues.values()) if (issue.id === keyOrId.trim()) return issue;
    return undefined;
  }

  findProject(keyOrIdOrName: string): JiraProjectRecord | undefined {
    const value = keyOrIdOrName.trim();
    const lower = value.toLowerCase();
    return this.projects.find(
      (p) => p.id === value || p.key.toLowerCase() === lower || p.name.toLowerCase() === lower,
    );
  }

  findStatus(nameOrId: string): JiraStatusRecord | undefined {
    return findByIdOrName(this.statuses, nameOrId.trim());
  }

  findIssueType(nameOrId: string): JiraIssueTypeRecord | undefined {
    return findByIdOrName(this.issueTypes, nameOrId.trim());
  }

  /** A user by account id, email or display name. */
  findUser(value: string): JiraUserRecord | undefined {
    const lower = value.trim().toLowerCase();
    const direct = this.users.get(value.trim());
    if (direct) return direct;
    for (const user of this.users.values()) {
      if (user.emailAddress?.toLowerCase() === lower || user.displayName.toLowerCase() === lower) return user;
    }
    return undefined;
  }

  addUser(spec: { displayName: string; emailAddress?: string; accountId?: string }): JiraUserRecord {
    const user: JiraUserRecord = {
      accountId: spec.accountId ?? accountIdFor(spec.emailAddress ?? `name:${spec.displayName}`),
      displayName: spec.displayName,
      emailAddress: spec.emailAddress,
      active: true,
      timeZone: 'Etc/UTC',
    };
    this.users.set(user.accountId, user);
    return user;
  }

  // ------------------------------------------------------------------------------------------------------------
  // HTTP
  // ------------------------------------------------------------------------------------------------------------

  protected async handle(request: RecordedRequest): Promise<FakeResponse> {
    const requestId = randomUUID().replace(/-/g, '').slice(0, 12);
    const common = { 'x-arequestid': requestId };
    try {
      const actor = this.authenticate(request);
      let body: unknown;
      if (request.rawBody.trim() !== '') {
        try {
          body = JSON.parse(request.rawBody);
        } catch (error) {
          throw badRequest(`Unexpected character in the request body: ${(error as Error).message}`);
        }
      }
      for (const route of this.routes) {
        if (route.method !== request.method) continue;
        const match = route.pattern.exec(request.path);
        if (!match) continue;
        const segments = match.slice(1).map((segment) => decodeURIComponent(segment));
        const params: RouteParams = [segments[0] ?? '', segments[1] ?? ''];
        const response = await route.handler({ request, query: request.query, actor, body }, params);
        return { ...response, headers: { ...common, ...response.headers } };
      }
      const pathExists = this.routes.some((route) => route.pattern.test(request.path));
      if (pathExists) return { status: 405, headers: common, body: '' };
      throw notFound(`No Jira REST resource at ${request.method} ${request.path}.`);
    } catch (error) {
      if (error instanceof JiraApiError) {
        return {
          status: error.status,
          headers: { ...common, ...error.headers },
          body: { errorMessages: error.errorMessages, errors: error.errors },
        };
      }
      return {
        status: 500,
        headers: common,
        body: { errorMessages: [`Internal server error: ${String(error)}`], errors: {} },
      };
    }
  }

  private authenticate(request: RecordedRequest): JiraUserRecord {
    const header = request.headers.authorization ?? '';
    const match = /^Basic\s+(.+)$/i.exec(header.trim());
    const unauthenticated = (reason: string) =>
      new JiraApiError(
        401,
        ['You are not authenticated. Authentication required to perform this operation.'],
        {},
        { 'X-Seraph-LoginReason': reason, 'WWW-Authenticate': 'Basic realm="protected-area"' },
      );
    if (!match) throw unauthenticated('AUTHENTICATION_DENIED');
    const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw unauthenticated('AUTHENTICATED_FAILED');
    const email = decoded.slice(0, colon);
    const apiToken = decoded.slice(colon + 1);
    if (this.credentials && (this.credentials.email !== email || this.credentials.apiToken !== apiToken)) {
      throw unauthenticated('AUTHENTICATED_FAILED');
    }
    return (
      this.findUser(email) ?? this.addUser({ displayName: displayNameFromEmail(email), emailAddress: email })
    );
  }

  private buildRoutes(): Route[] {
    const api = '/rest/api/3';
    const routes: Array<[string, string, RouteHandler]> = [
      ['GET', `${api}/myself`, (ctx) => ok(this.userJson(ctx.actor, true))],
      ['GET', `${api}/serverInfo`, () => ok(this.serverInfo())],
      ['GET', `${api}/user`, (ctx) => this.getUser(ctx)],
      ['GET', `${api}/user/search`, (ctx) => this.searchUsers(ctx)],
      ['GET', `${api}/user/assignable/search`, (ctx) => this.searchUsers(ctx)],
      ['GET', `${api}/project`, () => ok(this.projects.map((p) => this.projectJson(p, true)))],
      ['GET', `${api}/project/search`, (ctx) => this.searchProjects(ctx)],
      [
        'GET',
        `${api}/project/${SEGMENT}`,
        (_ctx, [key]) => ok(this.projectJson(this.projectOr404(key), true)),
      ],
      ['GET', `${api}/project/${SEGMENT}/versions`, (_ctx, [key]) => ok(this.projectVersions(key))],
      ['GET', `${api}/project/${SEGMENT}/version`, (ctx, [key]) => this.projectVersionsPage(ctx, key)],
      ['GET', `${api}/project/${SEGMENT}/statuses`, (_ctx, [key]) => this.projectStatuses(key)],
      ['POST', `${api}/version`, (ctx) => this.createVersion(ctx)],
      ['GET', `${api}/version/${SEGMENT}`, (_ctx, [id]) => ok(this.versionJson(this.versionOr404(id)))],
      ['PUT', `${api}/version/${SEGMENT}`, (ctx, [id]) => this.updateVersion(ctx, id)],
      ['GET', `${api}/issuetype`, () => ok(this.issueTypes.map((t) => this.issueTypeJson(t)))],
      ['GET', `${api}/priority`, () => ok(PRIORITIES.map((p) => this.priorityJson(p)))],
      ['GET', `${api}/status`, () => ok(this.statuses.map((s) => this.statusJson(s)))],
      ['GET', `${api}/statuscategory`, () => ok(Object.keys(CATEGORIES).map((k) => this.categoryJson(k)))],
      ['GET', `${api}/resolution`, () => ok(RESOLUTIONS.map((r) => this.resolutionJson(r)))],
      [
        'GET',
        `${api}/issueLinkType`,
        () => ok({ issueLinkTypes: LINK_TYPES.map((t) => this.linkTypeJson(t)) }),
      ],
      ['POST', `${api}/issue`, (ctx) => this.createIssue(ctx)],
      ['GET', `${api}/issue/${SEGMENT}`, (ctx, [key]) => this.getIssue(ctx, key)],
      ['PUT', `${api}/issue/${SEGMENT}`, (ctx, [key]) => this.editIssue(ctx, key)],
      ['DELETE', `${api}/issue/${SEGMENT}`, (ctx, [key]) => this.deleteIssue(ctx, key)],
      ['PUT', `${api}/issue/${SEGMENT}/assignee`, (ctx, [key]) => this.assignIssue(ctx, key)],
      ['GET', `${api}/issue/${SEGMENT}/transitions`, (ctx, [key]) => this.getTransitions(ctx, key)],
      ['POST', `${api}/issue/${SEGMENT}/transitions`, (ctx, [key]) => this.doTransition(ctx, key)],
      ['GET', `${api}/issue/${SEGMENT}/changelog`, (ctx, [key]) => this.getChangelog(ctx, key)],
      ['GET', `${api}/issue/${SEGMENT}/comment`, (ctx, [key]) => this.getComments(ctx, key)],
      ['POST', `${api}/issue/${SEGMENT}/comment`, (ctx, [key]) => this.postComment(ctx, key)],
      ['GET', `${api}/issue/${SEGMENT}/comment/${SEGMENT}`, (_ctx, [key, id]) => this.getComment(key, id)],
      [
        'PUT',
        `${api}/issue/${SEGMENT}/comment/${SEGMENT}`,
        (ctx, [key, id]) => this.putComment(ctx, key, id),
      ],
      [
        'DELETE',
        `${api}/issue/${SEGMENT}/comment/${SEGMENT}`,
        (_ctx, [key, id]) => this.deleteComment(key, id),
      ],
      ['GET', `${api}/issue/${SEGMENT}/remotelink`, (ctx, [key]) => this.getRemoteLinks(ctx, key)],
      ['POST', `${api}/issue/${SEGMENT}/remotelink`, (ctx, [key]) => this.postRemoteLink(ctx, key)],
      [
        'DELETE',
        `${api}/issue/${SEGMENT}/remotelink`,
        (ctx, [key]) => this.deleteRemoteLinkByGlobalId(ctx, key),
      ],
      [
        'GET',
        `${api}/issue/${SEGMENT}/remotelink/${SEGMENT}`,
        (_ctx, [key, id]) => this.getRemoteLink(key, id),
      ],
      [
        'PUT',
        `${api}/issue/${SEGMENT}/remotelink/${SEGMENT}`,
        (ctx, [key, id]) => this.putRemoteLink(ctx, key, id),
      ],
      [
        'DELETE',
        `${api}/issue/${SEGMENT}/remotelink/${SEGMENT}`,
        (_ctx, [key, id]) => this.deleteRemoteLink(key, id),
      ],
      ['GET', `${api}/issue/${SEGMENT}/properties`, (_ctx, [key]) => this.getPropertyKeys(key)],
      ['GET', `${api}/issue/${SEGMENT}/properties/${SEGMENT}`, (_ctx, [key, p]) => this.getProperty(key, p)],
      [
        'PUT',
        `${api}/issue/${SEGMENT}/properties/${SEGMENT}`,
        (ctx, [key, p]) => this.putProperty(ctx, key, p),
      ],
      [
        'DELETE',
        `${api}/issue/${SEGMENT}/properties/${SEGMENT}`,
        (_ctx, [key, p]) => this.deleteProperty(key, p),
      ],
      ['POST', `${api}/issueLink`, (ctx) => this.createIssueLink(ctx)],
      ['GET', `${api}/issueLink/${SEGMENT}`, (_ctx, [id]) => ok(this.issueLinkJson(this.issueLinkOr404(id)))],
      ['DELETE', `${api}/issueLink/${SEGMENT}`, (_ctx, [id]) => this.deleteIssueLink(id)],
      ['GET', `${api}/search/jql`, (ctx) => this.search(ctx, this.searchParamsFromQuery(ctx.query))],
      ['POST', `${api}/search/jql`, (ctx) => this.search(ctx, this.searchParamsFromBody(ctx.body))],
      ['POST', `${api}/search/approximate-count`, (ctx) => this.approximateCount(ctx)],
      ['POST', `${api}/search/id`, (ctx) => this.searchIds(ctx)],
      ['GET', `${api}/search`, () => searchGone()],
      ['POST', `${api}/search`, () => searchGone()],
      ['GET', '/rest/api/2/search', () => searchGone()],
      ['POST', '/rest/api/2/search', () => searchGone()],
    ];
    return routes.map(([method, path, handler]) => ({
      method,
      pattern: new RegExp(`^${path.replace(/\//g, '\\/')}\\/?$`),
      handler,
    }));
  }

  // ------------------------------------------------------------------------------------------------------------
  // Issues
  // ------------------------------------------------------------------------------------------------------------

  private createIssue(ctx: RequestContext): FakeResponse {
    const body = isRecord(ctx.body) ? ctx.body : {};
    const fields = isRecord(body.fields) ? body.fields : {};
    const update = isRecord(body.update) ? body.update : {};
    const errors: Record<string, string> = {};

    const project = this.resolveProject(fields.project);
    if (!project) throw fieldErrors({ project: 'Specify a valid project ID or key' });

    let issueType: JiraIssueTypeRecord | undefined;
    if (fields.issuetype === undefined || fields.issuetype === null) {
      errors.issuetype = 'Specify an issue type';
    } else {
      issueType = this.resolveNamed(fields.issuetype, this.issueTypes);
      if (!issueType) errors.issuetype = 'The issue type selected is invalid.';
    }
    const summary = fields.summary;
    if (summary === undefined && !Array.isArray(update.summary)) {
      errors.summary = 'You must specify a summary of the issue.';
    }

    const now = this.now();
    const initial = this.statuses[0] as JiraStatusRecord;
    const draft: JiraIssueRecord = {
      id: '',
      key: '',
      project,
      summary: '',
      description: null,
      issueType: issueType ?? (this.issueTypes[0] as JiraIssueTypeRecord),
      status: initial,
      statusCategoryChanged: now,
      priority: findByIdOrName(PRIORITIES, DEFAULT_PRIORITY) as JiraPriorityRecord,
      labels: [],
      assignee: null,
      reporter: ctx.actor,
      creator: ctx.actor,
      duedate: null,
      fixVersions: [],
      resolution: null,
      resolutionDate: null,
      created: now,
      updated: now,
      comments: [],
      changelog: [],
      properties: new Map(),
      remoteLinks: [],
      customFields: {},
    };
    const rest = { ...fields };
    delete rest.project;
    delete rest.issuetype;
    const setters = this.planEdit(draft, rest, update, errors, 'create', ctx.actor);
    const properties = Array.isArray(body.properties) ? body.properties : [];
    for (const property of properties) {
      if (!isRecord(property) || typeof property.key !== 'string' || property.key === '') {
        errors.properties = 'Property keys must be non-empty strings.';
      }
    }
    if (Object.keys(errors).length > 0) throw fieldErrors(errors);

    for (const setter of setters) setter();
    for (const property of properties) {
      if (isRecord(property) && typeof property.key === 'string')
        draft.properties.set(property.key, property.value);
    }
    const number = (this.issueCounters.get(project.key) ?? 0) + 1;
    this.issueCounters.set(project.key, number);
    draft.id = String(this.nextIssueId++);
    draft.key = `${project.key}-${number}`;
    draft.created = now;
    draft.updated = now;
    draft.statusCategoryChanged = now;
    this.issues.set(draft.key, draft);

    if (this.webhookOnApiChanges)
      this.emitInBackground(this.issuePayload('jira:issue_created', draft, ctx.actor));
    return { status: 201, body: { id: draft.id, key: draft.key, self: this.issueSelf(draft) } };
  }

  private getIssue(ctx: RequestContext, key: string): FakeResponse {
    const issue = this.issueOr404(key);
    const fields = listParam(ctx.query, 'fields');
    const expand = listParam(ctx.query, 'expand');
    const properties = listParam(ctx.query, 'properties');
    return ok(
      this.serializeIssue(issue, { fields: fields.length > 0 ? fields : ['*all'], expand, properties }),
    );
  }

  private editIssue(ctx: RequestContext, key: string): FakeResponse {
    const issue = this.issueOr404(key);
    const body = isRecord(ctx.body) ? ctx.body : {};
    const fields = isRecord(body.fields) ? body.fields : {};
    const update = isRecord(body.update) ? body.update : {};
    const errors: Record<string, string> = {};
    const setters = this.planEdit(issue, fields, update, errors, 'edit', ctx.actor);
    if (Object.keys(errors).length > 0) throw fieldErrors(errors);
    const changelog = this.commit(issue, ctx.actor, setters);
    if (Array.isArray(body.properties)) {
      for (const property of body.properties) {
        if (isRecord(property) && typeof property.key === 'string')
          issue.properties.set(property.key, property.value);
      }
    }
    if (changelog && this.webhookOnApiChanges) {
      this.emitInBackground(this.issuePayload('jira:issue_updated', issue, ctx.actor, changelog));
    }
    if (ctx.query.get('returnIssue') === 'true') {
      return ok(this.serializeIssue(issue, { fields: ['*all'], expand: listParam(ctx.query, 'expand') }));
    }
    return { status: 204 };
  }

  private deleteIssue(ctx: RequestContext, key: string): FakeResponse {
    const issue = this.issueOr404(key);
    this.issues.delete(issue.key);
    for (let i = this.issueLinks.length - 1; i >= 0; i -= 1) {
      const link = this.issueLinks[i] as JiraIssueLinkRecord;
      if (link.inwardIssueId === issue.id || link.outwardIssueId === issue.id) this.issueLinks.splice(i, 1);
    }
    if (this.webhookOnApiChanges)
      this.emitInBackground(this.issuePayload('jira:issue_deleted', issue, ctx.actor));
    return { status: 204 };
  }

  private assignIssue(ctx: RequestContext, key: string): FakeResponse {
    const issue = this.issueOr404(key);
    const body = isRecord(ctx.body) ? ctx.body : {};
    const errors: Record<string, string> = {};
    const setters = this.planEdit(
      issue,
      { assignee: body.accountId ? { accountId: body.accountId } : null },
      {},
      errors,
      'edit',
      ctx.actor,
    );
    if (Object.keys(errors).length > 0) throw fieldErrors(errors);
    const changelog = this.commit(issue, ctx.actor, setters);
    if (changelog && this.webhookOnApiChanges) {
      this.emitInBackground(this.issuePayload('jira:issue_updated', issue, ctx.actor, changelog));
    }
    return { status: 204 };
  }

  private getTransitions(ctx: RequestContext, key: string): FakeResponse {
    const issue = this.issueOr404(key);
    const only = ctx.query.get('transitionId');
    const transitions = this.statuses
      .filter((status) => status !== issue.status)
      .filter((status) => !only || status.transitionId === only)
      .map((status) => this.transitionJson(status));
    return ok({ expand: 'transitions', transitions });
  }

  private doTransition(ctx: RequestContext, key: string): FakeResponse {
    const issue = this.issueOr404(key);
    const body = isRecord(ctx.body) ? ctx.body : {};
    const transition = isRecord(body.transition) ? body.transition : undefined;
    const id = transition ? asString(transition.id) : undefined;
    if (!transition || id === undefined) throw badRequest("Missing 'transition' identifier");
    const target = this.statuses.find((status) => status.transitionId === id);
    if (!target || target === issue.status)
      throw badRequest(`Transition id '${id}' is not valid for this issue.`);
    const fields = isRecord(body.fields) ? { ...body.fields } : {};
    const update = isRecord(body.update) ? body.update : {};
    const errors: Record<string, string> = {};
    let resolution: JiraResolutionRecord | undefined;
    if (fields.resolution !== undefined) {
      resolution = this.resolveNamed(fields.resolution, RESOLUTIONS);
      if (!resolution) errors.resolution = 'Specify a valid resolution';
      delete fields.resolution;
    }
    const setters = this.planEdit(issue, fields, update, errors, 'edit', ctx.actor);
    if (Object.keys(errors).length > 0) throw fieldErrors(errors);
    const changelog = this.commit(issue, ctx.actor, [
      ...setters,
      () => this.setStatus(issue, target, resolution),
    ]);
    if (changelog && this.webhookOnApiChanges) {
      this.emitInBackground(
        this.issuePayload('jira:issue_updated', issue, ctx.actor, changelog, undefined, 'issue_generic'),
      );
    }
    return { status: 204 };
  }

  private getChangelog(ctx: RequestContext, key: string): FakeResponse {
    const issue = this.issueOr404(key);
    const startAt = numberParam(ctx.query.get('startAt'), 0);
    const maxResults = Math.min(numberParam(ctx.query.get('maxResults'), 100), 100);
    const values = issue.changelog
      .slice(startAt, startAt + maxResults)
      .map((entry) => this.changelogJson(entry));
    const total = issue.changelog.length;
    return ok({
      self: `${this.base()}/rest/api/3/issue/${issue.key}/changelog?maxResults=${maxResults}&startAt=${startAt}`,
      maxResults,
      startAt,
      total,
      isLast: startAt + values.length >= total,
      values,
    });
  }

  /**
   * Validates `fields` and `update` against an issue and returns the changes to make, without making them; any
   * problem goes into `errors` (keyed by field, worded like Jira).
   */
  private planEdit(
    issue: JiraIssueRecord,
    fields: Json,
    update: Json,
    errors: Record<string, string>,
    mode: 'create' | 'edit',
    actor: JiraUserRecord,
  ): Setter[] {
    const setters: Setter[] = [];
    const cannotSet = (field: string) => {
      errors[field] = `Field '${field}' cannot be set. It is not on the appropriate screen, or unknown.`;
    };
    for (const field of Object.keys(update)) {
      if (field in fields) errors[field] = `Field '${field}' cannot be set in both 'fields' and 'update'.`;
    }

    const scalar = (field: string, value: unknown): void => {
      switch (field) {
        case 'summary': {
          if (typeof value !== 'string') {
            errors.summary = 'Operation value must be a string';
          } else if (value.trim() === '') {
            errors.summary = 'You must specify a summary of the issue.';
          } else if (value.length > 255) {
            errors.summary = 'Summary must be less than 255 characters.';
          } else {
            setters.push(() => this.setSummary(issue, value));
          }
          return;
        }
        case 'description': {
          if (value !== null && !isAdfDocument(value)) {
            errors.description =
              'Operation value must be an Atlassian Document (see the Atlassian Document Format)';
          } else {
            setters.push(() => this.setDescription(issue, value));
          }
          return;
        }
        case 'labels': {
          const labels = this.validateLabels(value, errors);
          if (labels) setters.push(() => this.setLabels(issue, labels));
          return;
        }
        case 'priority': {
          const priority = value === null ? undefined : this.resolveNamed(value, PRIORITIES);
          if (!priority) errors.priority = "Specify a valid 'id' or 'name' for Priority";
          else setters.push(() => this.setPriority(issue, priority));
          return;
        }
        case 'assignee':
        case 'reporter': {
          let user: JiraUserRecord | null = null;
          if (value !== null) {
            const accountId = isRecord(value) ? asString(value.accountId ?? value.id) : undefined;
            if (field === 'assignee' && accountId === '-1') {
              user = null;
            } else {
              const found = accountId ? this.users.get(accountId) : undefined;
              if (!found) {
                errors[field] =
                  field === 'assignee'
                    ? `User '${accountId ?? ''}' cannot be assigned issues.`
                    : 'Specify a valid value for reporter';
                return;
              }
              user = found;
            }
          } else if (field === 'reporter') {
            errors.reporter = 'Specify a valid value for reporter';
            return;
          }
          if (field === 'assignee') setters.push(() => this.setAssigneeField(issue, user));
          else if (user) {
            const reporter = user;
            setters.push(() => this.setReporter(issue, reporter));
          }
          return;
        }
        case 'duedate': {
          if (value !== null && (typeof value !== 'string' || !isValidDate(value))) {
            errors.duedate = `Error parsing date string: ${String(value)}`;
          } else {
            setters.push(() => this.setDueDateField(issue, value));
          }
          return;
        }
        case 'fixVersions': {
          const versions = this.validateVersions(issue.project, value, errors);
          if (versions) setters.push(() => this.setFixVersionsField(issue, versions));
          return;
        }
        case 'issuetype': {
          const type = this.resolveNamed(value, this.issueTypes);
          if (!type) errors.issuetype = 'The issue type selected is invalid.';
          else setters.push(() => this.setIssueType(issue, type));
          return;
        }
        default: {
          if (/^customfield_\d+$/.test(field)) {
            setters.push(() => this.setCustomField(issue, field, value));
            return;
          }
          cannotSet(field);
        }
      }
    };

    for (const [field, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      if (mode === 'edit' && field === 'project') {
        cannotSet(field);
        continue;
      }
      scalar(field, value);
    }

    for (const [field, operations] of Object.entries(update)) {
      if (!Array.isArray(operations)) {
        errors[field] = `Operations for '${field}' must be a list.`;
        continue;
      }
      if (field === 'labels') {
        let labels = [...issue.labels];
        for (const operation of operations) {
          if (!isRecord(operation)) continue;
          if ('set' in operation) labels = this.validateLabels(operation.set, errors) ?? labels;
          if ('add' in operation) {
            const added = this.validateLabels([operation.add], errors) ?? [];
            for (const label of added) if (!labels.includes(label)) labels.push(label);
          }
          if ('remove' in operation) labels = labels.filter((label) => label !== operation.remove);
        }
        const next = labels;
        setters.push(() => this.setLabels(issue, next));
      } else if (field === 'fixVersions') {
        let versions = [...issue.fixVersions];
        for (const operation of operations) {
          if (!isRecord(operation)) continue;
          if ('set' in operation)
            versions = this.validateVersions(issue.project, operation.set, errors) ?? versions;
          if ('add' in operation) {
            for (const version of this.validateVersions(issue.project, [operation.add], errors) ?? []) {
              if (!versions.includes(version)) versions.push(version);
            }
          }
          if ('remove' in operation) {
            const removed = this.validateVersions(issue.project, [operation.remove], errors) ?? [];
            versions = versions.filter((version) => !removed.includes(version));
          }
        }
        const next = versions;
        setters.push(() => this.setFixVersionsField(issue, next));
      } else if (field === 'comment') {
        for (const operation of operations) {
          if (!isRecord(operation) || !isRecord(operation.add)) {
            errors.comment = 'Only comment additions are supported here.';
            continue;
          }
          const body = operation.add.body;
          if (!isAdfDocument(body)) {
            errors.comment = 'Comment body must be an Atlassian Document (see the Atlassian Document Format)';
            continue;
          }
          // On create the comment lands with the issue; on edit it counts as an update of its own.
          setters.push(() => {
            this.createComment(issue, actor, body, mode === 'edit');
            return [];
          });
        }
      } else {
        for (const operation of operations) {
          if (isRecord(operation) && 'set' in operation) scalar(field, operation.set);
          else errors[field] = `Only 'set' is supported for '${field}'.`;
        }
      }
    }
    return setters;
  }

  private validateLabels(value: unknown, errors: Record<string, string>): string[] | undefined {
    if (!Array.isArray(value) || value.some((label) => typeof label !== 'string')) {
      errors.labels = 'Labels must be a list of strings.';
      return undefined;
    }
    const labels = value as string[];
    const spaced = labels.find((label) => /\s/.test(label) || label === '');
    if (spaced !== undefined) {
      errors.labels = `The label '${spaced}' contains spaces which is invalid.`;
      return undefined;
    }
    const long = labels.find((label) => label.length > 255);
    if (long !== undefined) {
      errors.labels = 'The label must not exceed 255 characters.';
      return undefined;
    }
    return [...new Set(labels)];
  }

  private validateVersions(
    project: JiraProjectRecord,
    value: unknown,
    errors: Record<string, string>,
  ): JiraVersionRecord[] | undefined {
    if (!Array.isArray(value)) {
      errors.fixVersions = 'Fix versions must be a list.';
      return undefined;
    }
    const versions: JiraVersionRecord[] = [];
    for (const item of value) {
      const id = isRecord(item) ? asString(item.id) : undefined;
      const name = isRecord(item) ? asString(item.name) : undefined;
      const version = this.versions.find(
        (v) =>
          v.projectId === project.id &&
          ((id !== undefined && v.id === id) || (name !== undefined && v.name === name)),
      );
      if (!version) {
        errors.fixVersions =
          id !== undefined ? `Version id '${id}' is not valid` : `Version name '${name ?? ''}' is not valid`;
        return undefined;
      }
      if (!versions.includes(version)) versions.push(version);
    }
    return versions;
  }

  /** Runs setters; if a field changed, records one changelog entry and bumps `updated`. */
  private commit(
    issue: JiraIssueRecord,
    author: JiraUserRecord,
    setters: Setter[],
  ): JiraChangelogEntry | undefined {
    const items = setters.flatMap((setter) => setter());
    if (items.length === 0) return undefined;
    this.touch(issue);
    const entry: JiraChangelogEntry = {
      id: String(this.nextChangelogId++),
      author,
      created: issue.updated,
      items,
    };
    issue.changelog.push(entry);
    return entry;
  }

  /** Moves `updated` forward; strictly, so every edit is visible even with a frozen clock. */
  private touch(issue: JiraIssueRecord): void {
    issue.updated = Math.max(this.now(), issue.updated + 1);
  }

  private setSummary(issue: JiraIssueRecord, value: string): JiraChangeItem[] {
    if (issue.summary === value) return [];
    const item = change('summary', null, issue.summary, null, value);
    issue.summary = value;
    return [item];
  }

  private setDescription(issue: JiraIssueRecord, value: unknown): JiraChangeItem[] {
    if (JSON.stringify(issue.description) === JSON.stringify(value)) return [];
    const item = change(
      'description',
      null,
      adfToText(issue.description).trim() || null,
      null,
      adfToText(value).trim() || null,
    );
    issue.description = value;
    return [item];
  }

  private setLabels(issue: JiraIssueRecord, labels: string[]): JiraChangeItem[] {
    if (issue.labels.join('\u0000') === labels.join('\u0000')) return [];
    const item = change('labels', null, issue.labels.join(' '), null, labels.join(' '));
    issue.labels = [...labels];
    return [item];
  }

  private setPriority(issue: JiraIssueRecord, priority: JiraPriorityRecord): JiraChangeItem[] {
    if (issue.priority === priority) return [];
    const item = change('priority', issue.priority.id, issue.priority.name, priority.id, priority.name);
    issue.priority = priority;
    return [item];
  }

  private setIssueType(issue: JiraIssueRecord, type: JiraIssueTypeRecord): JiraChangeItem[] {
    if (issue.issueType === type) return [];
    const item = change('issuetype', issue.issueType.id, issue.issueType.name, type.id, type.name);
    issue.issueType = type;
    return [item];
  }

  private setAssigneeField(issue: JiraIssueRecord, user: JiraUserRecord | null): JiraChangeItem[] {
    if (issue.assignee === user) return [];
    const from = issue.assignee;
    issue.assignee = user;
    return [
      {
        ...change(
          'assignee',
          from?.accountId ?? null,
          from?.displayName ?? null,
          user?.accountId ?? null,
          user?.displayName ?? null,
        ),
        tmpFromAccountId: from?.accountId ?? null,
        tmpToAccountId: user?.accountId ?? null,
      },
    ];
  }

  private setReporter(issue: JiraIssueRecord, user: JiraUserRecord): JiraChangeItem[] {
    if (issue.reporter === user) return [];
    const from = issue.reporter;
    issue.reporter = user;
    return [change('reporter', from.accountId, from.displayName, user.accountId, user.displayName)];
  }

  private setDueDateField(issue: JiraIssueRecord, value: string | null): JiraChangeItem[] {
    if (issue.duedate === value) return [];
    const label = (date: string | null) => (date ? `${date} 00:00:00.0` : null);
    const item = change('duedate', issue.duedate, label(issue.duedate), value, label(value));
    issue.duedate = value;
    return [item];
  }

  private setFixVersionsField(issue: JiraIssueRecord, versions: JiraVersionRecord[]): JiraChangeItem[] {
    const removed = issue.fixVersions.filter((version) => !versions.includes(version));
    const added = versions.filter((version) => !issue.fixVersions.includes(version));
    issue.fixVersions = [...versions];
    return [
      ...removed.map((v) => ({ ...change('Fix Version', v.id, v.name, null, null), fieldId: 'fixVersions' })),
      ...added.map((v) => ({ ...change('Fix Version', null, null, v.id, v.name), fieldId: 'fixVersions' })),
    ];
  }

  private setCustomField(issue: JiraIssueRecord, field: string, value: unknown): JiraChangeItem[] {
    const before = issue.customFields[field];
    if (JSON.stringify(before) === JSON.stringify(value)) return [];
    issue.customFields[field] = value;
    const text = (v: unknown) =>
      v === undefined || v === null ? null : typeof v === 'string' ? v : JSON.stringify(v);
    return [{ ...change(field, null, text(before), null, text(value)), fieldtype: 'custom' }];
  }

  private setStatus(
    issue: JiraIssueRecord,
    target: JiraStatusRecord,
    resolution?: JiraResolutionRecord,
  ): JiraChangeItem[] {
    if (issue.status === target) return [];
    const items = [change('status', issue.status.id, issue.status.name, target.id, target.name)];
    if (issue.status.category !== target.category)
      issue.statusCategoryChanged = Math.max(this.now(), issue.updated + 1);
    issue.status = target;
    const nextResolution =
      target.category === 'done'
        ? (resolution ?? issue.resolution ?? (RESOLUTIONS[0] as JiraResolutionRecord))
        : null;
    if (nextResolution !== issue.resolution) {
      items.push(
        change(
          'resolution',
          issue.resolution?.id ?? null,
          issue.resolution?.name ?? null,
          nextResolution?.id ?? null,
          nextResolution?.name ?? null,
        ),
      );
      issue.resolution = nextResolution;
      issue.resolutionDate = nextResolution ? Math.max(this.now(), issue.updated + 1) : null;
    }
    return items;
  }

  // ------------------------------------------------------------------------------------------------------------
  // Comments
  // ------------------------------------------------------------------------------------------------------------

  private createComment(
    issue: JiraIssueRecord,
    author: JiraUserRecord,
    body: unknown,
    touch = true,
  ): JiraCommentRecord {
    const now = touch ? Math.max(this.now(), issue.updated + 1) : this.now();
    const comment: JiraCommentRecord = {
      id: String(this.nextCommentId++),
      author,
      updateAuthor: author,
      body,
      created: now,
      updated: now,
    };
    issue.comments.push(comment);
    // Commenting counts as an update of the issue.
    if (touch) issue.updated = now;
    return comment;
  }

  private getComments(ctx: RequestContext, key: string): FakeResponse {
    const issue = this.issueOr404(key);
    const startAt = numberParam(ctx.query.get('startAt'), 0);
    const maxResults = Math.min(numberParam(ctx.query.get('maxResults'), 5000), 5000);
    const orderBy = ctx.query.get('orderBy') ?? '';
    const comments = [...issue.comments];
    if (orderBy === '-created' || orderBy === '-updated') comments.reverse();
    const page = comments.slice(startAt, startAt + maxResults);
    return ok({
      startAt,
      maxResults,
      total: comments.length,
      comments: page.map((comment) => this.commentJson(issue, comment)),
    });
  }

  private postComment(ctx: RequestContext, key: string): FakeResponse {
    const issue = this.issueOr404(key);
    const body = isRecord(ctx.body) ? ctx.body.body : undefined;
    if (body === undefined || body === null) throw fieldErrors({ comment: 'Comment body can not be empty!' });
    if (!isAdfDocument(body)) {
      throw fieldErrors({
        comment: 'Comment body must be an Atlassian Document (see the Atlassian Document Format)',
      });
    }
    if (adfToText(body).trim() === '' && JSON.stringify(body).length < 80) {
      throw fieldErrors({ comment: 'Comment body can not be empty!' });
    }
    const comment = this.createComment(issue, ctx.actor, body);
    if (this.webhookOnApiChanges) {
      this.emitInBackground(this.commentPayload('comment_created', issue, comment));
    }
    return { status: 201, body: this.commentJson(issue, comment) };
  }

  private commentOr404(issue: JiraIssueRecord, id: string): JiraCommentRecord {
    const comment = issue.comments.find((c) => c.id === id);
    if (!comment) throw notFound(`Can not find a comment for the id: ${id}.`);
    return comment;
  }

  private getComment(key: string, id: string): FakeResponse {
    const issue = this.issueOr404(key);
    return ok(this.commentJson(issue, this.commentOr404(issue, id)));
  }

  private putComment(ctx: RequestContext, key: string, id: string): FakeResponse {
    const issue = this.issueOr404(key);
    const comment = this.commentOr404(issue, id);
    const body = isRecord(ctx.body) ? ctx.body.body : undefined;
    if (!isAdfDocument(body)) {
      throw fieldErrors({
        comment: 'Comment body must be an Atlassian Document (see the Atlassian Document Format)',
      });
    }
    comment.body = body;
    comment.updateAuthor = ctx.actor;
    comment.updated = Math.max(this.now(), comment.updated + 1);
    this.touch(issue);
    if (this.webhookOnApiChanges) {
      this.emitInBackground(this.commentPayload('comment_updated', issue, comment));
    }
    return ok(this.commentJson(issue, comment));
  }

  private deleteComment(key: string, id: string): FakeResponse {
    const issue = this.issueOr404(key);
    const comment = this.commentOr404(issue, id);
    issue.comments.splice(issue.comments.indexOf(comment), 1);
    this.touch(issue);
    if (this.webhookOnApiChanges) {
      this.emitInBackground(this.commentPayload('comment_deleted', issue, comment));
    }
    return { status: 204 };
  }

  // ------------------------------------------------------------------------------------------------------------
  // Remote links, issue links, properties
  // ------------------------------------------------------------------------------------------------------------

  private getRemoteLinks(ctx: RequestContext, key: string): FakeResponse {
    const issue = this.issueOr404(key);
    const globalId = ctx.query.get('globalId');
    if (globalId !== null && globalId !== '') {
      const link = issue.remoteLinks.find((l) => l.globalId === globalId);
      if (!link) throw notFound(`No remote link with globalId '${globalId}' exists on issue ${issue.key}.`);
      return ok(this.remoteLinkJson(issue, link));
    }
    return ok(issue.remoteLinks.map((link) => this.remoteLinkJson(issue, link)));
  }

  private validateRemoteLink(body: unknown): Json {
    const input = isRecord(body) ? body : {};
    const object = isRecord(input.object) ? input.object : undefined;
    const errors: Record<string, string> = {};
    if (!object || typeof object.url !== 'string' || object.url === '') errors.url = "'url' is required.";
    if (!object || typeof object.title !== 'string' || object.title === '')
      errors.title = "'title' is required.";
    if (Object.keys(errors).length > 0) throw fieldErrors(errors);
    return input;
  }

  private postRemoteLink(ctx: RequestContext, key: string): FakeResponse {
    const issue = this.issueOr404(key);
    const input = this.validateRemoteLink(ctx.body);
    const globalId = asString(input.globalId);
    const existing = globalId ? issue.remoteLinks.find((link) => link.globalId === globalId) : undefined;
    const link: JiraRemoteLinkRecord = existing ?? { id: this.nextRemoteLinkId++, object: {} };
    link.globalId = globalId;
    link.application = input.application;
    link.relationship = asString(input.relationship);
    link.object = input.object as Json;
    if (!existing) issue.remoteLinks.push(link);
    this.touch(issue);
    return {
      status: existing ? 200 : 201,
      body: { id: link.id, self: `${this.issueSelf(issue)}/remotelink/${link.id}` },
    };
  }

  private remoteLinkOr404(issue: JiraIssueRecord, id: string): JiraRemoteLinkRecord {
    const link = issue.remoteLinks.find((l) => String(l.id) === id);
    if (!link) throw notFound(`No remote link with id '${id}' exists on issue ${issue.key}.`);
    return link;
  }

  private getRemoteLink(key: string, id: string): FakeResponse {
    const issue = this.issueOr404(key);
    return ok(this.remoteLinkJson(issue, this.remoteLinkOr404(issue, id)));
  }

  private putRemoteLink(ctx: RequestContext, key: string, id: string): FakeResponse {
    const issue = this.issueOr404(key);
    const link = this.remoteLinkOr404(issue, id);
    const input = this.validateRemoteLink(ctx.body);
    link.globalId = asString(input.globalId) ?? link.globalId;
    link.application = input.application ?? link.application;
    link.relationship = asString(input.relationship) ?? link.relationship;
    link.object = input.object as Json;
    this.touch(issue);
    return { status: 204 };
  }

  private deleteRemoteLink(key: string, id: string): FakeResponse {
    const issue = this.issueOr404(key);
    const link = this.remoteLinkOr404(issue, id);
    issue.remoteLinks.splice(issue.remoteLinks.indexOf(link), 1);
    this.touch(issue);
    return { status: 204 };
  }

  private deleteRemoteLinkByGlobalId(ctx: RequestContext, key: string): FakeResponse {
    const issue = this.issueOr404(key);
    const globalId = ctx.query.get('globalId');
    if (!globalId) throw badRequest('The globalId parameter is required.');
    const index = issue.remoteLinks.findIndex((link) => link.globalId === globalId);
    if (index < 0) throw notFound(`No remote link with globalId '${globalId}' exists on issue ${issue.key}.`);
    issue.remoteLinks.splice(index, 1);
    this.touch(issue);
    return { status: 204 };
  }

  private createIssueLink(ctx: RequestContext): FakeResponse {
    const body = isRecord(ctx.body) ? ctx.body : {};
    const type = isRecord(body.type) ? body.type : {};
    const typeName = asString(type.name);
    const typeId = asString(type.id);
    const linkType = LINK_TYPES.find(
      (t) =>
        (typeId !== undefined && t.id === typeId) ||
        (typeName !== undefined && t.name.toLowerCase() === typeName.toLowerCase()),
    );
    if (!linkType) throw notFound(`No issue link type with name '${typeName ?? typeId ?? ''}' found.`);
    const reference = (value: unknown) => (isRecord(value) ? asString(value.key ?? value.id) : undefined);
    const inwardRef = reference(body.inwardIssue);
    const outwardRef = reference(body.outwardIssue);
    const inward = inwardRef ? this.findIssue(inwardRef) : undefined;
    const outward = outwardRef ? this.findIssue(outwardRef) : undefined;
    if (!inward || !outward) throw notFound(NOT_FOUND_ISSUE);
    const existing = this.issueLinks.find(
      (l) => l.typeName === linkType.name && l.inwardIssueId === inward.id && l.outwardIssueId === outward.id,
    );
    if (!existing) {
      this.issueLinks.push({
        id: String(this.nextIssueLinkId++),
        typeName: linkType.name,
        inwardIssueId: inward.id,
        outwardIssueId: outward.id,
      });
      this.touch(inward);
      this.touch(outward);
    }
    if (isRecord(body.comment) && isAdfDocument(body.comment.body)) {
      this.createComment(inward, ctx.actor, body.comment.body);
    }
    return { status: 201 };
  }

  private issueLinkOr404(id: string): JiraIssueLinkRecord {
    const link = this.issueLinks.find((l) => l.id === id);
    if (!link) throw notFound(`No issue link with id '${id}' exists.`);
    return link;
  }

  private deleteIssueLink(id: string): FakeResponse {
    const link = this.issueLinkOr404(id);
    this.issueLinks.splice(this.issueLinks.indexOf(link), 1);
    return { status: 204 };
  }

  private getPropertyKeys(key: string): FakeResponse {
    const issue = this.issueOr404(key);
    return ok({
      keys: [...issue.properties.keys()].map((k) => ({
        self: `${this.issueSelf(issue)}/properties/${encodeURIComponent(k)}`,
        key: k,
      })),
    });
  }

  private getProperty(key: string, propertyKey: string): FakeResponse {
    const issue = this.issueOr404(key);
    if (!issue.properties.has(propertyKey))
      throw notFound(`The property with key '${propertyKey}' does not exist.`);
    return ok({ key: propertyKey, value: issue.properties.get(propertyKey) });
  }

  private putProperty(ctx: RequestContext, key: string, propertyKey: string): FakeResponse {
    const issue = this.issueOr404(key);
    if (propertyKey.length > 255) throw badRequest('The property key cannot be longer than 255 characters.');
    if (ctx.body === undefined) throw badRequest('The property value cannot be empty.');
    if (JSON.stringify(ctx.body).length > 32768)
      throw badRequest('The property value cannot be longer than 32768 bytes.');
    const existed = issue.properties.has(propertyKey);
    issue.properties.set(propertyKey, ctx.body);
    return { status: existed ? 200 : 201 };
  }

  private deleteProperty(key: string, propertyKey: string): FakeResponse {
    const issue = this.issueOr404(key);
    if (!issue.properties.delete(propertyKey)) {
      throw notFound(`The property with key '${propertyKey}' does not exist.`);
    }
    return { status: 204 };
  }

  // ------------------------------------------------------------------------------------------------------------
  // Projects, versions, users
  // ------------------------------------------------------------------------------------------------------------

  private searchProjects(ctx: RequestContext): FakeResponse {
    const keys = listParam(ctx.query, 'keys');
    const text = (ctx.query.get('query') ?? '').toLowerCase();
    const matches = this.projects.filter(
      (p) =>
        (keys.length === 0 || keys.includes(p.key)) &&
        (text === '' || p.key.toLowerCase().includes(text) || p.name.toLowerCase().includes(text)),
    );
    const startAt = numberParam(ctx.query.get('startAt'), 0);
    const maxResults = numberParam(ctx.query.get('maxResults'), 50);
    const values = matches.slice(startAt, startAt + maxResults).map((p) => this.projectJson(p, false));
    return ok({
      self: `${this.base()}/rest/api/3/project/search`,
      maxResults,
      startAt,
      total: matches.length,
      isLast: startAt + values.length >= matches.length,
      values,
    });
  }

  private projectVersions(key: string): Json[] {
    const project = this.projectOr404(key);
    return this.versions.filter((v) => v.projectId === project.id).map((v) => this.versionJson(v));
  }

  private projectVersionsPage(ctx: RequestContext, key: string): FakeResponse {
    const all = this.projectVersions(key);
    const startAt = numberParam(ctx.query.get('startAt'), 0);
    const maxResults = numberParam(ctx.query.get('maxResults'), 50);
    const values = all.slice(startAt, startAt + maxResults);
    return ok({
      self: `${this.base()}/rest/api/3/project/${key}/version?maxResults=${maxResults}&startAt=${startAt}`,
      maxResults,
      startAt,
      total: all.length,
      isLast: startAt + values.length >= all.length,
      values,
    });
  }

  private projectStatuses(key: string): FakeResponse {
    this.projectOr404(key);
    return ok(
      this.issueTypes.map((type) => ({
        self: `${this.base()}/rest/api/3/issuetype/${type.id}`,
        id: type.id,
        name: type.name,
        subtask: false,
        statuses: this.statuses.map((s) => this.statusJson(s)),
      })),
    );
  }

  private createVersion(ctx: RequestContext): FakeResponse {
    const body = isRecord(ctx.body) ? ctx.body : {};
    const name = asString(body.name);
    const projectRef = asString(body.projectId) ?? asString(body.project);
    const project = projectRef ? this.findProject(projectRef) : undefined;
    const errors: Record<string, string> = {};
    if (!project) errors.project = 'Project must be specified to create a version.';
    if (!name || name.trim() === '') errors.name = 'You must specify a valid version name';
    else if (name.length > 255) errors.name = 'The version name must be no more than 255 characters.';
    if (project && name && this.versions.some((v) => v.projectId === project.id && v.name === name)) {
      errors.name = 'A version with this name already exists in this project.';
    }
    for (const field of ['releaseDate', 'startDate'] as const) {
      const value = body[field];
      if (value !== undefined && (typeof value !== 'string' || !isValidDate(value))) {
        errors[field] = 'Please enter the date in the following format: yyyy-MM-dd';
      }
    }
    if (Object.keys(errors).length > 0 || !project || !name) throw fieldErrors(errors);
    const version: JiraVersionRecord = {
      id: String(this.nextVersionId++),
      name,
      projectId: project.id,
      description: asString(body.description),
      released: body.released === true,
      archived: body.archived === true,
      releaseDate: asString(body.releaseDate),
      startDate: asString(body.startDate),
    };
    this.versions.push(version);
    return { status: 201, body: this.versionJson(version) };
  }

  private updateVersion(ctx: RequestContext, id: string): FakeResponse {
    const version = this.versionOr404(id);
    const body = isRecord(ctx.body) ? ctx.body : {};
    const name = asString(body.name);
    if (name !== undefined) {
      if (this.versions.some((v) => v !== version && v.projectId === version.projectId && v.name === name)) {
        throw fieldErrors({ name: 'A version with this name already exists in this project.' });
      }
      version.name = name;
    }
    if (typeof body.released === 'boolean') version.released = body.released;
    if (typeof body.archived === 'boolean') version.archived = body.archived;
    if (typeof body.description === 'string') version.description = body.description;
    if (typeof body.releaseDate === 'string') version.releaseDate = body.releaseDate;
    return ok(this.versionJson(version));
  }

  private versionOr404(id: string): JiraVersionRecord {
    const version = this.versions.find((v) => v.id === id);
    if (!version) throw notFound(`Could not find version for id '${id}'`);
    return version;
  }

  private ensureVersion(project: JiraProjectRecord, name: string): JiraVersionRecord {
    const existing = this.versions.find((v) => v.projectId === project.id && v.name === name);
    if (existing) return existing;
    const version: JiraVersionRecord = {
      id: String(this.nextVersionId++),
      name,
      projectId: project.id,
      released: false,
      archived: false,
    };
    this.versions.push(version);
    return version;
  }

  private getUser(ctx: RequestContext): FakeResponse {
    const accountId = ctx.query.get('accountId');
    const user = accountId ? this.users.get(accountId) : undefined;
    if (!user) throw notFound(`Specified user does not exist or you do not have required permissions`);
    return ok(this.userJson(user, true));
  }

  private searchUsers(ctx: RequestContext): FakeResponse {
    const text = (ctx.query.get('query') ?? ctx.query.get('username') ?? '').toLowerCase();
    const accountId = ctx.query.get('accountId');
    const users = [...this.users.values()].filter(
      (u) =>
        (accountId ? u.accountId === accountId : true) &&
        (text === '' ||
          u.displayName.toLowerCase().includes(text) ||
          (u.emailAddress ?? '').toLowerCase().startsWith(text)),
    );
    return ok(users.map((u) => this.userJson(u, false)));
  }

  // ------------------------------------------------------------------------------------------------------------
  // Search
  // ------------------------------------------------------------------------------------------------------------

  private searchParamsFromQuery(query: URLSearchParams): SearchParams {
    return {
      jql: query.get('jql') ?? '',
      nextPageToken: query.get('nextPageToken') ?? undefined,
      maxResults: query.get('maxResults'),
      fields: listParam(query, 'fields'),
      expand: listParam(query, 'expand'),
      properties: listParam(query, 'properties'),
      reconcileIssues: listParam(query, 'reconcileIssues'),
    };
  }

  private searchParamsFromBody(body: unknown): SearchParams {
    const input = isRecord(body) ? body : {};
    const list = (value: unknown): string[] =>
      Array.isArray(value)
        ? value.filter((v): v is string => typeof v === 'string').flatMap((v) => v.split(','))
        : typeof value === 'string'
          ? value.split(',')
          : [];
    return {
      jql: asString(input.jql) ?? '',
      nextPageToken: asString(input.nextPageToken),
      maxResults: input.maxResults === undefined ? null : String(input.maxResults),
      fields: list(input.fields)
        .map((f) => f.trim())
        .filter(Boolean),
      expand: list(input.expand)
        .map((f) => f.trim())
        .filter(Boolean),
      properties: list(input.properties)
        .map((f) => f.trim())
        .filter(Boolean),
      reconcileIssues: Array.isArray(input.reconcileIssues)
        ? input.reconcileIssues.map((id) => asString(id)).filter((id): id is string => id !== undefined)
        : [],
    };
  }

  /** Issues matching a JQL query, in its order; throws a Jira-style 400 for JQL it cannot handle. */
  searchJql(jql: string, actor?: JiraUserRecord, reconcileIssues: string[] = []): JiraIssueRecord[] {
    const parsed = JqlParser.parse(jql);
    if (!parsed.where) {
      throw badRequest(
        'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.',
      );
    }
    const ctx: JqlContext = { fake: this, now: this.now(), actor: actor ?? this.personFor(undefined) };
    const predicate = compileJql(parsed.where, ctx);
    const comparator = compileOrderBy(parsed.orderBy, this);
    const indexedBefore = ctx.now - this.searchIndexLagMs;
    const indexed = (issue: JiraIssueRecord) =>
      this.searchIndexLagMs <= 0 || issue.created <= indexedBefore || reconcileIssues.includes(issue.id);
    return [...this.issues.values()].filter((issue) => indexed(issue) && predicate(issue)).sort(comparator);
  }

  private search(ctx: RequestContext, params: SearchParams): FakeResponse {
    const issues = this.searchJql(params.jql, ctx.actor, params.reconcileIssues);
    const maxResults = Math.min(Math.max(numberParam(params.maxResults, 50), 1), 5000);
    const jqlHash = createHash('sha256').update(params.jql).digest('hex').slice(0, 16);
    let offset = 0;
    if (params.nextPageToken) {
      offset = decodePageToken(params.nextPageToken, jqlHash);
    }
    const page = issues.slice(offset, offset + maxResults);
    const isLast = offset + page.length >= issues.length;
    const fields = params.fields.length > 0 ? params.fields : ['id'];
    const idOnly = fields.every((field) => field === 'id');
    const response: Json = {
      issues: page.map((issue) =>
        idOnly
          ? { id: issue.id }
          : this.serializeIssue(issue, { fields, expand: params.expand, properties: params.properties }),
      ),
    };
    if (!isLast) response.nextPageToken = encodePageToken(offset + page.length, jqlHash);
    response.isLast = isLast;
    return ok(response);
  }

  private approximateCount(ctx: RequestContext): FakeResponse {
    const body = isRecord(ctx.body) ? ctx.body : {};
    return ok({ count: this.searchJql(asString(body.jql) ?? '', ctx.actor).length });
  }

  private searchIds(ctx: RequestContext): FakeResponse {
    const body = isRecord(ctx.body) ? ctx.body : {};
    const jql = asString(body.jql) ?? '';
    const issues = this.searchJql(jql, ctx.actor);
    const maxResults = Math.min(Math.max(numberParam(asString(body.maxResults) ?? null, 1000), 1), 5000);
    const jqlHash = createHash('sha256').update(jql).digest('hex').slice(0, 16);
    const token = asString(body.nextPageToken);
    const offset = token ? decodePageToken(token, jqlHash) : 0;
    const page = issues.slice(offset, offset + maxResults);
    const response: Json = { issueIds: page.map((issue) => Number(issue.id)) };
    if (offset + page.length < issues.length)
      response.nextPageToken = encodePageToken(offset + page.length, jqlHash);
    return ok(response);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Serialisation
  // ------------------------------------------------------------------------------------------------------------

  private base(): string {
    try {
      return this.url;
    } catch {
      return 'http://jira.local';
    }
  }

  private issueSelf(issue: JiraIssueRecord, apiVersion = 3): string {
    return `${this.base()}/rest/api/${apiVersion}/issue/${issue.id}`;
  }

  private avatarUrls(kind: string, id: string): Json {
    const base = `${this.base()}/secure/${kind}avatar?avatarId=${id}`;
    return {
      '48x48': base,
      '24x24': `${base}&size=small`,
      '16x16': `${base}&size=xsmall`,
      '32x32': `${base}&size=medium`,
    };
  }

  userJson(user: JiraUserRecord, full: boolean): Json {
    const json: Json = {
      self: `${this.base()}/rest/api/3/user?accountId=${encodeURIComponent(user.accountId)}`,
      accountId: user.accountId,
      accountType: 'atlassian',
      ...(user.emailAddress ? { emailAddress: user.emailAddress } : {}),
      avatarUrls: this.avatarUrls('user', user.accountId.slice(-6)),
      displayName: user.displayName,
      active: user.active,
      timeZone: user.timeZone,
    };
    if (full) {
      json.locale = 'en_US';
      json.groups = { size: 1, items: [] };
      json.applicationRoles = { size: 1, items: [] };
      json.expand = 'groups,applicationRoles';
    }
    return json;
  }

  private serverInfo(): Json {
    const now = this.now();
    return {
      baseUrl: this.base(),
      displayUrl: this.base(),
      version: '1001.0.0-SNAPSHOT',
      versionNumbers: [1001, 0, 0],
      deploymentType: 'Cloud',
      buildNumber: 100289,
      buildDate: '2026-01-01T00:00:00.000+0000',
      serverTime: jiraDateTime(now),
      scmInfo: 'frontline-sandbox',
      serverTitle: 'Jira',
      defaultLocale: { locale: 'en_US' },
      serverTimeZone: 'Etc/UTC',
    };
  }

  private projectJson(project: JiraProjectRecord, full: boolean): Json {
    const json: Json = {
      expand: 'description,lead,issueTypes,url,projectKeys,permissions,insight',
      self: `${this.base()}/rest/api/3/project/${project.id}`,
      id: project.id,
      key: project.key,
      name: project.name,
      avatarUrls: this.avatarUrls('project', project.id),
      projectTypeKey: 'software',
      simplified: false,
      style: 'classic',
      isPrivate: false,
      properties: {},
    };
    if (full) {
      const lead = this.personFor(undefined);
      json.description = '';
      json.lead = this.userJson(lead, false);
      json.components = [];
      json.issueTypes = this.issueTypes.map((t) => this.issueTypeJson(t));
      json.assigneeType = 'UNASSIGNED';
      json.versions = this.versions.filter((v) => v.projectId === project.id).map((v) => this.versionJson(v));
      json.roles = {};
    }
    return json;
  }

  private issueTypeJson(type: JiraIssueTypeRecord): Json {
    return {
      self: `${this.base()}/rest/api/3/issuetype/${type.id}`,
      id: type.id,
      description: type.description,
      iconUrl: `${this.base()}/rest/api/2/universal_avatar/view/type/issuetype/avatar/${type.id}?size=medium`,
      name: type.name,
      subtask: false,
      avatarId: Number(type.id),
      hierarchyLevel: 0,
    };
  }

  private categoryJson(key: string): Json {
    const category = CATEGORIES[key as JiraStatusCategoryKey];
    return {
      self: `${this.base()}/rest/api/3/statuscategory/${category.id}`,
      id: category.id,
      key,
      colorName: category.colorName,
      name: category.name,
    };
  }

  private statusJson(status: JiraStatusRecord): Json {
    return {
      self: `${this.base()}/rest/api/3/status/${status.id}`,
      description: '',
      iconUrl: `${this.base()}/images/icons/statuses/generic.png`,
      name: status.name,
      id: status.id,
      statusCategory: this.categoryJson(status.category),
    };
  }

  private transitionJson(status: JiraStatusRecord): Json {
    return {
      id: status.transitionId,
      name: status.name,
      to: this.statusJson(status),
      hasScreen: false,
      isGlobal: true,
      isInitial: false,
      isAvailable: true,
      isConditional: false,
      isLooped: false,
    };
  }

  private priorityJson(priority: JiraPriorityRecord): Json {
    return {
      self: `${this.base()}/rest/api/3/priority/${priority.id}`,
      iconUrl: `${this.base()}/images/icons/priorities/${priority.name.toLowerCase()}.svg`,
      name: priority.name,
      id: priority.id,
    };
  }

  private resolutionJson(resolution: JiraResolutionRecord): Json {
    return {
      self: `${this.base()}/rest/api/3/resolution/${resolution.id}`,
      id: resolution.id,
      description: resolution.description,
      name: resolution.name,
    };
  }

  private versionJson(version: JiraVersionRecord): Json {
    const today = new Date(this.now()).toISOString().slice(0, 10);
    return {
      self: `${this.base()}/rest/api/3/version/${version.id}`,
      id: version.id,
      ...(version.description !== undefined ? { description: version.description } : {}),
      name: version.name,
      archived: version.archived,
      released: version.released,
      ...(version.startDate ? { startDate: version.startDate } : {}),
      ...(version.releaseDate
        ? { releaseDate: version.releaseDate, overdue: !version.released && version.releaseDate < today }
        : {}),
      projectId: Number(version.projectId),
    };
  }

  private linkTypeJson(type: (typeof LINK_TYPES)[number]): Json {
    return {
      id: type.id,
      name: type.name,
      inward: type.inward,
      outward: type.outward,
      self: `${this.base()}/rest/api/3/issueLinkType/${type.id}`,
    };
  }

  private issueLinkJson(link: JiraIssueLinkRecord, perspective?: JiraIssueRecord): Json {
    const type = LINK_TYPES.find((t) => t.name === link.typeName) ?? LINK_TYPES[3];
    const inward = [...this.issues.values()].find((i) => i.id === link.inwardIssueId);
    const outward = [...this.issues.values()].find((i) => i.id === link.outwardIssueId);
    const brief = (issue: JiraIssueRecord | undefined) =>
      issue
        ? {
            id: issue.id,
            key: issue.key,
            self: this.issueSelf(issue),
            fields: {
              summary: issue.summary,
              status: this.statusJson(issue.status),
              priority: this.priorityJson(issue.priority),
              issuetype: this.issueTypeJson(issue.issueType),
            },
          }
        : undefined;
    const json: Json = {
      id: link.id,
      self: `${this.base()}/rest/api/3/issueLink/${link.id}`,
      type: type ? this.linkTypeJson(type) : {},
    };
    if (!perspective || perspective.id !== link.inwardIssueId) json.inwardIssue = brief(inward);
    if (!perspective || perspective.id !== link.outwardIssueId) json.outwardIssue = brief(outward);
    return json;
  }

  private commentJson(issue: JiraIssueRecord, comment: JiraCommentRecord): Json {
    return {
      self: `${this.issueSelf(issue)}/comment/${comment.id}`,
      id: comment.id,
      author: this.userJson(comment.author, false),
      body: comment.body,
      updateAuthor: this.userJson(comment.updateAuthor, false),
      created: jiraDateTime(comment.created),
      updated: jiraDateTime(comment.updated),
      jsdPublic: true,
    };
  }

  private remoteLinkJson(issue: JiraIssueRecord, link: JiraRemoteLinkRecord): Json {
    return {
      id: link.id,
      self: `${this.issueSelf(issue)}/remotelink/${link.id}`,
      ...(link.globalId !== undefined ? { globalId: link.globalId } : {}),
      ...(link.application !== undefined ? { application: link.application } : { application: {} }),
      ...(link.relationship !== undefined ? { relationship: link.relationship } : {}),
      object: link.object,
    };
  }

  private changelogJson(entry: JiraChangelogEntry): Json {
    return {
      id: entry.id,
      author: this.userJson(entry.author, false),
      created: jiraDateTime(entry.created),
      items: entry.items.map((item) => ({ ...item })),
    };
  }

  /** Every field of an issue, keyed by field id, in Jira's representation. */
  private allFields(issue: JiraIssueRecord): Json {
    const project = issue.project;
    return {
      statuscategorychangedate: jiraDateTime(issue.statusCategoryChanged),
      issuetype: this.issueTypeJson(issue.issueType),
      timespent: null,
      project: this.projectJson(project, false),
      fixVersions: issue.fixVersions.map((v) => {
        const json = this.versionJson(v);
        delete json.projectId;
        delete json.overdue;
        return json;
      }),
      aggregatetimespent: null,
      resolution: issue.resolution ? this.resolutionJson(issue.resolution) : null,
      resolutiondate: issue.resolutionDate === null ? null : jiraDateTime(issue.resolutionDate),
      workratio: -1,
      watches: { self: `${this.issueSelf(issue)}/watchers`, watchCount: 1, isWatching: true },
      lastViewed: null,
      created: jiraDateTime(issue.created),
      priority: this.priorityJson(issue.priority),
      labels: [...issue.labels],
      aggregatetimeoriginalestimate: null,
      timeestimate: null,
      versions: [],
      issuelinks: this.issueLinks
        .filter((l) => l.inwardIssueId === issue.id || l.outwardIssueId === issue.id)
        .map((l) => this.issueLinkJson(l, issue)),
      assignee: issue.assignee ? this.userJson(issue.assignee, false) : null,
      updated: jiraDateTime(issue.updated),
      status: this.statusJson(issue.status),
      components: [],
      timeoriginalestimate: null,
      description: issue.description,
      timetracking: {},
      security: null,
      attachment: [],
      aggregatetimeestimate: null,
      summary: issue.summary,
      creator: this.userJson(issue.creator, false),
      subtasks: [],
      reporter: this.userJson(issue.reporter, false),
      aggregateprogress: { progress: 0, total: 0 },
      environment: null,
      duedate: issue.duedate,
      progress: { progress: 0, total: 0 },
      votes: { self: `${this.issueSelf(issue)}/votes`, votes: 0, hasVoted: false },
      comment: {
        comments: issue.comments.map((c) => this.commentJson(issue, c)),
        self: `${this.issueSelf(issue)}/comment`,
        maxResults: issue.comments.length,
        total: issue.comments.length,
        startAt: 0,
      },
      worklog: { startAt: 0, maxResults: 20, total: 0, worklogs: [] },
      ...issue.customFields,
    };
  }

  private selectFields(issue: JiraIssueRecord, requested: string[]): Json {
    const all = this.allFields(issue);
    const include = new Set<string>();
    const exclude = new Set<string>();
    for (const field of requested) {
      if (field === '*all') for (const name of Object.keys(all)) include.add(name);
      else if (field === '*navigable') {
        for (const name of Object.keys(all)) if (!NON_NAVIGABLE_FIELDS.has(name)) include.add(name);
      } else if (field.startsWith('-')) exclude.add(field.slice(1));
      else include.add(field);
    }
    if (include.size === 0 && exclude.size > 0) {
      for (const name of Object.keys(all)) if (!NON_NAVIGABLE_FIELDS.has(name)) include.add(name);
    }
    const selected: Json = {};
    for (const name of include) {
      if (exclude.has(name) || !(name in all)) continue;
      selected[name] = all[name];
    }
    return selected;
  }

  private serializeIssue(
    issue: JiraIssueRecord,
    options: { fields: string[]; expand?: string[]; properties?: string[] },
  ): Json {
    const json: Json = {
      expand: ISSUE_EXPAND,
      id: issue.id,
      self: this.issueSelf(issue),
      key: issue.key,
    };
    const expand = new Set(options.expand ?? []);
    if (expand.has('transitions')) {
      json.transitions = this.statuses.filter((s) => s !== issue.status).map((s) => this.transitionJson(s));
    }
    if (expand.has('names')) {
      json.names = Object.fromEntries(
        Object.keys(this.allFields(issue)).map((name) => [name, fieldDisplayName(name)]),
      );
    }
    if (expand.has('renderedFields')) {
      json.renderedFields = {
        description: issue.description ? `<p>${escapeHtml(adfToText(issue.description).trim())}</p>` : null,
      };
    }
    if (expand.has('changelog')) {
      const histories = [...issue.changelog].reverse().map((entry) => this.changelogJson(entry));
      json.changelog = { startAt: 0, maxResults: histories.length, total: histories.length, histories };
    }
    const properties = options.properties ?? [];
    if (properties.length > 0) {
      const all = properties.includes('*all');
      json.properties = Object.fromEntries(
        [...issue.properties.entries()].filter(([key]) => all || properties.includes(key)),
      );
    }
    json.fields = this.selectFields(issue, options.fields);
    return json;
  }

  // ------------------------------------------------------------------------------------------------------------
  // Webhooks
  // ------------------------------------------------------------------------------------------------------------

  private issuePayload(
    event: JiraWebhookEvent,
    issue: JiraIssueRecord,
    actor: JiraUserRecord,
    changelog?: JiraChangelogEntry,
    timestamp?: number,
    eventTypeName?: string,
  ): Json {
    const typeName =
      eventTypeName ??
      (event === 'jira:issue_created'
        ? 'issue_created'
        : event === 'jira:issue_deleted'
          ? 'issue_deleted'
          : changelog?.items.some((item) => item.field === 'status')
            ? 'issue_generic'
            : changelog?.items.length === 1 && changelog.items[0]?.field === 'assignee'
              ? 'issue_assigned'
              : 'issue_updated');
    const payload: Json = {
      timestamp: timestamp ?? this.now(),
      webhookEvent: event,
      issue_event_type_name: typeName,
      user: this.userJson(actor, false),
      issue: {
        id: issue.id,
        self: this.issueSelf(issue, 2),
        key: issue.key,
        fields: this.selectFields(issue, ['*navigable']),
      },
    };
    if (changelog) {
      payload.changelog = { id: changelog.id, items: changelog.items.map((item) => ({ ...item })) };
    }
    return payload;
  }

  private commentPayload(
    event: JiraWebhookEvent,
    issue: JiraIssueRecord,
    comment: JiraCommentRecord,
    timestamp?: number,
  ): Json {
    const fields = this.selectFields(issue, [
      'summary',
      'issuetype',
      'project',
      'assignee',
      'priority',
      'status',
    ]);
    const commentJson = this.commentJson(issue, comment);
    commentJson.self = `${this.issueSelf(issue, 2)}/comment/${comment.id}`;
    return {
      timestamp: timestamp ?? this.now(),
      webhookEvent: event,
      comment: commentJson,
      issue: { id: issue.id, self: this.issueSelf(issue, 2), key: issue.key, fields },
    };
  }

  private sign(
    event: JiraWebhookEvent,
    payload: Json,
    options: BuildWebhookOptions = {},
  ): JiraWebhookMessage {
    const body = JSON.stringify(payload);
    const identifier = options.identifier ?? randomUUID();
    const secret = options.secret ?? this.webhookTarget?.secret;
    const headers: Record<string, string> = {
      'Content-Type': 'application/json; charset=utf-8',
      'User-Agent': 'Atlassian Webhook HTTP Client',
      'X-Atlassian-Webhook-Identifier': identifier,
      'X-Atlassian-Webhook-Flow': 'Primary',
    };
    if (options.retry !== undefined && options.retry > 0)
      headers['X-Atlassian-Webhook-Retry'] = String(options.retry);
    if (secret)
      headers['X-Hub-Signature'] = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    return { event, identifier, payload, body, headers };
  }

  private deliveryRecord(
    body: string,
    headers: Record<string, string>,
    url: string,
  ): JiraWebhookDeliveryRecord {
    let payload: Json = {};
    try {
      const parsed: unknown = JSON.parse(body);
      if (isRecord(parsed)) payload = parsed;
    } catch {
      // A tampered body is still delivered as is.
    }
    const identifier =
      Object.entries(headers).find(
        ([name]) => name.toLowerCase() === 'x-atlassian-webhook-identifier',
      )?.[1] ?? '';
    return {
      event: (asString(payload.webhookEvent) ?? 'jira:issue_updated') as JiraWebhookEvent,
      identifier,
      payload,
      body,
      headers,
      url,
      attempts: [],
    };
  }

  private async post(
    url: string,
    body: string,
    headers: Record<string, string>,
  ): Promise<{ status?: number; error?: string; at: number }> {
    const at = Date.now();
    try {
      const response = await fetch(url, {
        method: 'POST',
        body,
        headers,
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer().catch(() => undefined);
      return { status: response.status, at };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error), at };
    }
  }

  /** Sends a payload to the webhook target (with retries); resolves once delivered or given up. */
  private async emit(payload: Json): Promise<JiraWebhookDeliveryRecord | undefined> {
    const target = this.webhookTarget;
    if (!target) return undefined;
    const event = asString(payload.webhookEvent) as JiraWebhookEvent;
    if (target.events && !target.events.includes(event)) return undefined;
    const message = this.sign(event, payload);
    const record: JiraWebhookDeliveryRecord = { ...message, url: target.url, attempts: [] };
    this.webhookDeliveries.push(record);
    const retryable = (status: number | undefined) =>
      status === undefined || status >= 500 || [408, 409, 425, 429].includes(status);
    for (let attempt = 0; ; attempt += 1) {
      const headers =
        attempt === 0
          ? message.headers
          : { ...message.headers, 'X-Atlassian-Webhook-Retry': String(attempt) };
      const result = await this.post(target.url, message.body, headers);
      record.attempts.push(result);
      record.status = result.status;
      record.error = result.error;
      if (!retryable(result.status) || attempt >= this.webhookRetry.maxRetries) break;
      await sleep(this.webhookRetry.delayMs * 2 ** attempt);
    }
    return record;
  }

  private emitInBackground(payload: Json): void {
    void this.emit(payload).catch(() => undefined);
  }

  private async controlResult(
    issue: JiraIssueRecord,
    actor: JiraUserRecord,
    changelog: JiraChangelogEntry | undefined,
    options: JiraControlOptions,
  ): Promise<JiraControlResult> {
    const result: JiraControlResult = { issue, changelog };
    if (changelog && (options.webhook ?? this.webhookTarget !== undefined)) {
      result.delivery = await this.emit(this.issuePayload('jira:issue_updated', issue, actor, changelog));
    }
    return result;
  }

  // ------------------------------------------------------------------------------------------------------------
  // Helpers
  // ------------------------------------------------------------------------------------------------------------

  private seed(): void {
    const projects = this.options.projects ?? [{ key: 'RCA', name: 'Root Cause Analysis' }];
    projects.forEach((spec, index) => {
      this.projects.push({
        id: spec.id ?? String(10000 + index),
        key: spec.key.toUpperCase(),
        name: spec.name ?? spec.key,
      });
    });
    for (const user of this.options.users ?? []) this.addUser(user);
  }

  /** The person a test-side change is attributed to. */
  private personFor(displayName: string | undefined): JiraUserRecord {
    const name = displayName ?? 'Jira Admin';
    return this.findUser(name) ?? this.addUser({ displayName: name });
  }

  private issueOr404(keyOrId: string): JiraIssueRecord {
    const issue = this.findIssue(keyOrId);
    if (!issue) throw notFound(NOT_FOUND_ISSUE);
    return issue;
  }

  private projectOr404(keyOrId: string): JiraProjectRecord {
    const value = keyOrId.trim();
    const project = this.projects.find((p) => p.id === value || p.key.toLowerCase() === value.toLowerCase());
    if (!project) throw notFound(`No project could be found with key '${keyOrId}'.`);
    return project;
  }

  private resolveProject(value: unknown): JiraProjectRecord | undefined {
    if (!isRecord(value)) return undefined;
    const id = asString(value.id);
    const key = asString(value.key);
    if (id !== undefined) return this.projects.find((p) => p.id === id);
    if (key !== undefined) return this.projects.find((p) => p.key.toLowerCase() === key.toLowerCase());
    return undefined;
  }

  private resolveNamed<T extends { id: string; name: string }>(value: unknown, list: T[]): T | undefined {
    if (!isRecord(value)) return undefined;
    const id = asString(value.id);
    const name = asString(value.name);
    if (id !== undefined) return list.find((item) => item.id === id);
    if (name !== undefined) return list.find((item) => item.name.toLowerCase() === name.toLowerCase());
    return undefined;
  }
}

interface SearchParams {
  jql: string;
  nextPageToken?: string;
  maxResults: string | null;
  fields: string[];
  expand: string[];
  properties: string[];
  reconcileIssues: string[];
}

function ok(body: unknown): FakeResponse {
  return { status: 200, body };
}

function searchGone(): FakeResponse {
  return {
    status: 410,
    body: {
      errorMessages: [
        'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.',
      ],
      errors: {},
    },
  };
}

function change(
  field: string,
  from: string | null,
  fromText: string | null,
  to: string | null,
  toText: string | null,
): JiraChangeItem {
  return { field, fieldtype: 'jira', fieldId: field, from, fromString: fromText, to, toString: toText };
}

function encodePageToken(offset: number, jqlHash: string): string {
  return Buffer.from(JSON.stringify({ o: offset, q: jqlHash })).toString('base64url');
}

function decodePageToken(token: string, jqlHash: string): number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (isRecord(parsed) && typeof parsed.o === 'number' && parsed.q === jqlHash) return parsed.o;
  } catch {
    // Fall through to the error below.
  }
  throw badRequest('The provided next page token is invalid or expired.');
}

function fieldDisplayName(id: string): string {
  const names: Record<string, string> = {
    issuetype: 'Issue Type',
    fixVersions: 'Fix versions',
    duedate: 'Due date',
    resolutiondate: 'Resolved',
    statuscategorychangedate: 'Status Category Changed',
    issuelinks: 'Linked Issues',
  };
  return names[id] ?? id.charAt(0).toUpperCase() + id.slice(1);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
