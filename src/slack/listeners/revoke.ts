// The Revoke button under a revoke command's answer: Slack has shown its confirm dialog before
// sending the click. The button's value is the revoke, read back as outside input; who may
// revoke is the service's to decide, in the deferred job.
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { REVOKE_ACTION, revokeTargetOf } from '../blocks/revoke-confirmation';
import type { Defer } from '../jobs';

export function registerRevoke(app: App, options: { defer: Defer }): void {
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: REVOKE_ACTION }, async ({ ack, body, action, respond }) => {
    await ack();
    const target = revokeTargetOf(action.value);
    if (!target || !body.response_url) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: ':x: That button does not name a repository and an account to revoke; nothing changed.' });
      return;
    }
    try {
      await options.defer({ kind: 'revoke', user: body.user.id, ...target, responseUrl: body.response_url });
    } catch {
      await respond({ response_type: 'ephemeral', replace_original: false, text: ':warning: ecr-access could not start the revoke just now; nothing changed. Try again in a minute.' });
    }
  });
}
