/**
 * The sandbox's own state on disk: the Slack conversations file, and the lock that keeps one
 * sandbox per state folder.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webApi } from '@slack/bolt';
import { loadConversations, recordConversations } from '../../sandbox/conversation-file';
import { DataDirInUse, lockDataDir } from '../../sandbox/data-dir-lock';
import { MessageTimes } from '../../sandbox/message-times';
import { startSlackSimulator, type SlackSimulator } from '../../sandbox/slack-simulator';

const options = { signingSecret: 'test-signing-secret', botToken: 'xoxb-test-token' };

let dir: string;
let slack: SlackSimulator;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ecr-access-state-'));
  slack = await startSlackSimulator(options);
});

afterEach(async () => {
  await slack.close();
  await rm(dir, { recursive: true, force: true });
});

const bot = () => new webApi.WebClient(options.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logLevel: webApi.LogLevel.ERROR });

describe('the conversations file', () => {
  it('holds every message and when it appeared, once recording stops', async () => {
    const path = join(dir, 'slack.json');
    const times = new MessageTimes({}, () => 1_767_000_000_000);
    const recorder = recordConversations(slack, times, path);
    const card = await bot().chat.postMessage({ channel: 'C0APPROVALS', text: 'a card' });
    await bot().chat.postMessage({ channel: 'C0APPROVALS', thread_ts: card.ts!, text: 'a reply' });
    await recorder.stop();

    const saved = await loadConversations(path);
    expect(saved?.history.conversations.C0APPROVALS?.map((m) => m.text)).toEqual(['a card', 'a reply']);
    expect(saved?.postedAt[card.ts!]).toBe(1_767_000_000_000);
  });

  it('is no file at all before the first message', async () => {
    expect(await loadConversations(join(dir, 'slack.json'))).toBeUndefined();
  });

  it('refuses a file that is not a saved conversation, saying how to start over', async () => {
    const path = join(dir, 'slack.json');
    await writeFile(path, JSON.stringify({ version: 1, history: { lastTs: 'soon' } }));
    await expect(loadConversations(path)).rejects.toThrow(/is not a saved sandbox conversation file.*--fresh/);
  });

  it('reports a write that fails at once, and again when recording stops', async () => {
    const path = join(dir, 'slack.json');
    await mkdir(path); // a folder where the file should go: the rename fails
    const failures: unknown[] = [];
    const recorder = recordConversations(slack, new MessageTimes(), path, (error) => failures.push(error));
    await bot().chat.postMessage({ channel: 'C0APPROVALS', text: 'a card' });
    await expect(recorder.stop()).rejects.toThrow();
    expect(failures).toHaveLength(1);
  });
});

describe('the state folder lock', () => {
  it('refuses a second holder while the first one runs, naming it', async () => {
    const lock = await lockDataDir(dir);
    await writeFile(join(dir, lock.fileName), `${process.ppid}\n`);
    await expect(lockDataDir(dir)).rejects.toThrow(DataDirInUse);
    await expect(lockDataDir(dir)).rejects.toThrow(`another sandbox (process ${process.ppid}) is using ${dir}`);
  });

  it('takes over a lock left by a process that no longer runs', async () => {
    const ended = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(join(dir, 'sandbox.pid'), `${ended}\n`);
    const lock = await lockDataDir(dir);
    expect((await readFile(join(dir, lock.fileName), 'utf8')).trim()).toBe(String(process.pid));
    await lock.release();
  });
});
