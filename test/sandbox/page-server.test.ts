/**
 * The sandbox page's server: the page and its scripts, the live picture of the simulated Slack
 * and the ECR emulator, and what a person can do, driven over HTTP as the browser drives it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REQUEST_USAGE } from '../../src/domain/command';
import { SANDBOX } from '../../sandbox/local-world';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox';
import type { PageSnapshot } from '../../sandbox/web/page-state';
import { openPageEvents, textOf, type PageEvents } from '../support/page-events';

const ACCOUNT = '222233334444';

let dataDir: string;
let sandbox: Sandbox;
let events: PageEvents;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ecr-access-page-'));
  sandbox = await startSandbox({ dataDir, fresh: true, port: 0 });
  events = await openPageEvents(sandbox.url);
});

afterEach(async () => {
  events.close();
  await sandbox.close();
  await rm(dataDir, { recursive: true, force: true });
});

function post(path: string, body: unknown, contentType = 'application/json') {
  return fetch(new URL(path, sandbox.url), { method: 'POST', headers: { 'Content-Type': contentType }, body: JSON.stringify(body) });
}

async function command(text: string, user: string = SANDBOX.requester) {
  const response = await post('/api/command', { user, channel: SANDBOX.approvalChannel, text });
  expect(response.status).toBe(200);
  return (await response.json()) as { ok: boolean; notice?: string };
}

const card = (account: string) =>
  events.waitFor((e) => (e.type === 'message' && e.message.blocks !== undefined && textOf(e.message).includes(`asks for pull access`) && textOf(e.message).includes(account) ? e.message : undefined));

describe('the page', () => {
  it.each([
    ['/', 'text/html', '<title>ecr-access sandbox</title>'],
    ['/app.js', 'text/javascript', 'EventSource'],
    ['/block-kit.js', 'text/javascript', 'renderBlocks'],
    ['/mrkdwn.js', 'text/javascript', 'function mrkdwn'],
    ['/style.css', 'text/css', '.bk-button'],
  ])('serves %s', async (path, type, content) => {
    const response = await fetch(new URL(path, sandbox.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain(type);
    expect(await response.text()).toContain(content);
  });

  it.each(['/package.json', '/../package.json', '/public/app.js', '/%2e%2e/package.json'])('serves nothing else, such as %s', async (path) => {
    expect((await fetch(`${sandbox.url.replace(/\/$/, '')}${path}`)).status).toBe(404);
  });
});

describe('the picture', () => {
  it('gives a page that connects everything first: people, channels, the command’s usage and the seeded policies', async () => {
    const first = await events.waitFor((e) => (e.type === 'snapshot' ? e.snapshot : undefined));
    expect(first.personas.map((p) => [p.name, p.role])).toEqual([['alice', 'requester'], ['bob', 'approver'], ['carol', 'member']]);
    expect(first.channels).toEqual([{ id: SANDBOX.approvalChannel, name: 'ecr-approvals' }]);
    expect(first.commands[0]?.usage).toContain(REQUEST_USAGE);
    const common = first.repositories.find((r) => r.name === 'common-images');
    const statements = JSON.parse(common!.policyText!).Statement as Array<{ Sid: string; Principal: { AWS: string } }>;
    expect(statements.map((s) => s.Sid)).toEqual(['ciPush', 'crossAccountAllowRead']);
    expect(statements[1]!.Principal.AWS).toBe('arn:aws:iam::111122223333:root');
    expect(first.repositories.find((r) => r.name === 'base-images')).toEqual({ name: 'base-images', policyText: null });
  });

  it('answers GET /api/state with the same picture', async () => {
    const snapshot = (await (await fetch(new URL('/api/state', sandbox.url))).json()) as PageSnapshot;
    expect(snapshot.bot.name).toBe('ecr-access');
    expect(snapshot.conversations).toEqual({});
  });
});

describe('what a person can do', () => {
  it('runs a slash command as Slack would: the bot’s acknowledgement reaches only that person', async () => {
    expect(await command(`/ecr-access request common-images ${ACCOUNT} dashboards`)).toEqual({ ok: true });
    const ack = await events.waitFor((e) => (e.type === 'ephemeral' && e.ephemeral.text.includes('Checking your request') ? e.ephemeral : undefined));
    expect(ack).toMatchObject({ user: SANDBOX.requester, channel: SANDBOX.approvalChannel });
    expect(await card(ACCOUNT)).toMatchObject({ channel: SANDBOX.approvalChannel, user: sandbox.world.slack.botUserId });
  });

  it('clicks a button as the person who clicked: an approval reaches the policy and the page hears of it', async () => {
    await command(`/ecr-access request common-images ${ACCOUNT}`);
    const posted = await card(ACCOUNT);
    const click = await post('/api/click', { user: SANDBOX.approver, channel: SANDBOX.approvalChannel, messageTs: posted.ts, actionId: 'ecr_access_approve' });
    expect(await click.json()).toEqual({ ok: true });
    const policy = await events.waitFor((e) => (e.type === 'policy' && e.repository.policyText?.includes(ACCOUNT) ? e.repository : undefined));
    expect(policy.name).toBe('common-images');
    const updated = await events.waitFor((e) => (e.type === 'message' && e.message.ts === posted.ts && textOf(e.message).includes('Approved by') ? e.message : undefined));
    expect(updated.channel).toBe(SANDBOX.approvalChannel);
  });

  it('posts a plain message as the person typing it', async () => {
    const response = await post('/api/message', { user: SANDBOX.other, channel: SANDBOX.approvalChannel, text: 'who approves these?' });
    expect(await response.json()).toEqual({ ok: true });
    const message = await events.waitFor((e) => (e.type === 'message' && e.message.text === 'who approves these?' ? e.message : undefined));
    expect(message.user).toBe(SANDBOX.other);
  });

  it('says, as Slack does, that an unknown slash command is not a valid command', async () => {
    const outcome = await command('/ecr-acces list');
    expect(outcome.ok).toBe(false);
    expect(outcome.notice).toContain('`/ecr-acces` is not a valid command');
  });

  it('tells the person when a click names a message that is not there', async () => {
    const response = await post('/api/click', { user: SANDBOX.approver, channel: SANDBOX.approvalChannel, messageTs: '1.000001', actionId: 'ecr_access_approve' });
    const outcome = (await response.json()) as { ok: boolean; notice: string };
    expect(outcome.ok).toBe(false);
    expect(outcome.notice).toContain('no message 1.000001');
  });

  it('refuses a body that is not JSON, so a plain cross-site form cannot act here', async () => {
    const response = await post('/api/command', { user: SANDBOX.requester, channel: SANDBOX.approvalChannel, text: '/ecr-access list' }, 'application/x-www-form-urlencoded');
    expect(response.status).toBe(400);
  });

  it('refuses a body with missing or malformed fields, naming them', async () => {
    const response = await post('/api/click', { user: 'alice', channel: SANDBOX.approvalChannel });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: string };
    expect(error).toMatch(/user: .*messageTs: .*actionId: /);
  });
});
