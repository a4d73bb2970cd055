/** Escapes the three characters Slack's mrkdwn treats as control characters in user-written text. */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Shortens text to at most `max` characters, ending with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
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
