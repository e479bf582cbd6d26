/**
 * `npm run sandbox` as a person runs it in a terminal: one URL printed, state kept across a
 * restart (and forgotten with --fresh), and Ctrl-C stopping everything cleanly.
 *
 * The tests run the command the npm script names, as npm runs it, in a process group of its
 * own. They leave npm itself out: on Debian and Ubuntu, npm's /bin/sh (dash) dies of the
 * Ctrl-C at once, and npm then reports the signal, whatever the sandbox does.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { SANDBOX } from '../../sandbox/local-world';
import type { PageSnapshot } from '../../sandbox/web/page-state';
import { openPageEvents, textOf } from '../support/page-events';

const ROOT = join(__dirname, '..', '..');
const ACCOUNT = '222233334444';

/** What `npm run sandbox` runs, e.g. ['node', '--import', 'tsx', 'sandbox/cli.ts']. */
const SCRIPT = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.sandbox!.split(' ');

/** The environment a person's terminal has: nothing that hides warnings, so the checks of the output below see every one. */
function withoutSdkWarningSetting(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _ignored, NODE_NO_WARNINGS: _alsoIgnored, ...rest } = env;
  return rest;
}

function spawnSandbox(args: string[], options: { detached: boolean }): ChildProcess {
  const [bin, ...scriptArgs] = SCRIPT;
  const command = bin === 'node' ? process.execPath : join(ROOT, 'node_modules', '.bin', bin!);
  return spawn(command, [...scriptArgs, ...args], {
    cwd: ROOT,
    detached: options.detached,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: withoutSdkWarningSetting(process.env),
  });
}

jest.setTimeout(120_000);

interface RunningSandbox {
  child: ChildProcess;
  url: string;
  output: string[];
  exited: Promise<number | null>;
}

/** Starts the sandbox in a process group of its own, as a terminal runs a command. */
async function runSandbox(dataDir: string, ...flags: string[]): Promise<RunningSandbox> {
  const child = spawnSandbox(['--port', '0', '--data-dir', dataDir, ...flags], { detached: true });
  const output: string[] = [];
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const url = await new Promise<string>((resolve, reject) => {
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        const found = /Open (http:\/\/\S+)/.exec(line)?.[1];
        if (found) resolve(found);
      });
    }
    void exited.then((code) => reject(new Error(`the sandbox exited with ${code} before printing its URL:\n${output.join('\n')}`)));
  });
  return { child, url, output, exited };
}

/** Ctrl-C in a terminal: SIGINT to every process of the foreground group. */
async function pressCtrlC(sandbox: RunningSandbox): Promise<number | null> {
  process.kill(-sandbox.child.pid!, 'SIGINT');
  return sandbox.exited;
}

/**
 * The processes of a group that still run. A zombie does not count: it has exited and holds
 * nothing, waiting only for init to reap it (here, esbuild's service process, which tsx's
 * loader starts and Ctrl-C ends along with the rest).
 */
function runningInGroup(pgid: number): string[] {
  return execFileSync('ps', ['-e', '-o', 'pgid=,stat=,pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([group, stat]) => Number(group) === pgid && stat !== undefined && !stat.startsWith('Z'))
    .map((fields) => fields.slice(2).join(' '));
}

async function snapshot(url: string): Promise<PageSnapshot> {
  return (await (await fetch(new URL('/api/state', url))).json()) as PageSnapshot;
}

async function act(url: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(new URL(path, url), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  expect(await response.json()).toEqual({ ok: true });
}

const policyOf = (state: PageSnapshot) => state.repositories.find((r) => r.name === 'common-images')?.policyText ?? '';
const approvalsOf = (state: PageSnapshot) => state.conversations[SANDBOX.approvalChannel] ?? [];

let dataDir: string;
const started: RunningSandbox[] = [];

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ecr-access-cli-'));
});

afterEach(async () => {
  // A failed test must not leave a sandbox running.
  for (const sandbox of started.splice(0)) if (runningInGroup(sandbox.child.pid!).length > 0) process.kill(-sandbox.child.pid!, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

async function start(...flags: string[]): Promise<RunningSandbox> {
  const sandbox = await runSandbox(dataDir, ...flags);
  started.push(sandbox);
  return sandbox;
}

it('prints one URL, and stops everything on Ctrl-C: exit 0, no process left, the port closed', async () => {
  const sandbox = await start('--fresh');
  expect(sandbox.output.join('\n').match(/https?:\/\/\S+/g)).toEqual([sandbox.url]);
  expect((await fetch(sandbox.url)).status).toBe(200);

  expect(await pressCtrlC(sandbox)).toBe(0);
  expect(runningInGroup(sandbox.child.pid!)).toEqual([]);
  await expect(fetch(sandbox.url)).rejects.toThrow();
  expect(existsSync(join(dataDir, 'sandbox.pid'))).toBe(false);
});

it('keeps requests, cards and policies across a restart, and forgets them with --fresh', async () => {
  const first = await start('--fresh');
  expect(first.output.join('\n')).toContain('a fresh start, seeded');
  const events = await openPageEvents(first.url);
  await act(first.url, '/api/command', { user: SANDBOX.requester, channel: SANDBOX.approvalChannel, text: `/ecr-access request common-images ${ACCOUNT}` });
  const card = await events.waitFor((e) => (e.type === 'message' && textOf(e.message).includes('Pull access request') ? e.message : undefined));
  await act(first.url, '/api/click', { user: SANDBOX.approver, channel: SANDBOX.approvalChannel, messageTs: card.ts, actionId: 'ecr_access_approve' });
  await events.waitFor((e) => (e.type === 'message' && e.message.ts === card.ts && textOf(e.message).includes('Approved by') ? true : undefined));
  events.close();
  expect(await pressCtrlC(first)).toBe(0);
  // Still one address, after the AWS and Slack calls a request and an approval make.
  expect(first.output.join('\n').match(/https?:\/\/\S+/g)).toEqual([first.url]);

  const second = await start();
  expect(second.output.join('\n')).toContain('kept from the last run');
  const kept = await snapshot(second.url);
  expect(policyOf(kept)).toContain(ACCOUNT);
  expect(policyOf(kept)).toContain('111122223333');
  expect(textOf(approvalsOf(kept).find((m) => m.ts === card.ts)!)).toContain('Approved by');
  const secondEvents = await openPageEvents(second.url);
  await act(second.url, '/api/command', { user: SANDBOX.other, channel: SANDBOX.approvalChannel, text: '/ecr-access list common-images' });
  const list = await secondEvents.waitFor((e) => (e.type === 'ephemeral' && textOf(e.ephemeral).includes('Who can pull') ? e.ephemeral : undefined));
  // The sandbox's organization names the account (sandbox/seed.ts).
  expect(textOf(list)).toMatch(new RegExp(`${ACCOUNT}\` \\(sales-dashboards · Root / Engineering / Analytics\\) — approved by <@${SANDBOX.approver}>`));
  secondEvents.close();
  expect(await pressCtrlC(second)).toBe(0);

  const fresh = await start('--fresh');
  const forgotten = await snapshot(fresh.url);
  expect(policyOf(forgotten)).not.toContain(ACCOUNT);
  expect(policyOf(forgotten)).toContain('111122223333');
  expect(forgotten.conversations).toEqual({});
  expect(await pressCtrlC(fresh)).toBe(0);
});

it('refuses a second sandbox on the same state, naming the one that runs', async () => {
  const first = await start('--fresh');
  const second = spawnSandbox(['--port', '0', '--data-dir', dataDir], { detached: false });
  let stderr = '';
  second.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(second, 'exit')) as [number | null];
  expect(code).toBe(1);
  expect(stderr).toMatch(/another sandbox \(process \d+\) is using/);
  expect((await fetch(first.url)).status).toBe(200);
  expect(await pressCtrlC(first)).toBe(0);
});

it('runs the bot over Socket Mode with --socket-mode, which --help describes', async () => {
  const help = execFileSync(process.execPath, [...SCRIPT.slice(1), '--help'], { cwd: ROOT, encoding: 'utf8', env: withoutSdkWarningSetting(process.env) });
  expect(help).toMatch(/--socket-mode\s+the Slack app in Socket Mode/);

  const sandbox = await start('--fresh', '--socket-mode');
  expect(sandbox.output.join('\n')).toContain('Slack reaches the bot over the Socket Mode connection it opened');
  const events = await openPageEvents(sandbox.url);
  await act(sandbox.url, '/api/command', { user: SANDBOX.requester, channel: SANDBOX.approvalChannel, text: `/ecr-access request common-images ${ACCOUNT}` });
  const card = await events.waitFor((e) => (e.type === 'message' && textOf(e.message).includes('Pull access request') ? e.message : undefined));
  expect(textOf(card)).toContain(ACCOUNT);
  events.close();
  expect(await pressCtrlC(sandbox)).toBe(0);
  expect(runningInGroup(sandbox.child.pid!)).toEqual([]);
});

it('asks two different approvers with --two-person, which --help describes: bob first, then carol', async () => {
  const help = execFileSync(process.execPath, [...SCRIPT.slice(1), '--help'], { cwd: ROOT, encoding: 'utf8', env: withoutSdkWarningSetting(process.env) });
  expect(help).toMatch(/--two-person\s+the two-person rule/);

  const sandbox = await start('--fresh', '--two-person');
  expect(sandbox.output.join('\n')).toContain('The two-person rule is on');
  expect((await snapshot(sandbox.url)).personas.find((p) => p.id === SANDBOX.other)?.role).toBe('approver');
  const events = await openPageEvents(sandbox.url);
  await act(sandbox.url, '/api/command', { user: SANDBOX.requester, channel: SANDBOX.approvalChannel, text: `/ecr-access request common-images ${ACCOUNT}` });
  const card = await events.waitFor((e) => (e.type === 'message' && textOf(e.message).includes('Pull access request') ? e.message : undefined));
  await act(sandbox.url, '/api/click', { user: SANDBOX.approver, channel: SANDBOX.approvalChannel, messageTs: card.ts, actionId: 'ecr_access_approve' });
  await events.waitFor((e) => (e.type === 'message' && e.message.ts === card.ts && textOf(e.message).includes(`1 of 2 approvals, by <@${SANDBOX.approver}>`) ? true : undefined));
  expect(policyOf(await snapshot(sandbox.url))).not.toContain(ACCOUNT);
  await act(sandbox.url, '/api/click', { user: SANDBOX.other, channel: SANDBOX.approvalChannel, messageTs: card.ts, actionId: 'ecr_access_approve' });
  await events.waitFor((e) =>
    e.type === 'message' && e.message.ts === card.ts && textOf(e.message).includes(`Approved by <@${SANDBOX.approver}> and <@${SANDBOX.other}>`) ? true : undefined,
  );
  expect(policyOf(await snapshot(sandbox.url))).toContain(ACCOUNT);
  events.close();
  expect(await pressCtrlC(sandbox)).toBe(0);
});
