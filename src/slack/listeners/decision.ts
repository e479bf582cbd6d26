// Approve and Deny buttons: the button carries the request ID (and the repository and account
// its card names), checked against the card it was clicked on and, by the deferred job, against
// the request in the store.
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { APPROVE_ACTION, DecisionValue, DENY_ACTION } from '../blocks/request-card';
import type { Defer } from '../jobs';

export function registerDecisions(app: App, options: { defer: Defer }): void {
  for (const [actionId, decision] of [
    [APPROVE_ACTION, 'approve'],
    [DENY_ACTION, 'deny'],
  ] as const) {
    app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: actionId }, async ({ ack, body, action, respond }) => {
      await ack();
      const value = DecisionValue.safeParse(action.value);
      if (!value.success || !body.response_url) {
        await respond({ response_type: 'ephemeral', replace_original: false, text: ':x: That button does not name an ecr-access request; nothing changed.' });
        return;
      }
      // The card is what ties a click to its request: without it the click cannot be checked, so it is refused.
      const channel = body.container?.channel_id ?? body.channel?.id;
      const ts = body.container?.message_ts ?? body.message?.ts;
      if (!channel || !ts) {
        await respond({ response_type: 'ephemeral', replace_original: false, text: ':x: That click does not say which request card it came from; nothing changed. Use the buttons on the request card.' });
        return;
      }
      try {
        await options.defer({
          kind: 'decide',
          user: body.user.id,
          ...value.data,
          decision,
          card: { channel, ts },
          responseUrl: body.response_url,
        });
      } catch {
        await respond({ response_type: 'ephemeral', replace_original: false, text: ':warning: ecr-access could not take that decision just now; nothing changed. Try again in a minute.' });
      }
    });
  }
}
