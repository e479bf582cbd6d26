// The posts that tell an outcome: the message metadata each carries (which request, which part,
// which outcome), and finding such a post in Slack when a process takes over an announcement.
import * as z from 'zod';
import type { AccessRequest } from '../domain/access-request';
import { type PostedPart, type ToldOutcome, toldOutcome } from '../domain/told-outcome';
import { EcrAccessError, ErrorCode } from '../errors';
import type { PacedChat } from './pacing';
import { SLACK_TIMESTAMP_TOLERANCE_SECONDS } from './request-verification';

const EVENT_TYPE = 'ecr_access_outcome';

const OutcomeMetadata = z.object({
  event_type: z.literal(EVENT_TYPE),
  event_payload: z.object({ request_id: z.string(), part: z.string(), outcome: z.string(), at: z.string() }),
});
type OutcomeMetadata = z.infer<typeof OutcomeMetadata>;

/** Messages read per call, and calls per look: enough for the approvers' channel over a takeover's wait. */
const PAGE_SIZE = 200;
const MOST_PAGES = 5;

/** The metadata a post telling `part` of the request's outcome carries (hidden from people). */
export function outcomeMetadata(request: AccessRequest, part: PostedPart): OutcomeMetadata {
  const told = toldOutcome(request, part);
  return { event_type: EVENT_TYPE, event_payload: { request_id: told.requestId, part: told.part, outcome: told.outcome, at: told.at } };
}

function tells(message: { metadata?: unknown }, told: ToldOutcome): boolean {
  const parsed = OutcomeMetadata.safeParse(message.metadata);
  if (!parsed.success) return false;
  const { request_id, part, outcome, at } = parsed.data.event_payload;
  return request_id === told.requestId && part === told.part && outcome === told.outcome && at === told.at;
}

interface Page {
  messages?: Array<{ metadata?: unknown }>;
  has_more?: boolean;
  response_metadata?: { next_cursor?: string };
}

/**
 * Whether a post telling `part` of the request's outcome is in Slack: in the card's thread (in
 * the approvers' channel for a request without a card), or in the requester's DM. It looks from
 * a little before the outcome was recorded: the post carries Slack's time, the record the bot's.
 * Throws when Slack cannot say, or when the search runs past its pages without an end.
 */
export async function isPosted(chat: PacedChat, approvalChannel: string, request: AccessRequest, part: PostedPart): Promise<boolean> {
  const told = toldOutcome(request, part);
  const oldest = slackTime(Date.parse(told.toldFrom) - SLACK_TIMESTAMP_TOLERANCE_SECONDS * 1000);
  const reading = { oldest, limit: PAGE_SIZE, include_all_metadata: true };
  const card = request.card;
  let read: (cursor: string | undefined) => Promise<Page>;
  if (part === 'thread' && card) {
    read = (cursor) => chat.conversations.replies({ channel: card.channel, ts: card.ts, ...reading, ...(cursor && { cursor }) });
  } else {
    const channel = part === 'thread' ? approvalChannel : await directMessageChannel(chat, request.requester);
    read = (cursor) => chat.conversations.history({ channel, ...reading, ...(cursor && { cursor }) });
  }
  let cursor: string | undefined;
  for (let page = 0; page < MOST_PAGES; page += 1) {
    const answer = await read(cursor);
    if (answer.messages?.some((message) => tells(message, told))) return true;
    cursor = answer.has_more ? answer.response_metadata?.next_cursor : undefined;
    if (!cursor) return false;
  }
  throw new EcrAccessError(ErrorCode.Slack, `${MOST_PAGES * PAGE_SIZE} messages since ${told.toldFrom} were read without finding the ${part} post, or the end`);
}

/** The bot's DM with a person, which chat.postMessage to their user ID posts in. */
async function directMessageChannel(chat: PacedChat, user: string): Promise<string> {
  const opened = await chat.conversations.open({ users: user });
  if (!opened.channel?.id) throw new EcrAccessError(ErrorCode.Slack, 'Slack did not name the direct message channel');
  return opened.channel.id;
}

/** A Slack timestamp: seconds since the epoch, to the microsecond. */
const slackTime = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(6);
