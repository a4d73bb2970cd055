/**
 * What a message that mentions Frontline asks for, decided in one place. Slack sends a top-level mention in an intake
 * channel twice (as `app_mention` and as a channel `message`), and more than one listener hears each; every listener
 * asks `answerToMention` and only the one it names answers, so the person gets one reply.
 */

/** The words Frontline answers when mentioned: `@Frontline help` and `@Frontline escalate …`. */
const COMMAND = /^(help|escalate)\b[:\s]*/i;
/** A user mention as Slack writes it in message text: `<@U123>` or, in older payloads, `<@U123|name>`. */
const USER_MENTION = /<@[A-Z0-9]+(?:\|[^>]*)?>/g;
/** A mention at the very start of the text: the message is addressed to whoever it names. */
const LEADING_MENTION = /^\s*<@[A-Z0-9]+(?:\|[^>]*)?>[\s,:]*/;

export type MentionAnswer =
  /** The help, for `help` or a bare mention. */
  | { kind: 'help' }
  /** Known problems that look like `text`, with a button to escalate: `escalate …`. */
  | { kind: 'escalate'; text: string }
  /** A note that `word` is not a command, then the help. */
  | { kind: 'unknown'; word: string }
  /** A new post in an intake channel that also mentions Frontline: the intake answers it as any other post there. */
  | { kind: 'intake' }
  /** Frontline is named in passing ("thanks @Frontline"), not addressed: no answer. */
  | { kind: 'none' };

export interface MentionPlace {
  channel: string;
  /** The thread the message is in; absent (or the message's own ts) for a top-level message. */
  threadTs?: string | undefined;
  ts: string;
}

/**
 * How to answer a message that mentions Frontline. A message addressed to it (starting with the mention) that names a
 * command is answered as a mention, wherever it is. Any other text at the top of an intake channel is a case being
 * raised there, answered by the intake; elsewhere an addressed message gets a note that the word is unknown, with the
 * help, and a passing mention gets no answer.
 */
export function answerToMention(
  text: string,
  place: MentionPlace,
  intakeChannels: ReadonlySet<string>,
): MentionAnswer {
  const topLevel = !place.threadTs || place.threadTs === place.ts;
  const intakePost = topLevel && intakeChannels.has(place.channel);
  // Only a message that starts with the mention speaks to Frontline; "Help! … cc @Frontline" is a case.
  const lead = LEADING_MENTION.exec(text);
  if (!lead) return intakePost ? { kind: 'intake' } : { kind: 'none' };
  const words = text.slice(lead[0].length).replace(USER_MENTION, ' ').trim();
  if (!words) return { kind: 'help' };
  const command = COMMAND.exec(words);
  if (command?.[1]?.toLowerCase() === 'help') return { kind: 'help' };
  if (command) return { kind: 'escalate', text: words.slice(command[0].length).trim() };
  if (intakePost) return { kind: 'intake' };
  return { kind: 'unknown', word: (words.split(/\s+/)[0] ?? words).replaceAll('`', '') };
}

/** Whether message text mentions the user (the bot) `userId`. */
export function mentionsUser(text: string, userId: string): boolean {
  return text.includes(`<@${userId}>`) || text.includes(`<@${userId}|`);
}

/** Slack's message text as a person reads it: mentions dropped, links as their text, `&amp;` `&lt;` `&gt;` decoded. */
export function readableText(text: string): string {
  return text
    .replace(USER_MENTION, '')
    .replace(/<(https?:\/\/[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<(https?:\/\/[^>]+)>/g, '$1')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}
