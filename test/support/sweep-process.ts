// `npm run sweep` as its own OS process, as a shell or a cron job runs it: one pass, its report
// on stdout, its log on stderr, its exit code.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { SweepReport } from '../../src/service/sweep';

const ROOT = join(__dirname, '..', '..');

export interface SweepRun {
  readonly code: number | null;
  readonly report: SweepReport | undefined;
  readonly log: string;
}

/** `clockAheadSeconds`: run it under faketime, its wall clock that far ahead (negative: behind). */
export async function runSweepProcess(env: Record<string, string>, options: { clockAheadSeconds?: number } = {}): Promise<SweepRun> {
  const node = [process.execPath, '--import', 'tsx', join(ROOT, 'src', 'sweep.ts')];
  const ahead = options.clockAheadSeconds;
  const [command, ...args] = ahead === undefined ? node : ['faketime', '-f', `${ahead < 0 ? '-' : '+'}${Math.abs(ahead)}s`, ...node];
  const child = spawn(command as string, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env, ...(ahead !== undefined && { FAKETIME_DONT_FAKE_MONOTONIC: '1' }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let log = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  const line = stdout.trim().split('\n').pop();
  return { code, report: line ? (JSON.parse(line) as SweepReport) : undefined, log };
}

/** Blocks of a message that still carry buttons (an undecided card). */
export const hasButtons = (message: { blocks?: Array<{ type: string }> }): boolean => (message.blocks ?? []).some((block) => block.type === 'actions');
