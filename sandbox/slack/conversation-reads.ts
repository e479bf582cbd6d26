/**
 * conversations.history and conversations.replies: a conversation's messages, or one thread's,
 * as Slack pages them (docs.slack.dev/reference/methods/conversations.history and .replies).
 * History runs newest first, a thread oldest first, both between `oldest` and `latest` (either
 * end left out unless `inclusive`), `limit` at a time, with Slack's `next_ts:` cursors. A
 * message's metadata is returned only with `include_all_metadata`.
 */
import { microsOf, timeArgument } from './timestamps';
import type { SimMessage } from './types';
import type { MethodResult } from './web-api';
import type { SlackWorkspace } from './workspace';

type Params = Record<string, unknown>;

/** Slack's defaults and ceilings for `limit`. */
const HISTORY_LIMIT = { default: 100, max: 999 };
const REPLIES_LIMIT = { default: 1000, max: 1000 };

export function conversationsHistory(workspace: SlackWorkspace, params: Params): MethodResult {
  const conversation = readableConversation(workspace, params);
  if (!conversation.ok) return conversation;
  const window = timeWindow(params);
  if (!window.ok) return window;
  const newestFirst = workspace.messages(conversation.id).filter((m) => window.holds(microsOf(m.ts))).reverse();
  return page(newestFirst, params, HISTORY_LIMIT, (ts, from) => ts <= from);
}

export function conversationsReplies(workspace: SlackWorkspace, params: Params): MethodResult {
  const conversation = readableConversation(workspace, params);
  if (!conversation.ok) return conversation;
  const ts = text(params, 'ts');
  const asked = ts === undefined ? undefined : workspace.findMessage(conversation.id, ts);
  // A reply's ts names its thread too.
  const parentTs = asked?.thread_ts ?? asked?.ts;
  const [parent, ...replies] = parentTs === undefined ? [] : workspace.thread(conversation.id, parentTs);
  if (parent === undefined || parent.ts !== parentTs) return failure('thread_not_found');
  const window = timeWindow(params);
  if (!window.ok) return window;
  // The parent leads the thread whatever the window: what is in the thread is read against it.
  return page([parent, ...replies.filter((m) => window.holds(microsOf(m.ts)))], params, REPLIES_LIMIT, (ts, from) => ts >= from);
}

/** A conversation the bot may read, named by its ID (these methods take no names and no user IDs). */
function readableConversation(workspace: SlackWorkspace, params: Params): { ok: true; id: string } | { ok: false; error: string } {
  const ref = text(params, 'channel');
  const conversation = ref === undefined ? undefined : workspace.resolveConversation(ref);
  if (!conversation || conversation.id !== ref) return failure('channel_not_found');
  if (!conversation.botIsMember) return failure('not_in_channel');
  return { ok: true, id: conversation.id };
}

function timeWindow(params: Params): { ok: true; holds: (ts: bigint) => boolean } | { ok: false; error: string } {
  const oldestText = text(params, 'oldest');
  const oldest = oldestText === undefined ? undefined : timeArgument(oldestText);
  if (oldestText !== undefined && oldest === undefined) return failure('invalid_ts_oldest');
  const latestText = text(params, 'latest');
  const latest = latestText === undefined ? undefined : timeArgument(latestText);
  if (latestText !== undefined && latest === undefined) return failure('invalid_ts_latest');
  const inclusive = isTrue(params.inclusive);
  const afterOldest = (ts: bigint) => oldest === undefined || ts > oldest || (inclusive && ts === oldest);
  const beforeLatest = (ts: bigint) => latest === undefined || ts < latest || (inclusive && ts === latest);
  return { ok: true, holds: (ts) => afterOldest(ts) && beforeLatest(ts) };
}

/** One page of `messages` (in the order they are read), from the cursor on. */
function page(
  messages: readonly SimMessage[],
  params: Params,
  limits: { default: number; max: number },
  onOrAfterCursor: (ts: bigint, from: bigint) => boolean,
): MethodResult {
  const cursor = text(params, 'cursor');
  const from = cursor === undefined ? undefined : cursorTs(cursor);
  if (cursor !== undefined && from === undefined) return failure('invalid_cursor');
  const start = from === undefined ? 0 : messages.findIndex((m) => onOrAfterCursor(microsOf(m.ts), from));
  const rest = start < 0 ? [] : messages.slice(start);
  const asked = Number(text(params, 'limit') ?? limits.default);
  const limit = Number.isInteger(asked) && asked > 0 ? Math.min(asked, limits.max) : limits.default;
  const shown = rest.slice(0, limit).map((message) => asRead(message, isTrue(params.include_all_metadata)));
  const next = rest[limit];
  return {
    ok: true,
    messages: shown,
    has_more: next !== undefined,
    ...(next !== undefined && { response_metadata: { next_cursor: Buffer.from(`next_ts:${microsOf(next.ts)}`).toString('base64') } }),
  };
}

/** Slack's cursors read `next_ts:<ts in microseconds>`, base64-encoded. */
function cursorTs(cursor: string): bigint | undefined {
  const match = /^next_ts:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  return match ? BigInt(match[1] ?? '0') : undefined;
}

/** A message as these methods return it: without its channel, and without its metadata unless asked. */
function asRead(message: SimMessage, withMetadata: boolean): Omit<SimMessage, 'channel'> {
  const { channel: _channel, metadata, ...rest } = message;
  return { ...rest, ...(withMetadata && metadata !== undefined && { metadata }) };
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}

function text(params: Params, key: string): string | undefined {
  const value = params[key];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function failure(error: string): { ok: false; error: string } {
  return { ok: false, error };
}
