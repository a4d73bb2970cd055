import {
  type ElementInput,
  h,
  type Json,
  type Option,
  renderAttachments,
  renderBlocks,
  type Surface,
  textHtml,
} from './blocks.js';
import { mrkdwnHtml, type Names, plainHtml } from './mrkdwn.js';

/**
 * The sandbox page: a small Slack-like client. It shows what the chosen person sees in the local Slack fake and
 * sends what they do to the server, which drives the app through signed Slack requests. Live updates arrive as
 * server-sent events; each one reloads the person's snapshot.
 */

interface Person {
  id: string;
  name: string;
  realName: string;
  role: string;
  roleLabel: string;
}
interface Snapshot {
  version: number;
  me: string;
  bot: { id: string; name: string };
  people: Person[];
  channels: Array<{ id: string; name: string }>;
  dm: { id: string; name: string };
  messages: Record<string, Json[]>;
  ephemerals: Json[];
  views: Array<{ view: Json; errors: Record<string, string> | null }>;
  home: Json | null;
  commands: Array<{ command: string; description: string; usageHint: string }>;
  shortcuts: Array<{ name: string; callbackId: string }>;
  statusUrl: string;
}

type Place = { kind: 'channel'; id: string } | { kind: 'home' };

const params = new URLSearchParams(location.search);
let me = params.get('as') ?? localStorage.getItem('frontline-sandbox-person') ?? '';
let place: Place | undefined;
let thread: { channel: string; ts: string } | undefined;
let snapshot: Snapshot | undefined;
const viewInputs = new Map<string, Map<string, ElementInput>>();
let modalSignature = '';

const root = document.getElementById('app') as HTMLElement;

// ---------------------------------------------------------------------------------------------------------------
// Server calls

async function post(path: string, body: Record<string, unknown>): Promise<Json> {
  const response = await fetch(`/sandbox/api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) notify(answer.error ?? `The sandbox answered HTTP ${response.status}`, 'error');
  else if (answer.notice) notify(answer.notice, 'error');
  void refresh();
  return answer;
}

let refreshing: Promise<void> | undefined;
let again = false;
async function refresh(): Promise<void> {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      again = false;
      const response = await fetch(`/sandbox/api/state?user=${encodeURIComponent(me)}`);
      if (response.ok) {
        snapshot = (await response.json()) as Snapshot;
        render();
      }
    } while (again);
  })().finally(() => {
    refreshing = undefined;
  });
  return refreshing;
}

function listen() {
  const events = new EventSource('/sandbox/api/events');
  events.addEventListener('change', () => void refresh());
  events.addEventListener('hello', () => void refresh());
}

// ---------------------------------------------------------------------------------------------------------------
// Layout (built once; the parts that change are re-rendered from the snapshot)

const personSelect = h('select', { id: 'person', 'aria-label': 'Who you are' });
const resetButton = h('button', { type: 'button', id: 'reset', class: 'btn' }, 'Reset demo');
const sidebar = h('nav', { class: 'sidebar', 'aria-label': 'Channels' });
const channelTitle = h('div', { class: 'channel-title' });
const messageList = h('div', { class: 'messages', id: 'messages' });
const composer = h('textarea', {
  id: 'composer',
  rows: '2',
  placeholder: 'Message, /command or @frontline …',
  'aria-label': 'Message',
  list: 'commands',
});
const sendButton = h('button', { type: 'button', class: 'btn btn-primary', id: 'send' }, 'Send');
const commandHints = h('div', { class: 'command-hints' });
const mainPane = h(
  'main',
  { class: 'main' },
  channelTitle,
  messageList,
  h('div', { class: 'composer' }, composer, sendButton),
  commandHints,
);
const threadPane = h('aside', { class: 'thread', hidden: true, 'aria-label': 'Thread' });
const threadList = h('div', { class: 'messages thread-messages' });
const threadComposer = h('textarea', {
  id: 'thread-composer',
  rows: '2',
  placeholder: 'Reply…',
  'aria-label': 'Reply',
});
const threadSend = h('button', { type: 'button', class: 'btn btn-primary', id: 'thread-send' }, 'Reply');
const threadClose = h('button', { type: 'button', class: 'btn', 'aria-label': 'Close thread' }, '×');
threadPane.append(
  h('div', { class: 'thread-head' }, h('b', {}, 'Thread'), threadClose),
  threadList,
  h('div', { class: 'composer' }, threadComposer, threadSend),
);
const modalLayer = h('div', { class: 'modal-layer', hidden: true });
const confirmLayer = h('div', { class: 'modal-layer confirm-layer', hidden: true });
const toasts = h('div', { class: 'toasts', 'aria-live': 'polite' });

function buildLayout() {
  const statusLink = h('a', { href: '/status', target: '_blank', class: 'status-link' }, 'Status page ↗');
  root.replaceChildren(
    h(
      'header',
      { class: 'topbar' },
      h('span', { class: 'brand' }, 'Frontline sandbox'),
      h(
        'span',
        { class: 'hint' },
        'A local Slack workspace: everything you do goes to the app as Slack would send it.',
      ),
      h('label', { class: 'person' }, 'You are ', personSelect),
      statusLink,
      resetButton,
    ),
    h('div', { class: 'workspace' }, sidebar, mainPane, threadPane),
    modalLayer,
    confirmLayer,
    toasts,
  );
  personSelect.addEventListener('change', () => {
    me = personSelect.value;
    localStorage.setItem('frontline-sandbox-person', me);
    thread = undefined;
    modalSignature = '';
    void refresh().then(() => {
      if (place?.kind === 'home') void openHome();
    });
  });
  resetButton.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: { type: 'plain_text', text: 'Reset the demo?' },
      text: {
        type: 'plain_text',
        text: 'Messages, modals, Stripe changes and database rows go back to the demo data. The audit trail is kept.',
      },
      confirm: { type: 'plain_text', text: 'Reset' },
      deny: { type: 'plain_text', text: 'Cancel' },
    });
    if (!ok) return;
    thread = undefined;
    viewInputs.clear();
    modalSignature = '';
    await post('reset', {});
    notify('The demo data is back.', 'info');
  });
  const send = () => {
    const text = composer.value;
    if (!text.trim() || !place || place.kind !== 'channel') return;
    composer.value = '';
    void post('compose', { user: me, channel: place.id, text });
  };
  sendButton.addEventListener('click', send);
  composer.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      send();
    }
  });
  composer.addEventListener('input', showCommandHints);
  const reply = () => {
    const text = threadComposer.value;
    if (!text.trim() || !thread) return;
    threadComposer.value = '';
    void post('compose', { user: me, channel: thread.channel, text, threadTs: thread.ts });
  };
  threadSend.addEventListener('click', reply);
  threadComposer.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      reply();
    }
  });
  threadClose.addEventListener('click', () => {
    thread = undefined;
    render();
  });
}

function showCommandHints() {
  const text = composer.value;
  commandHints.replaceChildren();
  if (!snapshot || !text.startsWith('/') || text.includes(' ')) return;
  for (const command of snapshot.commands.filter((c) => c.command.startsWith(text))) {
    const hint = h(
      'button',
      { type: 'button', class: 'command-hint' },
      h('b', {}, command.command),
      ` ${command.usageHint} — ${command.description}`,
    );
    hint.addEventListener('click', () => {
      composer.value = `${command.command} `;
      commandHints.replaceChildren();
      composer.focus();
    });
    commandHints.append(hint);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering from the snapshot

function names(): Names {
  return {
    user: (id) =>
      id === snapshot?.bot.id
        ? 'Frontline'
        : id === 'USLACKBOT'
          ? 'Slackbot'
          : (snapshot?.people.find((p) => p.id === id)?.realName ?? id),
    channel: (id) =>
      snapshot?.channels.find((c) => c.id === id)?.name ?? (id === snapshot?.dm.id ? 'Frontline' : id),
  };
}

function render() {
  if (!snapshot) return;
  if (!me || !snapshot.people.some((p) => p.id === me)) me = snapshot.me;
  renderPeople();
  if (!place) place = { kind: 'channel', id: snapshot.channels[0]?.id ?? snapshot.dm.id };
  renderSidebar();
  renderMain();
  renderThread();
  renderModal();
}

function renderPeople() {
  if (!snapshot) return;
  const wanted = snapshot.people.map((p) => `${p.id}:${p.realName}`).join(',');
  if (personSelect.dataset.people !== wanted) {
    personSelect.replaceChildren(
      ...snapshot.people.map((p) => h('option', { value: p.id }, `${p.realName} — ${p.roleLabel}`)),
    );
    personSelect.dataset.people = wanted;
  }
  personSelect.value = me;
}

function renderSidebar() {
  if (!snapshot) return;
  const item = (label: string, target: Place, id: string) => {
    const active =
      place?.kind === target.kind &&
      (target.kind === 'home' || (place.kind === 'channel' && place.id === target.id));
    const button = h(
      'button',
      { type: 'button', class: `channel${active ? ' active' : ''}`, 'data-channel-id': id },
      label,
    );
    button.addEventListener('click', () => {
      place = target;
      thread = undefined;
      if (target.kind === 'home') void openHome();
      render();
    });
    return button;
  };
  sidebar.replaceChildren(
    h('div', { class: 'sidebar-title' }, 'Channels'),
    ...snapshot.channels.map((c) => item(`# ${c.name}`, { kind: 'channel', id: c.id }, c.id)),
    h('div', { class: 'sidebar-title' }, 'Apps'),
    item('Frontline — Messages', { kind: 'channel', id: snapshot.dm.id }, snapshot.dm.id),
    item('Frontline — Home', { kind: 'home' }, 'home'),
  );
}

async function openHome() {
  await post('home', { user: me });
}

function nearBottom(element: HTMLElement): boolean {
  return element.scrollHeight - element.scrollTop - element.clientHeight < 80;
}

function renderMain() {
  if (!snapshot || !place) return;
  const stick = nearBottom(messageList);
  if (place.kind === 'home') {
    channelTitle.textContent = 'Frontline — Home';
    mainPane.classList.add('is-home');
    const home = snapshot.home;
    messageList.replaceChildren(
      home
        ? h(
            'div',
            { class: 'home-view', 'data-view-id': home.id },
            renderBlocks(home.blocks ?? [], viewSurface(home, null)),
          )
        : h('p', { class: 'empty' }, 'The app has not published a Home tab for you yet.'),
    );
    return;
  }
  mainPane.classList.remove('is-home');
  const channelId = place.id;
  const channel = snapshot.channels.find((c) => c.id === channelId);
  channelTitle.textContent = channel ? `# ${channel.name}` : 'Frontline — Messages';
  const all = snapshot.messages[channelId] ?? [];
  const top = all.filter((m) => !m.thread_ts || m.thread_ts === m.ts || m.subtype === 'thread_broadcast');
  const ephemerals = snapshot.ephemerals.filter((e) => e.channel === channelId && !e.thread_ts);
  const items = [...top, ...ephemerals.map((e) => ({ ...e, _ephemeral: true }))].sort(
    (a, b) => Number(a.ts) - Number(b.ts),
  );
  messageList.replaceChildren(
    ...(items.length === 0
      ? [h('p', { class: 'empty' }, 'No messages yet. Type one below, or a slash command like /escalate.')]
      : []),
    ...items.map((m) => renderMessage(m, channelId, true)),
  );
  if (stick) messageList.scrollTop = messageList.scrollHeight;
}

function renderThread() {
  if (!snapshot || !thread) {
    threadPane.hidden = true;
    return;
  }
  const current = thread;
  const all = snapshot.messages[current.channel] ?? [];
  const messages = all.filter((m) => m.ts === current.ts || m.thread_ts === current.ts);
  const ephemerals = snapshot.ephemerals
    .filter((e) => e.channel === current.channel && e.thread_ts === current.ts)
    .map((e) => ({ ...e, _ephemeral: true }));
  const stick = nearBottom(threadList);
  threadPane.hidden = false;
  threadPane.dataset.threadTs = current.ts;
  threadList.replaceChildren(
    ...[...messages, ...ephemerals]
      .sort((a, b) => Number(a.ts) - Number(b.ts))
      .map((m) => renderMessage(m, current.channel, false)),
  );
  if (stick) threadList.scrollTop = threadList.scrollHeight;
}

function renderMessage(message: Json, channel: string, inChannel: boolean): HTMLElement {
  const n = names();
  const fromBot = Boolean(message.bot_id) || message.user === snapshot?.bot.id;
  const author = fromBot ? (message.username ?? 'Frontline') : n.user(String(message.user ?? ''));
  const time = new Date(Number(message.ts) * 1000).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
  });
  const surface: Surface = {
    names: n,
    people: snapshot?.people ?? [],
    channels: snapshot?.channels ?? [],
    act: (actionId, blockId, input) =>
      void post('interact', {
        user: me,
        channel,
        messageTs: message.ts,
        actionId,
        blockId,
        ...(input === undefined ? {} : { input }),
      }),
    suggest: (actionId, blockId, value) =>
      suggest({ user: me, channel, messageTs: message.ts, actionId, blockId, value }),
    confirm: confirmDialog,
  };
  const body = h('div', { class: 'message-body' });
  if (Array.isArray(message.blocks) && message.blocks.length > 0)
    body.append(renderBlocks(message.blocks, surface));
  else
    body.append(
      Object.assign(h('div', { class: 'text' }), { innerHTML: mrkdwnHtml(String(message.text ?? ''), n) }),
    );
  if (Array.isArray(message.attachments) && message.attachments.length > 0)
    body.append(renderAttachments(message.attachments, surface));
  for (const file of message.files ?? [])
    body.append(h('div', { class: 'file' }, `📄 ${file.name ?? file.title ?? 'file'}`));
  if (Array.isArray(message.reactions) && message.reactions.length > 0) {
    body.append(
      h(
        'div',
        { class: 'reactions' },
        ...message.reactions.map((r: Json) => h('span', { class: 'reaction' }, `:${r.name}: ${r.count}`)),
      ),
    );
  }
  const element = h(
    'div',
    {
      class: `message${fromBot ? ' from-bot' : ''}${message._ephemeral ? ' ephemeral' : ''}`,
      'data-ts': String(message.ts),
      'data-channel': channel,
    },
    h(
      'div',
      { class: 'message-head' },
      h('b', { class: 'author' }, author),
      fromBot ? h('span', { class: 'app-badge' }, 'APP') : null,
      h('span', { class: 'time' }, time),
      message.edited ? h('span', { class: 'edited' }, '(edited)') : null,
      message._ephemeral ? h('span', { class: 'only-you' }, 'Only visible to you') : null,
    ),
    body,
  );
  if (inChannel && !message._ephemeral) {
    const replies = Number(message.reply_count ?? 0);
    const tools = h('div', { class: 'message-tools' });
    const open = h(
      'button',
      { type: 'button', class: `link thread-link${replies ? ' has-replies' : ''}` },
      replies ? `${replies} ${replies === 1 ? 'reply' : 'replies'}` : 'Reply in thread',
    );
    open.addEventListener('click', () => {
      thread = { channel, ts: String(message.ts) };
      render();
    });
    tools.append(open);
    for (const shortcut of snapshot?.shortcuts ?? []) {
      const button = h(
        'button',
        { type: 'button', class: 'link shortcut', 'data-callback-id': shortcut.callbackId },
        shortcut.name,
      );
      button.addEventListener(
        'click',
        () =>
          void post('shortcut', {
            user: me,
            channel,
            messageTs: message.ts,
            callbackId: shortcut.callbackId,
          }),
      );
      tools.append(button);
    }
    element.append(tools);
  }
  return element;
}

async function suggest(body: Record<string, unknown>): Promise<{ options: Option[]; optionGroups?: Json[] }> {
  const response = await fetch('/sandbox/api/suggest', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) return { options: [] };
  return response.json();
}

// ---------------------------------------------------------------------------------------------------------------
// Modals and the Home tab

function inputsFor(viewId: string): Map<string, ElementInput> {
  let inputs = viewInputs.get(viewId);
  if (!inputs) {
    inputs = new Map();
    viewInputs.set(viewId, inputs);
  }
  return inputs;
}

function viewSurface(view: Json, errors: Record<string, string> | null): Surface {
  const inputs = inputsFor(String(view.id));
  return {
    names: names(),
    people: snapshot?.people ?? [],
    channels: snapshot?.channels ?? [],
    inputs,
    state: view.state?.values ?? {},
    errors,
    act: (actionId, blockId, input) =>
      void post('interact', {
        user: me,
        viewId: view.id,
        actionId,
        blockId,
        values: Object.fromEntries(inputs),
        ...(input === undefined ? {} : { input }),
      }),
    suggest: (actionId, blockId, value) => suggest({ user: me, viewId: view.id, actionId, blockId, value }),
    confirm: confirmDialog,
  };
}

function renderModal() {
  const stack = snapshot?.views ?? [];
  const top = stack[stack.length - 1];
  if (!top) {
    modalLayer.hidden = true;
    modalLayer.replaceChildren();
    modalSignature = '';
    return;
  }
  const signature = `${me}|${top.view.id}|${top.view.hash}|${JSON.stringify(top.errors)}|${stack.length}`;
  if (signature === modalSignature) return;
  modalSignature = signature;
  const { view, errors } = top;
  const surface = viewSurface(view, errors);
  const close = h('button', { type: 'button', class: 'btn modal-close' });
  close.innerHTML = view.close ? textHtml(view.close, surface.names) : 'Cancel';
  close.addEventListener(
    'click',
    () => void post('close', { user: me, viewId: stack[0]?.view.id ?? view.id }),
  );
  const back =
    stack.length > 1
      ? h('button', { type: 'button', class: 'btn modal-back', 'aria-label': 'Back' }, '← Back')
      : null;
  back?.addEventListener('click', () => void post('close', { user: me, viewId: view.id }));
  let submit: HTMLButtonElement | null = null;
  if (view.submit) {
    submit = h('button', { type: 'button', class: 'btn btn-primary modal-submit' });
    submit.innerHTML = textHtml(view.submit, surface.names);
    const button = submit;
    submit.addEventListener('click', async () => {
      button.disabled = true;
      const answer = await post('submit', {
        user: me,
        viewId: view.id,
        values: Object.fromEntries(surface.inputs ?? []),
      });
      button.disabled = false;
      // What was typed went with the submission; a view the app replaced starts from its own state, as in Slack
      // (edits kept for fields the new view no longer has would be refused on the next submit).
      if (answer.action === 'closed' || answer.action === 'cleared' || answer.action === 'updated')
        viewInputs.delete(String(view.id));
    });
  }
  const title = h('div', { class: 'modal-title' });
  title.innerHTML = textHtml(view.title, surface.names);
  const modal = h(
    'div',
    {
      class: 'modal',
      role: 'dialog',
      'aria-modal': 'true',
      'data-view-id': view.id,
      'data-callback-id': view.callback_id ?? '',
      'data-stack-depth': String(stack.length),
    },
    h('div', { class: 'modal-head' }, back, title),
    h('div', { class: 'modal-body' }, renderBlocks(view.blocks ?? [], surface)),
    h('div', { class: 'modal-foot' }, close, submit),
  );
  modalLayer.replaceChildren(modal);
  modalLayer.hidden = false;
}

function confirmDialog(dialog: Json): Promise<boolean> {
  const n = names();
  return new Promise((resolve) => {
    const finish = (ok: boolean) => {
      confirmLayer.hidden = true;
      confirmLayer.replaceChildren();
      resolve(ok);
    };
    const yes = h('button', {
      type: 'button',
      class: `btn ${dialog.style === 'danger' ? 'btn-danger' : 'btn-primary'} confirm-yes`,
    });
    yes.innerHTML = dialog.confirm ? textHtml(dialog.confirm, n) : 'Confirm';
    const no = h('button', { type: 'button', class: 'btn confirm-no' });
    no.innerHTML = dialog.deny ? textHtml(dialog.deny, n) : 'Cancel';
    yes.addEventListener('click', () => finish(true));
    no.addEventListener('click', () => finish(false));
    const title = h('div', { class: 'modal-title' });
    title.innerHTML = textHtml(dialog.title ?? { type: 'plain_text', text: 'Are you sure?' }, n);
    const text = h('div', { class: 'text' });
    text.innerHTML = textHtml(dialog.text ?? '', n);
    confirmLayer.replaceChildren(
      h(
        'div',
        { class: 'modal confirm', role: 'alertdialog' },
        h('div', { class: 'modal-head' }, title),
        h('div', { class: 'modal-body' }, text),
        h('div', { class: 'modal-foot' }, no, yes),
      ),
    );
    confirmLayer.hidden = false;
  });
}

function notify(text: string, kind: 'info' | 'error') {
  const toast = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' });
  toast.innerHTML = plainHtml(text);
  toasts.append(toast);
  window.setTimeout(() => toast.remove(), 6000);
}

buildLayout();
listen();
void refresh();
