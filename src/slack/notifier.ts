// The Notifier port on Slack's Web API: the approvers' card, its thread, and the requester's DM,
// each post naming the outcome it tells, so a process taking over can see what was told.
import { isOuId } from '../domain/organizational-unit';
import { EcrAccessError, ErrorCode } from '../errors';
import type { AccountDirectory, Notifier } from '../service/ports';
import { statementPreview } from '../domain/policy';
import { driftMessage, endedMessage, failureMessage, firstApprovalMessage, nudgeMessage, reminderMessage, removalRefusedMessage, requesterMessage, verifiedPolicyMessage } from './blocks/outcome';
import { decidedCard, requestCard } from './blocks/request-card';
import { isPosted, outcomeMetadata } from './outcome-posts';
import type { PacedChat } from './pacing';

function slackError(error: unknown): string {
  const data = (error as { data?: { error?: string } }).data;
  return data?.error ?? (error instanceof Error ? error.message : String(error));
}

/** Slack's answer as an EcrAccessError that names the Slack error. */
async function calling<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new EcrAccessError(ErrorCode.Slack, slackError(error), { cause: error });
  }
}

/**
 * `accounts`, where configured, names each card's account owner; it never fails (an owner it
 * could not find is shown as unknown), and it caches, so a card updated later costs no lookup.
 * `region` is the repositories' region, which a Lambda grant's statement names.
 */
export function slackNotifier(chat: PacedChat, approvalChannel: string, region: string, accounts?: AccountDirectory): Notifier {
  // An OU has no owner to look up: its card shows its path instead.
  const ownerOf = async (account: string) => (accounts && !isOuId(account) ? (await accounts.owners([account])).get(account) : undefined);
  return {
    async postRequestCard(request, statementPreview, approvals) {
      const owner = await ownerOf(request.account);
      const posted = await calling(() => chat.postMessage({ channel: approvalChannel, ...requestCard(request, statementPreview, approvals, owner) }));
      if (!posted.ts || !posted.channel) throw new EcrAccessError(ErrorCode.Slack, 'Slack did not return the message timestamp');
      return { channel: posted.channel, ts: posted.ts };
    },

    async updateCard(request) {
      const card = request.card;
      if (!card) return;
      const owner = await ownerOf(request.account);
      // A request still waiting (with the first of two approvals) keeps its buttons.
      const shown = request.state === 'PENDING' ? requestCard(request, statementPreview(request.account, request.lambda && region), request.firstApproval ? 2 : 1, owner) : decidedCard(request, owner);
      await calling(() => chat.update({ channel: card.channel, ts: card.ts, ...shown }));
    },

    async postInThread(request) {
      const card = request.card;
      const message =
        request.state === 'REVOKED' || request.state === 'EXPIRED'
          ? endedMessage(request)
          : request.state === 'GRANTED' && request.endFailure
            ? removalRefusedMessage(request)
            : request.state === 'GRANTED'
              ? verifiedPolicyMessage(request, request.verifiedPolicy ?? '')
              : failureMessage(request);
      // An account added by hand has no card: its removal is told in the approvers' channel.
      await calling(() =>
        chat.postMessage({ channel: card?.channel ?? approvalChannel, ...(card && { thread_ts: card.ts }), ...message, metadata: outcomeMetadata(request, 'thread') }),
      );
    },

    async tellRequester(request) {
      await calling(() => chat.postMessage({ channel: request.requester, text: requesterMessage(request), metadata: outcomeMetadata(request, 'dm') }));
    },

    async remindRequester(request) {
      await calling(() => chat.postMessage({ channel: request.requester, text: reminderMessage(request), metadata: outcomeMetadata(request, 'reminder') }));
    },

    async alreadyTold(request, part) {
      return calling(() => isPosted(chat, approvalChannel, request, part));
    },

    async tellFirstApproval(request) {
      await calling(() => chat.postMessage({ channel: request.requester, text: firstApprovalMessage(request) }));
    },

    async nudgeApprovers(request) {
      const card = request.card;
      if (card) await calling(() => chat.postMessage({ channel: card.channel, thread_ts: card.ts, reply_broadcast: true, text: nudgeMessage(request) }));
    },

    async reportDrift(repository, drift) {
      await calling(() => chat.postMessage({ channel: approvalChannel, ...driftMessage(repository, drift) }));
    },
  };
}
