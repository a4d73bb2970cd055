import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AnyBlock, MessageMetadata, PlainTextElement } from '@slack/types';
import { type FakeResponse, HttpFake, type HttpFakeOptions, type RecordedRequest } from './http-fake.js';
import { IdFiller, validateBlocks, validateView } from './slack/blocks.js';
import { invalidArguments, invalidBlocks, SlackApiError } from './slack/errors.js';
import { SocketModeServer } from './slack/socket-mode.js';
import type {
  RecordedCall,
  SlackChannelSeed,
  SlackConversation,
  SlackEphemeral,
  SlackFakeChange,
  SlackFileObject,
  SlackMessage,
  SlackUploadedFile,
  SlackUserObject,
  SlackUserSeed,
  SlackViewOutput,
  ViewResponseOutcome,
  ViewStateValues,
} from './slack/types.js';
import { buildState } from './slack/view-state.js';
import {
  ArgumentError,
  bool,
  compareTs,
  decodeCursor,
  encodeCursor,
  int,
  isRec,
  JSON_ARGUMENTS,
  jsonArg,
  list,
  parseMultipart,
  permalinkTs,
  type Rec,
  readArguments,
  readToken,
  str,
} from './slack/wire.js';

export {
  blocksText,
  type FoundElement,
  findAction,
  findBlock,
  findBlocksByType,
  findButton,
  interactiveElements,
  optionsOf,
} from './slack/blocks.js';
export * from './slack/types.js';
export { type ElementInput, InputError } from './slack/view-state.js';

/**
 * A stateful local stand-in for Slack's Web API. The real `@slack/web-api` WebClient (and Bolt's) talks to it over
 * HTTP at `${fake.url}/api/`; it keeps users, channels, messages, threads, ephemerals, modals, App Home tabs and
 * files, answers with Slack's response bodies and error codes, rate-limits `chat.postMessage` per channel, serves
 * the `response_url`s and file upload URLs the driver hands out, and reports every state change on `events`.
 */

export interface SlackFakeOptions extends HttpFakeOptions {
  /** The only token accepted when set; any token is accepted otherwise (but one is required). */
  botToken?: string;
  /** The only app-level token (`xapp-…`) `apps.connections.open` accepts when set; any `xapp-` token otherwise. */
  appToken?: string;
  teamId?: string;
  teamName?: string;
  /** The workspace subdomain used in permalinks and `auth.test`'s url. */
  teamDomain?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  /** The bot user's name. */
  botName?: string;
  /** Clock in milliseconds, for message timestamps, trigger expiry, rate limits and response_url expiry. */
  now?: () => number;
  /** Per-channel token bucket on `chat.postMessage`; `false` turns it off. Default: 1 per second, burst 3. */
  rateLimit?: { perChannelPerSecond: number; burst: number } | false;
  /** Unknown channels (and users) are errors instead of being created on first use. */
  strictChannels?: boolean;
  /** How long a trigger id issued by {@link SlackFake.issueTrigger} stays usable. Default 3000 ms. */
  triggerTtlMs?: number;
}

interface ChannelState {
  info: SlackConversation;
  members: Set<string>;
  /** Top-level messages and thread replies, oldest first. */
  messages: SlackMessage[];
}

interface StoredView {
  view: SlackViewOutput;
  user: string;
  open: boolean;
  errors: Record<string, string> | null;
}

interface ResponseUrlTarget {
  channel: string;
  user: string;
  /** The message the interaction came from, if any. */
  messageTs?: string;
  /** Whether `messageTs` names an ephemeral message. */
  ephemeral: boolean;
  threadTs?: string;
  createdAt: number;
  uses: number;
}

interface ApiCall {
  method: string;
  args: Rec;
  token: string | undefined;
  request: RecordedRequest;
}

type Handler = (call: ApiCall) => Rec | Promise<Rec>;

const SLACKBOT_ID = 'USLACKBOT';
const RESPONSE_URL_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;
const MAX_TEXT = 40_000;
const MAX_VIEW_STACK = 3;

export class SlackFake extends HttpFake {
  /** Emits `'change'` with a {@link SlackFakeChange} for every state change. */
  readonly events = new EventEmitter();
  readonly teamId: string;
  readonly teamName: string;
  readonly teamDomain: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  readonly botName: string;
  botToken: string | undefined;
  appToken: string | undefined;
  /** Slack's Socket Mode side: connections opened with `apps.connections.open`, and envelopes sent over them. */
  readonly socketMode: SocketModeServer;
  strictChannels: boolean;
  rateLimit: { perChannelPerSecond: number; burst: number } | false;
  triggerTtlMs: number;

  private readonly clock: () => number;
  private readonly idFiller = new IdFiller();
  private readonly counters = new Map<string, number>();
  private lastTsMicros = 0;
  private readonly users = new Map<string, SlackUserObject>();
  private readonly usergroups = new Map<
    string,
    { id: string; handle: string; name: string; users: string[] }
  >();
  private readonly channels = new Map<string, ChannelState>();
  private readonly ims = new Map<string, string>();
  private ephemeralList: SlackEphemeral[] = [];
  private readonly views = new Map<string, StoredView>();
  private readonly stacks = new Map<string, string[]>();
  private readonly homes = new Map<string, string>();
  private readonly triggers = new Map<string, { user: string; issuedAt: number; exchanged: boolean }>();
  private lastTriggerUser: string | undefined;
  private readonly responseUrls = new Map<string, ResponseUrlTarget>();
  private readonly uploads = new Map<string, SlackUploadedFile>();
  private readonly uploadTokens = new Map<string, string>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly recordedCalls: RecordedCall[] = [];
  private readonly methods: Record<string, Handler>;

  constructor(options: SlackFakeOptions = {}) {
    super(options);
    this.botToken = options.botToken;
    this.appToken = options.appToken;
    this.teamId = options.teamId ?? 'T0FRONTLINE';
    this.teamName = options.teamName ?? 'Frontline';
    this.teamDomain = options.teamDomain ?? 'frontline';
    this.botUserId = options.botUserId ?? 'U0BOT';
    this.botId = options.botId ?? 'B0BOT';
    this.appId = options.appId ?? 'A0FRONTLINE';
    this.botName = options.botName ?? 'frontline';
    this.clock = options.now ?? Date.now;
    this.rateLimit =
      options.rateLimit === undefined ? { perChannelPerSecond: 1, burst: 3 } : options.rateLimit;
    this.strictChannels = options.strictChannels ?? false;
    this.triggerTtlMs = options.triggerTtlMs ?? 3000;
    this.events.setMaxListeners(100);
    this.methods = this.buildMethods();
    this.seedBuiltInUsers();
    this.socketMode = new SocketModeServer({ appId: this.appId, now: this.clock });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Server plumbing

  protected async handle(request: RecordedRequest): Promise<FakeResponse> {
    const { path } = request;
    if (path.startsWith('/api/')) return this.handleApi(request, path.slice('/api/'.length));
    if (path.startsWith('/upload/v1/')) return this.handleUpload(request, path);
    if (path.startsWith('/response/'))
      return this.handleResponseUrl(request, path.slice('/response/'.length));
    if (path.startsWith('/files-pri/')) return this.serveFile(path);
    return { status: 404, body: { ok: false, error: 'not_found' } };
  }

  protected override upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.socketMode.upgrade(request, socket, head);
  }

  override async stop(): Promise<void> {
    this.socketMode.close();
    await super.stop();
  }

  private async handleApi(request: RecordedRequest, method: string): Promise<FakeResponse> {
    let args: Rec;
    try {
      args = readArguments(request);
    } catch {
      return { status: 200, body: { ok: false, error: 'invalid_json' } };
    }
    const token = readToken(request, args);
    delete args.token;
    for (const key of Object.keys(args)) {
      const value = args[key];
      if (JSON_ARGUMENTS.has(key) && typeof value === 'string' && value !== '') {
        try {
          args[key] = JSON.parse(value);
        } catch {
          // left as the string; the method answers with its own error
        }
      }
    }
    const call: RecordedCall = { method, args, token, at: this.clock(), ok: false };
    this.recordedCalls.push(call);
    try {
      const handler = Object.hasOwn(this.methods, method) ? this.methods[method] : undefined;
      if (!handler) {
        throw new SlackApiError('unknown_method', { req_method: method });
      }
      if (method === 'apps.connections.open') this.authenticateApp(token);
      else if (method !== 'api.test') this.authenticate(token);
      const result = await handler({ method, args, token, request });
      call.ok = true;
      return { status: 200, body: { ok: true, ...result } };
    } catch (error) {
      if (error instanceof ArgumentError) {
        call.error = error.error;
        return { status: 200, body: { ok: false, error: error.error } };
      }
      if (error instanceof SlackApiError) {
        call.error = error.error;
        return {
          status: error.status,
          headers: error.headers,
          body: { ok: false, error: error.error, ...error.extra },
        };
      }
      throw error;
    }
  }

  private authenticate(token: string | undefined): void {
    if (!token) throw new SlackApiError('not_authed');
    if (this.botToken !== undefined && token !== this.botToken) throw new SlackApiError('invalid_auth');
  }

  /** Socket Mode takes the app-level token; a bot token is the wrong kind. */
  private authenticateApp(token: string | undefined): void {
    if (!token) throw new SlackApiError('not_authed');
    if (!token.startsWith('xapp-')) throw new SlackApiError('not_allowed_token_type');
    if (this.appToken !== undefined && token !== this.appToken) throw new SlackApiError('invalid_auth');
  }

  private buildMethods(): Record<string, Handler> {
    return {
      'api.test': ({ args }) => ({ args }),
      'apps.connections.open': () => ({ url: this.socketMode.issueUrl(this.url) }),
      'auth.test': () => this.authTest(),
      'team.info': () => ({ team: this.teamObject() }),
      'users.info': ({ args }) => this.usersInfo(args),
      'users.list': ({ args }) => this.usersList(args),
      'users.lookupByEmail': ({ args }) => this.usersLookupByEmail(args),
      'usergroups.list': ({ args }) => this.usergroupsList(args),
      'usergroups.users.list': ({ args }) => this.usergroupsUsersList(args),
      'conversations.info': ({ args }) => this.conversationsInfo(args),
      'conversations.list': ({ args }) => this.conversationsList(args),
      'conversations.create': ({ args }) => this.conversationsCreate(args),
      'conversations.invite': ({ args }) => this.conversationsInvite(args),
      'conversations.join': ({ args }) => this.conversationsJoin(args),
      'conversations.members': ({ args }) => this.conversationsMembers(args),
      'conversations.open': ({ args }) => this.conversationsOpen(args),
      'conversations.history': ({ args }) => this.conversationsHistory(args),
      'conversations.replies': ({ args }) => this.conversationsReplies(args),
      'chat.postMessage': ({ args }) => this.chatPostMessage(args),
      'chat.update': ({ args }) => this.chatUpdate(args),
      'chat.delete': ({ args }) => this.chatDelete(args),
      'chat.postEphemeral': ({ args }) => this.chatPostEphemeral(args),
      'chat.getPermalink': ({ args }) => this.chatGetPermalink(args),
      'reactions.add': ({ args }) => this.reactionsAdd(args),
      'reactions.remove': ({ args }) => this.reactionsRemove(args),
      'views.open': ({ args }) => this.viewsOpen(args),
      'views.push': ({ args }) => this.viewsPush(args),
      'views.update': ({ args }) => this.viewsUpdate(args),
      'views.publish': ({ args }) => this.viewsPublish(args),
      'files.getUploadURLExternal': ({ args }) => this.filesGetUploadUrl(args),
      'files.completeUploadExternal': ({ args }) => this.filesComplete(args),
      'files.info': ({ args }) => this.filesInfo(args),
    };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Ids, clock, events

  private now(): number {
    return this.clock();
  }

  private nextId(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return `${prefix}${n.toString(36).toUpperCase().padStart(10, '0')}`;
  }

  /** A message timestamp: strictly increasing, microseconds after the dot. */
  private nextTs(): string {
    const micros = Math.max(Math.floor(this.now() * 1000), this.lastTsMicros + 1);
    this.lastTsMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  private nextHash(): string {
    const n = (this.counters.get('hash') ?? 0) + 1;
    this.counters.set('hash', n);
    const hex = createHash('md5').update(`view-hash-${n}`).digest('hex').slice(0, 8);
    return `${Math.floor(this.now() / 1000)}.${hex}`;
  }

  private emit(change: SlackFakeChange): void {
    this.events.emit('change', change);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Seeding

  private seedBuiltInUsers(): void {
    this.addUser({
      id: this.botUserId,
      name: this.botName,
      realName: this.teamName,
      isBot: true,
      botId: this.botId,
    });
    this.users.set(SLACKBOT_ID, {
      ...this.userObject({ id: SLACKBOT_ID, name: 'slackbot', realName: 'Slackbot' }),
      // Slack reports its own bot as not a bot.
      is_bot: false,
    });
  }

  addUser(seed: SlackUserSeed): SlackUserObject {
    const user = this.userObject(seed);
    this.users.set(seed.id, user);
    return structuredClone(user);
  }

  addUsergroup(id: string, userIds: string[], options: { handle?: string; name?: string } = {}): void {
    this.usergroups.set(id, {
      id,
      handle: options.handle ?? id.toLowerCase(),
      name: options.name ?? id,
      users: [...userIds],
    });
  }

  addChannel(seed: SlackChannelSeed): SlackConversation {
    const created = Math.floor(this.now() / 1000);
    const members = new Set(seed.members ?? []);
    if (seed.botMember !== false) members.add(this.botUserId);
    const info: SlackConversation = {
      id: seed.id,
      name: seed.name,
      name_normalized: seed.name,
      is_channel: !seed.isPrivate,
      is_group: false,
      is_im: false,
      is_mpim: false,
      is_private: seed.isPrivate ?? false,
      is_archived: seed.isArchived ?? false,
      is_general: false,
      is_shared: false,
      is_ext_shared: false,
      is_org_shared: false,
      is_member: false,
      created,
      creator: seed.members?.[0] ?? this.botUserId,
      topic: { value: seed.topic ?? '', creator: '', last_set: 0 },
      purpose: { value: seed.purpose ?? '', creator: '', last_set: 0 },
      context_team_id: this.teamId,
      previous_names: [],
    };
    this.channels.set(seed.id, { info, members, messages: [] });
    return this.presentChannel(this.channels.get(seed.id) as ChannelState);
  }

  private userObject(seed: SlackUserSeed): SlackUserObject {
    const realName = seed.realName ?? seed.name;
    const displayName = seed.displayName ?? (seed.isBot ? '' : seed.name);
    return {
      id: seed.id,
      team_id: this.teamId,
      name: seed.name,
      deleted: seed.deleted ?? false,
      color: '9f69e7',
      real_name: realName,
      tz: seed.tz ?? 'America/New_York',
      tz_label: 'Eastern Standard Time',
      tz_offset: -18000,
      profile: {
        real_name: realName,
        real_name_normalized: realName,
        display_name: displayName,
        display_name_normalized: displayName,
        ...(seed.email ? { email: seed.email } : {}),
        ...(seed.botId ? { bot_id: seed.botId } : {}),
        team: this.teamId,
        image_48: `https://avatars.slack.example/${seed.id}_48.png`,
        image_72: `https://avatars.slack.example/${seed.id}_72.png`,
      },
      is_admin: seed.isAdmin ?? false,
      is_owner: false,
      is_primary_owner: false,
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: seed.isBot ?? false,
      is_app_user: false,
      updated: Math.floor(this.now() / 1000),
    };
  }

  /** Forgets all state except the bot and Slackbot users; recorded requests and calls are cleared too. */
  reset(): void {
    this.users.clear();
    this.usergroups.clear();
    this.channels.clear();
    this.ims.clear();
    this.ephemeralList = [];
    this.views.clear();
    this.stacks.clear();
    this.homes.clear();
    this.triggers.clear();
    this.lastTriggerUser = undefined;
    this.responseUrls.clear();
    this.uploads.clear();
    this.uploadTokens.clear();
    this.buckets.clear();
    this.recordedCalls.length = 0;
    this.clearRequests();
    this.seedBuiltInUsers();
    this.emit({ kind: 'reset' });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Observation API

  /** Web API calls received (optionally of one method), with decoded arguments. */
  calls(method?: string): RecordedCall[] {
    return this.recordedCalls.filter((call) => method === undefined || call.method === method);
  }

  /** The channel's messages as its history shows them (thread replies left out, broadcasts kept), oldest first. */
  messages(channel: string): SlackMessage[] {
    const state = this.channels.get(this.channelIdFor(channel));
    if (!state) return [];
    return state.messages.filter(isTopLevel).map((m) => this.present(state, m, true));
  }

  /** A thread: the parent then its replies, oldest first; empty when there is no such message. */
  thread(channel: string, ts: string): SlackMessage[] {
    const state = this.channels.get(this.channelIdFor(channel));
    if (!state) return [];
    const parent = state.messages.find((m) => m.ts === ts);
    if (!parent) return [];
    const root = parent.thread_ts ?? parent.ts;
    return state.messages
      .filter((m) => m.ts === root || m.thread_ts === root)
      .map((m) => this.present(state, m, true));
  }

  /** One message (top-level or reply) by channel and ts. */
  message(channel: string, ts: string): SlackMessage | undefined {
    const state = this.channels.get(this.channelIdFor(channel));
    const found = state?.messages.find((m) => m.ts === ts);
    return state && found ? this.present(state, found, true) : undefined;
  }

  /** Ephemeral messages (optionally only those shown to one user), oldest first. */
  ephemerals(user?: string): SlackEphemeral[] {
    return structuredClone(this.ephemeralList.filter((e) => user === undefined || e.user === user));
  }

  ephemeral(ts: string): SlackEphemeral | undefined {
    const found = this.ephemeralList.find((e) => e.ts === ts);
    return found ? structuredClone(found) : undefined;
  }

  /** The user's open modal stack, root first. */
  openViews(user: string): SlackViewOutput[] {
    return (this.stacks.get(user) ?? []).map((id) =>
      structuredClone((this.views.get(id) as StoredView).view),
    );
  }

  /** The user's published App Home view. */
  home(user: string): SlackViewOutput | undefined {
    const id = this.homes.get(user);
    return id ? structuredClone(this.views.get(id)?.view) : undefined;
  }

  /** Any view (open or closed modal, or home tab) by id. */
  view(viewId: string): SlackViewOutput | undefined {
    const stored = this.views.get(viewId);
    return stored ? structuredClone(stored.view) : undefined;
  }

  /** Who a view belongs to and whether it is still open. */
  viewInfo(
    viewId: string,
  ): { user: string; open: boolean; errors: Record<string, string> | null } | undefined {
    const stored = this.views.get(viewId);
    return stored ? { user: stored.user, open: stored.open, errors: stored.errors } : undefined;
  }

  /** The field errors a `response_action: 'errors'` put on the view (keyed by block_id), if any. */
  viewErrors(viewId: string): Record<string, string> | null {
    return this.views.get(viewId)?.errors ?? null;
  }

  /** Uploaded files, with their bytes. */
  get files(): SlackUploadedFile[] {
    return [...this.uploads.values()];
  }

  file(id: string): SlackUploadedFile | undefined {
    return this.uploads.get(id);
  }

  user(id: string): SlackUserObject | undefined {
    const user = this.users.get(id);
    return user ? structuredClone(user) : undefined;
  }

  /** A channel by id or name (`#` optional). */
  channel(idOrName: string): SlackConversation | undefined {
    const state = this.channels.get(this.channelIdFor(idOrName));
    return state ? this.presentChannel(state) : undefined;
  }

  channelMembers(channel: string): string[] {
    return [...(this.channels.get(this.channelIdFor(channel))?.members ?? [])];
  }

  private channelIdFor(idOrName: string): string {
    if (this.channels.has(idOrName)) return idOrName;
    const name = idOrName.replace(/^#/, '');
    for (const state of this.channels.values()) if (state.info.name === name) return state.info.id;
    return idOrName;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // User-side actions (for the driver and the sandbox)

  /** A person posts a message (it appears in history as theirs); the channel is created in lenient mode. */
  postAsUser(input: {
    channel: string;
    user: string;
    text: string;
    threadTs?: string;
    blocks?: AnyBlock[];
  }): SlackMessage {
    const state = this.channelForUserAction(input.channel, input.user);
    const message: SlackMessage = {
      type: 'message',
      ts: this.nextTs(),
      user: input.user,
      text: input.text,
      team: this.teamId,
      client_msg_id: randomUUID(),
      blocks: input.blocks ?? [
        {
          type: 'rich_text',
          block_id: this.idFiller.next(new Set()),
          elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: input.text }] }],
        },
      ],
    };
    if (input.threadTs) message.thread_ts = input.threadTs;
    this.insertMessage(state, message);
    return this.present(state, message, true);
  }

  /** Issues a trigger id for the user, usable once within `triggerTtlMs`, as Slack does for interactions. */
  issueTrigger(user: string): string {
    const n = (this.counters.get('trigger') ?? 0) + 1;
    this.counters.set('trigger', n);
    const hex = createHash('sha1').update(`trigger-${n}-${user}`).digest('hex').slice(0, 32);
    const id = `${1000000 + n}.${Math.floor(this.now() / 1000)}.${hex}`;
    this.triggers.set(id, { user, issuedAt: this.now(), exchanged: false });
    this.lastTriggerUser = user;
    return id;
  }

  /**
   * A `response_url` on this fake for an interaction by `user` in `channel` (from the message `messageTs` when the
   * interaction came from one). Usable five times within 30 minutes, like Slack's.
   */
  responseUrl(target: {
    channel: string;
    user: string;
    messageTs?: string;
    ephemeral?: boolean;
    threadTs?: string;
  }): string {
    const id = randomUUID().replace(/-/g, '');
    const stored: ResponseUrlTarget = {
      channel: target.channel,
      user: target.user,
      ephemeral: target.ephemeral ?? false,
      createdAt: this.now(),
      uses: 0,
    };
    if (target.messageTs !== undefined) stored.messageTs = target.messageTs;
    if (target.threadTs !== undefined) stored.threadTs = target.threadTs;
    this.responseUrls.set(id, stored);
    return `${this.url}/response/${id}`;
  }

  /** A person joins a channel (created first in lenient mode). */
  joinChannel(channel: string, user: string): void {
    this.channelForUserAction(channel, user);
  }

  /** The user's DM channel with the bot (opened if needed). */
  dmChannel(user: string): string {
    return this.openIm(user).info.id;
  }

  /** Replaces a view's `state.values` (the driver does this as the person edits inputs). */
  setViewState(viewId: string, values: ViewStateValues): void {
    const stored = this.views.get(viewId);
    if (!stored) throw new Error(`no view ${viewId}`);
    stored.view.state = { values: structuredClone(values) };
  }

  /**
   * Applies the app's answer to a `view_submission` the way Slack does: `errors` keep the view open with field
   * errors (keys must be input block_ids), `update` replaces it, `push` pushes a new view, `clear` closes the whole
   * stack, and an empty answer closes the submitted view.
   */
  applyViewResponse(viewId: string, ack: unknown): ViewResponseOutcome {
    const stored = this.views.get(viewId);
    if (!stored?.open)
      return { action: 'rejected', reason: `view ${viewId} is not open`, view: stored?.view };
    let body: unknown = ack;
    if (typeof body === 'string') {
      if (body.trim() === '') body = undefined;
      else {
        try {
          body = JSON.parse(body);
        } catch {
          return { action: 'rejected', reason: 'the answer is neither empty nor JSON', view: stored.view };
        }
      }
    }
    if (body === undefined || body === null || (isRec(body) && Object.keys(body).length === 0)) {
      return { action: 'closed', closed: this.closeFrom(stored) };
    }
    if (!isRec(body))
      return { action: 'rejected', reason: 'the answer is not a JSON object', view: stored.view };
    const action = body.response_action;
    switch (action) {
      case 'errors': {
        const errors = body.errors;
        if (!isRec(errors) || Object.keys(errors).length === 0) {
          return { action: 'rejected', reason: 'errors must be a non-empty object', view: stored.view };
        }
        const inputBlockIds = new Set(
          stored.view.blocks.filter((b) => isRec(b) && b.type === 'input').map((b) => String(b.block_id)),
        );
        const unknown = Object.keys(errors).filter((key) => !inputBlockIds.has(key));
        if (unknown.length > 0) {
          return {
            action: 'rejected',
            reason: `errors must be keyed by input block_ids; not found: ${unknown.join(', ')}`,
            view: stored.view,
          };
        }
        stored.errors = Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, String(v)]));
        this.emit({
          kind: 'view_errors',
          user: stored.user,
          view: structuredClone(stored.view),
          errors: stored.errors,
        });
        return { action: 'errors', errors: { ...stored.errors }, view: structuredClone(stored.view) };
      }
      case 'update': {
        const problems = validateView(body.view, 'modal');
        if (problems.length > 0)
          return { action: 'rejected', reason: problems.join('; '), view: stored.view };
        const view = this.replaceView(stored, body.view as Rec);
        return { action: 'updated', view };
      }
      case 'push': {
        const problems = validateView(body.view, 'modal');
        if (problems.length > 0)
          return { action: 'rejected', reason: problems.join('; '), view: stored.view };
        const stack = this.stacks.get(stored.user) ?? [];
        if (stack.length >= MAX_VIEW_STACK) {
          return { action: 'rejected', reason: 'push_limit_reached', view: stored.view };
        }
        return { action: 'pushed', view: this.pushView(stored.user, body.view as Rec) };
      }
      case 'clear':
        return { action: 'cleared', closed: this.closeStack(stored.user) };
      default:
        return { action: 'rejected', reason: `unknown response_action ${String(action)}`, view: stored.view };
    }
  }

  /**
   * The person closes a modal (its Close/X): with `clear_on_close` the whole stack goes, otherwise this view and
   * any pushed above it. Returns what closed and whether the stack was cleared; undefined when it was not open.
   */
  closeView(
    viewId: string,
  ): { closed: SlackViewOutput[]; cleared: boolean; view: SlackViewOutput } | undefined {
    const stored = this.views.get(viewId);
    if (!stored?.open || stored.view.type !== 'modal') return undefined;
    const view = structuredClone(stored.view);
    if (stored.view.clear_on_close) return { closed: this.closeStack(stored.user), cleared: true, view };
    return { closed: this.closeFrom(stored), cleared: false, view };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Presentation

  private present(state: ChannelState, message: SlackMessage, includeMetadata: boolean): SlackMessage {
    const copy = structuredClone(message);
    if (!includeMetadata) delete copy.metadata;
    if (copy.subtype === 'thread_broadcast' && copy.thread_ts) {
      const parent = state.messages.find((m) => m.ts === copy.thread_ts);
      if (parent) {
        const root = structuredClone(parent);
        if (!includeMetadata) delete root.metadata;
        copy.root = root;
      }
    }
    return copy;
  }

  private presentChannel(state: ChannelState, includeNumMembers = false): SlackConversation {
    const info = structuredClone(state.info);
    info.is_member = state.members.has(this.botUserId);
    if (includeNumMembers) info.num_members = state.members.size;
    return info;
  }

  private teamObject(): Rec {
    return {
      id: this.teamId,
      name: this.teamName,
      url: `https://${this.teamDomain}.slack.example/`,
      domain: this.teamDomain,
      email_domain: '',
      icon: { image_default: true, image_34: 'https://avatars.slack.example/team_34.png' },
      avatar_base_url: 'https://avatars.slack.example/',
      is_verified: false,
    };
  }

  private botProfile(): NonNullable<SlackMessage['bot_profile']> {
    return {
      id: this.botId,
      app_id: this.appId,
      name: this.botName,
      icons: { image_36: 'https://avatars.slack.example/bot_36.png' },
      deleted: false,
      updated: 1700000000,
      team_id: this.teamId,
    };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Channels

  /**
   * Resolves a channel argument for an API call: known channels (private ones only when the bot is in them), user
   * ids (their DM) when `userIds`, and unknown ids created on first use unless strict.
   */
  private resolveChannel(value: unknown, options: { userIds?: boolean; names?: boolean } = {}): ChannelState {
    const id = str(value);
    if (!id) throw new SlackApiError('channel_not_found');
    const known =
      this.channels.get(id) ?? (options.names ? this.channels.get(this.channelIdFor(id)) : undefined);
    if (known) {
      if (known.info.is_private && !known.members.has(this.botUserId))
        throw new SlackApiError('channel_not_found');
      return known;
    }
    if (options.userIds && /^[UW][A-Z0-9]+$/.test(id)) {
      if (this.users.has(id) || !this.strictChannels) return this.openIm(id);
      throw new SlackApiError('channel_not_found');
    }
    // Only things that look like conversation ids are created on first use; unknown names are never found.
    if (this.strictChannels || !/^[CDG][A-Z0-9]{2,}$/.test(id)) throw new SlackApiError('channel_not_found');
    return this.autoCreate(id);
  }

  private autoCreate(id: string): ChannelState {
    if (id.startsWith('D')) {
      const state = this.imState(id, 'U0UNKNOWN');
      return state;
    }
    this.addChannel({ id, name: id.toLowerCase() });
    const state = this.channels.get(id) as ChannelState;
    this.emit({ kind: 'channel_created', channel: this.presentChannel(state) });
    return state;
  }

  private imState(id: string, user: string): ChannelState {
    const info: SlackConversation = {
      id,
      is_channel: false,
      is_group: false,
      is_im: true,
      is_mpim: false,
      is_private: true,
      is_archived: false,
      is_general: false,
      is_shared: false,
      is_ext_shared: false,
      is_org_shared: false,
      is_member: true,
      created: Math.floor(this.now() / 1000),
      user,
      context_team_id: this.teamId,
    };
    const state: ChannelState = { info, members: new Set([user, this.botUserId]), messages: [] };
    this.channels.set(id, state);
    if (user !== 'U0UNKNOWN') this.ims.set(user, id);
    this.emit({ kind: 'channel_created', channel: this.presentChannel(state) });
    return state;
  }

  private openIm(user: string): ChannelState {
    const existing = this.ims.get(user);
    if (existing) return this.channels.get(existing) as ChannelState;
    return this.imState(this.nextId('D'), user);
  }

  /** A channel a person acts in: created in lenient mode, and the person joins it if not a member yet. */
  private channelForUserAction(channel: string, user: string): ChannelState {
    let state = this.channels.get(this.channelIdFor(channel));
    if (!state) {
      if (/^[UW]/.test(channel)) state = this.openIm(channel);
      else if (this.strictChannels) throw new Error(`unknown channel ${channel}`);
      else state = this.autoCreate(channel);
    }
    if (!state.members.has(user)) {
      state.members.add(user);
      this.emit({ kind: 'members_joined', channel: state.info.id, users: [user] });
    }
    return state;
  }

  private requireBotMember(state: ChannelState): void {
    if (!state.members.has(this.botUserId)) throw new SlackApiError('not_in_channel');
  }

  private checkUser(id: string): void {
    if (!this.users.has(id) && this.strictChannels) throw new SlackApiError('user_not_found');
  }

  private conversationsInfo(args: Rec): Rec {
    const state = this.resolveChannel(args.channel);
    return { channel: this.presentChannel(state, bool(args.include_num_members)) };
  }

  private conversationsList(args: Rec): Rec {
    const types = list(args.types ?? 'public_channel');
    const excludeArchived = bool(args.exclude_archived);
    const all = [...this.channels.values()].filter((state) => {
      const { info } = state;
      if (excludeArchived && info.is_archived) return false;
      if (info.is_im) return types.includes('im');
      if (info.is_mpim) return types.includes('mpim');
      if (info.is_private) return types.includes('private_channel') && state.members.has(this.botUserId);
      return types.includes('public_channel');
    });
    const page = paginate(all, args, 100, 'offset');
    return {
      channels: page.items.map((state) => this.presentChannel(state, true)),
      response_metadata: { next_cursor: page.next },
    };
  }

  private conversationsCreate(args: Rec): Rec {
    const name = str(args.name) ?? '';
    if (name === '') throw new SlackApiError('invalid_name_required');
    if (name.length > 80) throw new SlackApiError('invalid_name_maxlength');
    if (/^[-_]+$/.test(name)) throw new SlackApiError('invalid_name_punctuation');
    if (!/^[a-z0-9_-]+$/.test(name)) throw new SlackApiError('invalid_name_specials');
    for (const state of this.channels.values()) {
      if (state.info.name === name) throw new SlackApiError('name_taken');
    }
    const id = this.nextId('C');
    const isPrivate = bool(args.is_private);
    this.addChannel({ id, name, isPrivate });
    const state = this.channels.get(id) as ChannelState;
    state.info.creator = this.botUserId;
    state.info.is_group = isPrivate;
    this.emit({ kind: 'channel_created', channel: this.presentChannel(state) });
    return { channel: this.presentChannel(state) };
  }

  private conversationsInvite(args: Rec): Rec {
    const state = this.resolveChannel(args.channel);
    if (state.info.is_im) throw new SlackApiError('method_not_supported_for_channel_type');
    this.requireBotMember(state);
    const users = list(args.users);
    if (users.length === 0) throw new SlackApiError('no_user');
    if (users.length > 1000) throw new SlackApiError('too_many_users');
    const failures: { user: string; ok: false; error: string }[] = [];
    const toAdd: string[] = [];
    for (const user of users) {
      if (user === this.botUserId) failures.push({ user, ok: false, error: 'cant_invite_self' });
      else if (!this.users.has(user) && this.strictChannels)
        failures.push({ user, ok: false, error: 'user_not_found' });
      else if (state.members.has(user)) failures.push({ user, ok: false, error: 'already_in_channel' });
      else toAdd.push(user);
    }
    if (failures.length > 0 && !bool(args.force)) {
      throw new SlackApiError((failures[0] as { error: string }).error, { errors: failures });
    }
    for (const user of toAdd) state.members.add(user);
    if (toAdd.length > 0) this.emit({ kind: 'members_joined', channel: state.info.id, users: toAdd });
    return { channel: this.presentChannel(state) };
  }

  private conversationsJoin(args: Rec): Rec {
    const id = str(args.channel);
    const existing = id ? this.channels.get(id) : undefined;
    if (existing && (existing.info.is_private || existing.info.is_im || existing.info.is_mpim)) {
      throw new SlackApiError('method_not_supported_for_channel_type');
    }
    const state = this.resolveChannel(args.channel);
    if (state.info.is_archived) throw new SlackApiError('is_archived');
    if (state.members.has(this.botUserId)) {
      return {
        channel: this.presentChannel(state),
        warning: 'already_in_channel',
        response_metadata: { warnings: ['already_in_channel'] },
      };
    }
    state.members.add(this.botUserId);
    this.emit({ kind: 'members_joined', channel: state.info.id, users: [this.botUserId] });
    return { channel: this.presentChannel(state) };
  }

  private conversationsMembers(args: Rec): Rec {
    const state = this.resolveChannel(args.channel);
    const page = paginate([...state.members], args, 100, 'offset');
    return { members: page.items, response_metadata: { next_cursor: page.next } };
  }

  private conversationsOpen(args: Rec): Rec {
    if (args.channel !== undefined) {
      const state = this.resolveChannel(args.channel);
      return { channel: bool(args.return_im) ? this.presentChannel(state) : { id: state.info.id } };
    }
    const users = list(args.users).filter((u) => u !== this.botUserId);
    if (users.length === 0) throw new SlackApiError('users_list_not_supplied');
    if (users.length > 8) throw new SlackApiError('too_many_users');
    for (const user of users) this.checkUser(user);
    let state: ChannelState;
    let alreadyOpen = false;
    if (users.length === 1) {
      const user = users[0] as string;
      alreadyOpen = this.ims.has(user);
      state = this.openIm(user);
    } else {
      const members = new Set([...users, this.botUserId]);
      const found = [...this.channels.values()].find(
        (s) =>
          s.info.is_mpim && s.members.size === members.size && [...members].every((m) => s.members.has(m)),
      );
      alreadyOpen = Boolean(found);
      state = found ?? this.createMpim(members);
    }
    const channel = bool(args.return_im) ? this.presentChannel(state) : { id: state.info.id };
    return alreadyOpen ? { no_op: true, already_open: true, channel } : { channel };
  }

  private createMpim(members: Set<string>): ChannelState {
    const id = this.nextId('G');
    const names = [...members].map((m) => this.users.get(m)?.name ?? m.toLowerCase());
    this.addChannel({ id, name: `mpdm-${names.join('--')}-1`, isPrivate: true, members: [...members] });
    const state = this.channels.get(id) as ChannelState;
    state.info.is_mpim = true;
    state.info.is_group = true;
    this.emit({ kind: 'channel_created', channel: this.presentChannel(state) });
    return state;
  }

  private conversationsHistory(args: Rec): Rec {
    const state = this.resolveChannel(args.channel);
    this.requireBotMember(state);
    const includeMetadata = bool(args.include_all_metadata);
    const inclusive = bool(args.inclusive);
    const oldest = str(args.oldest);
    const latest = str(args.latest);
    const cursorTs = decodeCursor(args.cursor, 'next_ts');
    const limit = clampLimit(args.limit, 100, 999);
    const newestFirst = state.messages.filter(isTopLevel).reverse();
    const inRange = newestFirst.filter((m) => {
      if (oldest && (inclusive ? compareTs(m.ts, oldest) < 0 : compareTs(m.ts, oldest) <= 0)) return false;
      if (latest && (inclusive ? compareTs(m.ts, latest) > 0 : compareTs(m.ts, latest) >= 0)) return false;
      if (cursorTs && compareTs(m.ts, cursorTs) > 0) return false;
      return true;
    });
    const items = inRange.slice(0, limit);
    const hasMore = inRange.length > limit;
    const next = hasMore ? encodeCursor('next_ts', (inRange[limit] as SlackMessage).ts) : '';
    return {
      messages: items.map((m) => this.present(state, m, includeMetadata)),
      has_more: hasMore,
      pin_count: 0,
      channel_actions_ts: null,
      channel_actions_count: 0,
      ...(hasMore ? { response_metadata: { next_cursor: next } } : {}),
    };
  }

  private conversationsReplies(args: Rec): Rec {
    const state = this.resolveChannel(args.channel);
    this.requireBotMember(state);
    const ts = str(args.ts);
    const found = ts ? state.messages.find((m) => m.ts === ts) : undefined;
    if (!found) throw new SlackApiError('thread_not_found');
    const root = found.thread_ts ?? found.ts;
    const parent = state.messages.find((m) => m.ts === root) ?? found;
    const includeMetadata = bool(args.include_all_metadata);
    const inclusive = bool(args.inclusive);
    const oldest = str(args.oldest);
    const latest = str(args.latest);
    const cursorTs = decodeCursor(args.cursor, 'next_ts');
    const limit = clampLimit(args.limit, 1000, 1000);
    const replies = state.messages.filter((m) => m.thread_ts === root && m.ts !== root);
    const inRange = replies.filter((m) => {
      if (oldest && (inclusive ? compareTs(m.ts, oldest) < 0 : compareTs(m.ts, oldest) <= 0)) return false;
      if (latest && (inclusive ? compareTs(m.ts, latest) > 0 : compareTs(m.ts, latest) >= 0)) return false;
      if (cursorTs && compareTs(m.ts, cursorTs) < 0) return false;
      return true;
    });
    // The parent comes first on every page and counts towards the limit.
    const room = Math.max(limit - 1, 1);
    const items = inRange.slice(0, room);
    const hasMore = inRange.length > room;
    const next = hasMore ? encodeCursor('next_ts', (inRange[room] as SlackMessage).ts) : '';
    return {
      messages: [parent, ...items].map((m) => this.present(state, m, includeMetadata)),
      has_more: hasMore,
      ...(hasMore ? { response_metadata: { next_cursor: next } } : {}),
    };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Messages

  /** Reads and checks message content arguments the way `chat.*` does. */
  private readContent(
    args: Rec,
    options: { requireContent: boolean },
  ): { text?: string; blocks?: AnyBlock[]; attachments?: unknown[]; metadata?: MessageMetadata | null } {
    const out: {
      text?: string;
      blocks?: AnyBlock[];
      attachments?: unknown[];
      metadata?: MessageMetadata | null;
    } = {};
    const markdown = str(args.markdown_text);
    const text = str(args.text);
    const blocks = jsonArg(args, 'blocks');
    if (markdown !== undefined) {
      if (text !== undefined || blocks !== undefined) throw new SlackApiError('markdown_text_conflict');
      if (markdown.length > 12000) throw new SlackApiError('msg_too_long');
      out.text = markdown;
      out.blocks = this.idFiller.fill([{ type: 'markdown', text: markdown }]);
    }
    if (text !== undefined) {
      if (text.length > MAX_TEXT) throw new SlackApiError('msg_too_long');
      out.text = text;
    }
    if (blocks !== undefined) {
      if (!Array.isArray(blocks)) throw new SlackApiError('invalid_blocks_format');
      const problems = validateBlocks(blocks, 'message', '/blocks');
      if (problems.length > 0) throw invalidBlocks(problems);
      out.blocks = this.idFiller.fill(blocks);
    }
    const attachments = jsonArg(args, 'attachments');
    if (attachments !== undefined) {
      if (!Array.isArray(attachments)) throw new SlackApiError('invalid_attachments');
      if (attachments.length > 100) throw new SlackApiError('too_many_attachments');
      out.attachments = attachments.map((a, i) => (isRec(a) ? { id: i + 1, ...a } : a));
    }
    const metadata = jsonArg(args, 'metadata');
    if (metadata !== undefined) {
      if (isRec(metadata) && Object.keys(metadata).length === 0) out.metadata = null;
      else if (
        !isRec(metadata) ||
        typeof metadata.event_type !== 'string' ||
        !isRec(metadata.event_payload)
      ) {
        throw new SlackApiError('invalid_metadata_format');
      } else
        out.metadata = {
          event_type: metadata.event_type,
          event_payload: metadata.event_payload,
        } as MessageMetadata;
    }
    const hasContent =
      (out.text !== undefined && out.text !== '') ||
      (out.blocks !== undefined && out.blocks.length > 0) ||
      (out.attachments !== undefined && out.attachments.length > 0);
    if (options.requireContent && !hasContent) throw new SlackApiError('no_text');
    return out;
  }

  private botMessage(text: string): SlackMessage {
    return {
      user: this.botUserId,
      type: 'message',
      ts: this.nextTs(),
      bot_id: this.botId,
      app_id: this.appId,
      text,
      team: this.teamId,
      bot_profile: this.botProfile(),
    };
  }

  private isOwn(message: SlackMessage): boolean {
    return message.bot_id === this.botId || message.user === this.botUserId;
  }

  /** Adds a message to a channel, threading it under its parent (the parent's reply counts follow). */
  private insertMessage(state: ChannelState, message: SlackMessage): void {
    if (message.thread_ts !== undefined) {
      const target = state.messages.find((m) => m.ts === message.thread_ts);
      const parent = target?.thread_ts ? state.messages.find((m) => m.ts === target.thread_ts) : target;
      if (!parent) {
        // Slack posts a reply to a timestamp it cannot find as an ordinary message.
        delete message.thread_ts;
        if (message.subtype === 'thread_broadcast') delete message.subtype;
      } else {
        message.thread_ts = parent.ts;
        if (parent.user !== undefined) message.parent_user_id = parent.user;
        parent.thread_ts = parent.ts;
        state.messages.push(message);
        this.refreshThread(state, parent);
        this.emit({
          kind: 'message_posted',
          channel: state.info.id,
          message: this.present(state, message, true),
        });
        this.emit({
          kind: 'message_updated',
          channel: state.info.id,
          message: this.present(state, parent, true),
        });
        return;
      }
    }
    state.messages.push(message);
    this.emit({
      kind: 'message_posted',
      channel: state.info.id,
      message: this.present(state, message, true),
    });
  }

  private refreshThread(state: ChannelState, parent: SlackMessage): void {
    const replies = state.messages.filter((m) => m.thread_ts === parent.ts && m.ts !== parent.ts);
    if (replies.length === 0) {
      delete parent.reply_count;
      delete parent.reply_users;
      delete parent.reply_users_count;
      delete parent.latest_reply;
      delete parent.is_locked;
      delete parent.subscribed;
      delete parent.thread_ts;
      return;
    }
    const replyUsers: string[] = [];
    for (const reply of replies) {
      const who = reply.user ?? reply.bot_id ?? '';
      if (who && !replyUsers.includes(who)) replyUsers.push(who);
    }
    parent.reply_count = replies.length;
    parent.reply_users = replyUsers.slice(0, 5);
    parent.reply_users_count = replyUsers.length;
    parent.latest_reply = (replies[replies.length - 1] as SlackMessage).ts;
    parent.is_locked = false;
    parent.subscribed = false;
  }

  private findMessage(state: ChannelState, ts: unknown): SlackMessage {
    const wanted = str(ts);
    const found = wanted ? state.messages.find((m) => m.ts === wanted) : undefined;
    if (!found) throw new SlackApiError('message_not_found');
    return found;
  }

  /** Posts as the bot (used by chat.postMessage and in-channel response_url answers). */
  private postBotMessage(
    state: ChannelState,
    content: ReturnType<SlackFake['readContent']>,
    extra: { threadTs?: string; broadcast?: boolean; username?: string; icons?: Record<string, string> },
  ): SlackMessage {
    const message = this.botMessage(content.text ?? '');
    if (content.blocks) message.blocks = content.blocks;
    if (content.attachments) message.attachments = content.attachments;
    if (content.metadata) message.metadata = content.metadata;
    if (extra.username) message.username = extra.username;
    if (extra.icons) message.icons = extra.icons;
    if (extra.threadTs) {
      message.thread_ts = extra.threadTs;
      if (extra.broadcast) message.subtype = 'thread_broadcast';
    }
    this.insertMessage(state, message);
    return message;
  }

  private chatPostMessage(args: Rec): Rec {
    const state = this.resolveChannel(args.channel, { userIds: true, names: true });
    if (state.info.is_archived) throw new SlackApiError('is_archived');
    this.requireBotMember(state);
    this.takeRateLimitToken(state.info.id);
    const content = this.readContent(args, { requireContent: true });
    const icons: Record<string, string> = {};
    if (str(args.icon_emoji)) icons.emoji = str(args.icon_emoji) as string;
    if (str(args.icon_url)) icons.image_48 = str(args.icon_url) as string;
    const message = this.postBotMessage(state, content, {
      ...(str(args.thread_ts) ? { threadTs: str(args.thread_ts) as string } : {}),
      broadcast: bool(args.reply_broadcast),
      ...(str(args.username) ? { username: str(args.username) as string } : {}),
      ...(Object.keys(icons).length > 0 ? { icons } : {}),
    });
    return { channel: state.info.id, ts: message.ts, message: this.present(state, message, true) };
  }

  private takeRateLimitToken(channel: string): void {
    if (!this.rateLimit) return;
    const { perChannelPerSecond: rate, burst } = this.rateLimit;
    const now = this.now() / 1000;
    const bucket = this.buckets.get(channel) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.at) * rate);
    bucket.at = now;
    this.buckets.set(channel, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
    throw new SlackApiError('ratelimited', {}, 429, { 'Retry-After': String(retryAfter) });
  }

  private chatUpdate(args: Rec): Rec {
    const state = this.resolveChannel(args.channel);
    const message = this.findMessage(state, args.ts);
    if (!this.isOwn(message)) throw new SlackApiError('cant_update_message');
    const content = this.readContent(args, { requireContent: false });
    const fileIds = list(args.file_ids);
    if (
      content.text === undefined &&
      content.blocks === undefined &&
      content.attachments === undefined &&
      content.metadata === undefined &&
      fileIds.length === 0 &&
      !bool(args.reply_broadcast)
    ) {
      throw new SlackApiError('no_text');
    }
    this.applyContent(message, content);
    if (fileIds.length > 0) message.files = fileIds.map((id) => this.fileObjectFor(id));
    if (bool(args.reply_broadcast) && message.thread_ts && message.thread_ts !== message.ts) {
      message.subtype = 'thread_broadcast';
    }
    message.edited = { user: this.botUserId, ts: this.nextTs() };
    this.emit({
      kind: 'message_updated',
      channel: state.info.id,
      message: this.present(state, message, true),
    });
    const presented = this.present(state, message, true);
    return { channel: state.info.id, ts: message.ts, text: message.text, message: presented };
  }

  private applyContent(message: SlackMessage, content: ReturnType<SlackFake['readContent']>): void {
    if (content.text !== undefined) message.text = content.text;
    if (content.blocks !== undefined) {
      if (content.blocks.length === 0) delete message.blocks;
      else message.blocks = content.blocks;
    }
    if (content.attachments !== undefined) {
      if (content.attachments.length === 0) delete message.attachments;
      else message.attachments = content.attachments;
    }
    if (content.metadata === null) delete message.metadata;
    else if (content.metadata !== undefined) message.metadata = content.metadata;
  }

  private chatDelete(args: Rec): Rec {
    const state = this.resolveChannel(args.channel);
    const message = this.findMessage(state, args.ts);
    if (!this.isOwn(message)) throw new SlackApiError('cant_delete_message');
    this.deleteMessage(state, message);
    return { channel: state.info.id, ts: message.ts };
  }

  private deleteMessage(state: ChannelState, message: SlackMessage): void {
    const isParent = (message.reply_count ?? 0) > 0;
    if (isParent) {
      // A parent with replies leaves a tombstone so the thread survives.
      const tombstone: SlackMessage = {
        type: 'message',
        subtype: 'tombstone',
        text: 'This message was deleted.',
        user: SLACKBOT_ID,
        ts: message.ts,
        thread_ts: message.ts,
        ...(message.reply_count !== undefined ? { reply_count: message.reply_count } : {}),
        ...(message.reply_users ? { reply_users: message.reply_users } : {}),
        ...(message.reply_users_count !== undefined ? { reply_users_count: message.reply_users_count } : {}),
        ...(message.latest_reply ? { latest_reply: message.latest_reply } : {}),
      };
      tombstone.hidden = true;
      state.messages[state.messages.indexOf(message)] = tombstone;
      this.emit({ kind: 'message_deleted', channel: state.info.id, ts: message.ts });
      return;
    }
    state.messages.splice(state.messages.indexOf(message), 1);
    const threadTs = message.thread_ts && message.thread_ts !== message.ts ? message.thread_ts : undefined;
    this.emit({
      kind: 'message_deleted',
      channel: state.info.id,
      ts: message.ts,
      ...(threadTs ? { threadTs } : {}),
    });
    if (threadTs) {
      const parent = state.messages.find((m) => m.ts === threadTs);
      if (parent) {
        this.refreshThread(state, parent);
        if (parent.subtype === 'tombstone' && !parent.reply_count) {
          state.messages.splice(state.messages.indexOf(parent), 1);
          this.emit({ kind: 'message_deleted', channel: state.info.id, ts: parent.ts });
        } else {
          this.emit({
            kind: 'message_updated',
            channel: state.info.id,
            message: this.present(state, parent, true),
          });
        }
      }
    }
  }

  private chatPostEphemeral(args: Rec): Rec {
    const state = this.resolveChannel(args.channel, { names: true });
    const user = str(args.user);
    if (!user) throw new SlackApiError('user_not_found');
    this.checkUser(user);
    if (!state.members.has(user)) {
      if (this.strictChannels) throw new SlackApiError('user_not_in_channel');
      state.members.add(user);
      this.emit({ kind: 'members_joined', channel: state.info.id, users: [user] });
    }
    this.requireBotMember(state);
    const content = this.readContent(args, { requireContent: true });
    const ephemeral = this.addEphemeral(
      state.info.id,
      user,
      content,
      str(args.thread_ts),
      'chat.postEphemeral',
    );
    return { message_ts: ephemeral.ts };
  }

  private addEphemeral(
    channel: string,
    user: string,
    content: ReturnType<SlackFake['readContent']>,
    threadTs: string | undefined,
    via: SlackEphemeral['via'],
  ): SlackEphemeral {
    const ephemeral: SlackEphemeral = { channel, user, ts: this.nextTs(), text: content.text ?? '', via };
    if (content.blocks) ephemeral.blocks = content.blocks;
    if (content.attachments) ephemeral.attachments = content.attachments;
    if (threadTs) ephemeral.thread_ts = threadTs;
    this.ephemeralList.push(ephemeral);
    this.emit({ kind: 'ephemeral_posted', ephemeral: structuredClone(ephemeral) });
    return ephemeral;
  }

  private chatGetPermalink(args: Rec): Rec {
    const state = this.resolveChannel(args.channel);
    const message = this.findMessage(state, args.message_ts);
    const base = `https://${this.teamDomain}.slack.example/archives/${state.info.id}/${permalinkTs(message.ts)}`;
    const permalink =
      message.thread_ts && message.thread_ts !== message.ts
        ? `${base}?thread_ts=${message.thread_ts}&cid=${state.info.id}`
        : base;
    return { channel: state.info.id, permalink };
  }

  private reactionsAdd(args: Rec): Rec {
    const state = this.resolveChannel(args.channel);
    const message = this.findMessage(state, args.timestamp);
    const name = (str(args.name) ?? '').replace(/^:|:$/g, '');
    if (!name) throw new SlackApiError('invalid_name');
    message.reactions ??= [];
    let reaction = message.reactions.find((r) => r.name === name);
    if (reaction?.users.includes(this.botUserId)) throw new SlackApiError('already_reacted');
    if (!reaction) {
      reaction = { name, users: [], count: 0 };
      message.reactions.push(reaction);
    }
    reaction.users.push(this.botUserId);
    reaction.count = reaction.users.length;
    this.emit({ kind: 'reaction_added', channel: state.info.id, ts: message.ts, name, user: this.botUserId });
    return {};
  }

  private reactionsRemove(args: Rec): Rec {
    const state = this.resolveChannel(args.channel);
    const message = this.findMessage(state, args.timestamp);
    const name = (str(args.name) ?? '').replace(/^:|:$/g, '');
    const reaction = message.reactions?.find((r) => r.name === name);
    if (!reaction?.users.includes(this.botUserId)) throw new SlackApiError('no_reaction');
    reaction.users = reaction.users.filter((u) => u !== this.botUserId);
    reaction.count = reaction.users.length;
    if (reaction.count === 0) message.reactions = message.reactions?.filter((r) => r !== reaction);
    if (message.reactions?.length === 0) delete message.reactions;
    this.emit({
      kind: 'reaction_removed',
      channel: state.info.id,
      ts: message.ts,
      name,
      user: this.botUserId,
    });
    return {};
  }

  // ---------------------------------------------------------------------------------------------------------------
  // response_url

  private async handleResponseUrl(request: RecordedRequest, id: string): Promise<FakeResponse> {
    const target = this.responseUrls.get(id);
    if (!target) return { status: 404, body: { ok: false, error: 'expired_url' } };
    if (this.now() - target.createdAt > RESPONSE_URL_TTL_MS) {
      return { status: 404, body: { ok: false, error: 'expired_url' } };
    }
    if (target.uses >= RESPONSE_URL_USES) return { status: 404, body: { ok: false, error: 'used_url' } };
    let body: Rec;
    try {
      const parsed = readArguments(request);
      const payload = typeof parsed.payload === 'string' ? JSON.parse(parsed.payload) : parsed;
      if (!isRec(payload)) throw new Error('not an object');
      body = payload;
    } catch {
      return { status: 400, body: { ok: false, error: 'invalid_payload' } };
    }
    target.uses += 1;
    const state = this.channels.get(target.channel);
    try {
      if (bool(body.delete_original)) {
        this.deleteOriginal(target, state);
        return { status: 200, body: { ok: true } };
      }
      const content = this.readContent(body, { requireContent: true });
      if (
        bool(body.replace_original) &&
        target.messageTs !== undefined &&
        this.replaceOriginal(target, state, content)
      ) {
        return { status: 200, body: { ok: true } };
      }
      const threadTs = str(body.thread_ts) ?? target.threadTs;
      if (body.response_type === 'in_channel') {
        const channel = state ?? this.channelForUserAction(target.channel, target.user);
        this.postBotMessage(channel, content, { ...(threadTs ? { threadTs } : {}) });
      } else {
        this.addEphemeral(target.channel, target.user, content, threadTs, 'response_url');
      }
      return { status: 200, body: { ok: true } };
    } catch (error) {
      if (error instanceof SlackApiError)
        return { status: 400, body: { ok: false, error: error.error, ...error.extra } };
      throw error;
    }
  }

  private deleteOriginal(target: ResponseUrlTarget, state: ChannelState | undefined): void {
    if (target.messageTs === undefined) return;
    if (target.ephemeral) {
      const found = this.ephemeralList.find((e) => e.ts === target.messageTs);
      if (found) {
        this.ephemeralList = this.ephemeralList.filter((e) => e !== found);
        this.emit({ kind: 'ephemeral_deleted', ephemeral: structuredClone(found) });
      }
      return;
    }
    const message = state?.messages.find((m) => m.ts === target.messageTs);
    if (state && message) this.deleteMessage(state, message);
  }

  private replaceOriginal(
    target: ResponseUrlTarget,
    state: ChannelState | undefined,
    content: ReturnType<SlackFake['readContent']>,
  ): boolean {
    if (target.ephemeral) {
      const found = this.ephemeralList.find((e) => e.ts === target.messageTs);
      if (!found) return false;
      found.text = content.text ?? '';
      if (content.blocks) found.blocks = content.blocks;
      else delete found.blocks;
      if (content.attachments) found.attachments = content.attachments;
      else delete found.attachments;
      found.replaced = true;
      this.emit({ kind: 'ephemeral_updated', ephemeral: structuredClone(found) });
      return true;
    }
    const message = state?.messages.find((m) => m.ts === target.messageTs);
    if (!state || !message) return false;
    // A replacement is a whole new rendering of the message: what it leaves out goes.
    message.text = content.text ?? '';
    if (content.blocks) message.blocks = content.blocks;
    else delete message.blocks;
    if (content.attachments) message.attachments = content.attachments;
    else delete message.attachments;
    this.emit({
      kind: 'message_updated',
      channel: state.info.id,
      message: this.present(state, message, true),
    });
    return true;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Views

  private readView(args: Rec, expected: 'modal' | 'home' | 'any'): Rec {
    let view: unknown;
    try {
      view = jsonArg(args, 'view');
    } catch {
      throw invalidArguments(['invalid `view` [json-pointer:/view]']);
    }
    if (view === undefined) throw invalidArguments(['missing required field: view [json-pointer:/view]']);
    const problems = validateView(view, expected);
    if (problems.length > 0) throw invalidArguments(problems);
    return view as Rec;
  }

  private exchangeTrigger(args: Rec): string {
    const triggerId = str(args.trigger_id) ?? str(args.interactivity_pointer);
    if (!triggerId) throw invalidArguments(['missing required field: trigger_id']);
    const trigger = this.triggers.get(triggerId);
    if (!trigger) {
      // Trigger ids from elsewhere are accepted; the view goes to the last person who interacted.
      return this.lastTriggerUser ?? this.firstHuman() ?? 'U0UNKNOWN';
    }
    if (trigger.exchanged) throw new SlackApiError('exchanged_trigger_id');
    if (this.now() - trigger.issuedAt > this.triggerTtlMs) throw new SlackApiError('expired_trigger_id');
    trigger.exchanged = true;
    return trigger.user;
  }

  private firstHuman(): string | undefined {
    for (const user of this.users.values()) if (!user.is_bot && user.id !== SLACKBOT_ID) return user.id;
    return undefined;
  }

  private checkExternalId(view: Rec, except?: string): void {
    const externalId = str(view.external_id);
    if (!externalId) return;
    for (const stored of this.views.values()) {
      if (stored.view.id !== except && stored.open && stored.view.external_id === externalId) {
        throw new SlackApiError('duplicate_external_id');
      }
    }
  }

  private makeView(
    input: Rec,
    ids: { id: string; root: string | null; previous: string | null },
    state: ViewStateValues = {},
  ): SlackViewOutput {
    const blocks = this.idFiller.fill(Array.isArray(input.blocks) ? input.blocks : []);
    const isModal = input.type === 'modal';
    return {
      id: ids.id,
      team_id: this.teamId,
      type: isModal ? 'modal' : 'home',
      blocks,
      private_metadata: str(input.private_metadata) ?? '',
      callback_id: str(input.callback_id) ?? '',
      state: { values: buildState(blocks, state) },
      hash: this.nextHash(),
      title: isModal ? (input.title as PlainTextElement) : null,
      clear_on_close: isModal ? bool(input.clear_on_close) : false,
      notify_on_close: isModal ? bool(input.notify_on_close) : false,
      close: isModal && isRec(input.close) ? (input.close as unknown as PlainTextElement) : null,
      submit: isModal && isRec(input.submit) ? (input.submit as unknown as PlainTextElement) : null,
      previous_view_id: ids.previous,
      root_view_id: ids.root,
      app_id: this.appId,
      external_id: str(input.external_id) ?? '',
      app_installed_team_id: this.teamId,
      bot_id: this.botId,
    };
  }

  private openRoot(user: string, input: Rec): SlackViewOutput {
    // A new root replaces whatever stack the person had open.
    this.closeStack(user);
    const id = this.nextId('V');
    const view = this.makeView(input, { id, root: id, previous: null });
    this.views.set(id, { view, user, open: true, errors: null });
    this.stacks.set(user, [id]);
    this.emit({ kind: 'view_opened', user, view: structuredClone(view) });
    return structuredClone(view);
  }

  private pushView(user: string, input: Rec): SlackViewOutput {
    const stack = this.stacks.get(user) ?? [];
    if (stack.length === 0) return this.openRoot(user, input);
    const id = this.nextId('V');
    const view = this.makeView(input, {
      id,
      root: stack[0] as string,
      previous: stack[stack.length - 1] as string,
    });
    this.views.set(id, { view, user, open: true, errors: null });
    stack.push(id);
    this.emit({ kind: 'view_pushed', user, view: structuredClone(view) });
    return structuredClone(view);
  }

  private replaceView(stored: StoredView, input: Rec): SlackViewOutput {
    const old = stored.view;
    const view = this.makeView(
      input,
      { id: old.id, root: old.root_view_id, previous: old.previous_view_id },
      old.state.values,
    );
    stored.view = view;
    stored.errors = null;
    if (view.type === 'home')
      this.emit({ kind: 'home_published', user: stored.user, view: structuredClone(view) });
    else this.emit({ kind: 'view_updated', user: stored.user, view: structuredClone(view) });
    return structuredClone(view);
  }

  /** Closes this view and any pushed above it. */
  private closeFrom(stored: StoredView): SlackViewOutput[] {
    const stack = this.stacks.get(stored.user) ?? [];
    const index = stack.indexOf(stored.view.id);
    if (index < 0) return [];
    const closing = stack.splice(index);
    if (stack.length === 0) this.stacks.delete(stored.user);
    return this.markClosed(closing.reverse());
  }

  private closeStack(user: string): SlackViewOutput[] {
    const stack = this.stacks.get(user) ?? [];
    this.stacks.delete(user);
    return this.markClosed([...stack].reverse());
  }

  private markClosed(ids: string[]): SlackViewOutput[] {
    const closed: SlackViewOutput[] = [];
    for (const id of ids) {
      const stored = this.views.get(id);
      if (!stored) continue;
      stored.open = false;
      closed.push(structuredClone(stored.view));
      this.emit({ kind: 'view_closed', user: stored.user, view: structuredClone(stored.view) });
    }
    return closed;
  }

  private viewsOpen(args: Rec): Rec {
    const input = this.readView(args, 'modal');
    this.checkExternalId(input);
    const user = this.exchangeTrigger(args);
    return { view: this.openRoot(user, input) };
  }

  private viewsPush(args: Rec): Rec {
    const input = this.readView(args, 'modal');
    this.checkExternalId(input);
    const user = this.exchangeTrigger(args);
    if ((this.stacks.get(user)?.length ?? 0) >= MAX_VIEW_STACK) throw new SlackApiError('push_limit_reached');
    return { view: this.pushView(user, input) };
  }

  private viewsUpdate(args: Rec): Rec {
    const viewId = str(args.view_id);
    const externalId = str(args.external_id);
    if (!viewId && !externalId) throw invalidArguments(['missing required field: view_id or external_id']);
    const stored = viewId
      ? this.views.get(viewId)
      : [...this.views.values()].find((v) => v.open && v.view.external_id === externalId);
    if (!stored || (!stored.open && stored.view.type === 'modal')) throw new SlackApiError('not_found');
    const input = this.readView(args, stored.view.type);
    const hash = str(args.hash);
    if (hash && hash !== stored.view.hash) throw new SlackApiError('hash_conflict');
    this.checkExternalId(input, stored.view.id);
    return { view: this.replaceView(stored, input) };
  }

  private viewsPublish(args: Rec): Rec {
    const user = str(args.user_id);
    if (!user) throw invalidArguments(['missing required field: user_id']);
    this.checkUser(user);
    const input = this.readView(args, 'home');
    const existingId = this.homes.get(user);
    const existing = existingId ? this.views.get(existingId) : undefined;
    const hash = str(args.hash);
    if (hash && existing && hash !== existing.view.hash) throw new SlackApiError('hash_conflict');
    if (existing) return { view: this.replaceView(existing, input) };
    const id = this.nextId('V');
    const view = this.makeView(input, { id, root: null, previous: null });
    this.views.set(id, { view, user, open: true, errors: null });
    this.homes.set(user, id);
    this.emit({ kind: 'home_published', user, view: structuredClone(view) });
    return { view: structuredClone(view) };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Files

  private filesGetUploadUrl(args: Rec): Rec {
    const filename = str(args.filename);
    const length = int(args.length, -1);
    if (!filename) throw invalidArguments(['missing required field: filename']);
    if (length < 0) throw invalidArguments(['missing required field: length']);
    const id = this.nextId('F');
    const token = randomUUID().replace(/-/g, '');
    const upload: SlackUploadedFile = {
      id,
      filename,
      title: filename,
      length,
      completed: false,
      ...(str(args.alt_text) ? { altText: str(args.alt_text) as string } : {}),
      ...(str(args.snippet_type) ? { snippetType: str(args.snippet_type) as string } : {}),
    };
    this.uploads.set(id, upload);
    this.uploadTokens.set(token, id);
    return { upload_url: `${this.url}/upload/v1/${token}`, file_id: id };
  }

  private handleUpload(request: RecordedRequest, path: string): FakeResponse {
    const token = path.slice('/upload/v1/'.length);
    const fileId = this.uploadTokens.get(token);
    const upload = fileId ? this.uploads.get(fileId) : undefined;
    if (!upload) return { status: 404, body: 'Not Found' };
    const raw = request.rawBytes;
    const type = request.headers['content-type'] ?? '';
    let bytes = raw;
    if (type.includes('multipart/form-data')) {
      const parts = parseMultipart(raw, type);
      const part =
        parts.find((p) => p.filename !== undefined) ?? parts.find((p) => p.name === 'file') ?? parts[0];
      bytes = part?.data ?? Buffer.alloc(0);
    }
    upload.bytes = Buffer.from(bytes);
    upload.uploadedAt = this.now();
    return { status: 200, headers: { 'content-type': 'text/plain' }, body: `OK - ${bytes.length}` };
  }

  private fileObjectFor(id: string): SlackFileObject {
    const upload = this.uploads.get(id);
    if (!upload) throw new SlackApiError('file_not_found');
    if (upload.file) return structuredClone(upload.file);
    const created = Math.floor(this.now() / 1000);
    const ext = upload.filename.includes('.')
      ? (upload.filename.split('.').pop() as string).toLowerCase()
      : 'binary';
    const mimetype = MIME_TYPES[ext] ?? 'application/octet-stream';
    const privateUrl = `${this.url}/files-pri/${this.teamId}-${id}/${encodeURIComponent(upload.filename)}`;
    return {
      id,
      created,
      timestamp: created,
      name: upload.filename,
      title: upload.title,
      mimetype,
      filetype: ext === 'binary' ? 'binary' : ext,
      pretty_type: ext.toUpperCase(),
      user: this.botUserId,
      user_team: this.teamId,
      editable: false,
      size: upload.bytes?.length ?? upload.length,
      mode: 'hosted',
      is_external: false,
      external_type: '',
      is_public: false,
      public_url_shared: false,
      display_as_bot: false,
      username: '',
      url_private: privateUrl,
      url_private_download: `${privateUrl}?download=1`,
      permalink: `https://${this.teamDomain}.slack.example/files/${this.botUserId}/${id}/${encodeURIComponent(upload.filename)}`,
      permalink_public: `https://slack-files.example/${this.teamId}-${id}`,
      channels: [],
      groups: [],
      ims: [],
      ...(upload.altText ? { alt_txt: upload.altText } : {}),
    };
  }

  private filesComplete(args: Rec): Rec {
    const files = jsonArg(args, 'files');
    if (!Array.isArray(files) || files.length === 0)
      throw invalidArguments(['missing required field: files']);
    const entries = files.map((entry) => {
      if (!isRec(entry) || typeof entry.id !== 'string')
        throw invalidArguments(['files must hold {id, title}']);
      const upload = this.uploads.get(entry.id);
      if (!upload?.bytes) throw new SlackApiError('file_not_found');
      if (typeof entry.title === 'string' && entry.title) upload.title = entry.title;
      return upload;
    });
    const channelArg = str(args.channel_id) ?? list(args.channels)[0];
    const threadTs = str(args.thread_ts);
    const comment = str(args.initial_comment);
    let state: ChannelState | undefined;
    if (channelArg) {
      state = this.resolveChannel(channelArg, { userIds: true });
      this.requireBotMember(state);
    }
    const blocks = jsonArg(args, 'blocks');
    const objects = entries.map((upload) => {
      const file = this.fileObjectFor(upload.id);
      if (state) {
        if (state.info.is_im) file.ims = [state.info.id];
        else if (state.info.is_private) file.groups = [state.info.id];
        else file.channels = [state.info.id];
      }
      upload.file = file;
      upload.completed = true;
      if (state) upload.channel = state.info.id;
      if (threadTs) upload.threadTs = threadTs;
      if (comment) upload.initialComment = comment;
      return file;
    });
    if (state) {
      const message = this.botMessage(comment ?? '');
      message.files = structuredClone(objects);
      message.upload = true;
      message.display_as_bot = false;
      if (Array.isArray(blocks)) message.blocks = this.idFiller.fill(blocks);
      if (threadTs) message.thread_ts = threadTs;
      this.insertMessage(state, message);
      const shareKey = state.info.is_private ? 'private' : 'public';
      for (const upload of entries) {
        upload.messageTs = message.ts;
        if (upload.file) {
          upload.file.shares = {
            [shareKey]: {
              [state.info.id]: [
                { ts: message.ts, channel_name: state.info.name ?? state.info.id, reply_count: 0 },
              ],
            },
          };
        }
      }
    }
    for (const upload of entries) this.emit({ kind: 'file_uploaded', file: upload });
    return { files: entries.map((upload) => structuredClone(upload.file)) };
  }

  private filesInfo(args: Rec): Rec {
    const id = str(args.file);
    const upload = id ? this.uploads.get(id) : undefined;
    if (!upload?.completed || !upload.file) throw new SlackApiError('file_not_found');
    return { file: structuredClone(upload.file), comments: [], response_metadata: { next_cursor: '' } };
  }

  private serveFile(path: string): FakeResponse {
    const match = /^\/files-pri\/[^-/]+-([^/]+)\//.exec(path);
    const upload = match ? this.uploads.get(match[1] as string) : undefined;
    if (!upload?.bytes) return { status: 404, body: 'Not Found' };
    return {
      status: 200,
      headers: { 'content-type': upload.file?.mimetype ?? 'application/octet-stream' },
      body: upload.bytes,
    };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Users, team, auth

  private authTest(): Rec {
    return {
      url: `https://${this.teamDomain}.slack.example/`,
      team: this.teamName,
      user: this.botName,
      team_id: this.teamId,
      user_id: this.botUserId,
      bot_id: this.botId,
      is_enterprise_install: false,
    };
  }

  private usersInfo(args: Rec): Rec {
    const id = str(args.user);
    const user = id ? this.users.get(id) : undefined;
    if (!user) throw new SlackApiError('user_not_found');
    return { user: structuredClone(user) };
  }

  private usersList(args: Rec): Rec {
    const page = paginate([...this.users.values()], args, 200, 'offset');
    return {
      members: structuredClone(page.items),
      cache_ts: Math.floor(this.now() / 1000),
      response_metadata: { next_cursor: page.next },
    };
  }

  private usersLookupByEmail(args: Rec): Rec {
    const email = str(args.email)?.toLowerCase();
    const user = [...this.users.values()].find((u) => u.profile.email?.toLowerCase() === email);
    if (!user) throw new SlackApiError('users_not_found');
    return { user: structuredClone(user) };
  }

  private usergroupsList(args: Rec): Rec {
    const includeUsers = bool(args.include_users);
    return {
      usergroups: [...this.usergroups.values()].map((group) => ({
        id: group.id,
        team_id: this.teamId,
        is_usergroup: true,
        name: group.name,
        handle: group.handle,
        description: '',
        user_count: group.users.length,
        date_delete: 0,
        ...(includeUsers ? { users: [...group.users] } : {}),
      })),
    };
  }

  private usergroupsUsersList(args: Rec): Rec {
    const id = str(args.usergroup);
    const group = id ? this.usergroups.get(id) : undefined;
    if (!group) throw new SlackApiError('no_such_subteam');
    return { users: [...group.users] };
  }
}

const MIME_TYPES: Record<string, string> = {
  csv: 'text/csv',
  txt: 'text/plain',
  json: 'application/json',
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  html: 'text/html',
  md: 'text/markdown',
  zip: 'application/zip',
};

function isTopLevel(message: SlackMessage): boolean {
  return !message.thread_ts || message.thread_ts === message.ts || message.subtype === 'thread_broadcast';
}

function clampLimit(value: unknown, fallback: number, max: number): number {
  const limit = int(value, fallback);
  if (limit <= 0) return fallback;
  return Math.min(limit, max);
}

function paginate<T>(items: T[], args: Rec, fallback: number, kind: string): { items: T[]; next: string } {
  const limit = clampLimit(args.limit, fallback, 1000);
  const offset = Number(decodeCursor(args.cursor, kind) ?? 0);
  const page = items.slice(offset, offset + limit);
  const next = offset + limit < items.length ? encodeCursor(kind, offset + limit) : '';
  return { items: page, next };
}
