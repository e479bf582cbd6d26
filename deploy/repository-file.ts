// The shareable repositories travel in the function's bundle: packaging writes the stage's list
// next to the handler (deploy/repository-file-plugin.js), and the function reads it through
// ECR_ACCESS_REPOSITORIES_FILE; or it copies the stage's settings file there, which the function
// reads through ECR_ACCESS_SETTINGS_FILE. The environment, which Lambda caps at 4 KB, then holds
// only the file's name, however long the list or the rules.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { listItems } from '../src/config';

const ROOT = join(__dirname, '..');

/** Where the list is, from the project's root and from the function's code root alike. */
export const REPOSITORY_FILE = 'dist/lambda/repositories.json';
/** Where the settings file is, likewise. */
export const SETTINGS_FILE = 'dist/lambda/settings.yml';

/**
 * Copies the stage's settings file (deploy/settings.ts has checked it) into the bundle.
 * @public deploy/repository-file-plugin.js copies it before the function is zipped.
 */
export function writeSettingsFile(source: string, root = ROOT): string {
  const file = join(root, SETTINGS_FILE);
  mkdirSync(dirname(file), { recursive: true });
  copyFileSync(source, file);
  // One of the two travels: a list left by an earlier packaging would only mislead a reader of the bundle.
  rmSync(join(root, REPOSITORY_FILE), { force: true });
  return file;
}

/**
 * Writes the comma-separated list (as deploy/settings.ts gives it) as the JSON list the function
 * reads. `root` is for tests; packaging writes under the project's root.
 * @public deploy/repository-file-plugin.js writes it before the function is zipped.
 */
export function writeRepositoryFile(repositories: string, root = ROOT): string {
  const file = join(root, REPOSITORY_FILE);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(listItems(repositories))}\n`);
  rmSync(join(root, SETTINGS_FILE), { force: true });
  return file;
}
