import { emoji, escapeHtml, mrkdwnHtml, type Names, plainHtml } from './mrkdwn.js';

/**
 * Block Kit as DOM, for messages, modals and the App Home: every block and element Frontline uses, and anything
 * else as its readable text (never dropped). Interactive elements report what the person does through the
 * {@link Surface}: elements outside input blocks send `block_actions` at once (as Slack does); inputs keep their
 * value until the modal is submitted, in the shape the driver turns into Slack's `state.values`.
 */

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON from the app, read defensively
export type Json = any;

/** A person's input for one element, as the server's driver accepts it. */
export type ElementInput =
  | string
  | string[]
  | null
  | { text?: string; value: string }
  | { text?: string; value: string }[];

export interface Option {
  text: Json;
  value: string;
  description?: Json;
}

export interface Surface {
  names: Names;
  people: Array<{ id: string; realName: string }>;
  channels: Array<{ id: string; name: string }>;
  /** Sends `block_actions` for an element outside an input block (or with `dispatch_action`). */
  act(actionId: string, blockId: string, input: ElementInput | undefined): void;
  /** Asks the app for an external select's options (`block_suggestion`). */
  suggest(
    actionId: string,
    blockId: string,
    value: string,
  ): Promise<{ options: Option[]; optionGroups?: Json[] }>;
  /** Asks the person to confirm (the element's `confirm` dialog). */
  confirm(dialog: Json): Promise<boolean>;
  /** Modal input values the person changed, by `block_id.action_id`. */
  inputs?: Map<string, ElementInput>;
  /** The view's `state.values` (initial values and earlier edits). */
  state?: Record<string, Record<string, Json>>;
  /** Field errors by block_id. */
  errors?: Record<string, string> | null;
}

type Attrs = Record<string, string | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Array<Node | string | null | undefined | false>
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

function html(tag: keyof HTMLElementTagNameMap, className: string, inner: string): HTMLElement {
  const element = document.createElement(tag);
  element.className = className;
  element.innerHTML = inner;
  return element;
}

/** A text object (plain_text or mrkdwn) as HTML. */
export function textHtml(text: Json, names: Names): string {
  if (text === undefined || text === null) return '';
  if (typeof text === 'string') return mrkdwnHtml(text, names);
  if (text.type === 'plain_text') return plainHtml(String(text.text ?? ''), text.emoji !== false);
  if (text.type === 'mrkdwn')
    return text.verbatim ? plainHtml(String(text.text ?? '')) : mrkdwnHtml(String(text.text ?? ''), names);
  return escapeHtml(readableText(text));
}

function textEl(text: Json, names: Names, className = 'text'): HTMLElement {
  return html('div', className, textHtml(text, names));
}

/** Every piece of text inside an unknown structure, so nothing the app sent vanishes. */
export function readableText(value: Json): string {
  const found: string[] = [];
  const walk = (node: Json) => {
    if (typeof node === 'string') return;
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (node && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        if (
          (key === 'text' || key === 'alt_text' || key === 'title' || key === 'url') &&
          typeof child === 'string'
        )
          found.push(child);
        else walk(child);
      }
    }
  };
  walk(value);
  return found.join(' · ');
}

function unknown(kind: string, value: Json): HTMLElement {
  return h(
    'div',
    { class: 'unknown', 'data-block-type': kind },
    h('span', { class: 'unknown-kind' }, kind),
    ' ',
    readableText(value) || JSON.stringify(value).slice(0, 300),
  );
}

function optionLabel(option: Option): string {
  if (!option?.text) return String(option?.value ?? '');
  return typeof option.text === 'string' ? option.text : String(option.text.text ?? option.value);
}

/** Renders a list of blocks. */
export function renderBlocks(blocks: Json[], surface: Surface): HTMLElement {
  const container = h('div', { class: 'blocks' });
  for (const block of blocks ?? []) {
    try {
      container.append(renderBlock(block, surface));
    } catch {
      container.append(unknown(String(block?.type ?? 'block'), block));
    }
  }
  return container;
}

function renderBlock(block: Json, surface: Surface): HTMLElement {
  const { names } = surface;
  const blockId = String(block.block_id ?? '');
  const wrap = (className: string, ...children: Array<Node | null | undefined | false>) =>
    h('div', { class: `block ${className}`, 'data-block-id': blockId || undefined }, ...children);
  switch (block.type) {
    case 'header':
      return wrap('header', textEl(block.text, names, 'header-text'));
    case 'divider':
      return wrap('divider', h('hr'));
    case 'section': {
      const body = h('div', { class: 'section-body' });
      if (block.text) body.append(textEl(block.text, names));
      if (Array.isArray(block.fields)) {
        body.append(
          h('div', { class: 'fields' }, ...block.fields.map((field: Json) => textEl(field, names, 'field'))),
        );
      }
      const accessory = block.accessory ? renderElement(block.accessory, blockId, surface, false) : null;
      return wrap('section', body, accessory && h('div', { class: 'accessory' }, accessory));
    }
    case 'context':
      return wrap(
        'context',
        ...(block.elements ?? []).map((element: Json) =>
          element.type === 'image'
            ? h('img', {
                src: safeSrc(element.image_url),
                alt: element.alt_text ?? '',
                class: 'context-image',
              })
            : textEl(element, names, 'context-text'),
        ),
      );
    case 'image':
      return wrap(
        'image',
        block.title ? textEl(block.title, names, 'image-title') : null,
        h('img', { src: safeSrc(block.image_url ?? block.slack_file?.url), alt: block.alt_text ?? '' }),
        h('div', { class: 'image-alt' }, block.alt_text ?? ''),
      );
    case 'actions':
      return wrap(
        'actions',
        ...(block.elements ?? []).map((element: Json) => renderElement(element, blockId, surface, false)),
      );
    case 'input':
      return renderInput(block, surface);
    case 'rich_text':
      return wrap('rich-text', renderRichText(block.elements ?? [], names));
    case 'markdown':
      return wrap('markdown', html('div', 'text', mrkdwnHtml(String(block.text ?? ''), names)));
    case 'file':
      return wrap('file', h('div', { class: 'text' }, `📄 File ${block.external_id ?? ''}`));
    case 'video':
      return wrap(
        'video',
        h(
          'a',
          { href: safeSrc(block.title_url ?? block.video_url), target: '_blank' },
          readableText(block.title) || 'Video',
        ),
      );
    default:
      return wrap('unknown-block', unknown(String(block.type), block));
  }
}

function safeSrc(url: unknown): string {
  return typeof url === 'string' && /^(https?:|\/|data:image\/)/.test(url) ? url : '';
}

function renderRichText(elements: Json[], names: Names): HTMLElement {
  const out = h('div', { class: 'text' });
  const inlineHtml = (items: Json[]) =>
    (items ?? [])
      .map((item: Json) => {
        let text: string;
        switch (item.type) {
          case 'text':
            text = plainHtml(String(item.text ?? ''), false);
            break;
          case 'link':
            text = `<a href="${escapeHtml(safeSrc(item.url))}" target="_blank">${escapeHtml(item.text ?? item.url ?? '')}</a>`;
            break;
          case 'user':
            text = `<span class="mention">@${escapeHtml(names.user(item.user_id))}</span>`;
            break;
          case 'channel':
            text = `<span class="mention">#${escapeHtml(names.channel(item.channel_id))}</span>`;
            break;
          case 'emoji':
            text = emoji(`:${item.name}:`);
            break;
          default:
            text = escapeHtml(readableText(item));
        }
        const style = item.style ?? {};
        if (style.code) text = `<code>${text}</code>`;
        if (style.bold) text = `<b>${text}</b>`;
        if (style.italic) text = `<i>${text}</i>`;
        if (style.strike) text = `<s>${text}</s>`;
        return text;
      })
      .join('');
  for (const element of elements) {
    if (element.type === 'rich_text_section') out.append(html('div', '', inlineHtml(element.elements)));
    else if (element.type === 'rich_text_preformatted')
      out.append(html('pre', '', inlineHtml(element.elements)));
    else if (element.type === 'rich_text_quote')
      out.append(html('blockquote', '', inlineHtml(element.elements)));
    else if (element.type === 'rich_text_list') {
      const list = document.createElement(element.style === 'ordered' ? 'ol' : 'ul');
      for (const item of element.elements ?? []) list.append(html('li', '', inlineHtml(item.elements)));
      out.append(list);
    } else out.append(unknown(String(element.type), element));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Interactive elements

function key(blockId: string, actionId: string): string {
  return `${blockId}.${actionId}`;
}

/** Where an element reports: into the modal's input state, to the app, or both. */
function reporter(element: Json, blockId: string, surface: Surface, inInput: boolean, dispatch: boolean) {
  return (input: ElementInput | undefined) => {
    if (inInput) surface.inputs?.set(key(blockId, element.action_id), input ?? null);
    if (!inInput || dispatch) surface.act(String(element.action_id), blockId, input);
  };
}

/** The element's current state entry in the view (set by the person earlier or from its initial value). */
function stateOf(element: Json, blockId: string, surface: Surface): Json {
  return surface.state?.[blockId]?.[element.action_id];
}

function localOf(element: Json, blockId: string, surface: Surface): ElementInput | undefined {
  return surface.inputs?.get(key(blockId, element.action_id));
}

function renderElement(
  element: Json,
  blockId: string,
  surface: Surface,
  inInput: boolean,
  dispatch = false,
): HTMLElement {
  const report = reporter(element, blockId, surface, inInput, dispatch);
  const actionId = String(element.action_id ?? '');
  const common = { 'data-action-id': actionId, 'data-element-type': String(element.type) };
  const state = stateOf(element, blockId, surface);
  const local = localOf(element, blockId, surface);
  const withConfirm = (run: () => void) => () => {
    if (!element.confirm) return run();
    void surface.confirm(element.confirm).then((ok) => ok && run());
  };
  switch (element.type) {
    case 'button': {
      const button = h('button', {
        type: 'button',
        class: `btn ${element.style ? `btn-${element.style}` : ''}`,
        ...common,
      });
      button.innerHTML = textHtml(element.text, surface.names);
      button.addEventListener(
        'click',
        withConfirm(() => {
          if (typeof element.url === 'string' && safeSrc(element.url))
            window.open(element.url, '_blank', 'noopener');
          report(element.value !== undefined ? String(element.value) : undefined);
        }),
      );
      return button;
    }
    case 'overflow': {
      const menu = h('div', { class: 'overflow-menu', hidden: true });
      const toggle = h(
        'button',
        { type: 'button', class: 'btn overflow', 'aria-label': 'More actions', ...common },
        '⋯',
      );
      toggle.addEventListener('click', () => {
        menu.hidden = !menu.hidden;
      });
      for (const option of (element.options ?? []) as Option[]) {
        const item = h(
          'button',
          { type: 'button', class: 'overflow-item', 'data-value': option.value },
          optionLabel(option),
        );
        item.addEventListener(
          'click',
          withConfirm(() => {
            menu.hidden = true;
            report(option.value);
          }),
        );
        menu.append(item);
      }
      return h('div', { class: 'overflow-wrap' }, toggle, menu);
    }
    case 'static_select':
    case 'multi_static_select': {
      const multi = element.type === 'multi_static_select';
      const select = h('select', {
        ...common,
        multiple: multi,
        'aria-label': readableText(element.placeholder) || actionId,
      });
      if (!multi)
        select.append(h('option', { value: '' }, readableText(element.placeholder) || 'Choose an option'));
      const selected = new Set<string>(
        local !== undefined
          ? ([] as Json[]).concat(local ?? []).map((v: Json) => (typeof v === 'string' ? v : v.value))
          : [
              ...(state?.selected_option ? [state.selected_option.value] : []),
              ...(state?.selected_options ?? []).map((o: Option) => o.value),
              ...(element.initial_option && !state ? [element.initial_option.value] : []),
              ...(element.initial_options && !state
                ? element.initial_options.map((o: Option) => o.value)
                : []),
            ],
      );
      const addOptions = (parent: HTMLElement, options: Option[]) => {
        for (const option of options ?? [])
          parent.append(
            h('option', { value: option.value, selected: selected.has(option.value) }, optionLabel(option)),
          );
      };
      if (Array.isArray(element.option_groups)) {
        for (const group of element.option_groups) {
          const optgroup = h('optgroup', { label: readableText(group.label) });
          addOptions(optgroup, group.options);
          select.append(optgroup);
        }
      } else addOptions(select, element.options);
      select.addEventListener('change', () => {
        const values = [...select.selectedOptions].map((o) => o.value).filter((v) => v !== '');
        const chosen = withConfirmValue(element, surface, () => report(multi ? values : (values[0] ?? null)));
        chosen();
      });
      return select;
    }
    case 'external_select':
    case 'multi_external_select':
      return renderExternalSelect(element, blockId, surface, report, state, local);
    case 'users_select':
    case 'multi_users_select':
    case 'conversations_select':
    case 'channels_select':
    case 'multi_conversations_select':
    case 'multi_channels_select': {
      const multi = element.type.startsWith('multi_');
      const users = element.type.includes('users');
      const select = h('select', {
        ...common,
        multiple: multi,
        'aria-label': readableText(element.placeholder) || actionId,
      });
      const current = new Set<string>(
        local !== undefined
          ? ([] as string[]).concat((local as string | string[] | null) ?? [])
          : ([] as string[]).concat(
              state?.selected_user ??
                state?.selected_users ??
                state?.selected_conversation ??
                state?.selected_conversations ??
                state?.selected_channel ??
                state?.selected_channels ??
                element.initial_user ??
                element.initial_users ??
                element.initial_conversation ??
                element.initial_conversations ??
                element.initial_channel ??
                element.initial_channels ??
                [],
            ),
      );
      if (!multi)
        select.append(
          h(
            'option',
            { value: '' },
            readableText(element.placeholder) || (users ? 'Choose a person' : 'Choose a channel'),
          ),
        );
      const choices = users
        ? surface.people.map((p) => ({ id: p.id, label: p.realName }))
        : surface.channels.map((c) => ({ id: c.id, label: `#${c.name}` }));
      for (const choice of choices)
        select.append(h('option', { value: choice.id, selected: current.has(choice.id) }, choice.label));
      select.addEventListener('change', () => {
        const values = [...select.selectedOptions].map((o) => o.value).filter((v) => v !== '');
        report(multi ? values : (values[0] ?? null));
      });
      return select;
    }
    case 'checkboxes':
    case 'radio_buttons': {
      const radio = element.type === 'radio_buttons';
      const group = h('div', {
        class: `choices ${radio ? 'radios' : 'checkboxes'}`,
        ...common,
        role: radio ? 'radiogroup' : 'group',
      });
      const name = `${blockId}-${actionId}-${Math.random().toString(36).slice(2, 8)}`;
      const chosen = new Set<string>(
        local !== undefined
          ? ([] as Json[]).concat(local ?? []).map((v: Json) => (typeof v === 'string' ? v : v.value))
          : state
            ? [
                ...(state.selected_option ? [state.selected_option.value] : []),
                ...(state.selected_options ?? []).map((o: Option) => o.value),
              ]
            : [
                ...(element.initial_option ? [element.initial_option.value] : []),
                ...(element.initial_options ?? []).map((o: Option) => o.value),
              ],
      );
      const boxes: HTMLInputElement[] = [];
      for (const option of (element.options ?? []) as Option[]) {
        const box = h('input', {
          type: radio ? 'radio' : 'checkbox',
          name,
          value: option.value,
          checked: chosen.has(option.value),
        });
        boxes.push(box);
        const label = h('label', { class: 'choice' }, box);
        label.append(html('span', 'choice-text', textHtml(option.text, surface.names)));
        if (option.description)
          label.append(html('span', 'choice-description', textHtml(option.description, surface.names)));
        group.append(label);
        box.addEventListener('change', () => {
          const values = boxes.filter((b) => b.checked).map((b) => b.value);
          report(radio ? (values[0] ?? null) : values);
        });
      }
      return group;
    }
    case 'datepicker':
    case 'timepicker':
    case 'datetimepicker': {
      const kind =
        element.type === 'datepicker' ? 'date' : element.type === 'timepicker' ? 'time' : 'datetime-local';
      const current =
        (local as string | undefined) ??
        state?.selected_date ??
        state?.selected_time ??
        element.initial_date ??
        element.initial_time ??
        '';
      const input = h('input', { type: kind, value: String(current), ...common });
      input.addEventListener('change', () => report(input.value || null));
      return input;
    }
    case 'plain_text_input':
    case 'email_text_input':
    case 'url_text_input':
    case 'number_input':
    case 'rich_text_input': {
      const type =
        element.type === 'email_text_input'
          ? 'email'
          : element.type === 'url_text_input'
            ? 'url'
            : element.type === 'number_input'
              ? 'text'
              : 'text';
      const current =
        (local as string | undefined) ??
        state?.value ??
        (element.type === 'rich_text_input'
          ? readableText(state?.rich_text_value ?? element.initial_value)
          : element.initial_value) ??
        '';
      const attrs = {
        ...common,
        placeholder: readableText(element.placeholder) || undefined,
        maxlength: element.max_length ? String(element.max_length) : undefined,
        inputmode:
          element.type === 'number_input' ? (element.is_decimal_allowed ? 'decimal' : 'numeric') : undefined,
      };
      const field =
        element.multiline || element.type === 'rich_text_input'
          ? h('textarea', { ...attrs, rows: '4' })
          : h('input', { ...attrs, type });
      field.value = String(current ?? '');
      field.addEventListener('input', () => {
        surface.inputs?.set(key(blockId, actionId), field.value);
      });
      if (!inInput || dispatch) {
        field.addEventListener('keydown', (event) => {
          if ((event as KeyboardEvent).key === 'Enter' && !(field instanceof HTMLTextAreaElement))
            report(field.value);
        });
      }
      return field;
    }
    case 'image':
      return h('img', {
        src: safeSrc(element.image_url),
        alt: element.alt_text ?? '',
        class: 'accessory-image',
      });
    case 'workflow_button':
      return h('button', { type: 'button', class: 'btn', disabled: true }, readableText(element.text));
    default:
      return unknown(String(element.type), element);
  }
}

function withConfirmValue(element: Json, surface: Surface, run: () => void): () => void {
  return () => {
    if (!element.confirm) return run();
    void surface.confirm(element.confirm).then((ok) => ok && run());
  };
}

function renderExternalSelect(
  element: Json,
  blockId: string,
  surface: Surface,
  report: (input: ElementInput | undefined) => void,
  state: Json,
  local: ElementInput | undefined,
): HTMLElement {
  const multi = element.type === 'multi_external_select';
  const actionId = String(element.action_id ?? '');
  const minLength = Number(element.min_query_length ?? 3);
  let chosen: Array<{ text?: string; value: string }> = [];
  if (local !== undefined && local !== null) chosen = ([] as Json[]).concat(local);
  else if (state?.selected_option)
    chosen = [{ text: optionLabel(state.selected_option), value: state.selected_option.value }];
  else if (state?.selected_options)
    chosen = state.selected_options.map((o: Option) => ({ text: optionLabel(o), value: o.value }));
  else if (element.initial_option)
    chosen = [{ text: optionLabel(element.initial_option), value: element.initial_option.value }];
  const wrap = h('div', {
    class: 'external-select',
    'data-action-id': actionId,
    'data-element-type': element.type,
  });
  const chips = h('div', { class: 'chips' });
  const search = h('input', {
    type: 'search',
    class: 'external-search',
    placeholder: readableText(element.placeholder) || 'Type to search',
    'aria-label': readableText(element.placeholder) || actionId,
    autocomplete: 'off',
  });
  const list = h('div', { class: 'suggestions', role: 'listbox', hidden: true });
  const showChips = () => {
    chips.replaceChildren(
      ...chosen.map((option) => {
        const chip = h('span', { class: 'chip' }, option.text ?? option.value);
        const remove = h('button', { type: 'button', class: 'chip-remove', 'aria-label': 'Remove' }, '×');
        remove.addEventListener('click', () => {
          chosen = chosen.filter((c) => c.value !== option.value);
          showChips();
          report(multi ? chosen : null);
        });
        chip.append(remove);
        return chip;
      }),
    );
  };
  showChips();
  let timer: number | undefined;
  let asked = 0;
  const ask = () => {
    const query = search.value;
    if (query.length < minLength) {
      list.hidden = true;
      return;
    }
    const mine = ++asked;
    void surface.suggest(actionId, blockId, query).then(({ options, optionGroups }) => {
      if (mine !== asked) return;
      list.replaceChildren();
      const add = (option: Option) => {
        const item = h(
          'div',
          { class: 'suggestion', role: 'option', 'data-value': option.value },
          optionLabel(option),
        );
        item.addEventListener('mousedown', (event) => event.preventDefault());
        item.addEventListener('click', () => {
          const picked = { text: optionLabel(option), value: option.value };
          chosen = multi ? [...chosen.filter((c) => c.value !== option.value), picked] : [picked];
          search.value = '';
          list.hidden = true;
          showChips();
          report(multi ? chosen : picked);
        });
        list.append(item);
      };
      for (const option of options ?? []) add(option);
      for (const group of optionGroups ?? []) {
        list.append(h('div', { class: 'suggestion-group' }, readableText(group.label)));
        for (const option of group.options ?? []) add(option);
      }
      if (list.childElementCount === 0) list.append(h('div', { class: 'suggestion-empty' }, 'No results'));
      list.hidden = false;
    });
  };
  search.addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 200);
  });
  search.addEventListener('blur', () => window.setTimeout(() => (list.hidden = true), 150));
  wrap.append(chips, search, list);
  return wrap;
}

function renderInput(block: Json, surface: Surface): HTMLElement {
  const blockId = String(block.block_id ?? '');
  const error = surface.errors?.[blockId];
  const label = h('label', { class: 'input-label' });
  label.innerHTML = textHtml(block.label, surface.names);
  if (block.optional) label.append(h('span', { class: 'optional' }, ' (optional)'));
  const element = renderElement(block.element ?? {}, blockId, surface, true, block.dispatch_action === true);
  return h(
    'div',
    { class: `block input${error ? ' has-error' : ''}`, 'data-block-id': blockId },
    label,
    element,
    block.hint ? textEl(block.hint, surface.names, 'hint') : null,
    error ? h('div', { class: 'field-error', role: 'alert' }, error) : null,
  );
}

/** Legacy attachments: a colour bar with their blocks, text and fields. */
export function renderAttachments(attachments: Json[], surface: Surface): HTMLElement {
  const out = h('div', { class: 'attachments' });
  for (const attachment of attachments ?? []) {
    const bar = h('div', { class: 'attachment' });
    if (typeof attachment.color === 'string')
      bar.style.borderLeftColor = attachment.color.startsWith('#') ? attachment.color : '#ddd';
    if (attachment.pretext) bar.append(textEl(attachment.pretext, surface.names));
    if (attachment.title) bar.append(h('div', { class: 'attachment-title' }, String(attachment.title)));
    if (Array.isArray(attachment.blocks)) bar.append(renderBlocks(attachment.blocks, surface));
    if (attachment.text) bar.append(textEl(attachment.text, surface.names));
    if (Array.isArray(attachment.fields))
      bar.append(
        h(
          'div',
          { class: 'fields' },
          ...attachment.fields.map((f: Json) =>
            html(
              'div',
              'field',
              `<b>${escapeHtml(String(f.title ?? ''))}</b><br>${mrkdwnHtml(String(f.value ?? ''), surface.names)}`,
            ),
          ),
        ),
      );
    if (attachment.footer) bar.append(h('div', { class: 'context-text' }, String(attachment.footer)));
    if (!bar.childElementCount) bar.append(unknown('attachment', attachment));
    out.append(bar);
  }
  return out;
}
