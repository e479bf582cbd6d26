// What every command-line entry (`npm start`, `npm run sweep`, `npm run replay`) does first: the
// settings, or the one message that says which are wrong, and an exit.
import type { Receiver } from '@slack/bolt';
import { loadConfig, type Config } from './config';
import { isEcrAccessError } from './errors';

export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    process.stderr.write(`${isEcrAccessError(error) ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

/** The receiver of an entry that takes no requests from Slack (a sweep, a replay): the app is built for its Slack client only. */
export const NO_REQUESTS: Receiver = { init: () => undefined, start: async () => undefined, stop: async () => undefined };
