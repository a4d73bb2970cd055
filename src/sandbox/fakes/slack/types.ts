import type { AnyBlock, MessageMetadata, PlainTextElement } from '@slack/types';

/** The shapes the Slack fake stores and returns; field names follow Slack's JSON. */

export interface SlackUserSeed {
  id: string;
  name: string;
  realName?: string;
  displayName?: string;
  email?: string;
  isBot?: boolean;
  isAdmin?: boolean;
  deleted?: boolean;
  tz?: string;
  /** For bot users: their bot id. */
  botId?: string;
}

export interface SlackUserObject {
  id: string;
  team_id: string;
  name: string;
  deleted: boolean;
  color: string;
  real_name: string;
  tz: string;
  tz_label: string;
  tz_offset: number;
  profile: {
    real_name: string;
    real_name_normalized: string;
    display_name: string;
    display_name_normalized: string;
    email?: string;
    bot_id?: string;
    team: string;
    image_48: string;
    image_72: string;
  };
  is_admin: boolean;
  is_owner: boolean;
  is_primary_owner: boolean;
  is_restricted: boolean;
  is_ultra_restricted: boolean;
  is_bot: boolean;
  is_app_user: boolean;
  updated: number;
}

export interface SlackChannelSeed {
  id: string;
  name: string;
  isPrivate?: boolean;
  /** Human members; the bot is added unless `botMember` is false. */
  members?: string[];
  botMember?: boolean;
  topic?: string;
  purpose?: string;
  isArchived?: boolean;
}

export interface SlackConversation {
  id: string;
  name?: string;
  name_normalized?: string;
  is_channel: boolean;
  is_group: boolean;
  is_im: boolean;
  is_mpim: boolean;
  is_private: boolean;
  is_archived: boolean;
  is_general: boolean;
  is_shared: boolean;
  is_ext_shared: boolean;
  is_org_shared: boolean;
  is_member: boolean;
  created: number;
  creator?: string;
  /** For DMs: the other user. */
  user?: string;
  topic?: { value: string; creator: string; last_set: number };
  purpose?: { value: string; creator: string; last_set: number };
  num_members?: number;
  context_team_id: string;
  previous_names?: string[];
}

export interface SlackReaction {
  name: string;
  users: string[];
  count: number;
}

export interface SlackFileObject {
  id: string;
  created: number;
  timestamp: number;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  pretty_type: string;
  user: string;
  user_team: string;
  editable: boolean;
  size: number;
  mode: string;
  is_external: boolean;
  external_type: string;
  is_public: boolean;
  public_url_shared: boolean;
  display_as_bot: boolean;
  username: string;
  url_private: string;
  url_private_download: string;
  permalink: string;
  permalink_public: string;
  channels: string[];
  groups: string[];
  ims: string[];
  alt_txt?: string;
  shares?: Record<string, Record<string, { ts: string; channel_name: string; reply_count: number }[]>>;
}

/** A message as Slack returns it from `conversations.history` and friends. */
export interface SlackMessage {
  type: 'message';
  ts: string;
  text: string;
  user?: string;
  bot_id?: string;
  app_id?: string;
  team?: string;
  subtype?: string;
  blocks?: AnyBlock[];
  attachments?: unknown[];
  metadata?: MessageMetadata;
  thread_ts?: string;
  parent_user_id?: string;
  reply_count?: number;
  reply_users?: string[];
  reply_users_count?: number;
  latest_reply?: string;
  is_locked?: boolean;
  subscribed?: boolean;
  edited?: { user: string; ts: string };
  reactions?: SlackReaction[];
  files?: SlackFileObject[];
  upload?: boolean;
  display_as_bot?: boolean;
  username?: string;
  icons?: Record<string, string>;
  bot_profile?: {
    id: string;
    app_id: string;
    name: string;
    icons: Record<string, string>;
    deleted: boolean;
    updated: number;
    team_id: string;
  };
  client_msg_id?: string;
  /** Set on tombstones: a deleted parent that still has replies. */
  hidden?: boolean;
  /** For `thread_broadcast` messages: the reply as it appears in the thread. */
  root?: SlackMessage;
}

export interface SlackEphemeral {
  channel: string;
  user: string;
  /** The `message_ts` the posting call answered with. */
  ts: string;
  text: string;
  blocks?: AnyBlock[];
  attachments?: unknown[];
  thread_ts?: string;
  /** How it got there: `chat.postEphemeral` or a `response_url`. */
  via: 'chat.postEphemeral' | 'response_url';
  /** Set when a `replace_original` response replaced it. */
  replaced?: boolean;
}

export interface ViewStateSelectedOption {
  text: PlainTextElement | { type: 'mrkdwn'; text: string };
  value: string;
  description?: unknown;
}

export interface ViewStateValue {
  type: string;
  value?: string | null;
  selected_date?: string | null;
  selected_time?: string | null;
  selected_date_time?: number | null;
  selected_conversation?: string | null;
  selected_channel?: string | null;
  selected_user?: string | null;
  selected_option?: ViewStateSelectedOption | null;
  selected_conversations?: string[];
  selected_channels?: string[];
  selected_users?: string[];
  selected_options?: ViewStateSelectedOption[];
  rich_text_value?: unknown;
  files?: unknown[];
}

export type ViewStateValues = Record<string, Record<string, ViewStateValue>>;

/** A view as Slack returns it from `views.*` and sends it in interaction payloads. */
export interface SlackViewOutput {
  id: string;
  team_id: string;
  type: 'modal' | 'home';
  blocks: AnyBlock[];
  private_metadata: string;
  callback_id: string;
  state: { values: ViewStateValues };
  hash: string;
  title: PlainTextElement | null;
  clear_on_close: boolean;
  notify_on_close: boolean;
  close: PlainTextElement | null;
  submit: PlainTextElement | null;
  previous_view_id: string | null;
  root_view_id: string | null;
  app_id: string;
  external_id: string;
  app_installed_team_id: string;
  bot_id: string;
}

export interface SlackUploadedFile {
  id: string;
  filename: string;
  title: string;
  length: number;
  altText?: string;
  snippetType?: string;
  /** The bytes received at the upload URL; undefined until uploaded. */
  bytes?: Buffer;
  uploadedAt?: number;
  completed: boolean;
  channel?: string;
  threadTs?: string;
  initialComment?: string;
  /** The message the completion posted, when shared to a channel. */
  messageTs?: string;
  file?: SlackFileObject;
}

export interface RecordedCall {
  method: string;
  /** Decoded arguments: JSON-encoded ones (`blocks`, `view`, `metadata`, …) are parsed. */
  args: Record<string, unknown>;
  token: string | undefined;
  at: number;
  /** The `ok` and `error` of the answer (`ratelimited` for a 429). */
  ok: boolean;
  error?: string;
}

/** What the fake did with a `view_submission` answer. */
export type ViewResponseOutcome =
  | { action: 'closed'; closed: SlackViewOutput[] }
  | { action: 'cleared'; closed: SlackViewOutput[] }
  | { action: 'errors'; errors: Record<string, string>; view: SlackViewOutput }
  | { action: 'updated'; view: SlackViewOutput }
  | { action: 'pushed'; view: SlackViewOutput }
  /** Slack shows a generic error in the modal and keeps it open. */
  | { action: 'rejected'; reason: string; view: SlackViewOutput | undefined };

/** One state change, emitted as `fake.events.on('change', …)`. */
export type SlackFakeChange =
  | { kind: 'message_posted'; channel: string; message: SlackMessage }
  | { kind: 'message_updated'; channel: string; message: SlackMessage }
  | { kind: 'message_deleted'; channel: string; ts: string; threadTs?: string }
  | { kind: 'ephemeral_posted'; ephemeral: SlackEphemeral }
  | { kind: 'ephemeral_updated'; ephemeral: SlackEphemeral }
  | { kind: 'ephemeral_deleted'; ephemeral: SlackEphemeral }
  | { kind: 'reaction_added'; channel: string; ts: string; name: string; user: string }
  | { kind: 'reaction_removed'; channel: string; ts: string; name: string; user: string }
  | { kind: 'view_opened'; user: string; view: SlackViewOutput }
  | { kind: 'view_pushed'; user: string; view: SlackViewOutput }
  | { kind: 'view_updated'; user: string; view: SlackViewOutput }
  | { kind: 'view_errors'; user: string; view: SlackViewOutput; errors: Record<string, string> }
  | { kind: 'view_closed'; user: string; view: SlackViewOutput }
  | { kind: 'home_published'; user: string; view: SlackViewOutput }
  | { kind: 'channel_created'; channel: SlackConversation }
  | { kind: 'members_joined'; channel: string; users: string[] }
  | { kind: 'file_uploaded'; file: SlackUploadedFile }
  | { kind: 'reset' };
