/** Escapes the three characters Slack's mrkdwn treats as control characters in user-written text. */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * The first `max` UTF-16 units of a text (the unit Slack's length limits are checked in), one fewer when the cut would
 * split an emoji or another character outside the basic plane into a lone half that Slack shows as garbage.
 */
export function cutAt(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = Math.max(0, max);
  const last = text.charCodeAt(end - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? end - 1 : end);
}

/** Shortens text to at most `max` characters, ending with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${cutAt(text, max - 1)}…`;
}

/**
 * User-written text escaped for mrkdwn and shortened so that the escaped text is at most `max` characters: escaping
 * can make a text five times longer (`&` → `&amp;`), so cutting before escaping could break Slack's 3,000-character
 * limit on a section; cutting after could split an entity.
 */
export function escapeTruncated(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  let kept = '';
  for (const char of text) {
    const piece = escapeMrkdwn(char);
    if (kept.length + piece.length > max - 1) break;
    kept += piece;
  }
  return `${kept}…`;
}

/**
 * A mrkdwn link to a URL someone typed, labelled with text: the URL's `&`, `<` and `>` are escaped and its `|` is
 * percent-encoded, so it can neither end the link early (and go on with a mention) nor bring a label of its own.
 */
export function mrkdwnLink(url: string, label: string): string {
  return `<${escapeMrkdwn(url).replaceAll('|', '%7C')}|${escapeMrkdwn(label)}>`;
}
