// Debian's Chromium, driven by playwright-core, for the browser tests: headless, a fresh
// profile every time, no network chatter. A missing browser fails the suite once, saying what to install.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

export interface Chromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Undefined when Chromium is installed; otherwise what is missing and how to install it. */
export function chromiumProblem(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  return (
    `The browser tests drive Debian's Chromium at ${CHROMIUM}, which is not installed.\n` +
    'Install it with:  sudo apt-get update && sudo apt-get install -y chromium\n' +
    '(.ci/run installs it when it is missing.)'
  );
}

export async function launchChromium(viewport = { width: 1600, height: 1000 }): Promise<Chromium> {
  const missing = chromiumProblem();
  if (missing) throw new Error(missing);
  const profile = await mkdtemp(join(tmpdir(), 'ecr-access-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport,
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
