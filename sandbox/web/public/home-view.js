// The app's Home tab, as the person being viewed as sees it: the view the app last published for
// them, its buttons live (clicks go to the app as Slack sends them, confirm dialogs first).
import { renderContext, state, view } from './store.js';

const { renderBlocks } = window.BlockKit;

/** The rows of the Home tab for reconcile(): the view as published, or a word while it is on its way. */
export function homeRows() {
  const home = state.homes.get(view.user);
  if (!home) {
    return [{ key: `home-empty ${view.user}`, html: '<div class="home-tab home-waiting">Opening the Home tab…</div>' }];
  }
  const blocks = renderBlocks(home.blocks, renderContext());
  return [{ key: `home ${view.user} ${home.id}`, changeKey: `home ${view.user}`, html: `<div class="home-tab" data-surface="home" data-view-id="${home.id}">${blocks}</div>` }];
}
