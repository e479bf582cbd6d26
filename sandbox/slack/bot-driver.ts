/**
 * Drives the bot as Slack does: a user types a slash command or clicks a button, and Slack
 * POSTs a signed request to the bot's URL or, when the app is in Socket Mode, sends it as an
 * envelope on one of the bot's connections. What Slack would show from the ack is shown.
 */
import { postSignedToBot, type PostToBotOptions } from './bot-client';
import {
  blockActionsPayload,
  buttonActionIds,
  encodeInteractionPayload,
  encodeSlashCommand,
  findButton,
  slashCommandFields,
  type AppIdentity,
  type BlockActionsPayload,
  type SlashCommandFields,
} from './payloads';
import { parseJsonObject } from './request-body';
import { ResponseUrls } from './response-urls';
import type { SocketModeAck, SocketModeConnections } from './socket-mode';
import type { Triggers } from './triggers';
import type { BotReply, SimBlock, SimUser, SimulatorEvent, SocketModeEnvelopeType } from './types';
import type { SlackWorkspace } from './workspace';

export interface SlashCommandInput {
  user: string;
  /** A channel ID or name, or a DM ID; defaults to the first configured channel. */
  channel?: string;
  text?: string;
  command?: string;
  /** Send to this bot instead of the simulator's bot URL (for several bot processes); not in Socket Mode. */
  botUrl?: string;
}

export interface SlashCommandResult extends BotReply {
  responseUrl: string;
  fields: SlashCommandFields;
}

export interface ClickButtonInput {
  user: string;
  channel: string;
  messageTs: string;
  actionId: string;
  /** Send to this bot instead of the simulator's bot URL (for several bot processes); not in Socket Mode. */
  botUrl?: string;
}

export interface ClickButtonResult extends BotReply {
  responseUrl: string;
  payload: BlockActionsPayload;
}

export interface BotDriverDeps {
  workspace: SlackWorkspace;
  identity: AppIdentity;
  signingSecret: string;
  responseUrls: ResponseUrls;
  socketMode: SocketModeConnections;
  triggers: Triggers;
  botUrl(): string | undefined;
  record(event: SimulatorEvent): void;
}

export class BotDriver {
  constructor(private readonly deps: BotDriverDeps) {}

  async slashCommand(input: SlashCommandInput): Promise<SlashCommandResult> {
    const { workspace } = this.deps;
    const user = this.requireUser(input.user);
    const channelRef = input.channel ?? workspace.channels[0]?.id;
    const conversation = channelRef === undefined ? undefined : workspace.resolveConversation(channelRef);
    if (!conversation) throw new Error(`slashCommand: unknown channel ${channelRef ?? '(none configured)'}`);
    const responseUrl = this.deps.responseUrls.create({ user: user.id, channel: conversation.id });
    const fields = slashCommandFields({
      app: this.deps.identity,
      user,
      channel: conversation,
      command: input.command ?? '/ecr-access',
      text: input.text ?? '',
      responseUrl,
      triggerId: this.deps.triggers.issue(user.id),
    });
    const reply = await this.send('slash_commands', { ...fields }, input.botUrl);
    if (reply.status === 200) this.showCommandAck(reply.body, user.id, conversation.id, responseUrl);
    return { ...reply, responseUrl, fields };
  }

  /** Slack ignores the body of an interaction's ack, so nothing is shown from it. */
  async clickButton(input: ClickButtonInput): Promise<ClickButtonResult> {
    const { workspace } = this.deps;
    const user = this.requireUser(input.user);
    const conversation = workspace.resolveConversation(input.channel);
    if (!conversation) throw new Error(`clickButton: unknown channel ${input.channel}`);
    const message = workspace.findMessage(conversation.id, input.messageTs);
    const ephemeral = message ? undefined : workspace.findEphemeral(user.id, input.messageTs);
    if (!message && (!ephemeral || ephemeral.channel !== conversation.id)) {
      const present = workspace.messages(conversation.id).map((m) => m.ts);
      throw new Error(
        `clickButton: no message ${input.messageTs} in ${conversation.id} that ${user.id} can see ` +
          `(top-level messages there: ${present.join(', ') || 'none'})`,
      );
    }
    const blocks: SimBlock[] | undefined = message ? message.blocks : ephemeral?.blocks;
    const found = findButton(blocks, input.actionId);
    if (!found) {
      throw new Error(
        `clickButton: message ${input.messageTs} has no button with action_id ${input.actionId} ` +
          `(buttons: ${buttonActionIds(blocks).join(', ') || 'none'})`,
      );
    }
    const responseUrl = this.deps.responseUrls.create({
      user: user.id,
      channel: conversation.id,
      messageTs: input.messageTs,
      messageIsEphemeral: message === undefined,
    });
    const payload = blockActionsPayload({
      app: this.deps.identity,
      user,
      channel: conversation,
      messageTs: input.messageTs,
      ...(message ? { message } : {}),
      blockId: found.blockId,
      button: found.button,
      responseUrl,
      triggerId: this.deps.triggers.issue(user.id),
    });
    const reply = await this.send('interactive', { ...payload }, input.botUrl);
    return { ...reply, responseUrl, payload };
  }

  /**
   * Sends the bot what Slack sends it: in Socket Mode an envelope on one of its connections,
   * otherwise a signed request to its URL (a command form-encoded, an interaction as a form's
   * `payload`, an Events API callback as JSON). `to` is for HTTP only.
   */
  async send(type: SocketModeEnvelopeType, payload: Record<string, unknown>, to?: string): Promise<BotReply> {
    if (this.deps.socketMode.enabled) return asBotReply(await this.deps.socketMode.deliver(type, payload));
    switch (type) {
      case 'slash_commands':
        return this.postToBot(encodeSlashCommand(payload as unknown as SlashCommandFields), {}, to);
      case 'interactive':
        return this.postToBot(encodeInteractionPayload(payload), {}, to);
      case 'events_api':
        return this.postToBot(JSON.stringify(payload), { contentType: 'application/json' }, to);
    }
  }

  async postToBot(rawBody: string, options: PostToBotOptions = {}, to?: string): Promise<BotReply> {
    const botUrl = to ?? this.deps.botUrl();
    if (botUrl === undefined) throw new Error('no bot URL: pass botUrl to startSlackSimulator or call setBotUrl(url)');
    const reply = await postSignedToBot(botUrl, this.deps.signingSecret, rawBody, options);
    const contentType = options.contentType ?? 'application/x-www-form-urlencoded';
    this.deps.record({ kind: 'bot_request', contentType, reply });
    return reply;
  }

  /** Slack shows a slash command's ack body to the user: JSON as a message, text as text. */
  private showCommandAck(body: string, user: string, channel: string, responseUrl: string): void {
    if (body.trim() === '') return;
    const json = parseJsonObject(body);
    const text = json ? (typeof json.text === 'string' ? json.text : '') : body;
    const blocks = json && Array.isArray(json.blocks) ? (json.blocks as SimBlock[]) : undefined;
    const content = { text, ...(blocks ? { blocks } : {}) };
    if (json?.response_type === 'in_channel') {
      this.deps.workspace.postMessage(channel, content);
      return;
    }
    // A later replace_original through this command's response_url replaces this ack.
    this.deps.workspace.postEphemeral({
      channel,
      user,
      content,
      source: 'command_ack',
      responseUrlId: ResponseUrls.idOf(responseUrl),
    });
  }

  private requireUser(id: string): SimUser {
    const user = this.deps.workspace.user(id);
    if (user) return user;
    const known = this.deps.workspace.users.map((u) => `${u.id} (${u.name})`).join(', ');
    throw new Error(`unknown user ${id}: the simulated workspace has ${known}; add one with addUser()`);
  }
}

/** A Socket Mode ack as Slack reads it, in the shape of an HTTP answer: a slash command's payload is its body. */
function asBotReply(ack: SocketModeAck): BotReply {
  const body = ack.payload && Object.keys(ack.payload).length > 0 ? JSON.stringify(ack.payload) : '';
  return { status: 200, headers: {}, body, elapsedMs: ack.elapsedMs };
}
