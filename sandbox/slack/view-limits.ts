/**
 * Slack's limits on a view (docs.slack.dev/reference/views/modal-views and the Block Kit block and
 * element pages), checked as views.open, views.update, views.push and views.publish check them:
 * each breach is one `invalid_arguments` message in Slack's words, with a JSON pointer to it.
 */
import type { SimBlock } from './types';

type Json = Record<string, unknown>;

const MAX_BLOCKS = 100;
const MAX_SECTION_TEXT = 3000;
const MAX_FIELDS = 10;
const MAX_FIELD_TEXT = 2000;
const MAX_HEADER_TEXT = 150;
const MAX_MODAL_LABEL = 24;
const MAX_PRIVATE_METADATA = 3000;
const MAX_ID = 255;
const MAX_BUTTON_TEXT = 75;
const MAX_BUTTON_VALUE = 2000;
const MAX_OPTIONS = 100;
const MAX_ELEMENTS_IN_ACTIONS = 25;
const MAX_LABEL = 2000;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const textOf = (value: unknown): string | undefined => (isObject(value) && typeof value.text === 'string' ? value.text : undefined);

const tooLong = (limit: number, pointer: string) => `[ERROR] must be less than ${limit + 1} characters [json-pointer:${pointer}]`;
const tooMany = (limit: number, pointer: string) => `[ERROR] must be less than ${limit + 1} items [json-pointer:${pointer}]`;
const missing = (field: string, pointer: string) => `[ERROR] missing required field: ${field} [json-pointer:${pointer}]`;

function checkText(problems: string[], value: unknown, limit: number, pointer: string): void {
  const text = textOf(value);
  if (text !== undefined && text.length > limit) problems.push(tooLong(limit, `${pointer}/text`));
}

function checkElement(problems: string[], element: unknown, pointer: string): void {
  if (!isObject(element)) return;
  if (typeof element.action_id === 'string' && element.action_id.length > MAX_ID) problems.push(tooLong(MAX_ID, `${pointer}/action_id`));
  if (element.type === 'button') {
    checkText(problems, element.text, MAX_BUTTON_TEXT, `${pointer}/text`);
    if (typeof element.value === 'string' && element.value.length > MAX_BUTTON_VALUE) problems.push(tooLong(MAX_BUTTON_VALUE, `${pointer}/value`));
  }
  if (Array.isArray(element.options) && element.options.length > MAX_OPTIONS) problems.push(tooMany(MAX_OPTIONS, `${pointer}/options`));
}

function checkBlock(problems: string[], block: SimBlock, pointer: string): void {
  if (typeof block.block_id === 'string' && block.block_id.length > MAX_ID) problems.push(tooLong(MAX_ID, `${pointer}/block_id`));
  switch (block.type) {
    case 'section':
      checkText(problems, block.text, MAX_SECTION_TEXT, `${pointer}/text`);
      if (Array.isArray(block.fields)) {
        if (block.fields.length > MAX_FIELDS) problems.push(tooMany(MAX_FIELDS, `${pointer}/fields`));
        block.fields.forEach((field, i) => {
          checkText(problems, field, MAX_FIELD_TEXT, `${pointer}/fields/${i}`);
        });
      }
      checkElement(problems, block.accessory, `${pointer}/accessory`);
      return;
    case 'header':
      checkText(problems, block.text, MAX_HEADER_TEXT, `${pointer}/text`);
      return;
    case 'actions':
      if (Array.isArray(block.elements)) {
        if (block.elements.length > MAX_ELEMENTS_IN_ACTIONS) problems.push(tooMany(MAX_ELEMENTS_IN_ACTIONS, `${pointer}/elements`));
        block.elements.forEach((element, i) => {
          checkElement(problems, element, `${pointer}/elements/${i}`);
        });
      }
      return;
    case 'input':
      checkText(problems, block.label, MAX_LABEL, `${pointer}/label`);
      if (!isObject(block.element)) problems.push(missing('element', pointer));
      else checkElement(problems, block.element, `${pointer}/element`);
      return;
    default:
      return;
  }
}

/** Every breach of Slack's limits in a modal or Home view; none when Slack would take it. */
export function viewProblems(view: Json, kind: 'modal' | 'home'): string[] {
  const problems: string[] = [];
  if (view.type !== kind) return [`[ERROR] view type must be ${kind} here [json-pointer:/view/type]`];
  const blocks = Array.isArray(view.blocks) ? (view.blocks as SimBlock[]) : undefined;
  if (!blocks) return [missing('blocks', '/view')];
  if (blocks.length > MAX_BLOCKS) problems.push(tooMany(MAX_BLOCKS, '/view/blocks'));
  blocks.forEach((block, i) => {
    if (!isObject(block) || typeof block.type !== 'string') problems.push(missing('type', `/view/blocks/${i}`));
    else checkBlock(problems, block, `/view/blocks/${i}`);
  });
  if (typeof view.private_metadata === 'string' && view.private_metadata.length > MAX_PRIVATE_METADATA) {
    problems.push(tooLong(MAX_PRIVATE_METADATA, '/view/private_metadata'));
  }
  if (typeof view.callback_id === 'string' && view.callback_id.length > MAX_ID) problems.push(tooLong(MAX_ID, '/view/callback_id'));
  if (kind === 'modal') {
    if (textOf(view.title) === undefined) problems.push(missing('title', '/view'));
    for (const field of ['title', 'submit', 'close'] as const) checkText(problems, view[field], MAX_MODAL_LABEL, `/view/${field}`);
    if (blocks.some((block) => block.type === 'input') && textOf(view.submit) === undefined) problems.push(missing('submit', '/view'));
  }
  return problems;
}
