// The accounts file travels in the function's bundle, as the repository list does
// (deploy/repository-file.ts): packaging copies the stage's file next to the handler, and the
// function reads it through ECR_ACCESS_ACCOUNTS, relative to its code root.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..');

/** Where the accounts file is, from the project's root and from the function's code root alike. */
export const ACCOUNTS_FILE = 'dist/lambda/accounts.yml';

/**
 * Copies the stage's accounts file (checked by deploy/settings.ts) into the bundle, or removes one
 * an earlier packaging left there when the stage has none. `root` is for tests.
 * @public deploy/repository-file-plugin.js writes it before the function is zipped.
 */
export function writeAccountsFile(source: string, root = ROOT): void {
  const file = join(root, ACCOUNTS_FILE);
  if (source === '') {
    rmSync(file, { force: true });
    return;
  }
  mkdirSync(dirname(file), { recursive: true });
  copyFileSync(source, file);
}
