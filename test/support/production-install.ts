// A server's checkout as README.md's production steps leave it: `npm run build`'s dist/server/,
// then `npm ci --omit=dev`, which keeps only the packages package-lock.json does not mark as
// dev. Made in a temporary folder in a second or two, without npm or the network, so a test can
// run the production commands there.
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildServer } from '../../scripts/build-server';

const ROOT = join(__dirname, '..', '..');

interface Lockfile {
  packages: Record<string, { dev?: boolean }>;
}

/** Top-level packages npm installs without dev dependencies (nested ones travel inside them). */
async function productionPackages(): Promise<string[]> {
  const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && !path.slice('node_modules/'.length).includes('node_modules/') && !entry.dev)
    .map(([path]) => path.slice('node_modules/'.length));
}

export interface ProductionInstall {
  readonly dir: string;
  remove(): Promise<void>;
}

/**
 * The packages are linked to this checkout's copies, not copied. Node resolves a link to the
 * package's real folder, so a package's own imports still resolve here (the lockfile keeps those
 * within the production set); what this checks is every package the built server imports, which
 * resolves from the temporary folder and finds nothing else there.
 */
export async function productionInstall(): Promise<ProductionInstall> {
  const dir = await mkdtemp(join(tmpdir(), 'ecr-access-production-'));
  for (const file of ['package.json', 'package-lock.json']) await cp(join(ROOT, file), join(dir, file));
  await buildServer(join(dir, 'dist', 'server'));
  for (const name of await productionPackages()) {
    const installed = join(ROOT, 'node_modules', name);
    // Optional packages for other platforms (esbuild's, fsevents) are in the lockfile, not on disk.
    if (!existsSync(installed)) continue;
    await mkdir(dirname(join(dir, 'node_modules', name)), { recursive: true });
    await symlink(installed, join(dir, 'node_modules', name), 'dir');
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
