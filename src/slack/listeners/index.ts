// Registers every listener on the app.
import type { App } from '@slack/bolt';
import type { Defer } from '../jobs';
import { registerCommand } from './command';
import { registerDecisions } from './decision';

export function registerListeners(app: App, options: { defer: Defer; repositories: readonly string[] }): void {
  registerCommand(app, options);
  registerDecisions(app, options);
}
