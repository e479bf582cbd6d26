/**
 * Applies one response_url POST to the workspace the way Slack shows it: an ephemeral for the
 * user, a message in the channel, or the original message replaced or deleted in place.
 */
import type { ResponseOutcome, ResponseUrlContext, SimBlock } from './types';
import type { SlackWorkspace } from './workspace';

/** Slack lets an app use one response_url five times (within 30 minutes). */
const RESPONSE_URL_MAX_USES = 5;

export interface AppliedResponse {
  status: number;
  outcome: ResponseOutcome;
  error?: string;
}

export function applyResponse(
  workspace: SlackWorkspace,
  context: ResponseUrlContext,
  body: Record<string, unknown>,
): AppliedResponse {
  if (context.uses >= RESPONSE_URL_MAX_USES) return rejected(404, 'used_url');
  context.uses += 1;

  const blocks = Array.isArray(body.blocks) && body.blocks.length > 0 ? (body.blocks as SimBlock[]) : undefined;
  const content = { text: typeof body.text === 'string' ? body.text : '', ...(blocks ? { blocks } : {}) };
  const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : undefined;
  const original = originalMessage(workspace, context);

  if (isSet(body.delete_original)) {
    if (!original) return rejected(404, 'message_not_found');
    if (original.ephemeral) workspace.deleteEphemeral(context.user, original.ts);
    else workspace.deleteMessage(context.channel, original.ts);
    return { status: 200, outcome: 'deleted' };
  }
  if (content.text === '' && !blocks) return rejected(400, 'no_text');

  if (isSet(body.replace_original) && original) {
    // A replacement is a whole new message body: blocks left out are gone, not kept.
    if (original.ephemeral) workspace.replaceEphemeral(context.user, original.ts, content, context.id);
    else workspace.updateMessage(context.channel, original.ts, content, { edited: false, replace: true });
    return { status: 200, outcome: 'replaced' };
  }
  if (body.response_type === 'in_channel') {
    workspace.postMessage(context.channel, content, threadTs);
    return { status: 200, outcome: 'in_channel' };
  }
  workspace.postEphemeral({
    channel: context.channel,
    user: context.user,
    content,
    source: 'response_url',
    responseUrlId: context.id,
    ...(threadTs !== undefined ? { threadTs } : {}),
  });
  return { status: 200, outcome: 'ephemeral' };
}

/**
 * What "original" means: the message a button sat on, or, for a slash command, the last
 * ephemeral this response_url put up.
 */
function originalMessage(
  workspace: SlackWorkspace,
  context: ResponseUrlContext,
): { ts: string; ephemeral: boolean } | undefined {
  if (context.messageTs !== undefined) {
    const exists = context.messageIsEphemeral
      ? workspace.findEphemeral(context.user, context.messageTs)
      : workspace.findMessage(context.channel, context.messageTs);
    return exists && { ts: context.messageTs, ephemeral: context.messageIsEphemeral === true };
  }
  const last = workspace.ephemeralFromResponseUrl(context.id);
  return last && { ts: last.ts, ephemeral: true };
}

/** Apps send these flags as booleans or as the strings Slack's docs show. */
function isSet(value: unknown): boolean {
  return value === true || value === 'true';
}

function rejected(status: number, error: string): AppliedResponse {
  return { status, outcome: 'rejected', error };
}
