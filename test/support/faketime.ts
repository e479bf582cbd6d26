// faketime (Debian's package of that name) starts a program with its wall clock shifted, for the
// tests of a process whose clock is set wrong. Where it is missing, its suite fails once, saying
// what to install (test/support/needs-installed.ts).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Undefined when faketime is installed; otherwise what is missing and how to install it. */
export function faketimeProblem(): string | undefined {
  const probe = spawnSync('faketime', ['--version'], { encoding: 'utf8' });
  if (!probe.error) return undefined;
  return (
    `The clock tests start a process under faketime, and there is no \`faketime\` on PATH (${probe.error.message}).\n` +
    'Install it with:  sudo apt-get update && sudo apt-get install -y faketime\n' +
    '(.ci/run installs it when it is missing.)'
  );
}

export interface ShiftedRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a TypeScript program of this project (`node --import tsx`) with its wall clock `aheadSeconds` ahead (negative: behind). */
export async function runWithClockAhead(aheadSeconds: number, script: string, args: readonly string[]): Promise<ShiftedRun> {
  const child = spawn('faketime', ['-f', `${aheadSeconds < 0 ? '-' : '+'}${Math.abs(aheadSeconds)}s`, process.execPath, '--import', 'tsx', join(ROOT, script), ...args], {
    cwd: ROOT,
    // A wrong clock is a wrong wall clock: the monotonic clock, which Node's timers and nothing
    // of the bot's times read, runs as it does when a server's clock is set wrong, unshifted.
    env: { PATH: process.env.PATH ?? '', FAKETIME_DONT_FAKE_MONOTONIC: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}
