// Registers every listener on the app, behind the guard that lets a Slack retry go no further.
import type { App } from '@slack/bolt';
import type { Defer } from '../jobs';
import { registerCommand } from './command';
import { registerDecisions } from './decision';
import { registerHistoryPages } from './history-page';
import { registerRetryGuard } from './retries';
import { registerRevoke } from './revoke';

export function registerListeners(app: App, options: { defer: Defer; repositories: readonly string[] }): void {
  registerRetryGuard(app);
  registerCommand(app, options);
  registerDecisions(app, options);
  registerRevoke(app, options);
  registerHistoryPages(app, options);
}
