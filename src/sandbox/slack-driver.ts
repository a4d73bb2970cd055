import { createHmac, randomUUID } from 'node:crypto';
import { type FoundElement, findAction, interactiveElements } from './fakes/slack/blocks.js';
import type {
  SlackEphemeral,
  SlackMessage,
  SlackViewOutput,
  ViewResponseOutcome,
  ViewStateValues,
} from './fakes/slack/types.js';
import {
  actionItem,
  applyInputs,
  buildState,
  clientValidation,
  type ElementInput,
  isStateful,
  stateValueFor,
} from './fakes/slack/view-state.js';
import { isRec, type Rec } from './fakes/slack/wire.js';
import type { SlackFake } from './fakes/slack-fake.js';

/**
 * Plays Slack's side of the app's `POST /slack/events`: slash commands, shortcuts, block actions, view submissions
 * and closures, option suggestions and Events API callbacks, each signed with the signing secret and shaped as
 * Slack sends it. With a {@link SlackFake} it also acts like the Slack client: it reads the buttons and modals the
 * app rendered, issues trigger ids and response URLs on the fake, records people's messages there, and applies the
 * app's answers to view submissions.
 */

export interface SlackDriverOptions {
  /** The app's base URL, e.g. `http://127.0.0.1:3000`. */
  appUrl: string;
  signingSecret: string;
  fake?: SlackFake;
  teamId?: string;
  appId?: string;
  botUserId?: string;
  teamDomain?: string;
  /** Where Slack posts; default `/slack/events`. */
  path?: string;
  /** The deprecated verification token Slack still puts in payloads. */
  verificationToken?: string;
  /** Clock in milliseconds for request timestamps and `action_ts`. */
  now?: () => number;
  /** Abort a request after this long; default 15 s. (Slack itself gives up after 3 s; see `elapsedMs`.) */
  timeoutMs?: number;
  /**
   * How requests reach the app: signed HTTP posts (default), or envelopes over the fake's Socket Mode connection
   * (needs `fake`); the app's acknowledgement then comes back as the response body.
   */
  transport?: 'http' | 'socket';
}

export interface DriverResponse {
  status: number;
  /** Parsed JSON when the app answered JSON, the text otherwise (`''` for an empty ack). */
  body: unknown;
  /** The raw answer text. */
  text: string;
  headers: Record<string, string>;
  elapsedMs: number;
}

export interface InteractionResponse extends DriverResponse {
  /** The trigger id sent with the interaction (valid on the fake for its TTL). */
  triggerId: string;
  /** The response_url sent, if any. */
  responseUrl?: string;
}

/** Where an interaction happens: a message (by channel and ts; ephemerals too) or a view. */
export interface InteractionSource {
  user: string;
  channel?: string;
  messageTs?: string;
  viewId?: string;
}

export interface SubmitViewResult extends DriverResponse {
  /** What the fake did with the app's answer; undefined when nothing was sent or the app did not answer 200. */
  outcome?: ViewResponseOutcome;
  /** Errors the Slack client itself shows (required fields, lengths); the submission is then not sent. */
  clientErrors?: Record<string, string>;
  /** The `state.values` that were (or would have been) submitted. */
  values: ViewStateValues;
  triggerId?: string;
}

export interface SuggestionResponse extends DriverResponse {
  options?: unknown[];
  optionGroups?: unknown[];
}

export interface EventResponse extends DriverResponse {
  eventId: string;
}

export interface MessageEventResponse extends EventResponse {
  message: SlackMessage;
}

const NOT_SENT: Omit<DriverResponse, 'body' | 'text'> = { status: 0, headers: {}, elapsedMs: 0 };

/**
 * Messages in interaction payloads go without their metadata: apps read it with `include_all_metadata`, so a flow
 * that only works when Slack echoes metadata back fails here first.
 */
function payloadMessage(message: SlackMessage): SlackMessage {
  const { metadata: _metadata, ...rest } = message;
  return rest;
}

export class SlackDriver {
  readonly appUrl: string;
  readonly fake: SlackFake | undefined;
  readonly teamId: string;
  readonly appId: string;
  readonly botUserId: string;
  readonly teamDomain: string;
  private readonly signingSecret: string;
  private readonly path: string;
  private readonly verificationToken: string;
  private readonly clock: () => number;
  private readonly timeoutMs: number;
  private readonly transport: 'http' | 'socket';
  /** Element state of messages (selects, checkboxes in messages), keyed by `channel:ts`. */
  private readonly messageState = new Map<string, ViewStateValues>();
  private eventCounter = 0;

  constructor(options: SlackDriverOptions) {
    this.appUrl = options.appUrl.replace(/\/$/, '');
    this.signingSecret = options.signingSecret;
    this.fake = options.fake;
    this.teamId = options.teamId ?? options.fake?.teamId ?? 'T0FRONTLINE';
    this.appId = options.appId ?? options.fake?.appId ?? 'A0FRONTLINE';
    this.botUserId = options.botUserId ?? options.fake?.botUserId ?? 'U0BOT';
    this.teamDomain = options.teamDomain ?? options.fake?.teamDomain ?? 'frontline';
    this.path = options.path ?? '/slack/events';
    this.verificationToken = options.verificationToken ?? 'fake-verification-token';
    this.clock = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.transport = options.transport ?? 'http';
    if (this.transport === 'socket' && !this.fake) throw new Error('Socket Mode needs the Slack fake');
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Signing and transport

  /** `v0=<hex HMAC-SHA256 of "v0:<timestamp>:<body>">` with the signing secret. */
  sign(body: string, timestamp: number): string {
    const hmac = createHmac('sha256', this.signingSecret).update(`v0:${timestamp}:${body}`).digest('hex');
    return `v0=${hmac}`;
  }

  /**
   * Posts a body as given, for signature tests: `timestamp` (seconds) and `signature` override the computed ones.
   */
  raw(
    body: string,
    options: {
      contentType: string;
      timestamp?: number;
      signature?: string;
      headers?: Record<string, string>;
    },
  ): Promise<DriverResponse> {
    if (this.transport === 'socket' && (options.signature !== undefined || options.timestamp !== undefined))
      throw new Error('Socket Mode requests are not signed: signature tests need the HTTP transport');
    const timestamp = options.timestamp ?? Math.floor(this.clock() / 1000);
    return this.send(body, options.contentType, {
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': options.signature ?? this.sign(body, timestamp),
      ...options.headers,
    });
  }

  private post(
    body: string,
    contentType: string,
    headers: Record<string, string> = {},
  ): Promise<DriverResponse> {
    return this.raw(body, { contentType, headers });
  }

  private async send(
    body: string,
    contentType: string,
    headers: Record<string, string>,
  ): Promise<DriverResponse> {
    if (this.transport === 'socket') return this.sendOverSocket(body, contentType);
    const started = performance.now();
    const response = await fetch(`${this.appUrl}${this.path}`, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
        ...headers,
      },
      body,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    const elapsedMs = performance.now() - started;
    const responseHeaders = Object.fromEntries(response.headers.entries());
    let parsed: unknown = text;
    const type = response.headers.get('content-type') ?? '';
    if (text !== '' && (type.includes('application/json') || /^\s*[{[]/.test(text))) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: response.status, body: parsed, text, headers: responseHeaders, elapsedMs };
  }

  /**
   * The same request as Socket Mode carries it: a JSON body is an Events API callback, a form with `payload` an
   * interaction, any other form a slash command. An empty acknowledgement reads as HTTP's empty 200.
   */
  private async sendOverSocket(body: string, contentType: string): Promise<DriverResponse> {
    const socket = (this.fake as SlackFake).socketMode;
    let ack: { payload: Rec; elapsedMs: number };
    if (contentType.includes('application/json')) {
      ack = await socket.deliver('events_api', JSON.parse(body) as Rec);
    } else {
      const form = new URLSearchParams(body);
      const payload = form.get('payload');
      ack =
        payload === null
          ? await socket.deliver('slash_commands', Object.fromEntries(form))
          : await socket.deliver('interactive', JSON.parse(payload) as Rec);
    }
    const empty = Object.keys(ack.payload).length === 0;
    const text = empty ? '' : JSON.stringify(ack.payload);
    return {
      status: 200,
      body: empty ? '' : ack.payload,
      text,
      headers: empty ? {} : { 'content-type': 'application/json' },
      elapsedMs: ack.elapsedMs,
    };
  }

  private postPayload(payload: Rec): Promise<DriverResponse> {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.post(body, 'application/x-www-form-urlencoded');
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Shared pieces of payloads

  private teamRef(): Rec {
    return { id: this.teamId, domain: this.teamDomain };
  }

  private userRef(user: string): Rec {
    const name = this.fake?.user(user)?.name ?? user.toLowerCase();
    return { id: user, username: name, name, team_id: this.teamId };
  }

  private channelName(channel: string): string {
    const info = this.fake?.channel(channel);
    if (!info) return channel.startsWith('D') ? 'directmessage' : channel.toLowerCase();
    if (info.is_im) return 'directmessage';
    if (info.is_private && !info.is_mpim) return 'privategroup';
    return info.name ?? channel;
  }

  private channelRef(channel: string): Rec {
    const info = this.fake?.channel(channel);
    const id = info?.id ?? channel;
    return { id, name: info?.is_im ? 'directmessage' : (info?.name ?? channel.toLowerCase()) };
  }

  private channelId(channel: string): string {
    return this.fake?.channel(channel)?.id ?? channel;
  }

  private trigger(user: string): string {
    if (this.fake) return this.fake.issueTrigger(user);
    return `${Math.floor(this.clock() / 1000)}.${Math.floor(Math.random() * 1e10)}.${randomUUID().replace(/-/g, '')}`;
  }

  private responseUrlFor(target: {
    channel: string;
    user: string;
    messageTs?: string;
    ephemeral?: boolean;
    threadTs?: string;
  }): string {
    if (this.fake) return this.fake.responseUrl(target);
    return `https://hooks.slack.example/actions/${this.teamId}/${randomUUID()}`;
  }

  private actionTs(): string {
    const micros = Math.floor(this.clock() * 1000);
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  private requireFake(what: string): SlackFake {
    if (!this.fake) throw new Error(`${what} needs a SlackFake to read what the app rendered`);
    return this.fake;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Slash commands and shortcuts

  /** A slash command, form-encoded as Slack sends it, with a response_url and a trigger_id. */
  async command(input: {
    user: string;
    channel: string;
    command: string;
    text?: string;
  }): Promise<InteractionResponse> {
    const channel = this.channelId(input.channel);
    const triggerId = this.trigger(input.user);
    const responseUrl = this.responseUrlFor({ channel, user: input.user });
    const form = new URLSearchParams({
      token: this.verificationToken,
      team_id: this.teamId,
      team_domain: this.teamDomain,
      channel_id: channel,
      channel_name: this.channelName(channel),
      user_id: input.user,
      user_name: this.fake?.user(input.user)?.name ?? input.user.toLowerCase(),
      command: input.command.startsWith('/') ? input.command : `/${input.command}`,
      text: input.text ?? '',
      api_app_id: this.appId,
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: triggerId,
    });
    const response = await this.post(form.toString(), 'application/x-www-form-urlencoded');
    return { ...response, triggerId, responseUrl };
  }

  /** A message shortcut (`message_action`) on a message given by ts (looked up on the fake) or as an object. */
  async messageShortcut(input: {
    user: string;
    channel: string;
    message: string | SlackMessage;
    callbackId: string;
  }): Promise<InteractionResponse> {
    const channel = this.channelId(input.channel);
    const message =
      typeof input.message === 'string'
        ? this.requireFake('messageShortcut').message(channel, input.message)
        : input.message;
    if (!message) throw new Error(`no message ${String(input.message)} in ${channel}`);
    const triggerId = this.trigger(input.user);
    const threadTs = message.thread_ts && message.thread_ts !== message.ts ? message.thread_ts : undefined;
    const responseUrl = this.responseUrlFor({
      channel,
      user: input.user,
      messageTs: message.ts,
      ...(threadTs ? { threadTs } : {}),
    });
    const response = await this.postPayload({
      type: 'message_action',
      token: this.verificationToken,
      action_ts: this.actionTs(),
      team: this.teamRef(),
      user: this.userRef(input.user),
      channel: this.channelRef(channel),
      is_enterprise_install: false,
      enterprise: null,
      callback_id: input.callbackId,
      trigger_id: triggerId,
      response_url: responseUrl,
      message_ts: message.ts,
      message: payloadMessage(message),
    });
    return { ...response, triggerId, responseUrl };
  }

  /** A global shortcut (`shortcut`). */
  async globalShortcut(input: { user: string; callbackId: string }): Promise<InteractionResponse> {
    const triggerId = this.trigger(input.user);
    const response = await this.postPayload({
      type: 'shortcut',
      token: this.verificationToken,
      action_ts: this.actionTs(),
      team: this.teamRef(),
      user: this.userRef(input.user),
      is_enterprise_install: false,
      enterprise: null,
      callback_id: input.callbackId,
      trigger_id: triggerId,
    });
    return { ...response, triggerId };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Block actions

  /** The blocks the person sees at the source: the fake's message, ephemeral or view. */
  private sourceBlocks(source: InteractionSource): {
    blocks: readonly unknown[];
    message?: SlackMessage;
    ephemeral?: SlackEphemeral;
    view?: SlackViewOutput;
  } {
    const fake = this.requireFake('finding the element');
    if (source.viewId) {
      const view = fake.view(source.viewId);
      if (!view) throw new Error(`no view ${source.viewId}`);
      return { blocks: view.blocks, view };
    }
    if (!source.channel || !source.messageTs) throw new Error('give either viewId or channel and messageTs');
    const message = fake.message(this.channelId(source.channel), source.messageTs);
    if (message) return { blocks: message.blocks ?? [], message };
    const ephemeral = fake.ephemeral(source.messageTs);
    if (ephemeral) return { blocks: ephemeral.blocks ?? [], ephemeral };
    throw new Error(`no message ${source.messageTs} in ${source.channel}`);
  }

  /**
   * Sends a `block_actions` payload with the given action items, from a message (container `message`, with
   * `channel`, `message`, `state` and a `response_url`) or from a view (container `view`, with the full view and its
   * current state). The message or view comes from the fake unless given.
   */
  async blockAction(
    input: InteractionSource & { actions: Rec[]; message?: SlackMessage; view?: SlackViewOutput },
  ): Promise<InteractionResponse> {
    const triggerId = this.trigger(input.user);
    const base: Rec = {
      type: 'block_actions',
      user: this.userRef(input.user),
      api_app_id: this.appId,
      token: this.verificationToken,
    };
    const rest: Rec = {
      team: this.teamRef(),
      enterprise: null,
      is_enterprise_install: false,
    };
    if (input.viewId || input.view) {
      const view = input.view ?? this.requireFake('blockAction').view(input.viewId as string);
      if (!view) throw new Error(`no view ${input.viewId}`);
      const response = await this.postPayload({
        ...base,
        container: { type: 'view', view_id: view.id },
        trigger_id: triggerId,
        ...rest,
        view,
        actions: input.actions,
      });
      return { ...response, triggerId };
    }
    if (!input.channel) throw new Error('blockAction needs a channel (with messageTs) or a viewId');
    const channel = this.channelId(input.channel);
    const message =
      input.message ??
      (input.messageTs ? this.fake?.message(channel, input.messageTs) : undefined) ??
      undefined;
    const ephemeral = !message && input.messageTs ? this.fake?.ephemeral(input.messageTs) : undefined;
    const messageTs = message?.ts ?? ephemeral?.ts ?? input.messageTs;
    if (!messageTs) throw new Error('blockAction from a message needs messageTs or message');
    const threadTs = message?.thread_ts ?? ephemeral?.thread_ts;
    const inThread = threadTs !== undefined && threadTs !== messageTs;
    const responseUrl = this.responseUrlFor({
      channel,
      user: input.user,
      messageTs,
      ephemeral: Boolean(ephemeral),
      ...(inThread ? { threadTs } : {}),
    });
    const blocks = message?.blocks ?? ephemeral?.blocks ?? [];
    const state = buildState(blocks, this.messageState.get(`${channel}:${messageTs}`) ?? {});
    const payload: Rec = {
      ...base,
      container: {
        type: 'message',
        message_ts: messageTs,
        channel_id: channel,
        is_ephemeral: Boolean(ephemeral),
        ...(inThread ? { thread_ts: threadTs } : {}),
      },
      trigger_id: triggerId,
      ...rest,
      channel: this.channelRef(channel),
      ...(message ? { message: payloadMessage(message) } : {}),
      state: { values: state },
      response_url: responseUrl,
      actions: input.actions,
    };
    const response = await this.postPayload(payload);
    return { ...response, triggerId, responseUrl };
  }

  /**
   * The person uses an element the app rendered, found on the fake by `action_id` (and `block_id`): a button
   * (`input` overrides its value), a select, overflow or radio (`input` is the option value, or `{text, value}` for
   * external selects), checkboxes or multi-selects (arrays), pickers (date, time, user, conversation). Stateful
   * elements also update the state the fake keeps for the view or message.
   */
  async interact(
    input: InteractionSource & { actionId: string; blockId?: string; input?: ElementInput },
  ): Promise<InteractionResponse> {
    const source = this.sourceBlocks(input);
    const found = findAction(source.blocks, input.actionId, input.blockId);
    if (!found) {
      const known = interactiveElements(source.blocks)
        .map((e) => `${e.blockId}.${e.actionId} (${e.type})`)
        .join(', ');
      throw new Error(`no element with action_id ${input.actionId}; rendered: ${known || 'none'}`);
    }
    const item = actionItem(found, input.input, this.actionTs());
    if (isStateful(found.type)) this.rememberState(input, source, found, input.input);
    if (source.view) {
      return this.blockAction({ user: input.user, viewId: source.view.id, actions: [item] });
    }
    return this.blockAction({
      user: input.user,
      channel: input.channel as string,
      messageTs: input.messageTs as string,
      actions: [item],
    });
  }

  private rememberState(
    source: InteractionSource,
    rendered: ReturnType<SlackDriver['sourceBlocks']>,
    found: FoundElement,
    value: ElementInput | undefined,
  ): void {
    const entry = stateValueFor(found.element, found.actionId, value);
    if (rendered.view && this.fake) {
      const values = buildState(rendered.view.blocks, rendered.view.state.values);
      values[found.blockId] = { ...values[found.blockId], [found.actionId]: entry };
      this.fake.setViewState(rendered.view.id, values);
      return;
    }
    const key = `${this.channelId(source.channel ?? '')}:${source.messageTs}`;
    const values = buildState(rendered.blocks, this.messageState.get(key) ?? {});
    values[found.blockId] = { ...values[found.blockId], [found.actionId]: entry };
    this.messageState.set(key, values);
  }

  /** Clicks a button the app rendered (its rendered value is sent unless `value` overrides it). */
  clickButton(
    input: InteractionSource & { actionId: string; blockId?: string; value?: string },
  ): Promise<InteractionResponse> {
    return this.interact({
      user: input.user,
      ...(input.channel !== undefined ? { channel: input.channel } : {}),
      ...(input.messageTs !== undefined ? { messageTs: input.messageTs } : {}),
      ...(input.viewId !== undefined ? { viewId: input.viewId } : {}),
      actionId: input.actionId,
      ...(input.blockId !== undefined ? { blockId: input.blockId } : {}),
      ...(input.value !== undefined ? { input: input.value } : {}),
    });
  }

  /** Chooses an option of a static or external select, overflow menu or radio group. */
  selectOption(
    input: InteractionSource & { actionId: string; blockId?: string; value: string; text?: string },
  ): Promise<InteractionResponse> {
    return this.interact({
      user: input.user,
      ...(input.channel !== undefined ? { channel: input.channel } : {}),
      ...(input.messageTs !== undefined ? { messageTs: input.messageTs } : {}),
      ...(input.viewId !== undefined ? { viewId: input.viewId } : {}),
      actionId: input.actionId,
      ...(input.blockId !== undefined ? { blockId: input.blockId } : {}),
      input: input.text !== undefined ? { value: input.value, text: input.text } : input.value,
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Views

  /**
   * Submits a modal: builds `view.state.values` from the fake's stored view (initial values, earlier edits) and the
   * inputs given, keyed by `action_id` or `block_id.action_id`; runs the Slack client's own checks (required
   * fields, lengths) unless skipped; sends the `view_submission`; and applies the app's answer to the fake.
   */
  async submitView(input: {
    user: string;
    viewId: string;
    values?: Record<string, ElementInput>;
    skipClientValidation?: boolean;
    /**
     * Submits this copy of the view instead of the fake's current one: what Slack sends when a person submits a form
     * again because the answer to their first submission never reached Slack.
     */
    asSubmitted?: SlackViewOutput;
  }): Promise<SubmitViewResult> {
    const fake = this.requireFake('submitView');
    const view = input.asSubmitted ?? fake.view(input.viewId);
    const info = fake.viewInfo(input.viewId);
    if (!view || (!input.asSubmitted && !info?.open)) throw new Error(`view ${input.viewId} is not open`);
    if (view.type !== 'modal') throw new Error(`view ${input.viewId} is a ${view.type} view, not a modal`);
    const values = applyInputs(view.blocks, view.state.values, input.values ?? {});
    fake.setViewState(view.id, values);
    if (!input.skipClientValidation) {
      const clientErrors = clientValidation(view.blocks, values);
      if (Object.keys(clientErrors).length > 0) {
        fake.applyViewResponse(view.id, { response_action: 'errors', errors: clientErrors });
        return { ...NOT_SENT, body: undefined, text: '', clientErrors, values };
      }
    }
    const submitted: SlackViewOutput = { ...view, state: { values } };
    const triggerId = this.trigger(input.user);
    const response = await this.postPayload({
      type: 'view_submission',
      team: this.teamRef(),
      user: this.userRef(input.user),
      api_app_id: this.appId,
      token: this.verificationToken,
      trigger_id: triggerId,
      view: submitted,
      response_urls: this.viewResponseUrls(view, values, input.user),
      is_enterprise_install: false,
      enterprise: null,
    });
    if (response.status !== 200) return { ...response, values, triggerId };
    const outcome = fake.applyViewResponse(view.id, response.text);
    return { ...response, outcome, values, triggerId };
  }

  /** Conversation pickers with `response_url_enabled` get a response_url for the chosen conversation. */
  private viewResponseUrls(view: SlackViewOutput, values: ViewStateValues, user: string): Rec[] {
    const urls: Rec[] = [];
    for (const found of interactiveElements(view.blocks)) {
      if (found.element.response_url_enabled !== true) continue;
      const entry = values[found.blockId]?.[found.actionId];
      const channel = entry?.selected_conversation ?? entry?.selected_channel;
      if (!channel) continue;
      urls.push({
        block_id: found.blockId,
        action_id: found.actionId,
        channel_id: channel,
        response_url: this.responseUrlFor({ channel, user }),
      });
    }
    return urls;
  }

  /**
   * The person closes a modal. The fake closes it (the whole stack with `clear_on_close`); a `view_closed` is sent
   * when the view asked for `notify_on_close`. Returns undefined when nothing was sent.
   */
  async closeView(input: { user: string; viewId: string }): Promise<DriverResponse | undefined> {
    const fake = this.requireFake('closeView');
    const result = fake.closeView(input.viewId);
    if (!result) throw new Error(`view ${input.viewId} is not an open modal`);
    if (!result.view.notify_on_close) return undefined;
    return this.postPayload({
      type: 'view_closed',
      team: this.teamRef(),
      user: this.userRef(input.user),
      api_app_id: this.appId,
      token: this.verificationToken,
      view: result.view,
      is_cleared: result.cleared,
      is_enterprise_install: false,
      enterprise: null,
    });
  }

  /** A `block_suggestion` for an external select: returns the options (or option groups) the app answered. */
  async suggestion(
    input: InteractionSource & { actionId: string; blockId?: string; value: string },
  ): Promise<SuggestionResponse> {
    const source = this.sourceBlocks(input);
    const found = findAction(source.blocks, input.actionId, input.blockId);
    if (!found) throw new Error(`no element with action_id ${input.actionId}`);
    const payload: Rec = {
      type: 'block_suggestion',
      user: this.userRef(input.user),
      container: source.view
        ? { type: 'view', view_id: source.view.id }
        : {
            type: 'message',
            message_ts: input.messageTs,
            channel_id: this.channelId(input.channel ?? ''),
            is_ephemeral: Boolean(source.ephemeral),
          },
      api_app_id: this.appId,
      token: this.verificationToken,
      action_id: found.actionId,
      block_id: found.blockId,
      value: input.value,
      team: this.teamRef(),
      enterprise: null,
      is_enterprise_install: false,
    };
    if (source.view) payload.view = source.view;
    else {
      payload.channel = this.channelRef(input.channel ?? '');
      if (source.message) payload.message = payloadMessage(source.message);
    }
    const response = await this.postPayload(payload);
    const body = isRec(response.body) ? response.body : {};
    return {
      ...response,
      ...(Array.isArray(body.options) ? { options: body.options } : {}),
      ...(Array.isArray(body.option_groups) ? { optionGroups: body.option_groups } : {}),
    };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Events API

  /**
   * An `event_callback` envelope around the event, with `authorizations`, `event_id`, `event_time`, and the retry
   * headers when `retryNum` / `retryReason` are given (redeliveries reuse the same `eventId`).
   */
  async event(input: {
    event: Rec;
    eventId?: string;
    eventTime?: number;
    retryNum?: number;
    retryReason?: string;
  }): Promise<EventResponse> {
    this.eventCounter += 1;
    const eventId =
      input.eventId ??
      `Ev${String(this.eventCounter).padStart(4, '0')}${randomUUID().slice(0, 6).toUpperCase()}`;
    const eventTime = input.eventTime ?? Math.floor(this.clock() / 1000);
    const event: Rec = { ...input.event };
    if (event.event_ts === undefined)
      event.event_ts = typeof event.ts === 'string' ? event.ts : this.actionTs();
    const envelope = {
      token: this.verificationToken,
      team_id: this.teamId,
      context_team_id: this.teamId,
      context_enterprise_id: null,
      api_app_id: this.appId,
      event,
      type: 'event_callback',
      event_id: eventId,
      event_time: eventTime,
      authorizations: [
        {
          enterprise_id: null,
          team_id: this.teamId,
          user_id: this.botUserId,
          is_bot: true,
          is_enterprise_install: false,
        },
      ],
      is_ext_shared_channel: false,
      event_context: `4-${Buffer.from(`${this.teamId}:${eventId}`).toString('base64url')}`,
    };
    const headers: Record<string, string> = {};
    if (input.retryNum !== undefined) headers['x-slack-retry-num'] = String(input.retryNum);
    if (input.retryReason !== undefined) headers['x-slack-retry-reason'] = input.retryReason;
    const response = await this.post(JSON.stringify(envelope), 'application/json', headers);
    return { ...response, eventId };
  }

  private channelType(channel: string): string {
    const info = this.fake?.channel(channel);
    if (info?.is_im || (!info && channel.startsWith('D'))) return 'im';
    if (info?.is_mpim) return 'mpim';
    if (info?.is_private) return 'group';
    return 'channel';
  }

  private recordHumanMessage(input: {
    user: string;
    channel: string;
    text: string;
    threadTs?: string;
  }): SlackMessage {
    if (this.fake) {
      return this.fake.postAsUser({
        channel: input.channel,
        user: input.user,
        text: input.text,
        ...(input.threadTs ? { threadTs: input.threadTs } : {}),
      });
    }
    const message: SlackMessage = {
      type: 'message',
      ts: this.actionTs(),
      user: input.user,
      text: input.text,
      team: this.teamId,
      client_msg_id: randomUUID(),
    };
    if (input.threadTs) message.thread_ts = input.threadTs;
    return message;
  }

  private messageEventFields(message: SlackMessage, channel: string): Rec {
    const fields: Rec = {
      user: message.user,
      ts: message.ts,
      client_msg_id: message.client_msg_id,
      text: message.text,
      team: message.team ?? this.teamId,
    };
    if (message.blocks) fields.blocks = message.blocks;
    if (message.thread_ts && message.thread_ts !== message.ts) {
      fields.thread_ts = message.thread_ts;
      if (message.parent_user_id) fields.parent_user_id = message.parent_user_id;
    }
    fields.channel = channel;
    fields.event_ts = message.ts;
    return fields;
  }

  /** A person posts a message: it is recorded on the fake (as theirs), then the `message` event is sent. */
  async message(input: {
    user: string;
    channel: string;
    text: string;
    threadTs?: string;
  }): Promise<MessageEventResponse> {
    const message = this.recordHumanMessage(input);
    const channel = this.channelId(input.channel);
    const event = {
      type: 'message',
      ...this.messageEventFields(message, channel),
      channel_type: this.channelType(channel),
    };
    const response = await this.event({ event });
    return { ...response, message };
  }

  /**
   * A person mentions the bot: recorded on the fake, then the `app_mention` event is sent (the text gets a
   * `<@bot>` mention if it has none). Slack would also send a `message` event when the app subscribes to them;
   * pass `alsoMessageEvent` for that.
   */
  async appMention(input: {
    user: string;
    channel: string;
    text: string;
    threadTs?: string;
    alsoMessageEvent?: boolean;
  }): Promise<MessageEventResponse> {
    const mention = `<@${this.botUserId}>`;
    const text = input.text.includes(mention) ? input.text : `${mention} ${input.text}`;
    const message = this.recordHumanMessage({ ...input, text });
    const channel = this.channelId(input.channel);
    const response = await this.event({
      event: { type: 'app_mention', ...this.messageEventFields(message, channel) },
    });
    if (input.alsoMessageEvent) {
      await this.event({
        event: {
          type: 'message',
          ...this.messageEventFields(message, channel),
          channel_type: this.channelType(channel),
        },
      });
    }
    return { ...response, message };
  }

  /** The person opens the app's Home tab. */
  appHomeOpened(user: string): Promise<EventResponse> {
    const channel = this.fake ? this.fake.dmChannel(user) : `D${user.slice(1)}`;
    const view = this.fake?.home(user);
    return this.event({
      event: {
        type: 'app_home_opened',
        user,
        channel,
        tab: 'home',
        ...(view ? { view } : {}),
        event_ts: this.actionTs(),
      },
    });
  }

  /** A person joins a channel (`member_joined_channel`); recorded on the fake's membership when given. */
  memberJoinedChannel(input: { user: string; channel: string; inviter?: string }): Promise<EventResponse> {
    this.fake?.joinChannel(input.channel, input.user);
    const channel = this.channelId(input.channel);
    return this.event({
      event: {
        type: 'member_joined_channel',
        user: input.user,
        channel,
        channel_type: this.channelType(channel) === 'channel' ? 'C' : 'G',
        team: this.teamId,
        ...(input.inviter ? { inviter: input.inviter } : {}),
        event_ts: this.actionTs(),
      },
    });
  }
}
