import { type FoundElement, interactiveElements, optionsOf } from './blocks.js';
import type { ViewStateSelectedOption, ViewStateValue, ViewStateValues } from './types.js';
import { isRec, type Rec, str } from './wire.js';

/**
 * How a person's input becomes Slack's `state.values` entries and `block_actions` action items, element type by
 * element type. Shared by the fake (which keeps a view's state as the person edits it) and the driver.
 */

/** A person's input for one element, in the simplest form that identifies it. */
export type ElementInput =
  | string
  | number
  | boolean
  | null
  | string[]
  | { text?: string; value: string }
  | { text?: string; value: string }[];

export class InputError extends Error {}

const STATEFUL_TYPES = new Set([
  'plain_text_input',
  'email_text_input',
  'url_text_input',
  'number_input',
  'rich_text_input',
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
  'radio_buttons',
  'checkboxes',
  'datepicker',
  'timepicker',
  'datetimepicker',
  'file_input',
]);

export function isStateful(type: string): boolean {
  return STATEFUL_TYPES.has(type);
}

function plain(text: string): ViewStateSelectedOption['text'] {
  return { type: 'plain_text', text, emoji: true };
}

/** The option as Slack echoes it in state: text, value and (for radios and checkboxes) description. */
function echoOption(option: Rec): ViewStateSelectedOption {
  const text = isRec(option.text)
    ? (option.text as ViewStateSelectedOption['text'])
    : plain(String(option.value ?? ''));
  return {
    text,
    value: String(option.value ?? ''),
    ...(option.description !== undefined ? { description: option.description } : {}),
  };
}

function inputValue(input: ElementInput): { text?: string; value: string } | undefined {
  if (input === null || input === undefined) return undefined;
  if (typeof input === 'string' || typeof input === 'number' || typeof input === 'boolean') {
    return { value: String(input) };
  }
  if (Array.isArray(input)) return undefined;
  return input;
}

function inputValues(input: ElementInput): { text?: string; value: string }[] {
  if (input === null || input === undefined) return [];
  if (Array.isArray(input)) {
    return input.map((item) => (typeof item === 'string' ? { value: item } : item));
  }
  const single = inputValue(input);
  return single ? [single] : [];
}

/** Finds a rendered option of a static element by value (or by its label). */
function pickOption(
  element: Rec,
  wanted: { text?: string; value: string },
  actionId: string,
): ViewStateSelectedOption {
  const options = optionsOf(element);
  const option =
    options.find((o) => o.value === wanted.value) ??
    options.find((o) => isRec(o.text) && o.text.text === wanted.value);
  if (!option) {
    const known = options.map((o) => String(o.value)).join(', ');
    throw new InputError(`"${wanted.value}" is not an option of ${actionId} (options: ${known})`);
  }
  return echoOption(option);
}

function externalOption(wanted: { text?: string; value: string }): ViewStateSelectedOption {
  return { text: plain(wanted.text ?? wanted.value), value: wanted.value };
}

function richText(text: string): Rec {
  return {
    type: 'rich_text',
    elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text }] }],
  };
}

/** The state entry for an element given the person's input; `undefined` input leaves it empty. */
export function stateValueFor(
  element: Rec,
  actionId: string,
  input: ElementInput | undefined,
): ViewStateValue {
  const type = str(element.type) ?? '';
  const none = input === undefined || input === null;
  switch (type) {
    case 'plain_text_input':
    case 'email_text_input':
    case 'url_text_input':
    case 'number_input':
      return { type, value: none || input === '' ? null : String(inputValue(input)?.value ?? '') };
    case 'rich_text_input':
      return { type, rich_text_value: none ? null : richText(String(inputValue(input)?.value ?? '')) };
    case 'static_select':
    case 'radio_buttons': {
      const wanted = none ? undefined : inputValue(input);
      return { type, selected_option: wanted ? pickOption(element, wanted, actionId) : null };
    }
    case 'external_select': {
      const wanted = none ? undefined : inputValue(input);
      return { type, selected_option: wanted ? externalOption(wanted) : null };
    }
    case 'multi_static_select':
    case 'checkboxes':
      return {
        type,
        selected_options: inputValues(input ?? null).map((w) => pickOption(element, w, actionId)),
      };
    case 'multi_external_select':
      return { type, selected_options: inputValues(input ?? null).map(externalOption) };
    case 'datepicker':
      return { type, selected_date: none ? null : String(inputValue(input)?.value) };
    case 'timepicker':
      return { type, selected_time: none ? null : String(inputValue(input)?.value) };
    case 'datetimepicker':
      return { type, selected_date_time: none ? null : Number(inputValue(input)?.value) };
    case 'users_select':
      return { type, selected_user: none ? null : String(inputValue(input)?.value) };
    case 'multi_users_select':
      return { type, selected_users: inputValues(input ?? null).map((w) => w.value) };
    case 'conversations_select':
      return { type, selected_conversation: none ? null : String(inputValue(input)?.value) };
    case 'multi_conversations_select':
      return { type, selected_conversations: inputValues(input ?? null).map((w) => w.value) };
    case 'channels_select':
      return { type, selected_channel: none ? null : String(inputValue(input)?.value) };
    case 'multi_channels_select':
      return { type, selected_channels: inputValues(input ?? null).map((w) => w.value) };
    case 'file_input':
      return { type, files: [] };
    default:
      throw new InputError(`${actionId} is a ${type || 'typeless'} element, which holds no input`);
  }
}

/** The state entry an element starts with: its `initial_*` value, or empty. */
export function initialStateValue(element: Rec, actionId: string): ViewStateValue {
  const type = str(element.type) ?? '';
  const option = (value: unknown) => (isRec(value) ? echoOption(value) : null);
  switch (type) {
    case 'plain_text_input':
    case 'email_text_input':
    case 'url_text_input':
    case 'number_input':
      return { type, value: str(element.initial_value) ?? null };
    case 'rich_text_input':
      return { type, rich_text_value: element.initial_value ?? null };
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
      return { type, selected_option: option(element.initial_option) };
    case 'multi_static_select':
    case 'multi_external_select':
    case 'checkboxes':
      return {
        type,
        selected_options: Array.isArray(element.initial_options)
          ? element.initial_options.filter(isRec).map(echoOption)
          : [],
      };
    case 'datepicker':
      return { type, selected_date: str(element.initial_date) ?? null };
    case 'timepicker':
      return { type, selected_time: str(element.initial_time) ?? null };
    case 'datetimepicker':
      return {
        type,
        selected_date_time: typeof element.initial_date_time === 'number' ? element.initial_date_time : null,
      };
    case 'users_select':
      return { type, selected_user: str(element.initial_user) ?? null };
    case 'multi_users_select':
      return {
        type,
        selected_users: Array.isArray(element.initial_users) ? element.initial_users.map(String) : [],
      };
    case 'conversations_select':
      return { type, selected_conversation: str(element.initial_conversation) ?? null };
    case 'multi_conversations_select':
      return {
        type,
        selected_conversations: Array.isArray(element.initial_conversations)
          ? element.initial_conversations.map(String)
          : [],
      };
    case 'channels_select':
      return { type, selected_channel: str(element.initial_channel) ?? null };
    case 'multi_channels_select':
      return {
        type,
        selected_channels: Array.isArray(element.initial_channels)
          ? element.initial_channels.map(String)
          : [],
      };
    case 'file_input':
      return { type, files: [] };
    default:
      return stateValueFor(element, actionId, undefined);
  }
}

function hasInitial(element: Rec): boolean {
  return Object.keys(element).some((key) => key.startsWith('initial_'));
}

/** Whether a state entry holds anything. */
export function isEmptyState(value: ViewStateValue): boolean {
  for (const [key, v] of Object.entries(value)) {
    if (key === 'type') continue;
    if (Array.isArray(v) ? v.length > 0 : v !== null && v !== undefined) return false;
  }
  return true;
}

/**
 * The `state.values` Slack would send for these blocks: every element of an input block (its current, initial or
 * empty value), plus stateful elements elsewhere (section accessories, actions) once they hold something.
 * `current` is the state kept so far (from earlier interactions); it is carried over where the element still exists.
 */
export function buildState(blocks: readonly unknown[], current: ViewStateValues = {}): ViewStateValues {
  const values: ViewStateValues = {};
  for (const found of interactiveElements(blocks)) {
    if (!isStateful(found.type)) continue;
    const kept = current[found.blockId]?.[found.actionId];
    const carried = kept && kept.type === found.type ? kept : undefined;
    const value = carried ?? initialStateValue(found.element, found.actionId);
    const inInput = found.slot === 'element' && found.block.type === 'input';
    if (!inInput && !carried && !hasInitial(found.element)) continue;
    values[found.blockId] ??= {};
    (values[found.blockId] as Record<string, ViewStateValue>)[found.actionId] = value;
  }
  return values;
}

/** Finds the element an input key names: `action_id`, `block_id.action_id`, or the block_id of a one-element block. */
export function elementForKey(blocks: readonly unknown[], key: string): FoundElement | undefined {
  const all = interactiveElements(blocks);
  const exact = all.filter((found) => found.actionId === key);
  if (exact.length === 1) return exact[0];
  const dot = key.indexOf('.');
  if (dot > 0) {
    const blockId = key.slice(0, dot);
    const actionId = key.slice(dot + 1);
    const match = all.find((found) => found.blockId === blockId && found.actionId === actionId);
    if (match) return match;
  }
  if (exact.length > 1) {
    throw new InputError(`action_id ${key} appears in several blocks; key it as block_id.action_id`);
  }
  // An input block holds one element, so its block_id names it too.
  const inBlock = all.filter((found) => found.blockId === key);
  return inBlock.length === 1 ? inBlock[0] : undefined;
}

/** Applies a map of inputs (keyed as {@link elementForKey} reads keys) on top of the view's state. */
export function applyInputs(
  blocks: readonly unknown[],
  current: ViewStateValues,
  inputs: Record<string, ElementInput>,
): ViewStateValues {
  const values = buildState(blocks, current);
  for (const [key, input] of Object.entries(inputs)) {
    const found = elementForKey(blocks, key);
    if (!found) throw new InputError(`no element with action_id ${key} in the view`);
    values[found.blockId] ??= {};
    (values[found.blockId] as Record<string, ViewStateValue>)[found.actionId] = stateValueFor(
      found.element,
      found.actionId,
      input,
    );
  }
  return values;
}

/**
 * The checks the Slack client makes before it lets a modal be submitted: required inputs filled in and text
 * inputs within their `min_length` / `max_length`. Keyed by block_id like `response_action: 'errors'`.
 */
export function clientValidation(
  blocks: readonly unknown[],
  values: ViewStateValues,
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const found of interactiveElements(blocks)) {
    if (found.block.type !== 'input' || found.slot !== 'element') continue;
    const value = values[found.blockId]?.[found.actionId];
    const empty = !value || isEmptyState(value);
    if (empty) {
      if (found.block.optional !== true && found.type !== 'file_input') {
        errors[found.blockId] = 'Please complete this required field.';
      }
      continue;
    }
    const text = value.value;
    if (typeof text === 'string') {
      const min = Number(found.element.min_length ?? 0);
      const max = Number(found.element.max_length ?? Number.POSITIVE_INFINITY);
      if (text.length < min) errors[found.blockId] = `Please enter at least ${min} characters.`;
      if (text.length > max) errors[found.blockId] = `Please enter no more than ${max} characters.`;
      if (found.type === 'number_input' && !/^-?\d+(\.\d+)?$/.test(text)) {
        errors[found.blockId] = 'Please enter a number.';
      } else if (
        found.type === 'number_input' &&
        found.element.is_decimal_allowed !== true &&
        text.includes('.')
      ) {
        errors[found.blockId] = 'Please enter a whole number.';
      }
    }
  }
  return errors;
}

/**
 * The `actions[]` item of a `block_actions` payload for an element and the person's input: buttons carry their
 * text and value; selects, overflows, pickers carry the selection like the state does.
 */
export function actionItem(found: FoundElement, input: ElementInput | undefined, actionTs: string): Rec {
  const { element } = found;
  const base: Rec = { type: found.type, block_id: found.blockId, action_id: found.actionId };
  switch (found.type) {
    case 'button': {
      const item: Rec = { ...base, text: element.text };
      const value =
        input === undefined || input === null ? str(element.value) : String(inputValue(input)?.value);
      if (value !== undefined) item.value = value;
      if (element.style !== undefined) item.style = element.style;
      if (element.url !== undefined) item.url = element.url;
      if (element.confirm !== undefined) item.confirm = element.confirm;
      return { ...item, action_ts: actionTs };
    }
    case 'overflow': {
      const wanted = input === undefined || input === null ? undefined : inputValue(input);
      if (!wanted) throw new InputError(`choose an option of overflow ${found.actionId}`);
      return { ...base, selected_option: pickOption(element, wanted, found.actionId), action_ts: actionTs };
    }
    case 'workflow_button':
    case 'icon_button':
    case 'feedback_buttons':
      return { ...base, text: element.text, value: str(element.value) ?? '', action_ts: actionTs };
    default: {
      const state = stateValueFor(element, found.actionId, input);
      const item: Rec = { ...base, ...state };
      if (element.placeholder !== undefined) item.placeholder = element.placeholder;
      for (const key of Object.keys(element)) if (key.startsWith('initial_')) item[key] = element[key];
      return { ...item, action_ts: actionTs };
    }
  }
}
