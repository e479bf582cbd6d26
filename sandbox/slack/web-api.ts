/**
 * The Web API methods the bot calls, run against the simulated workspace. Each answers with
 * Slack's shape and Slack's error names; HTTP, auth and faults are the server's concern.
 */
import { conversationsHistory, conversationsReplies } from './conversation-reads';
import { checkMetadata } from './message-metadata';
import type { ViewResult, SlackViews } from './views';
import type { MessageContent, SlackWorkspace } from './workspace';
import type { SimBlock, SimMessage } from './types';

export type MethodResult = ({ ok: true } & Record<string, unknown>) | { ok: false; error: string; response_metadata?: { messages: string[] } };

export interface WebApiContext {
  workspace: SlackWorkspace;
  views: SlackViews;
  teamName: string;
  teamDomain: string;
  botName: string;
}

type Method = (context: WebApiContext, params: Record<string, unknown>) => MethodResult;

/** Slack's documented ceilings for one message. */
const MAX_BLOCKS = 50;
const MAX_TEXT = 40_000;

const methods: Record<string, Method> = {
  'auth.test': ({ workspace, teamName, teamDomain, botName }) => ({
    ok: true,
    url: `https://${teamDomain}.slack.com/`,
    team: teamName,
    user: botName,
    team_id: workspace.config.teamId,
    user_id: workspace.config.botUserId,
    bot_id: workspace.config.botId,
    is_enterprise_install: false,
  }),

  'chat.postMessage': ({ workspace }, params) => {
    const conversation = writableConversation(workspace, text(params, 'channel'));
    if (!conversation.ok) return conversation;
    const content = messageContent(params);
    if (!content.ok) return content;
    const metadata = checkMetadata(params.metadata);
    if (!metadata.ok) return metadata;
    const message = workspace.postMessage(
      conversation.id,
      { ...content.content, ...(metadata.metadata && { metadata: metadata.metadata }) },
      text(params, 'thread_ts'),
    );
    return {
      ok: true,
      channel: conversation.id,
      ts: message.ts,
      message: asReturned(message),
      ...(metadata.warning && { warning: metadata.warning, response_metadata: { warnings: [metadata.warning] } }),
    };
  },

  'chat.update': ({ workspace }, params) => {
    const conversation = workspace.resolveConversation(text(params, 'channel') ?? '');
    if (!conversation) return failure('channel_not_found');
    const ts = text(params, 'ts');
    const existing = ts === undefined ? undefined : workspace.findMessage(conversation.id, ts);
    if (!existing || ts === undefined) return failure('message_not_found');
    if (existing.user !== workspace.config.botUserId) return failure('cant_update_message');
    const content = messageContent(params);
    if (!content.ok) return content;
    const message = workspace.updateMessage(conversation.id, ts, content.content, { edited: true });
    return { ok: true, channel: conversation.id, ts, text: message.text, message: asReturned(message) };
  },

  'chat.postEphemeral': ({ workspace }, params) => {
    const conversation = writableConversation(workspace, text(params, 'channel'));
    if (!conversation.ok) return conversation;
    const user = text(params, 'user');
    if (user === undefined || !workspace.user(user)) return failure('user_not_found');
    if (conversation.dmUser !== undefined && conversation.dmUser !== user) return failure('user_not_in_channel');
    const content = messageContent(params);
    if (!content.ok) return content;
    const ephemeral = workspace.postEphemeral({
      channel: conversation.id,
      user,
      content: content.content,
      source: 'chat.postEphemeral',
      ...optional('threadTs', text(params, 'thread_ts')),
    });
    return { ok: true, message_ts: ephemeral.ts };
  },

  'usergroups.users.list': ({ workspace }, params) => {
    const members = workspace.usergroupMembers(text(params, 'usergroup') ?? '');
    return members ? { ok: true, users: members } : failure('no_such_subteam');
  },

  'conversations.open': ({ workspace }, params) => {
    const channel = text(params, 'channel');
    if (channel !== undefined) {
      const conversation = workspace.resolveConversation(channel);
      return conversation ? { ok: true, channel: { id: conversation.id } } : failure('channel_not_found');
    }
    const users = (text(params, 'users') ?? '').split(',').map((id) => id.trim()).filter(Boolean);
    if (users.length === 0) return failure('users_list_not_supplied');
    if (users.some((id) => !workspace.user(id))) return failure('user_not_found');
    // Group DMs (several users) are not simulated: the bot only ever DMs one person.
    if (users.length > 1) return failure('simulator_supports_one_user_dms_only');
    return { ok: true, channel: { id: workspace.dmChannelId(users[0] ?? '') } };
  },

  'views.open': ({ views }, params) => viewAnswer(views.open(params)),
  'views.push': ({ views }, params) => viewAnswer(views.push(params)),
  'views.update': ({ views }, params) => viewAnswer(views.update(params)),
  'views.publish': ({ views, workspace }, params) => viewAnswer(views.publish(params, (id) => workspace.user(id) !== undefined)),

  'conversations.history': ({ workspace }, params) => conversationsHistory(workspace, params),

  'conversations.replies': ({ workspace }, params) => conversationsReplies(workspace, params),

  'users.info': ({ workspace }, params) => {
    const user = workspace.user(text(params, 'user') ?? '');
    if (!user) return failure('user_not_found');
    return {
      ok: true,
      user: {
        id: user.id,
        team_id: workspace.config.teamId,
        name: user.name,
        real_name: user.name,
        is_bot: false,
        profile: { real_name: user.name, display_name: user.name },
      },
    };
  },
};

export function isKnownMethod(method: string): boolean {
  return Object.hasOwn(methods, method);
}

export function callMethod(context: WebApiContext, method: string, params: Record<string, unknown>): MethodResult {
  const run = methods[method];
  return run ? run(context, params) : failure('unknown_method');
}

function failure(error: string): { ok: false; error: string } {
  return { ok: false, error };
}

/** Slack's answer to a views method: the view, or the error with its messages (`response_metadata.messages`). */
function viewAnswer(result: ViewResult): MethodResult {
  if (result.ok) return { ok: true, view: result.view };
  return { ok: false, error: result.error, ...(result.messages && { response_metadata: { messages: result.messages } }) };
}

/** Form fields arrive as strings, JSON fields may be numbers: Slack reads both as text. */
function text(params: Record<string, unknown>, key: string): string | undefined {
  const value = params[key];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

function writableConversation(
  workspace: SlackWorkspace,
  ref: string | undefined,
): ({ ok: true; id: string; dmUser?: string }) | { ok: false; error: string } {
  const conversation = ref === undefined ? undefined : workspace.resolveConversation(ref);
  if (!conversation) return failure('channel_not_found');
  if (!conversation.botIsMember) return failure('not_in_channel');
  return { ok: true, id: conversation.id, ...optional('dmUser', conversation.dmUser) };
}

function messageContent(
  params: Record<string, unknown>,
): { ok: true; content: MessageContent } | { ok: false; error: string } {
  const { text: body, blocks, attachments } = params;
  if (blocks !== undefined && !isBlockList(blocks)) return failure('invalid_blocks');
  if (attachments !== undefined && !Array.isArray(attachments)) return failure('invalid_attachments');
  const hasText = typeof body === 'string' && body !== '';
  if (!hasText && (blocks === undefined || blocks.length === 0) && (attachments === undefined || attachments.length === 0)) {
    return failure('no_text');
  }
  if (typeof body === 'string' && body.length > MAX_TEXT) return failure('msg_too_long');
  return {
    ok: true,
    content: {
      ...(typeof body === 'string' ? { text: body } : {}),
      ...(blocks !== undefined ? { blocks } : {}),
      ...(attachments !== undefined ? { attachments } : {}),
    },
  };
}

function isBlockList(value: unknown): value is SimBlock[] {
  return (
    Array.isArray(value) &&
    value.length <= MAX_BLOCKS &&
    value.every((block) => typeof block === 'object' && block !== null && typeof block.type === 'string')
  );
}

/** Slack's answers carry the message without its channel (the channel is beside it). */
function asReturned(message: SimMessage): Omit<SimMessage, 'channel'> {
  const { channel: _channel, ...rest } = message;
  return rest;
}
