/**
 * The simulated workspace: users, channels, usergroups and the messages in them. Every change
 * goes through here and is announced as an event; views hand out copies, never live state.
 */
import { randomBytes } from 'node:crypto';
import { microsOf, tsOf } from './timestamps';
import type { EphemeralSource, SimBlock, SimChannel, SimEphemeral, SimMessage, SimMetadata, SimUser, SimulatorEvent } from './types';

export interface WorkspaceConfig {
  teamId: string;
  appId: string;
  botUserId: string;
  botId: string;
  channels: SimChannel[];
  users: SimUser[];
  usergroups: Record<string, string[]>;
}

/** A place a message can go: a channel, or the bot's DM with one user. */
export interface Conversation {
  id: string;
  name: string;
  botIsMember: boolean;
  /** Set for a DM: the user at the other end. */
  dmUser?: string;
}

/** Every conversation's messages (replies included) and the ts clock: what survives a restart. */
export interface WorkspaceHistory {
  /** The newest ts handed out, so restored and new messages never share one. */
  lastTs: string;
  /** Conversation ID → its messages, oldest first. */
  conversations: Record<string, SimMessage[]>;
}

export interface MessageContent {
  text?: string;
  blocks?: SimBlock[];
  attachments?: unknown[];
  metadata?: SimMetadata;
}

/** Two messages posted within one microsecond still get distinct timestamps, this far apart. */
const TS_STEP_MICROS = 100n;

export class SlackWorkspace {
  private readonly channelsById = new Map<string, SimChannel>();
  private readonly usersById = new Map<string, SimUser>();
  private readonly groups = new Map<string, string[]>();
  private readonly history = new Map<string, SimMessage[]>();
  private readonly ephemeralList: SimEphemeral[] = [];
  private lastTsMicros = 0n;

  /** `now` is Slack's clock (epoch milliseconds): a message's ts is the time it was posted. */
  constructor(
    readonly config: WorkspaceConfig,
    private readonly emit: (event: SimulatorEvent) => void,
    private readonly now: () => number = Date.now,
  ) {
    for (const channel of config.channels) this.channelsById.set(channel.id, { ...channel });
    for (const user of config.users) this.usersById.set(user.id, { ...user });
    for (const [id, members] of Object.entries(config.usergroups)) this.groups.set(id, [...members]);
  }

  /**
   * The time of posting, shaped like Slack's `1700000000.000100`, as Slack's own: a bot may look
   * for its messages by time (conversations.history's `oldest`). Unique and increasing.
   */
  nextTs(): string {
    const now = BigInt(Math.floor(this.now() * 1000));
    this.lastTsMicros = now > this.lastTsMicros ? now : this.lastTsMicros + TS_STEP_MICROS;
    return tsOf(this.lastTsMicros);
  }

  /** A copy of every conversation and the ts clock; ephemerals are left out, as Slack forgets them on reload. */
  snapshotHistory(): WorkspaceHistory {
    return {
      lastTs: tsOf(this.lastTsMicros),
      conversations: Object.fromEntries([...this.history].map(([id, messages]) => [id, structuredClone(messages)])),
    };
  }

  /** Replaces every conversation with a saved history; later messages get later timestamps. */
  restoreHistory(saved: WorkspaceHistory): void {
    this.history.clear();
    for (const [id, messages] of Object.entries(saved.conversations)) this.history.set(id, structuredClone(messages));
    const savedMicros = microsOf(saved.lastTs);
    if (savedMicros > this.lastTsMicros) this.lastTsMicros = savedMicros;
    this.emit({ kind: 'config_changed', what: 'history' });
  }

  get users(): SimUser[] {
    return [...this.usersById.values()].map((user) => ({ ...user }));
  }

  user(id: string): SimUser | undefined {
    const user = this.usersById.get(id);
    return user && { ...user };
  }

  addUser(user: SimUser): void {
    this.usersById.set(user.id, { ...user });
    this.emit({ kind: 'config_changed', what: 'users' });
  }

  get channels(): SimChannel[] {
    return [...this.channelsById.values()].map((channel) => ({ ...channel }));
  }

  get usergroups(): Record<string, string[]> {
    return Object.fromEntries([...this.groups].map(([id, members]) => [id, [...members]]));
  }

  usergroupMembers(id: string): string[] | undefined {
    const members = this.groups.get(id);
    return members && [...members];
  }

  setUsergroup(id: string, userIds: string[]): void {
    this.groups.set(id, [...userIds]);
    this.emit({ kind: 'config_changed', what: 'usergroups' });
  }

  /** Slack gives each user one DM channel with the bot; ours is the user ID with a D. */
  dmChannelId(userId: string): string {
    return `D${userId.slice(1)}`;
  }

  /** Resolves what Slack accepts as `channel`: a channel ID or name, a DM ID, or a user ID. */
  resolveConversation(ref: string): Conversation | undefined {
    const channel = this.channelsById.get(ref) ?? this.channelByName(ref.replace(/^#/, ''));
    if (channel) return { ...channel };
    const userId = /^[UW]/.test(ref) ? ref : /^D/.test(ref) ? this.userForDm(ref) : undefined;
    if (userId === undefined || !this.usersById.has(userId)) return undefined;
    return { id: this.dmChannelId(userId), name: 'directmessage', botIsMember: true, dmUser: userId };
  }

  /** Posts as the bot unless `author` names a user (a human typing in the channel). */
  postMessage(channel: string, content: MessageContent, threadTs?: string, author?: string): SimMessage {
    const byBot = author === undefined || author === this.config.botUserId;
    const message: SimMessage = {
      type: 'message',
      channel,
      ts: this.nextTs(),
      ...(threadTs !== undefined ? { thread_ts: threadTs } : {}),
      user: author ?? this.config.botUserId,
      ...(byBot ? { bot_id: this.config.botId, app_id: this.config.appId } : {}),
      team: this.config.teamId,
      text: content.text ?? '',
      ...storedBlocks(content),
      ...(content.metadata !== undefined ? { metadata: structuredClone(content.metadata) } : {}),
    };
    const messages = this.history.get(channel) ?? [];
    messages.push(message);
    this.history.set(channel, messages);
    if (threadTs !== undefined) this.countReply(channel, threadTs);
    this.emit({ kind: 'message_posted', message: structuredClone(message) });
    return structuredClone(message);
  }

  findMessage(channel: string, ts: string): SimMessage | undefined {
    const message = this.liveMessage(channel, ts);
    return message && structuredClone(message);
  }

  /**
   * chat.update semantics: omitted fields keep their old value, as Slack documents for blocks
   * and attachments. `replace` is response_url's replace_original: the new body is all there is.
   */
  updateMessage(
    channel: string,
    ts: string,
    content: MessageContent,
    mode: { edited: boolean; replace?: boolean },
  ): SimMessage {
    const message = this.liveMessage(channel, ts);
    if (!message) throw new Error(`no message ${ts} in ${channel}`);
    if (mode.replace) {
      message.text = '';
      delete message.blocks;
      delete message.attachments;
    }
    if (content.text !== undefined) message.text = content.text;
    const stored = storedBlocks(content);
    if (stored.blocks !== undefined) message.blocks = stored.blocks;
    if (stored.attachments !== undefined) message.attachments = stored.attachments;
    if (mode.edited) message.edited = { user: this.config.botUserId, ts: this.nextTs() };
    this.emit({ kind: 'message_updated', message: structuredClone(message) });
    return structuredClone(message);
  }

  deleteMessage(channel: string, ts: string): void {
    const messages = this.history.get(channel) ?? [];
    const index = messages.findIndex((message) => message.ts === ts);
    if (index < 0) return;
    messages.splice(index, 1);
    this.emit({ kind: 'message_deleted', channel, ts });
  }

  postEphemeral(input: {
    channel: string;
    user: string;
    content: MessageContent;
    source: EphemeralSource;
    threadTs?: string;
    responseUrlId?: string;
  }): SimEphemeral {
    const ephemeral: SimEphemeral = {
      channel: input.channel,
      user: input.user,
      ts: this.nextTs(),
      ...(input.threadTs !== undefined ? { thread_ts: input.threadTs } : {}),
      text: input.content.text ?? '',
      ...withoutAttachments(storedBlocks(input.content)),
      source: input.source,
      ...(input.responseUrlId !== undefined ? { responseUrlId: input.responseUrlId } : {}),
    };
    this.ephemeralList.push(ephemeral);
    this.emit({ kind: 'ephemeral_posted', ephemeral: structuredClone(ephemeral) });
    return structuredClone(ephemeral);
  }

  findEphemeral(user: string, ts: string): SimEphemeral | undefined {
    const found = this.ephemeralList.find((e) => e.user === user && e.ts === ts);
    return found && structuredClone(found);
  }

  /** The newest ephemeral a response_url put up, which a later replace_original overwrites. */
  ephemeralFromResponseUrl(responseUrlId: string): SimEphemeral | undefined {
    const found = [...this.ephemeralList].reverse().find((e) => e.responseUrlId === responseUrlId);
    return found && structuredClone(found);
  }

  /** Slack shows a replaced ephemeral as a fresh one in the same place; we keep its ts. */
  replaceEphemeral(user: string, ts: string, content: MessageContent, responseUrlId: string): SimEphemeral {
    const found = this.ephemeralList.find((e) => e.user === user && e.ts === ts);
    if (!found) throw new Error(`no ephemeral ${ts} for ${user}`);
    found.text = content.text ?? '';
    const blocks = storedBlocks(content).blocks;
    if (blocks !== undefined) found.blocks = blocks;
    else delete found.blocks;
    found.responseUrlId = responseUrlId;
    this.emit({ kind: 'ephemeral_posted', ephemeral: structuredClone(found) });
    return structuredClone(found);
  }

  deleteEphemeral(user: string, ts: string): void {
    const index = this.ephemeralList.findIndex((e) => e.user === user && e.ts === ts);
    if (index < 0) return;
    this.ephemeralList.splice(index, 1);
    this.emit({ kind: 'ephemeral_deleted', user, ts });
  }

  /** Top-level messages of a conversation, oldest first (replies live in `thread`). */
  messages(ref: string): SimMessage[] {
    const id = this.resolveConversation(ref)?.id ?? ref;
    return (this.history.get(id) ?? [])
      .filter((message) => message.thread_ts === undefined || message.thread_ts === message.ts)
      .map((message) => structuredClone(message));
  }

  /** The parent (when it exists) followed by its replies, oldest first. */
  thread(ref: string, ts: string): SimMessage[] {
    const id = this.resolveConversation(ref)?.id ?? ref;
    return (this.history.get(id) ?? [])
      .filter((message) => message.ts === ts || message.thread_ts === ts)
      .map((message) => structuredClone(message));
  }

  ephemerals(user: string): SimEphemeral[] {
    return this.ephemeralList.filter((e) => e.user === user).map((e) => structuredClone(e));
  }

  /** Everything the bot said to one user in their DM, threads included. */
  dms(user: string): SimMessage[] {
    return (this.history.get(this.dmChannelId(user)) ?? []).map((message) => structuredClone(message));
  }

  private channelByName(name: string): SimChannel | undefined {
    return [...this.channelsById.values()].find((channel) => channel.name === name);
  }

  private userForDm(dmId: string): string | undefined {
    return [...this.usersById.keys()].find((userId) => this.dmChannelId(userId) === dmId);
  }

  private liveMessage(channel: string, ts: string): SimMessage | undefined {
    return this.history.get(channel)?.find((message) => message.ts === ts);
  }

  /** Slack marks a parent with its own ts as thread_ts and counts replies once a thread starts. */
  private countReply(channel: string, parentTs: string): void {
    const parent = this.liveMessage(channel, parentTs);
    if (!parent) return;
    parent.thread_ts = parent.ts;
    parent.reply_count = (parent.reply_count ?? 0) + 1;
  }
}

/** Slack gives every stored block a block_id when the poster left it out. */
function storedBlocks(content: MessageContent): { blocks?: SimBlock[]; attachments?: unknown[] } {
  return {
    ...(content.blocks !== undefined
      ? {
          blocks: structuredClone(content.blocks).map((block) => ({
            ...block,
            block_id: block.block_id ?? randomBlockId(),
          })),
        }
      : {}),
    ...(content.attachments !== undefined ? { attachments: structuredClone(content.attachments) } : {}),
  };
}

/** Ephemeral messages in the simulator carry text and blocks only. */
function withoutAttachments(stored: { blocks?: SimBlock[] }): { blocks?: SimBlock[] } {
  return stored.blocks !== undefined ? { blocks: stored.blocks } : {};
}

function randomBlockId(): string {
  return randomBytes(4).toString('base64url').slice(0, 5);
}
