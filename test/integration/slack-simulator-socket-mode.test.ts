// The Slack simulator's Socket Mode, spoken to by a plain WebSocket client standing in for an
// app: apps.connections.open, hello, envelopes and their acks, Slack's retry of an envelope not
// acknowledged in time, and `disconnect`. (The real bot over Socket Mode: socket-mode.test.ts.)
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { startSlackSimulator, type SlackSimulator, type SlackSimulatorOptions } from '../../sandbox/slack-simulator';

const BOT_TOKEN = 'xoxb-simulator-test';
const APP_TOKEN = 'xapp-1-A0ECRACCESS-1-simulator-test';
/** For the tests of Slack's retries: shorter than Slack's 3 s, still ample for a test that acks at once. */
const SHORT_ACK_TIMEOUT_MS = 1000;

let slack: SlackSimulator;
const apps: SocketModeApp[] = [];

async function start(options: Partial<SlackSimulatorOptions> = {}): Promise<SlackSimulator> {
  slack = await startSlackSimulator({
    signingSecret: 'unused-in-socket-mode',
    botToken: BOT_TOKEN,
    appToken: APP_TOKEN,
    socketMode: true,
    ...options,
  });
  return slack;
}

afterEach(async () => {
  for (const app of apps.splice(0)) app.socket.close();
  await slack?.close();
});

async function connectionsOpen(headers: Record<string, string>, body = '') {
  const response = await fetch(`${slack.apiUrl}apps.connections.open`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  return (await response.json()) as { ok: boolean; url?: string; error?: string };
}

/** An app's end of one connection: every message it received, in order, and a wait for the next. */
interface SocketModeApp {
  socket: WebSocket;
  received: Array<Record<string, unknown>>;
  next(): Promise<Record<string, unknown>>;
  ack(envelopeId: string, payload?: Record<string, unknown>): void;
}

async function openApp(url: string): Promise<SocketModeApp> {
  const socket = new WebSocket(url);
  const received: Array<Record<string, unknown>> = [];
  const waiting: Array<(message: Record<string, unknown>) => void> = [];
  let read = 0;
  socket.addEventListener('message', (event) => {
    received.push(JSON.parse(String(event.data)) as Record<string, unknown>);
    waiting.shift()?.(received[read++]!);
  });
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve());
    socket.addEventListener('error', () => reject(new Error(`could not open ${url}`)));
  });
  const app: SocketModeApp = {
    socket,
    received,
    next: () => (read < received.length ? Promise.resolve(received[read++]!) : new Promise((resolve) => waiting.push(resolve))),
    ack: (envelopeId, payload) => socket.send(JSON.stringify({ envelope_id: envelopeId, ...(payload && { payload }) })),
  };
  apps.push(app);
  return app;
}

/** An app connected as Bolt connects: apps.connections.open, the URL, then hello. */
async function connectedApp(): Promise<SocketModeApp> {
  const { url } = await connectionsOpen({ Authorization: `Bearer ${APP_TOKEN}` });
  const app = await openApp(url!);
  expect(await app.next()).toMatchObject({ type: 'hello' });
  return app;
}

describe('apps.connections.open', () => {
  beforeEach(() => start());

  it('gives the app-level token in the Authorization header a WebSocket URL on the simulator', async () => {
    const answer = await connectionsOpen({ Authorization: `Bearer ${APP_TOKEN}` });
    expect(answer).toEqual({ ok: true, url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[0-9a-f]{32}&app_id=A0ECRACCESS$/) });
    expect(new URL(answer.url!).port).toBe(new URL(slack.url).port);
    expect(slack.calls.map((c) => [c.method, c.ok])).toEqual([['apps.connections.open', true]]);
  });

  it.each([
    ['the bot token', { Authorization: `Bearer ${BOT_TOKEN}` }, '', 'not_allowed_token_type'],
    ['another app-level token', { Authorization: 'Bearer xapp-1-A0OTHER-1-other' }, '', 'invalid_auth'],
    ['the app-level token as a POST parameter', {}, `token=${APP_TOKEN}`, 'not_authed'],
  ])('refuses %s', async (_name, headers, body, error) => {
    expect(await connectionsOpen(headers, body)).toEqual({ ok: false, error });
  });

  it('gives URLs that open one connection each, which Slack greets with hello', async () => {
    const { url } = await connectionsOpen({ Authorization: `Bearer ${APP_TOKEN}` });
    const app = await openApp(url!);
    expect(await app.next()).toEqual({
      type: 'hello',
      num_connections: 1,
      debug_info: expect.objectContaining({ host: expect.any(String) }),
      connection_info: { app_id: 'A0ECRACCESS' },
    });
    await expect(openApp(url!)).rejects.toThrow(/could not open/);
    expect(slack.socketModeConnections).toBe(1);
  });
});

describe('envelopes', () => {
  beforeEach(() => start());

  it('sends a slash command as a slash_commands envelope, and shows the payload of its ack as the answer', async () => {
    const app = await connectedApp();
    const typed = slack.slashCommand({ user: 'U0REQUESTER', channel: 'C0APPROVALS', text: 'help' });
    const envelope = await app.next();
    expect(envelope).toEqual({
      envelope_id: expect.any(String),
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: expect.objectContaining({ command: '/ecr-access', text: 'help', user_id: 'U0REQUESTER', channel_id: 'C0APPROVALS', response_url: expect.any(String), trigger_id: expect.any(String) }),
    });
    app.ack(envelope.envelope_id as string, { text: 'Here is some help' });
    expect(await typed).toMatchObject({ status: 200, body: JSON.stringify({ text: 'Here is some help' }) });
    expect(slack.ephemerals('U0REQUESTER').map((e) => [e.text, e.source])).toEqual([['Here is some help', 'command_ack']]);
  });

  it('sends a click as an interactive envelope whose ack carries no answer', async () => {
    const app = await connectedApp();
    // A message with a button, as the bot would post it.
    const posted = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${BOT_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel: 'C0APPROVALS', text: 'A request', blocks: [{ type: 'actions', block_id: 'b', elements: [{ type: 'button', action_id: 'approve', text: { type: 'plain_text', text: 'Approve' }, value: 'r-1' }] }] }),
    }).then((r) => r.json() as Promise<{ ts: string }>);
    const clicked = slack.clickButton({ user: 'U0APPROVER', channel: 'C0APPROVALS', messageTs: posted.ts, actionId: 'approve' });
    const envelope = await app.next();
    expect(envelope).toMatchObject({ type: 'interactive', accepts_response_payload: false, payload: { type: 'block_actions', actions: [expect.objectContaining({ action_id: 'approve', value: 'r-1' })] } });
    app.ack(envelope.envelope_id as string);
    expect(await clicked).toMatchObject({ status: 200, body: '' });
  });

  it('refuses a command when no connection is open, as Slack answers dispatch_failed', async () => {
    await expect(slack.slashCommand({ user: 'U0REQUESTER', channel: 'C0APPROVALS', text: 'list' })).rejects.toThrow(/dispatch_failed/);
    expect(slack.envelopes).toEqual([]);
  });
});

describe("Slack's retries", () => {
  beforeEach(() => start({ socketModeAckTimeoutMs: SHORT_ACK_TIMEOUT_MS }));

  it('sends an envelope again when its ack does not come in time, saying which attempt it is', async () => {
    const app = await connectedApp();
    const typed = slack.slashCommand({ user: 'U0REQUESTER', channel: 'C0APPROVALS', text: 'list' });
    const first = await app.next();
    const retry = await app.next();
    expect(first).not.toHaveProperty('retry_attempt');
    expect(retry).toMatchObject({ type: 'slash_commands', retry_attempt: 1, retry_reason: 'timeout', payload: first.payload });
    expect(retry.envelope_id).not.toBe(first.envelope_id);
    app.ack(retry.envelope_id as string);
    // The first attempt's ack, now late, changes nothing.
    app.ack(first.envelope_id as string, { text: 'late' });
    expect(await typed).toMatchObject({ status: 200, body: '' });
    expect(slack.envelopes.map((e) => [e.retry_attempt, e.ackedAt !== undefined])).toEqual([
      [0, false],
      [1, true],
    ]);
  });

  it('sends it again when its ack is lost on the way', async () => {
    const app = await connectedApp();
    slack.loseSocketModeAcks(1);
    const typed = slack.slashCommand({ user: 'U0REQUESTER', channel: 'C0APPROVALS', text: 'list' });
    const first = await app.next();
    app.ack(first.envelope_id as string);
    const retry = await app.next();
    expect(retry).toMatchObject({ retry_attempt: 1, payload: first.payload });
    app.ack(retry.envelope_id as string);
    await typed;
    expect(slack.envelopes.map((e) => [e.retry_attempt, e.ackLost ?? false, e.ackedAt !== undefined])).toEqual([
      [0, true, false],
      [1, false, true],
    ]);
  });

  it('gives up after three retries, as the user is told the command failed', async () => {
    const app = await connectedApp();
    const typed = slack.slashCommand({ user: 'U0REQUESTER', channel: 'C0APPROVALS', text: 'list' });
    const attempts = [await app.next(), await app.next(), await app.next(), await app.next()];
    expect(attempts.map((a) => a.retry_attempt ?? 0)).toEqual([0, 1, 2, 3]);
    await expect(typed).rejects.toThrow(/operation_timeout/);
  });
});

describe('disconnect', () => {
  beforeEach(() => start());

  it('asks every connection to reconnect, then sends envelopes only on a new one', async () => {
    const old = await connectedApp();
    slack.requestSocketModeReconnect();
    expect(await old.next()).toEqual({ type: 'disconnect', reason: 'refresh_requested', debug_info: { host: expect.any(String) } });
    expect(slack.socketModeConnections).toBe(0);
    const fresh = await connectedApp();
    const typed = slack.slashCommand({ user: 'U0REQUESTER', channel: 'C0APPROVALS', text: 'list' });
    const envelope = await fresh.next();
    fresh.ack(envelope.envelope_id as string);
    await typed;
    expect(old.received.map((m) => m.type)).toEqual(['hello', 'disconnect']);
    expect(slack.envelopes.map((e) => e.connection)).toEqual(['C2']);
  });

  it('spreads envelopes over the open connections', async () => {
    const [first, second] = [await connectedApp(), await connectedApp()];
    for (const app of [first!, second!]) {
      const typed = slack.slashCommand({ user: 'U0REQUESTER', channel: 'C0APPROVALS', text: 'list' });
      const envelope = await app.next();
      app.ack(envelope.envelope_id as string);
      await typed;
    }
    expect(slack.envelopes.map((e) => e.connection)).toEqual(['C1', 'C2']);
  });
});

describe('the WebSocket under it (RFC 6455)', () => {
  beforeEach(() => start());

  /** A raw TCP client through the opening handshake, so a test can send frames Node's WebSocket never would. */
  async function rawConnection(): Promise<{ socket: Socket; frames: () => Promise<Buffer> }> {
    const { url } = await connectionsOpen({ Authorization: `Bearer ${APP_TOKEN}` });
    const target = new URL(url!);
    const socket = connect(Number(target.port), target.hostname);
    await once(socket, 'connect');
    socket.write(
      `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    let data = Buffer.alloc(0);
    const arrived: Array<() => void> = [];
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      for (const wake of arrived.splice(0)) wake();
    });
    const until = async (test: () => boolean) => {
      while (!test()) await new Promise<void>((resolve) => arrived.push(resolve));
    };
    await until(() => data.includes('\r\n\r\n'));
    const head = data.subarray(0, data.indexOf('\r\n\r\n') + 4).toString();
    // RFC 6455 §1.3's own example: this key is answered with this accept value.
    expect(head).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    data = data.subarray(head.length);
    return {
      socket,
      // The next whole frame from the server, its header cut to the two bytes a short frame has.
      frames: async () => {
        const extended = () => (data[1]! & 0x7f) === 126;
        const size = () => (extended() ? 4 + data.readUInt16BE(2) : 2 + (data[1]! & 0x7f));
        await until(() => data.length >= 4 && data.length >= size());
        const frame = Buffer.concat([data.subarray(0, 2), data.subarray(extended() ? 4 : 2, size())]);
        data = data.subarray(size());
        return frame;
      },
    };
  }

  const masked = (opcode: number, payload: Buffer) => {
    const mask = Buffer.from([1, 2, 3, 4]);
    return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!))]);
  };

  it('answers a ping with a pong carrying the same bytes', async () => {
    const { socket, frames } = await rawConnection();
    expect((await frames())[0]).toBe(0x81); // hello, a text frame
    socket.write(masked(0x9, Buffer.from('are you there')));
    const pong = await frames();
    expect([pong[0], pong.subarray(2).toString()]).toEqual([0x8a, 'are you there']);
    socket.destroy();
  });

  it('answers a close with a close and ends the connection', async () => {
    const { socket, frames } = await rawConnection();
    await frames();
    const code = Buffer.alloc(2);
    code.writeUInt16BE(1000);
    socket.write(masked(0x8, code));
    const close = await frames();
    expect([close[0], close.readUInt16BE(2)]).toEqual([0x88, 1000]);
    await once(socket, 'end');
    await slack.waitFor(() => slack.socketModeConnections === 0);
  });

  it('closes with a protocol error on an unmasked frame from the client', async () => {
    const { socket, frames } = await rawConnection();
    await frames();
    socket.write(Buffer.from([0x81, 0x02, 0x7b, 0x7d]));
    const close = await frames();
    expect([close[0], close.readUInt16BE(2)]).toEqual([0x88, 1002]);
    socket.destroy();
  });
});
