/**
 * The Slack simulator, driven the way the bot meets it: through the real @slack/web-api client,
 * through response_url, and by a plain HTTP receiver that checks Slack's signature by itself.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, webApi } from '@slack/bolt';
import { startSlackSimulator, type SlackSimulator, type SimulatorEvent } from '../../sandbox/slack-simulator';

const SIGNING_SECRET = 'test-signing-secret';
const BOT_TOKEN = 'xoxb-test-token';
const APPROVALS = 'C0APPROVALS';
const ALICE = 'U0REQUESTER';
const BOB = 'U0APPROVER';

const approvalBlocks = [
  { type: 'section', block_id: 'summary', text: { type: 'mrkdwn', text: '*alice* asks to pull `common-images`' } },
  {
    type: 'actions',
    block_id: 'decision',
    elements: [
      { type: 'button', action_id: 'approve', text: { type: 'plain_text', text: 'Approve' }, value: 'req-1', style: 'primary' },
      { type: 'button', action_id: 'deny', text: { type: 'plain_text', text: 'Deny' }, value: 'req-1', style: 'danger' },
    ],
  },
];

let sim: SlackSimulator;
let slack: webApi.WebClient;

beforeEach(async () => {
  sim = await startSlackSimulator({
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    channels: [
      { id: APPROVALS, name: 'ecr-approvals' },
      { id: 'C0ELSEWHERE', name: 'random', botIsMember: false },
    ],
  });
  slack = clientWith(BOT_TOKEN);
});

afterEach(async () => {
  await sim.close();
});

function clientWith(token: string | undefined, options: webApi.WebClientOptions = {}): webApi.WebClient {
  return new webApi.WebClient(token, {
    slackApiUrl: sim.apiUrl,
    retryConfig: { retries: 0 },
    logLevel: webApi.LogLevel.ERROR,
    ...options,
  });
}

/** The Slack error code a rejected Web API call carries. */
async function slackError(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (error instanceof webApi.WebAPIPlatformError) return error.data.error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

async function postApprovalCard(): Promise<string> {
  const posted = await slack.chat.postMessage({ channel: APPROVALS, text: 'Access request', blocks: approvalBlocks });
  return posted.ts ?? '';
}

describe('Web API', () => {
  it('answers auth.test with the bot identity', async () => {
    const auth = await slack.auth.test();

    expect(auth).toMatchObject({ ok: true, user_id: 'UBOT00001', bot_id: 'BBOT00001', team_id: 'T0SANDBOX' });
    expect(auth.url).toMatch(/^https:\/\//);
  });

  it('posts a message into a channel the bot is in and returns channel, ts and message', async () => {
    const posted = await slack.chat.postMessage({ channel: APPROVALS, text: 'Access request', blocks: approvalBlocks });

    expect(posted).toMatchObject({ ok: true, channel: APPROVALS, message: { text: 'Access request', user: 'UBOT00001' } });
    expect(sim.messages(APPROVALS)).toEqual([
      expect.objectContaining({ ts: posted.ts, text: 'Access request', blocks: approvalBlocks }),
    ]);
  });

  it('records every call with its parameters decoded, blocks parsed from the form', async () => {
    await slack.chat.postMessage({ channel: APPROVALS, text: 'Access request', blocks: approvalBlocks });

    expect(sim.calls).toEqual([
      expect.objectContaining({
        method: 'chat.postMessage',
        ok: true,
        params: expect.objectContaining({ channel: APPROVALS, text: 'Access request', blocks: approvalBlocks }),
      }),
    ]);
    expect(sim.calls[0]?.params).not.toHaveProperty('token');
  });

  it('gives each message a unique ts that increases like Slack timestamps', async () => {
    const first = await slack.chat.postMessage({ channel: APPROVALS, text: 'one' });
    const second = await slack.chat.postMessage({ channel: APPROVALS, text: 'two' });

    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
  });

  it('gives a block without a block_id one, as Slack does', async () => {
    await slack.chat.postMessage({ channel: APPROVALS, text: 'x', blocks: [{ type: 'divider' }] });

    expect(sim.messages(APPROVALS)[0]?.blocks?.[0]?.block_id).toEqual(expect.any(String));
  });

  it('delivers a message posted to a user ID into that user’s DM channel', async () => {
    const posted = await slack.chat.postMessage({ channel: ALICE, text: 'Your request was approved' });

    expect(posted.channel).toMatch(/^D/);
    expect(sim.dms(ALICE)).toEqual([expect.objectContaining({ text: 'Your request was approved' })]);
  });

  it('posts a reply into a thread and counts it on the parent', async () => {
    const parent = await postApprovalCard();

    await slack.chat.postMessage({ channel: APPROVALS, thread_ts: parent, text: 'Policy verified' });

    const thread = sim.thread(APPROVALS, parent);
    expect(thread.map((m) => m.text)).toEqual(['Access request', 'Policy verified']);
    expect(thread[0]).toMatchObject({ reply_count: 1, thread_ts: parent });
    expect(sim.messages(APPROVALS)).toHaveLength(1);
  });

  it('refuses an unknown channel with channel_not_found', async () => {
    await expect(slackError(slack.chat.postMessage({ channel: 'C0NOWHERE', text: 'x' }))).resolves.toBe(
      'channel_not_found',
    );
  });

  it('refuses a channel the bot is not in with not_in_channel', async () => {
    await expect(slackError(slack.chat.postMessage({ channel: 'C0ELSEWHERE', text: 'x' }))).resolves.toBe(
      'not_in_channel',
    );
  });

  it('refuses a wrong token with invalid_auth', async () => {
    await expect(slackError(clientWith('xoxb-wrong').auth.test())).resolves.toBe('invalid_auth');
  });

  it('refuses a call without a token with not_authed', async () => {
    await expect(slackError(clientWith(undefined).auth.test())).resolves.toBe('not_authed');
  });

  it('accepts a JSON body with the token in the Authorization header', async () => {
    const response = await fetch(`${sim.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8', Authorization: `Bearer ${BOT_TOKEN}` },
      body: JSON.stringify({ channel: APPROVALS, text: 'from JSON', blocks: approvalBlocks }),
    });

    await expect(response.json()).resolves.toMatchObject({ ok: true, channel: APPROVALS });
    expect(sim.messages(APPROVALS)[0]).toMatchObject({ text: 'from JSON', blocks: approvalBlocks });
  });

  it('updates the bot’s message in place and marks it edited', async () => {
    const ts = await postApprovalCard();

    const updated = await slack.chat.update({ channel: APPROVALS, ts, text: 'Approved by bob', blocks: [] });

    expect(updated).toMatchObject({ ok: true, channel: APPROVALS, ts });
    expect(sim.messages(APPROVALS)).toEqual([
      expect.objectContaining({ ts, text: 'Approved by bob', blocks: [], edited: expect.any(Object) }),
    ]);
  });

  it('refuses to update a message that does not exist with message_not_found', async () => {
    await expect(slackError(slack.chat.update({ channel: APPROVALS, ts: '1600000000.000100', text: 'x' }))).resolves.toBe(
      'message_not_found',
    );
  });

  it('refuses to update a message the bot did not post with cant_update_message', async () => {
    const human = sim.postAsUser({ user: ALICE, channel: APPROVALS, text: 'hello' });

    await expect(slackError(slack.chat.update({ channel: APPROVALS, ts: human.ts, text: 'x' }))).resolves.toBe(
      'cant_update_message',
    );
  });

  it('shows an ephemeral message to one user and returns its message_ts', async () => {
    const posted = await slack.chat.postEphemeral({ channel: APPROVALS, user: BOB, text: 'Only approvers can decide' });

    expect(posted.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(sim.ephemerals(BOB)).toEqual([
      expect.objectContaining({ channel: APPROVALS, ts: posted.message_ts, text: 'Only approvers can decide' }),
    ]);
    expect(sim.ephemerals(ALICE)).toEqual([]);
    expect(sim.messages(APPROVALS)).toEqual([]);
  });

  it('lists the members of a usergroup as configured at that moment', async () => {
    sim.setUsergroup('S0PLATFORM', [BOB, 'U0OTHER']);

    const listed = await slack.usergroups.users.list({ usergroup: 'S0PLATFORM' });

    expect(listed.users).toEqual([BOB, 'U0OTHER']);
  });

  it('refuses an unknown usergroup with no_such_subteam', async () => {
    await expect(slackError(slack.usergroups.users.list({ usergroup: 'S0NOBODY' }))).resolves.toBe('no_such_subteam');
  });

  it('opens the DM channel that chat.postMessage to the user would use', async () => {
    const opened = await slack.conversations.open({ users: ALICE });
    const posted = await slack.chat.postMessage({ channel: ALICE, text: 'hi' });

    expect(opened.channel?.id).toBe(posted.channel);
  });
});

describe('faults', () => {
  it('rate limits a method with HTTP 429 and the Retry-After it was given', async () => {
    sim.setFault('chat.postMessage', { ratelimited: { retryAfterSeconds: 7 } });

    const call = clientWith(BOT_TOKEN, { rejectRateLimitedCalls: true }).chat.postMessage({ channel: APPROVALS, text: 'x' });

    await expect(call).rejects.toMatchObject({ code: webApi.ErrorCode.RateLimitedError, retryAfter: 7 });
    expect(sim.calls[0]).toMatchObject({ method: 'chat.postMessage', status: 429, ok: false, error: 'ratelimited' });
  });

  it('fails a method with the configured error only for the given number of calls', async () => {
    sim.setFault('chat.postMessage', { error: 'channel_not_found', times: 1 });

    await expect(slackError(slack.chat.postMessage({ channel: APPROVALS, text: 'x' }))).resolves.toBe('channel_not_found');
    await expect(slack.chat.postMessage({ channel: APPROVALS, text: 'x' })).resolves.toMatchObject({ ok: true });
  });

  it('applies a fault to its share of calls, spread evenly and the same on every run', async () => {
    sim.setFault('chat.postMessage', { error: 'ratelimited', share: 0.7 });

    const answers: string[] = [];
    for (let i = 0; i < 10; i++) answers.push(await slack.chat.postMessage({ channel: APPROVALS, text: `${i}` }).then(() => 'ok', (error: { data: { error: string } }) => error.data.error));

    expect(answers).toEqual(['ok', 'ratelimited', 'ratelimited', 'ok', 'ratelimited', 'ratelimited', 'ok', 'ratelimited', 'ratelimited', 'ratelimited']);
  });

  it('leaves other methods alone while one is faulted', async () => {
    sim.setFault('chat.postMessage', { error: 'not_in_channel' });

    await expect(slack.auth.test()).resolves.toMatchObject({ ok: true });
  });

  it('answers normally again after clearFaults', async () => {
    sim.setFault('chat.postMessage', { error: 'not_in_channel' });

    sim.clearFaults();

    await expect(slack.chat.postMessage({ channel: APPROVALS, text: 'x' })).resolves.toMatchObject({ ok: true });
  });

  it('holds a delayed call back while undelayed calls are answered', async () => {
    sim.setFault('chat.postMessage', { delayMs: 500 });

    const delayed = slack.chat.postMessage({ channel: APPROVALS, text: 'late' });
    await slack.auth.test();
    await delayed;

    expect(sim.calls.map((c) => c.method)).toEqual(['auth.test', 'chat.postMessage']);
  });
});

describe('response_url', () => {
  async function respond(url: string, body: object): Promise<{ status: number; text: string }> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  }

  it('shows an ephemeral response to the user who ran the command', async () => {
    const url = sim.newResponseUrl({ user: ALICE, channel: APPROVALS });

    const answer = await respond(url, { text: 'Request sent to the platform team', response_type: 'ephemeral' });

    expect(answer).toEqual({ status: 200, text: 'ok' });
    expect(sim.ephemerals(ALICE)).toEqual([expect.objectContaining({ text: 'Request sent to the platform team' })]);
    expect(sim.responses).toEqual([expect.objectContaining({ url, outcome: 'ephemeral', status: 200 })]);
  });

  it('posts an in_channel response into the channel for everyone', async () => {
    const url = sim.newResponseUrl({ user: ALICE, channel: APPROVALS });

    await respond(url, { text: 'Who can pull common-images', response_type: 'in_channel' });

    expect(sim.messages(APPROVALS)).toEqual([expect.objectContaining({ text: 'Who can pull common-images' })]);
  });

  it('replaces the clicked message in place when replace_original is true', async () => {
    const ts = await postApprovalCard();
    const url = sim.newResponseUrl({ user: BOB, channel: APPROVALS, messageTs: ts });

    await respond(url, { replace_original: true, text: 'Approved by bob' });

    expect(sim.messages(APPROVALS)).toEqual([expect.objectContaining({ ts, text: 'Approved by bob' })]);
    expect(sim.responses[0]?.outcome).toBe('replaced');
  });

  it('deletes the clicked message when delete_original is true', async () => {
    const ts = await postApprovalCard();
    const url = sim.newResponseUrl({ user: BOB, channel: APPROVALS, messageTs: ts });

    await respond(url, { delete_original: true });

    expect(sim.messages(APPROVALS)).toEqual([]);
  });

  it('replaces the command’s earlier answer when replace_original is true', async () => {
    const url = sim.newResponseUrl({ user: ALICE, channel: APPROVALS });
    await respond(url, { text: 'Checking common-images…' });

    await respond(url, { replace_original: true, text: 'Request sent to the platform team' });

    expect(sim.ephemerals(ALICE).map((e) => e.text)).toEqual(['Request sent to the platform team']);
  });

  it('refuses a sixth use of one response_url with 404 used_url', async () => {
    const url = sim.newResponseUrl({ user: ALICE, channel: APPROVALS });
    for (let use = 0; use < 5; use += 1) await respond(url, { text: `update ${use}` });

    const sixth = await respond(url, { text: 'one too many' });

    expect(sixth).toEqual({ status: 404, text: 'used_url' });
  });

  it('rate limits response_url with 429 and Retry-After when that fault is armed', async () => {
    sim.setFault('response_url', { ratelimited: { retryAfterSeconds: 3 }, times: 1 });
    const url = sim.newResponseUrl({ user: ALICE, channel: APPROVALS });

    const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"text":"x"}' });

    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(sim.ephemerals(ALICE)).toEqual([]);
  });

  it('answers 404 to a response_url it never handed out', async () => {
    const answer = await respond(`${sim.url}/response/0-unknown`, { text: 'x' });

    expect(answer.status).toBe(404);
  });
});

/** What the test's stand-in bot saw, checked against Slack's rules by its own code. */
interface Received {
  headers: IncomingHttpHeaders;
  rawBody: string;
  signatureValid: boolean;
  fresh: boolean;
}

interface Answer {
  status?: number;
  body?: string;
  contentType?: string;
}

/** A bare node:http endpoint standing in for the bot; it verifies signatures independently. */
async function startReceiver(answer: (request: Received) => Answer | Promise<Answer> = () => ({})) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const timestamp = String(req.headers['x-slack-request-timestamp'] ?? '');
      const expected = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
      const given = String(req.headers['x-slack-signature'] ?? '');
      const request: Received = {
        headers: req.headers,
        rawBody,
        signatureValid: given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected)),
        fresh: Math.abs(Date.now() / 1000 - Number(timestamp)) <= 300,
      };
      received.push(request);
      if (!request.signatureValid || !request.fresh) {
        res.writeHead(401).end();
        return;
      }
      void Promise.resolve(answer(request)).then(({ status = 200, body = '', contentType }) => {
        res.writeHead(status, contentType ? { 'Content-Type': contentType } : {}).end(body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/slack/events`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function interactionPayload(request: Received): Record<string, unknown> {
  return JSON.parse(new URLSearchParams(request.rawBody).get('payload') ?? 'null') as Record<string, unknown>;
}

describe('driving the bot', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  afterEach(async () => {
    await receiver.close();
  });

  async function useReceiver(answer?: (request: Received) => Answer | Promise<Answer>): Promise<void> {
    receiver = await startReceiver(answer);
    sim.setBotUrl(receiver.url);
  }

  it('signs a slash command exactly as Slack signs requests', async () => {
    await useReceiver();

    const ack = await sim.slashCommand({ user: ALICE, channel: APPROVALS, text: 'request common-images 222233334444' });

    expect(ack.status).toBe(200);
    expect(receiver.received[0]).toMatchObject({ signatureValid: true, fresh: true });
    expect(receiver.received[0]?.headers['x-slack-request-timestamp']).toMatch(/^\d+$/);
  });

  it('sends every field Slack sends with a slash command, form-encoded', async () => {
    await useReceiver();

    await sim.slashCommand({ user: ALICE, channel: APPROVALS, text: 'request common-images 222233334444 CI pulls' });

    const request = receiver.received[0];
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const fields = Object.fromEntries(new URLSearchParams(request?.rawBody));
    expect(Object.keys(fields)).toEqual([
      'token', 'team_id', 'team_domain', 'channel_id', 'channel_name', 'user_id', 'user_name', 'command', 'text',
      'api_app_id', 'is_enterprise_install', 'response_url', 'trigger_id',
    ]);
    expect(fields).toMatchObject({
      team_id: 'T0SANDBOX',
      channel_id: APPROVALS,
      channel_name: 'ecr-approvals',
      user_id: ALICE,
      user_name: 'alice',
      command: '/ecr-access',
      text: 'request common-images 222233334444 CI pulls',
      is_enterprise_install: 'false',
    });
    expect(fields.response_url).toMatch(new RegExp(`^${sim.url}/response/`));
  });

  it('shows a JSON ack to the user who ran the command, as an ephemeral message', async () => {
    await useReceiver(() => ({ body: JSON.stringify({ text: 'Usage: /ecr-access request …' }), contentType: 'application/json' }));

    await sim.slashCommand({ user: ALICE, channel: APPROVALS, text: 'help' });

    expect(sim.ephemerals(ALICE)).toEqual([expect.objectContaining({ text: 'Usage: /ecr-access request …', source: 'command_ack' })]);
  });

  it('shows nothing for an empty ack', async () => {
    await useReceiver();

    await sim.slashCommand({ user: ALICE, channel: APPROVALS, text: 'help' });

    expect(sim.ephemerals(ALICE)).toEqual([]);
  });

  it('clicks a button with a signed block_actions payload built from the stored message', async () => {
    const ts = await postApprovalCard();
    await useReceiver();

    await sim.clickButton({ user: BOB, channel: APPROVALS, messageTs: ts, actionId: 'approve' });

    const request = receiver.received[0];
    expect(request?.signatureValid).toBe(true);
    const payload = interactionPayload(request as Received);
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: BOB, username: 'bob', name: 'bob', team_id: 'T0SANDBOX' },
      api_app_id: expect.any(String),
      token: expect.any(String),
      container: { type: 'message', message_ts: ts, channel_id: APPROVALS, is_ephemeral: false },
      trigger_id: expect.any(String),
      team: { id: 'T0SANDBOX' },
      channel: { id: APPROVALS, name: 'ecr-approvals' },
      message: { ts, text: 'Access request', blocks: approvalBlocks },
      response_url: expect.stringMatching(new RegExp(`^${sim.url}/response/`)),
      actions: [
        {
          action_id: 'approve',
          block_id: 'decision',
          text: { type: 'plain_text', text: 'Approve' },
          value: 'req-1',
          style: 'primary',
          type: 'button',
          action_ts: expect.stringMatching(/^\d+\.\d{6}$/),
        },
      ],
    });
  });

  it('clicks a button on an ephemeral message as Slack does: is_ephemeral, no message', async () => {
    const posted = await slack.chat.postEphemeral({ channel: APPROVALS, user: BOB, text: 'Decide', blocks: approvalBlocks });
    await useReceiver();

    await sim.clickButton({ user: BOB, channel: APPROVALS, messageTs: posted.message_ts ?? '', actionId: 'deny' });

    const payload = interactionPayload(receiver.received[0] as Received);
    expect(payload.container).toMatchObject({ message_ts: posted.message_ts, is_ephemeral: true });
    expect(payload).not.toHaveProperty('message');
  });

  it('replaces the card when the bot answers a click through response_url', async () => {
    const ts = await postApprovalCard();
    await useReceiver(async (request) => {
      const responseUrl = String(interactionPayload(request).response_url);
      await fetch(responseUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ replace_original: true, text: 'Approved by bob' }),
      });
      return {};
    });

    await sim.clickButton({ user: BOB, channel: APPROVALS, messageTs: ts, actionId: 'approve' });

    const card = await sim.waitFor(() => sim.messages(APPROVALS).find((m) => m.text === 'Approved by bob'));
    expect(card.ts).toBe(ts);
  });

  it('names the buttons a message has when the action_id is not among them', async () => {
    const ts = await postApprovalCard();
    await useReceiver();

    await expect(sim.clickButton({ user: BOB, channel: APPROVALS, messageTs: ts, actionId: 'revoke' })).rejects.toThrow(
      /approve, deny/,
    );
  });

  it('sends a forged signature through postToBot for hostile tests', async () => {
    await useReceiver();

    const reply = await sim.postToBot('command=%2Fecr-access', { signature: 'v0=deadbeef' });

    expect(reply.status).toBe(401);
    expect(receiver.received[0]?.signatureValid).toBe(false);
  });

  it('signs a stale timestamp through postToBot when asked, so freshness checks can be tested', async () => {
    await useReceiver();
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;

    const reply = await sim.postToBot('command=%2Fecr-access', { timestamp: tenMinutesAgo });

    expect(reply.status).toBe(401);
    expect(receiver.received[0]).toMatchObject({ signatureValid: true, fresh: false });
  });
});

describe('with Bolt’s own HTTP receiver', () => {
  let app: App;

  beforeEach(async () => {
    app = new App({
      signingSecret: SIGNING_SECRET,
      token: BOT_TOKEN,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } },
    });
    const server = await app.start({ port: 0, host: '127.0.0.1' });
    sim.setBotUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`);
  });

  afterEach(async () => {
    await app.stop();
  });

  it('is accepted by Bolt, whose ack then shows up for the user who typed the command', async () => {
    app.command('/ecr-access', async ({ ack, command }) => {
      await ack({ text: `You asked: ${command.text}` });
    });

    const reply = await sim.slashCommand({ user: ALICE, channel: APPROVALS, text: 'help' });

    expect(reply.status).toBe(200);
    expect(sim.ephemerals(ALICE)).toEqual([expect.objectContaining({ text: 'You asked: help' })]);
  });

  it('routes a click to Bolt’s action listener, whose respond replaces the card', async () => {
    app.action('approve', async ({ ack, respond, action }) => {
      await ack();
      await respond({ replace_original: true, text: `Approved ${'value' in action ? action.value : ''}` });
    });
    const ts = await postApprovalCard();

    await sim.clickButton({ user: BOB, channel: APPROVALS, messageTs: ts, actionId: 'approve' });

    await expect(sim.waitFor(() => sim.messages(APPROVALS).find((m) => m.text === 'Approved req-1'))).resolves.toMatchObject({ ts });
  });

  it('is refused by Bolt when the signature is forged', async () => {
    const reply = await sim.postToBot('command=%2Fecr-access&text=help', { signature: 'v0=forged' });

    expect(reply.status).toBe(401);
  });
});

describe('waiting and events', () => {
  it('resolves waitFor on the change that makes the predicate true', async () => {
    const arrived = sim.waitFor(() => sim.dms(ALICE)[0]);

    await slack.chat.postMessage({ channel: ALICE, text: 'Granted' });

    await expect(arrived).resolves.toMatchObject({ text: 'Granted' });
  });

  it('rejects waitFor on timeout with the predicate and what did happen', async () => {
    await slack.auth.test();

    await expect(sim.waitFor(() => sim.dms(BOB)[0], 20)).rejects.toThrow(/sim\.dms\(BOB\)[\s\S]*auth\.test/);
  });

  it('emits an event for every recorded change', async () => {
    const kinds: SimulatorEvent['kind'][] = [];
    sim.on('event', (event) => kinds.push(event.kind));

    await slack.chat.postMessage({ channel: APPROVALS, text: 'x' });

    expect(kinds).toEqual(['message_posted', 'api_call']);
  });
});
