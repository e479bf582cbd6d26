// Types for block-kit.js, a plain browser script that the tests also load as a CommonJS module.
import type { MrkdwnContext } from './mrkdwn';

export interface Block {
  type: string;
  block_id?: string;
  [field: string]: unknown;
}

export interface RenderableMessage {
  text?: string;
  blocks?: Block[];
  attachments?: unknown[];
}

export function renderBlocks(blocks: Block[] | undefined, ctx?: MrkdwnContext): string;
export function renderAttachments(attachments: unknown[] | undefined, ctx?: MrkdwnContext): string;
/** A message's body as Slack shows it: its blocks when it has any, else its text. */
export function renderMessageBody(message: RenderableMessage, ctx?: MrkdwnContext): string;
export function findElement(
  blocks: Block[] | undefined,
  actionId: string,
): { block: Block; element: Record<string, unknown> } | undefined;
/** A text object (mrkdwn or plain_text) → HTML. */
export function text(object: { type: string; text: string; emoji?: boolean } | undefined, ctx?: MrkdwnContext): string;
