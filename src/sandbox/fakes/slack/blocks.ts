import { createHash } from 'node:crypto';
import type { AnyBlock } from '@slack/types';
import { isRec, type Rec, str } from './wire.js';

/**
 * Block Kit helpers for the Slack fake: finding elements in posted blocks, filling in the `block_id`s and
 * `action_id`s Slack generates, and validating blocks against Block Kit's documented limits.
 */

export type Surface = 'message' | 'modal' | 'home';

export interface FoundElement {
  block: Rec;
  blockId: string;
  blockIndex: number;
  element: Rec;
  actionId: string;
  type: string;
  /** Where in the block the element sits. */
  slot: 'accessory' | 'elements' | 'element';
}

function blockList(blocks: readonly unknown[] | undefined | null): Rec[] {
  return (blocks ?? []).filter(isRec);
}

/** Every element with an `action_id` in the blocks, in reading order. */
export function interactiveElements(blocks: readonly unknown[] | undefined | null): FoundElement[] {
  const found: FoundElement[] = [];
  blockList(blocks).forEach((block, blockIndex) => {
    const blockId = str(block.block_id) ?? '';
    const push = (element: unknown, slot: FoundElement['slot']) => {
      if (!isRec(element)) return;
      const actionId = str(element.action_id);
      if (actionId === undefined) return;
      found.push({ block, blockId, blockIndex, element, actionId, type: str(element.type) ?? '', slot });
    };
    push(block.accessory, 'accessory');
    push(block.element, 'element');
    if (Array.isArray(block.elements)) for (const element of block.elements) push(element, 'elements');
  });
  return found;
}

/** The element with this `action_id` (and `block_id`, when given). */
export function findAction(
  blocks: readonly unknown[] | undefined | null,
  actionId: string,
  blockId?: string,
): FoundElement | undefined {
  return interactiveElements(blocks).find(
    (found) => found.actionId === actionId && (blockId === undefined || found.blockId === blockId),
  );
}

/** Buttons whose label is (or contains) the given text. */
export function findButton(
  blocks: readonly unknown[] | undefined | null,
  label: string,
): FoundElement | undefined {
  return interactiveElements(blocks).find(
    (found) => found.type === 'button' && textOf(found.element.text).includes(label),
  );
}

export function findBlock(blocks: readonly unknown[] | undefined | null, blockId: string): Rec | undefined {
  return blockList(blocks).find((block) => block.block_id === blockId);
}

export function findBlocksByType(blocks: readonly unknown[] | undefined | null, type: string): Rec[] {
  return blockList(blocks).filter((block) => block.type === type);
}

/** The option objects of a select, overflow, radio or checkbox element (option groups flattened). */
export function optionsOf(element: Rec): Rec[] {
  const options: Rec[] = [];
  if (Array.isArray(element.options)) options.push(...element.options.filter(isRec));
  if (Array.isArray(element.option_groups)) {
    for (const group of element.option_groups.filter(isRec)) {
      if (Array.isArray(group.options)) options.push(...group.options.filter(isRec));
    }
  }
  return options;
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isRec(value) && typeof value.text === 'string') return value.text;
  return '';
}

/**
 * All human-visible text in the blocks, one line per text object, for assertions like
 * `expect(blocksText(message.blocks)).toContain('Refund issued')`.
 */
export function blocksText(blocks: readonly unknown[] | undefined | null): string {
  const lines: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!isRec(value)) return;
    if (
      (value.type === 'plain_text' || value.type === 'mrkdwn' || value.type === 'text') &&
      typeof value.text === 'string'
    ) {
      lines.push(value.text);
      return;
    }
    if (value.type === 'markdown' && typeof value.text === 'string') lines.push(value.text);
    for (const [key, child] of Object.entries(value)) {
      if (key === 'action_id' || key === 'block_id' || key === 'value' || key === 'url') continue;
      if (typeof child === 'object') visit(child);
    }
  };
  visit(blocks);
  return lines.join('\n');
}

/** Generates the short ids Slack fills in for blocks and elements posted without one. */
export class IdFiller {
  private counter = 0;

  next(taken: Set<string>): string {
    for (;;) {
      this.counter += 1;
      const id = createHash('sha1').update(`frontline-fake-${this.counter}`).digest('base64url').slice(0, 5);
      if (!taken.has(id)) {
        taken.add(id);
        return id;
      }
    }
  }

  reset(): void {
    this.counter = 0;
  }

  /** A copy of the blocks with every missing `block_id` and `action_id` filled in. */
  fill(blocks: readonly unknown[]): AnyBlock[] {
    const copy = structuredClone(blocks) as unknown[];
    const blockIds = new Set(copy.filter(isRec).map((block) => str(block.block_id) ?? ''));
    for (const block of copy.filter(isRec)) {
      if (block.block_id === undefined) block.block_id = this.next(blockIds);
      const actionIds = new Set<string>();
      const elements: Rec[] = [];
      if (isRec(block.accessory)) elements.push(block.accessory);
      if (isRec(block.element)) elements.push(block.element);
      if (Array.isArray(block.elements)) elements.push(...block.elements.filter(isRec));
      for (const element of elements)
        if (typeof element.action_id === 'string') actionIds.add(element.action_id);
      for (const element of elements) {
        if (element.action_id === undefined && INTERACTIVE_TYPES.has(str(element.type) ?? '')) {
          element.action_id = this.next(actionIds);
        }
      }
    }
    return copy as AnyBlock[];
  }
}

const INTERACTIVE_TYPES = new Set([
  'button',
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'timepicker',
  'email_text_input',
  'url_text_input',
  'number_input',
  'plain_text_input',
  'rich_text_input',
  'file_input',
  'overflow',
  'radio_buttons',
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
  'workflow_button',
  'feedback_buttons',
  'icon_button',
]);

const BLOCK_TYPES = new Set([
  'actions',
  'alert',
  'call',
  'card',
  'carousel',
  'container',
  'context',
  'context_actions',
  'data_table',
  'divider',
  'file',
  'header',
  'image',
  'input',
  'markdown',
  'plan',
  'rich_text',
  'section',
  'table',
  'task_card',
  'video',
]);

/** Blocks that may only appear on some surfaces. */
const SURFACE_ONLY: Record<string, Surface[]> = {
  file: ['message'],
};

const MAX_BLOCKS: Record<Surface, number> = { message: 50, modal: 100, home: 100 };

class Problems {
  readonly list: string[] = [];

  add(message: string, pointer: string): void {
    this.list.push(`${message} [json-pointer:${pointer}]`);
  }

  /** A text object: `{type: 'plain_text' | 'mrkdwn', text}` within length limits. */
  text(
    value: unknown,
    pointer: string,
    max: number,
    options: { plainOnly?: boolean; required?: boolean } = {},
  ): void {
    if (value === undefined || value === null) {
      if (options.required) this.add('must provide an object', pointer);
      return;
    }
    if (!isRec(value)) {
      this.add('must provide an object', pointer);
      return;
    }
    if (value.type !== 'plain_text' && value.type !== 'mrkdwn') {
      this.add('must be either "plain_text" or "mrkdwn"', `${pointer}/type`);
      return;
    }
    if (options.plainOnly && value.type !== 'plain_text') {
      this.add('must be "plain_text"', `${pointer}/type`);
      return;
    }
    this.string(value.text, `${pointer}/text`, max, { required: true, min: 1 });
  }

  string(
    value: unknown,
    pointer: string,
    max: number,
    options: { required?: boolean; min?: number } = {},
  ): void {
    if (value === undefined || value === null) {
      if (options.required) this.add('must provide a string', pointer);
      return;
    }
    if (typeof value !== 'string') {
      this.add('must be a string', pointer);
      return;
    }
    if (value.length > max) this.add(`must be less than ${max + 1} characters`, pointer);
    if (options.min !== undefined && value.length < options.min) {
      this.add(`must be more than ${options.min - 1} characters`, pointer);
    }
  }

  items(value: unknown, pointer: string, max: number, min = 0): unknown[] {
    if (!Array.isArray(value)) {
      this.add('must provide an array', pointer);
      return [];
    }
    if (value.length > max) this.add(`no more than ${max} items allowed`, pointer);
    if (value.length < min) this.add(`must provide at least ${min} items`, pointer);
    return value;
  }
}

function validateOption(problems: Problems, option: unknown, pointer: string, plainOnly: boolean): void {
  if (!isRec(option)) {
    problems.add('must provide an object', pointer);
    return;
  }
  problems.text(option.text, `${pointer}/text`, 75, { required: true, plainOnly });
  problems.string(option.value, `${pointer}/value`, 150, { required: true });
  if (option.description !== undefined) problems.text(option.description, `${pointer}/description`, 75);
  if (option.url !== undefined) problems.string(option.url, `${pointer}/url`, 3000);
}

function validateOptions(
  problems: Problems,
  element: Rec,
  pointer: string,
  max: number,
  plainOnly: boolean,
): void {
  if (element.options !== undefined) {
    const options = problems.items(element.options, `${pointer}/options`, max, 1);
    options.forEach((option, i) => {
      validateOption(problems, option, `${pointer}/options/${i}`, plainOnly);
    });
  }
  if (element.option_groups !== undefined) {
    const groups = problems.items(element.option_groups, `${pointer}/option_groups`, 100, 1);
    groups.forEach((group, g) => {
      if (!isRec(group)) return;
      problems.text(group.label, `${pointer}/option_groups/${g}/label`, 75, {
        required: true,
        plainOnly: true,
      });
      const options = problems.items(group.options, `${pointer}/option_groups/${g}/options`, 100, 1);
      options.forEach((option, i) => {
        validateOption(problems, option, `${pointer}/option_groups/${g}/options/${i}`, true);
      });
    });
  }
}

function validateElement(problems: Problems, element: unknown, pointer: string): void {
  if (!isRec(element)) {
    problems.add('must provide an object', pointer);
    return;
  }
  const type = str(element.type);
  if (!type) {
    problems.add('must provide a string', `${pointer}/type`);
    return;
  }
  if (element.action_id !== undefined) problems.string(element.action_id, `${pointer}/action_id`, 255);
  if (element.placeholder !== undefined) {
    problems.text(element.placeholder, `${pointer}/placeholder`, 150, { plainOnly: true });
  }
  switch (type) {
    case 'button':
      problems.text(element.text, `${pointer}/text`, 75, { required: true, plainOnly: true });
      problems.string(element.value, `${pointer}/value`, 2000);
      problems.string(element.url, `${pointer}/url`, 3000);
      if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger') {
        problems.add('must be one of "primary" or "danger"', `${pointer}/style`);
      }
      break;
    case 'static_select':
    case 'multi_static_select':
      if (element.options === undefined && element.option_groups === undefined) {
        problems.add('must provide either options or option_groups', pointer);
      }
      validateOptions(problems, element, pointer, 100, true);
      break;
    case 'overflow':
      problems.items(element.options, `${pointer}/options`, 5, 1);
      validateOptions(problems, element, pointer, 5, true);
      break;
    case 'radio_buttons':
    case 'checkboxes':
      validateOptions(problems, element, pointer, 10, false);
      break;
    case 'plain_text_input':
      if (element.max_length !== undefined && Number(element.max_length) > 3000) {
        problems.add('must be less than 3001', `${pointer}/max_length`);
      }
      problems.string(element.initial_value, `${pointer}/initial_value`, 3000);
      break;
    default:
      break;
  }
}

function validateBlock(problems: Problems, block: unknown, pointer: string, surface: Surface): void {
  if (!isRec(block)) {
    problems.add('must provide an object', pointer);
    return;
  }
  const type = str(block.type);
  if (!type) {
    problems.add('must provide a string', `${pointer}/type`);
    return;
  }
  if (!BLOCK_TYPES.has(type)) {
    problems.add(`unsupported type: ${type}`, `${pointer}/type`);
    return;
  }
  const only = SURFACE_ONLY[type];
  if (only && !only.includes(surface)) problems.add(`unsupported type: ${type}`, `${pointer}/type`);
  if (block.block_id !== undefined) problems.string(block.block_id, `${pointer}/block_id`, 255);
  switch (type) {
    case 'section': {
      if (block.text === undefined && block.fields === undefined) {
        problems.add('must provide either text or fields', pointer);
      }
      problems.text(block.text, `${pointer}/text`, 3000);
      if (block.fields !== undefined) {
        problems.items(block.fields, `${pointer}/fields`, 10, 1).forEach((field, i) => {
          problems.text(field, `${pointer}/fields/${i}`, 2000, { required: true });
        });
      }
      if (block.accessory !== undefined) validateElement(problems, block.accessory, `${pointer}/accessory`);
      break;
    }
    case 'header':
      problems.text(block.text, `${pointer}/text`, 150, { required: true, plainOnly: true });
      break;
    case 'context':
      problems.items(block.elements, `${pointer}/elements`, 10, 1).forEach((element, i) => {
        if (isRec(element) && (element.type === 'plain_text' || element.type === 'mrkdwn')) {
          problems.text(element, `${pointer}/elements/${i}`, 3000);
        }
      });
      break;
    case 'actions':
      problems.items(block.elements, `${pointer}/elements`, 25, 1).forEach((element, i) => {
        validateElement(problems, element, `${pointer}/elements/${i}`);
      });
      break;
    case 'context_actions':
      problems.items(block.elements, `${pointer}/elements`, 5, 1);
      break;
    case 'image':
      if (block.image_url === undefined && block.slack_file === undefined) {
        problems.add('must provide either image_url or slack_file', pointer);
      }
      problems.string(block.image_url, `${pointer}/image_url`, 3000);
      problems.string(block.alt_text, `${pointer}/alt_text`, 2000, { required: true });
      problems.text(block.title, `${pointer}/title`, 2000, { plainOnly: true });
      break;
    case 'input':
      problems.text(block.label, `${pointer}/label`, 2000, { required: true, plainOnly: true });
      problems.text(block.hint, `${pointer}/hint`, 2000, { plainOnly: true });
      if (block.element === undefined) problems.add('must provide an object', `${pointer}/element`);
      else validateElement(problems, block.element, `${pointer}/element`);
      break;
    case 'markdown':
      problems.string(block.text, `${pointer}/text`, 12000, { required: true, min: 1 });
      break;
    case 'video':
      problems.string(block.alt_text, `${pointer}/alt_text`, 2000, { required: true });
      problems.text(block.title, `${pointer}/title`, 200, { required: true, plainOnly: true });
      break;
    default:
      break;
  }
}

/**
 * Checks blocks against Block Kit's documented limits. Returns Slack-style problem strings
 * (`must be less than 3001 characters [json-pointer:/blocks/0/text/text]`); empty when valid.
 */
export function validateBlocks(blocks: unknown, surface: Surface, pointer: string): string[] {
  const problems = new Problems();
  const list = problems.items(blocks, pointer, MAX_BLOCKS[surface]);
  const seen = new Set<string>();
  list.forEach((block, i) => {
    validateBlock(problems, block, `${pointer}/${i}`, surface);
    if (isRec(block) && typeof block.block_id === 'string') {
      if (seen.has(block.block_id)) {
        problems.add(`duplicate block_id: ${block.block_id}`, `${pointer}/${i}/block_id`);
      }
      seen.add(block.block_id);
    }
    if (isRec(block)) {
      const actionIds = new Set<string>();
      for (const found of interactiveElements([block])) {
        if (actionIds.has(found.actionId)) {
          problems.add(`duplicate action_id: ${found.actionId}`, `${pointer}/${i}`);
        }
        actionIds.add(found.actionId);
      }
    }
  });
  return problems.list;
}

/** Checks a `views.*` payload: the view's own fields, then its blocks. */
export function validateView(view: unknown, expected: 'modal' | 'home' | 'any'): string[] {
  const problems = new Problems();
  if (!isRec(view)) {
    problems.add('must provide an object', '/view');
    return problems.list;
  }
  const type = view.type;
  if (type !== 'modal' && type !== 'home') {
    problems.add('must be one of "modal" or "home"', '/view/type');
    return problems.list;
  }
  if (expected !== 'any' && type !== expected) {
    problems.add(`must be "${expected}"`, '/view/type');
    return problems.list;
  }
  if (type === 'modal') {
    problems.text(view.title, '/view/title', 24, { required: true, plainOnly: true });
    problems.text(view.submit, '/view/submit', 24, { plainOnly: true });
    problems.text(view.close, '/view/close', 24, { plainOnly: true });
    const hasInput =
      Array.isArray(view.blocks) && view.blocks.some((block) => isRec(block) && block.type === 'input');
    if (hasInput && view.submit === undefined) {
      problems.add('must provide submit when an input block is present', '/view/submit');
    }
  }
  problems.string(view.callback_id, '/view/callback_id', 255);
  problems.string(view.private_metadata, '/view/private_metadata', 3000);
  problems.string(view.external_id, '/view/external_id', 255);
  problems.list.push(...validateBlocks(view.blocks, type, '/view/blocks'));
  return problems.list;
}
