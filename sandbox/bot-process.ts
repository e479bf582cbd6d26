// Starts `npm start`'s entry point as a separate OS process, as a second Lambda instance or a
// second server would be: its own memory, its own clients, only the outside world shared. Over
// HTTP it tells the URL it listens at; in Socket Mode it connects to Slack and has none.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface BotProcess {
  /** Where it takes Slack's requests. */
  readonly url: string;
  readonly child: ChildProcess;
  /** Every log line the process printed so far. */
  readonly lines: readonly string[];
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** A bot connected to Slack over Socket Mode, which listens on no port. */
export type SocketModeBotProcess = Omit<BotProcess, 'url'>;

const ROOT = join(__dirname, '..');

interface SpawnOptions {
  startTimeoutMs?: number;
  clockAheadSeconds?: number;
}

/**
 * The process must log at info level or below: its "listening" line tells the port.
 * `clockAheadSeconds` starts it under faketime (Debian's package) with its wall clock that far
 * ahead (negative: behind), as a server whose clock is set wrong.
 */
export async function spawnBot(env: Record<string, string>, options: SpawnOptions = {}): Promise<BotProcess> {
  const { started, ...bot } = await startBotProcess(env, options, (line) => /"message":"ecr-access is listening","port":(\d+)/.exec(line)?.[1]);
  return { ...bot, url: `http://127.0.0.1:${started}/slack/events` };
}

/** The bot with SLACK_APP_TOKEN in `env`: resolves once it is connected to Slack (logged at info level). */
export async function spawnSocketModeBot(env: Record<string, string>, options: SpawnOptions = {}): Promise<SocketModeBotProcess> {
  const { started: _connected, ...bot } = await startBotProcess(env, options, (line) =>
    line.includes('"message":"ecr-access is connected to Slack over Socket Mode"') ? 'connected' : undefined,
  );
  return bot;
}

/** Starts the process and resolves with what `started` finds in the first of its lines it recognises. */
async function startBotProcess(env: Record<string, string>, options: SpawnOptions, started: (line: string) => string | undefined): Promise<SocketModeBotProcess & { started: string }> {
  const node = [process.execPath, '--import', 'tsx', join(ROOT, 'src', 'server.ts')];
  const ahead = options.clockAheadSeconds;
  const [command, ...args] = ahead === undefined ? node : ['faketime', '-f', `${ahead < 0 ? '-' : '+'}${Math.abs(ahead)}s`, ...node];
  const child = spawn(command as string, args, {
    cwd: ROOT,
    // A clock set wrong is a wrong wall clock; the monotonic clock (Node's timers) runs as it should.
    env: { PATH: process.env.PATH ?? '', ...env, ...(ahead !== undefined && { FAKETIME_DONT_FAKE_MONOTONIC: '1' }) },
    stdio: ['ignore', 'pipe', 'pipe'],
    // faketime starts the bot as its own child: the two are one process group, signalled together.
    detached: ahead !== undefined,
  });
  const signal = (name: NodeJS.Signals) => (ahead !== undefined && child.pid !== undefined ? process.kill(-child.pid, name) : child.kill(name));
  const lines: string[] = [];
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bot did not start in time:\n${lines.join('\n')}`)), options.startTimeoutMs ?? 20_000);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        const found = started(line);
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        }
      });
    }
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`bot exited with ${code} before it started:\n${lines.join('\n')}`));
    });
  });
  return {
    started: await ready,
    child,
    lines,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        signal('SIGTERM');
        await exited;
      }
    },
  };
}
