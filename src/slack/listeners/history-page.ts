// The "Older events" button under a page of `/ecr-access history`: its value says where the next
// page starts, and is checked like any other input before a job reads the older events.
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { HistoryPage, OLDER_HISTORY_ACTION } from '../blocks/history';
import type { Defer } from '../jobs';

function pageOf(value: string | undefined): HistoryPage | undefined {
  try {
    const parsed = HistoryPage.safeParse(JSON.parse(value ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function registerHistoryPages(app: App, options: { defer: Defer }): void {
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: OLDER_HISTORY_ACTION }, async ({ ack, body, action, respond }) => {
    await ack();
    const page = pageOf(action.value);
    if (!page || !body.response_url) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: ':x: That button does not say which events to show. Run `/ecr-access history` again.' });
      return;
    }
    try {
      await options.defer({ kind: 'history', user: body.user.id, ...page, responseUrl: body.response_url });
    } catch {
      await respond({ response_type: 'ephemeral', replace_original: false, text: ':warning: ecr-access could not read the history just now. Try again in a minute.' });
    }
  });
}
