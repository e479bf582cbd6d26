// The Notifier port on Slack's Web API: the approvers' card, its thread, and the requester's DM.
import type { webApi } from '@slack/bolt';
import type { AccessRequest } from '../domain/access-request';
import { EcrAccessError, ErrorCode } from '../errors';
import type { Logger } from '../logger';
import type { Notifier } from '../service/ports';
import { failureMessage, requesterMessage, verifiedPolicyMessage } from './blocks/outcome';
import { decidedCard, requestCard } from './blocks/request-card';

function slackError(error: unknown): string {
  const data = (error as { data?: { error?: string } }).data;
  return data?.error ?? (error instanceof Error ? error.message : String(error));
}

export function slackNotifier(client: webApi.WebClient, approvalChannel: string, logger: Logger): Notifier {
  /** Runs the steps side by side; one failing (a DM, say) never holds back or hides the others. */
  const steps = async (request: AccessRequest, work: Array<[string, () => Promise<unknown>]>) => {
    const results = await Promise.allSettled(work.map(([, step]) => step()));
    const failed = results.flatMap((result, i) =>
      result.status === 'rejected' ? [`${work[i]?.[0]}: ${slackError(result.reason)}`] : [],
    );
    if (failed.length > 0) {
      logger.error('some Slack notifications failed', { requestId: request.id, state: request.state, failed });
      throw new EcrAccessError(ErrorCode.Slack, `Slack notifications failed: ${failed.join('; ')}`);
    }
  };

  return {
    async postRequestCard(request, statementPreview) {
      try {
        const posted = await client.chat.postMessage({ channel: approvalChannel, ...requestCard(request, statementPreview) });
        if (!posted.ts || !posted.channel) throw new Error('Slack did not return the message timestamp');
        return { channel: posted.channel, ts: posted.ts };
      } catch (error) {
        throw new EcrAccessError(ErrorCode.Slack, slackError(error), { cause: error });
      }
    },

    async announceOutcome(request, verifiedPolicy) {
      const card = request.card;
      const work: Array<[string, () => Promise<unknown>]> = [];
      if (card) {
        work.push(['update card', () => client.chat.update({ channel: card.channel, ts: card.ts, ...decidedCard(request) })]);
        if (request.state === 'GRANTED' && verifiedPolicy !== undefined) {
          work.push(['thread', () => client.chat.postMessage({ channel: card.channel, thread_ts: card.ts, ...verifiedPolicyMessage(request, verifiedPolicy) })]);
        } else if (request.state === 'FAILED') {
          work.push(['thread', () => client.chat.postMessage({ channel: card.channel, thread_ts: card.ts, ...failureMessage(request) })]);
        }
      }
      if (request.state !== 'FAILED') {
        work.push(['direct message', () => client.chat.postMessage({ channel: request.requester, text: requesterMessage(request) })]);
      }
      await steps(request, work);
    },
  };
}
