// Approve and Deny, on a request card or in an approver's Home tab. The button carries the request
// ID (and the repository and account its card names); a click on a card is tied to that card by
// where it was clicked, a click in the Home tab by the card its button names. Either way the
// deferred job's decision is checked against the request's card in the store. Approve decides at
// once; Deny first asks for a reason, in a small modal, then decides the same way.
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { MessageRef } from '../../domain/access-request';
import { DENY_FORM, denyForm, denyFormAnswer, readDenyForm } from '../blocks/deny-form';
import { APPROVE_ACTION, DecisionValue, DENY_ACTION } from '../blocks/request-card';
import type { Defer } from '../jobs';
import { DECISION_NOT_STARTED, DECISION_WITHOUT_CARD, DECISION_WITHOUT_REQUEST, denyFormNotOpened } from '../messages';

/** Where a click came from: a card (and its response_url), or a Home tab and the card its button names. */
function clickedFrom(body: BlockAction, value: DecisionValue): { card: MessageRef; responseUrl?: string } | undefined {
  if (body.container?.type === 'view') return body.view?.type === 'home' && value.card ? { card: value.card } : undefined;
  const channel = body.container?.channel_id ?? body.channel?.id;
  const ts = body.container?.message_ts ?? body.message?.ts;
  return channel && ts && body.response_url ? { card: { channel, ts }, responseUrl: body.response_url } : undefined;
}

export function registerDecisions(app: App, options: { defer: Defer }): void {
  for (const actionId of [APPROVE_ACTION, DENY_ACTION]) {
    app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: actionId }, async ({ ack, body, action, client, respond, logger }) => {
      // From a card, the answer goes beside it (response_url); from a Home tab, by direct message.
      const say = async (text: string) => {
        if (body.response_url) await respond({ response_type: 'ephemeral', replace_original: false, text });
        else await client.chat.postMessage({ channel: body.user.id, text });
      };
      const value = DecisionValue.safeParse(action.value);
      if (!value.success) {
        await ack();
        return say(DECISION_WITHOUT_REQUEST);
      }
      // The card is what ties a click to its request: without it the click cannot be checked, so it is refused.
      const from = clickedFrom(body, value.data);
      if (!from) {
        await ack();
        return say(DECISION_WITHOUT_CARD);
      }
      const { requestId, target } = value.data;
      if (actionId === DENY_ACTION) {
        // Deny asks first; the modal opens within the click's trigger window, before the acknowledgement.
        try {
          await client.views.open({ trigger_id: body.trigger_id, view: denyForm({ requestId, card: from.card, ...(target && { target }), ...(from.responseUrl && { responseUrl: from.responseUrl }) }) });
        } catch (error) {
          logger.warn(`the Deny form did not open: ${String(error)}`);
          await ack();
          return say(denyFormNotOpened(requestId));
        }
        return ack();
      }
      await ack();
      try {
        await options.defer({ kind: 'decide', user: body.user.id, requestId, ...(target && { target }), decision: 'approve', card: from.card, ...(from.responseUrl && { responseUrl: from.responseUrl }) });
      } catch {
        await say(DECISION_NOT_STARTED);
      }
    });
  }

  app.view(DENY_FORM, async ({ ack, body, view }) => {
    const read = readDenyForm(view);
    if (!read) return ack({ response_action: 'update', view: denyFormAnswer(DECISION_WITHOUT_REQUEST) });
    if (!read.ok) return ack({ response_action: 'errors', errors: read.errors });
    const { requestId, target, card, responseUrl } = read.deny;
    try {
      await options.defer({
        kind: 'decide',
        user: body.user.id,
        requestId,
        ...(target && { target }),
        decision: 'deny',
        card,
        ...(read.reason && { reason: read.reason }),
        ...(responseUrl && { responseUrl }),
      });
    } catch {
      return ack({ response_action: 'update', view: denyFormAnswer(DECISION_NOT_STARTED) });
    }
    // The modal closes; the card shows the denial, and a refusal comes beside it (or by DM).
    return ack();
  });
}
