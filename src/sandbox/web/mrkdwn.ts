/**
 * Slack's mrkdwn as HTML: bold, italic, strike, inline and block code, quotes, links, user, channel and special
 * mentions, and a few emoji shortcodes. Everything is escaped first, so app text can never inject markup.
 */

export interface Names {
  user(id: string): string;
  channel(id: string): string;
}

const EMOJI: Record<string, string> = {
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  x: '❌',
  warning: '⚠️',
  rotating_light: '🚨',
  red_circle: '🔴',
  large_orange_circle: '🟠',
  large_yellow_circle: '🟡',
  large_green_circle: '🟢',
  large_blue_circle: '🔵',
  white_circle: '⚪',
  mag: '🔍',
  link: '🔗',
  paperclip: '📎',
  memo: '📝',
  bulb: '💡',
  moneybag: '💰',
  money_with_wings: '💸',
  credit_card: '💳',
  receipt: '🧾',
  calendar: '📅',
  clock3: '🕒',
  hourglass_flowing_sand: '⏳',
  bell: '🔔',
  tada: '🎉',
  eyes: '👀',
  wrench: '🔧',
  hammer_and_wrench: '🛠️',
  lock: '🔒',
  chart_with_upwards_trend: '📈',
  chart_with_downwards_trend: '📉',
  bar_chart: '📊',
  busts_in_silhouette: '👥',
  bust_in_silhouette: '👤',
  information_source: 'ℹ️',
  point_right: '👉',
  ticket: '🎫',
  package: '📦',
  fire: '🔥',
  construction: '🚧',
  inbox_tray: '📥',
  outbox_tray: '📤',
  arrows_counterclockwise: '🔄',
  no_entry: '⛔',
  thumbsup: '👍',
  '+1': '👍',
  speech_balloon: '💬',
  scales: '⚖️',
  page_facing_up: '📄',
  satellite: '📡',
  hourglass: '⌛',
  checkered_flag: '🏁',
  question: '❓',
  exclamation: '❗',
  star: '⭐',
  dollar: '💵',
};

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

export function emoji(text: string): string {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => EMOJI[name] ?? whole);
}

/** Plain text as Slack shows it: escaped, emoji shortcodes when asked, line breaks kept. */
export function plainHtml(text: string, withEmoji = true): string {
  const escaped = escapeHtml(text);
  return (withEmoji ? emoji(escaped) : escaped).replaceAll('\n', '<br>');
}

function safeUrl(url: string): string | undefined {
  return /^(https?:|mailto:|\/)/i.test(url) ? url : undefined;
}

/** Slack's angle-bracket tokens (already unescaped by the caller) as HTML. */
function token(inner: string, names: Names): string {
  const [target = '', label] = inner.split('|', 2) as [string, string | undefined];
  if (target.startsWith('@'))
    return `<span class="mention">@${escapeHtml(label ?? names.user(target.slice(1)))}</span>`;
  if (target.startsWith('#'))
    return `<span class="mention">#${escapeHtml(label ?? names.channel(target.slice(1)))}</span>`;
  if (target.startsWith('!')) {
    const special = target.slice(1).split('^')[0] ?? '';
    if (special.startsWith('date')) return escapeHtml(label ?? special);
    if (special.startsWith('subteam')) return `<span class="mention">@${escapeHtml(label ?? 'group')}</span>`;
    return `<span class="mention">@${escapeHtml(special)}</span>`;
  }
  const url = safeUrl(target);
  const text = escapeHtml(label ?? target);
  return url ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener">${text}</a>` : text;
}

function inline(text: string, names: Names): string {
  // Tokens and inline code are cut out first so formatting never reaches inside them.
  const kept: string[] = [];
  const keep = (html: string) => `\uE000${kept.push(html) - 1}\uE000`;
  let out = text.replace(/`([^`\n]+)`/g, (_, code: string) => keep(`<code>${escapeHtml(code)}</code>`));
  out = out.replace(/<([^<>\n]+)>/g, (_, inner: string) => keep(token(unescapeSlack(inner), names)));
  out = escapeHtml(unescapeSlack(out));
  out = emoji(out);
  out = out.replace(/(^|[\s(>])\*([^*\n]+)\*(?=$|[\s).,!?:;<])/g, '$1<b>$2</b>');
  out = out.replace(/(^|[\s(>])_([^_\n]+)_(?=$|[\s).,!?:;<])/g, '$1<i>$2</i>');
  out = out.replace(/(^|[\s(>])~([^~\n]+)~(?=$|[\s).,!?:;<])/g, '$1<s>$2</s>');
  return out.replace(/\uE000(\d+)\uE000/g, (_, index: string) => kept[Number(index)] ?? '');
}

/** Slack escapes &, < and > in text it sends; undo that before our own escaping. */
function unescapeSlack(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

export function mrkdwnHtml(text: string, names: Names): string {
  const parts = text.split(/```/);
  return parts
    .map((part, index) => {
      if (index % 2 === 1) return `<pre>${escapeHtml(unescapeSlack(part.replace(/^\n/, '')))}</pre>`;
      const lines = part.split('\n');
      const html: string[] = [];
      let quote: string[] = [];
      const flushQuote = () => {
        if (quote.length > 0) html.push(`<blockquote>${quote.join('<br>')}</blockquote>`);
        quote = [];
      };
      for (const line of lines) {
        const quoted = /^(?:>|&gt;)\s?(.*)$/.exec(line);
        if (quoted) quote.push(inline(quoted[1] ?? '', names));
        else {
          flushQuote();
          html.push(inline(line, names));
        }
      }
      flushQuote();
      return html.join('<br>').replace(/(<\/blockquote>)<br>/g, '$1');
    })
    .join('');
}
