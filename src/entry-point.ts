// What every command-line entry (`npm start`, `npm run sweep`) does first: the settings, or the
// one message that says which are wrong, and an exit.
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
