/**
 * Shapes shared by the Slack simulator's modules: the simulated workspace, what it records,
 * and the events it emits. Field names follow Slack's own payloads where Slack has one.
 */

export interface SimUser {
  id: string;
  name: string;
}

export interface SimChannel {
  id: string;
  name: string;
  botIsMember: boolean;
}

/** A Block Kit block as the simulator stores it; left open because the bot owns block shapes. */
export type SimBlock = { type: string; block_id?: string } & Record<string, unknown>;

/** A plain_text object, as views carry their title, submit and close labels. */
interface SimPlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}

/** A modal or a Home tab as Slack keeps it and hands it to the app (views.open's answer, a view_submission's view). */
export interface SimView {
  id: string;
  team_id: string;
  type: 'modal' | 'home';
  title?: SimPlainText;
  submit?: SimPlainText | null;
  close?: SimPlainText | null;
  blocks: SimBlock[];
  private_metadata: string;
  callback_id: string;
  external_id: string;
  /** What the person typed or chose in the inputs, by block_id then action_id. */
  state: { values: Record<string, Record<string, unknown>> };
  hash: string;
  clear_on_close: boolean;
  notify_on_close: boolean;
  root_view_id: string;
  previous_view_id: string | null;
  app_id: string;
  bot_id: string;
}

/** A message visible to everyone in a conversation, as conversations.history would return it. */
export interface SimMessage {
  type: 'message';
  channel: string;
  ts: string;
  /** Set on replies, and on a parent once it has replies (Slack sets it to the parent's own ts). */
  thread_ts?: string;
  reply_count?: number;
  user: string;
  bot_id?: string;
  app_id?: string;
  team?: string;
  text: string;
  blocks?: SimBlock[];
  attachments?: unknown[];
  /** Slack's marker for a message changed by chat.update. */
  edited?: { user: string; ts: string };
  /** What the posting app attached for other apps; conversations.history and .replies return it only when asked. */
  metadata?: SimMetadata;
}

/** Slack's message metadata: an event type and a free-form JSON object. */
export interface SimMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

export type EphemeralSource = 'chat.postEphemeral' | 'response_url' | 'command_ack';

/** A message only `user` sees, e.g. the answer to a slash command. */
export interface SimEphemeral {
  channel: string;
  /** The one user who sees it. */
  user: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: SimBlock[];
  source: EphemeralSource;
  /** The response_url that created or last replaced it, so a later replace_original finds it. */
  responseUrlId?: string;
}

/** One Web API call as the simulator received and answered it. */
export interface ApiCall {
  method: string;
  /** Decoded arguments (blocks, attachments, metadata parsed from JSON); the token is left out. */
  params: Record<string, unknown>;
  /** Epoch milliseconds when the call arrived. */
  at: number;
  ok: boolean;
  error?: string;
  /** HTTP status the simulator answered with (200, or 429 when rate limited). */
  status: number;
  /** The body the simulator answered with. */
  result: Record<string, unknown>;
  /** Set on every 429: its Retry-After, and whether an armed fault or the method's limit answered it. */
  rateLimited?: RateLimitedAnswer;
}

export type RateLimitedAnswer =
  | { by: 'fault'; retryAfterSeconds: number }
  /** `key` names the allowance that ran out, e.g. 'chat.postMessage C0APPROVALS' or 'chat.update'. */
  | { by: 'limit'; retryAfterSeconds: number; key: string };

/** What the simulator did with a response_url POST. */
export type ResponseOutcome = 'ephemeral' | 'in_channel' | 'replaced' | 'deleted' | 'rejected';

export interface ResponseUrlPost {
  id: string;
  url: string;
  body: Record<string, unknown>;
  at: number;
  status: number;
  outcome: ResponseOutcome;
  error?: string;
}

/** Why a response_url exists: who it answers and which message (if any) it may replace. */
export interface ResponseUrlContext {
  id: string;
  user: string;
  channel: string;
  /** The interactive message a button was clicked on; absent for slash commands. */
  messageTs?: string;
  messageIsEphemeral?: boolean;
  uses: number;
}

/** What the bot's HTTP endpoint answered to a request the simulator sent it. */
export interface BotReply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Wall time to the answer; Slack gives up after 3 s (operation_timeout). */
  elapsedMs: number;
}

/** The kinds of envelope Slack sends an app for what this bot listens to. */
export type SocketModeEnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

/** One envelope sent over a Socket Mode connection: a delivery's first attempt, or a retry. */
export interface SentEnvelope {
  envelope_id: string;
  type: SocketModeEnvelopeType;
  /** 0 on a first delivery (which says nothing of it), then 1, 2, 3. */
  retry_attempt: number;
  /** The connection it was sent on (C1, C2, … in the order they opened). */
  connection: string;
  at: number;
  /** When its acknowledgement arrived, and on which connection. */
  ackedAt?: number;
  ackedOn?: string;
  /** Its acknowledgement arrived and was lost, as a fault asked (SlackSimulator.loseSocketModeAcks). */
  ackLost?: boolean;
}

export type SimulatorEvent =
  | { kind: 'api_call'; call: ApiCall }
  | { kind: 'response_url'; post: ResponseUrlPost }
  | { kind: 'message_posted'; message: SimMessage }
  | { kind: 'message_updated'; message: SimMessage }
  | { kind: 'message_deleted'; channel: string; ts: string }
  | { kind: 'ephemeral_posted'; ephemeral: SimEphemeral }
  | { kind: 'ephemeral_deleted'; user: string; ts: string }
  | { kind: 'bot_request'; contentType: string; reply: BotReply }
  | { kind: 'socket_opened'; connection: string }
  | { kind: 'socket_closed'; connection: string; code: number }
  | { kind: 'envelope_sent'; envelope: SentEnvelope }
  | { kind: 'envelope_acked'; envelope: SentEnvelope }
  | { kind: 'envelope_ack_lost'; envelope: SentEnvelope }
  /** A user's open modals changed (opened, updated, pushed, errors shown, closed): the whole stack, root first. */
  | { kind: 'modals'; user: string; stack: Array<{ view: SimView; errors: Record<string, string> }> }
  | { kind: 'home_published'; user: string; view: SimView }
  | { kind: 'config_changed'; what: 'usergroups' | 'users' | 'faults' | 'bot_url' | 'history' | 'socket_mode' };

export interface Fault {
  /** Answer `{ok:false, error}` instead of running the method, e.g. 'channel_not_found'. */
  error?: string;
  /** Answer HTTP 429 with a Retry-After header and `{ok:false, error:'ratelimited'}`. */
  ratelimited?: { retryAfterSeconds: number };
  /** Hold the answer this long (a timer, not a busy wait). */
  delayMs?: number;
  /** How many calls the fault applies to; until cleared when absent. */
  times?: number;
  /**
   * The share of calls it applies to (0–1), spread evenly and the same on every run: 0.7 answers 7
   * calls in 10. Every call when absent. Calls it lets through do not count against `times`.
   */
  share?: number;
}
