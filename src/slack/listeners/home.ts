// The app's Home tab: opening it publishes it (a job, so the event is answered at once), and its
// buttons act as elsewhere: Request access and Extend open the request form (Extend filled in from
// the grant), Revoke revokes as the revoke command's button does. Approve and Deny in the tab are
// the card's own (src/slack/listeners/decision.ts).
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { EXTEND_ACTION, HOME_REQUEST_ACTION, HOME_REVOKE_ACTION, HomeGrant } from '../blocks/home';
import type { Defer } from '../jobs';
import { formNotOpened, JOB_NOT_STARTED } from '../messages';
import type { OpenForm } from './request-form';

export function registerHome(app: App, options: { defer: Defer; openForm: OpenForm }): void {
  app.event('app_home_opened', async ({ event, logger }) => {
    // The Messages tab opens this too; only the Home tab has something to publish.
    if (event.tab !== undefined && event.tab !== 'home') return;
    await options.defer({ kind: 'home', user: event.user }).catch((error: unknown) => logger.error(`could not start publishing a Home tab: ${String(error)}`));
  });

  for (const actionId of [HOME_REQUEST_ACTION, EXTEND_ACTION]) {
    app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: actionId }, async ({ ack, body, action, client }) => {
      const grant = actionId === EXTEND_ACTION ? HomeGrant.safeParse(action.value) : undefined;
      try {
        // An extension asks again for the grant's repository and account, for as long as before unless changed.
        await options.openForm(body.trigger_id, grant?.success ? grant.data : undefined);
      } catch (error) {
        await client.chat.postMessage({ channel: body.user.id, text: formNotOpened((error as { data?: { error?: string } }).data?.error ?? String(error)) });
      }
      await ack();
    });
  }

  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: HOME_REVOKE_ACTION }, async ({ ack, body, action, client }) => {
    await ack();
    const grant = HomeGrant.safeParse(action.value);
    if (!grant.success) return;
    try {
      // Slack's confirm dialog came first; who may revoke, and what it ends, is the service's to decide.
      await options.defer({ kind: 'revoke', user: body.user.id, repository: grant.data.repository, account: grant.data.account });
    } catch {
      await client.chat.postMessage({ channel: body.user.id, text: JOB_NOT_STARTED });
    }
  });
}
