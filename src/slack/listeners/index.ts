// Registers every listener on the app, behind the guard that lets a Slack retry go no further.
import type { App } from '@slack/bolt';
import type { Defer } from '../jobs';
import { registerHome } from './home';
import { registerRequestForm, type RequestFormOptions } from './request-form';
import { registerCommand } from './command';
import { registerDecisions } from './decision';
import { registerHistoryPages } from './history-page';
import { registerRetryGuard } from './retries';
import { registerRevoke } from './revoke';

export function registerListeners(app: App, options: RequestFormOptions & { defer: Defer }): void {
  registerRetryGuard(app);
  const openForm = registerRequestForm(app, options);
  registerCommand(app, { ...options, openForm });
  registerHome(app, { ...options, openForm });
  registerDecisions(app, options);
  registerRevoke(app, options);
  registerHistoryPages(app, options);
}
