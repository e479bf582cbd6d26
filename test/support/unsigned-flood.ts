// Requests at the bot's endpoint that Slack did not send: unsigned, signed with the wrong
// secret, signed for another body, or dated outside five minutes, in turn. The load test of the
// bench and its functional twin in the tests both send these; every one must be refused (401)
// before any listener sees it. Sent over a few kept-alive connections, as a flood would be.
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeSlashCommand, slashCommandFields } from '../../sandbox/slack/payloads';
import { nowSeconds, signSlackRequest } from '../../sandbox/slack/signature';

/** The kinds of forgery, sent in turn. */
const FORGERIES = ['unsigned', 'wrong secret', 'another body', 'dated an hour ago', 'no date'] as const;
type Forgery = (typeof FORGERIES)[number];

function forged(kind: Forgery, i: number): { body: string; headers: Record<string, string> } {
  const body = encodeSlashCommand(
    slashCommandFields({
      app: { teamId: 'T0FLOOD', teamDomain: 'flood', apiAppId: 'A0FLOOD', verificationToken: 'flood' },
      user: { id: 'U0FLOOD', name: 'flood' },
      channel: { id: 'C0FLOOD', name: 'flood' },
      command: '/ecr-access',
      text: `request common-images ${String(100_000_000_000 + i)}`,
      responseUrl: 'http://127.0.0.1:9/response/flood',
    }),
  );
  const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
  switch (kind) {
    case 'unsigned':
      return { body, headers: { ...form, 'X-Slack-Request-Timestamp': String(nowSeconds()) } };
    case 'wrong secret':
      return { body, headers: { ...form, ...signSlackRequest(`not-the-secret-${i}`, body) } };
    case 'another body':
      return { body: `${body}&text=help`, headers: { ...form, ...signSlackRequest(`not-the-secret-${i}`, body) } };
    case 'dated an hour ago':
      return { body, headers: { ...form, ...signSlackRequest(`not-the-secret-${i}`, body, nowSeconds() - 3600) } };
    case 'no date':
      return { body, headers: { ...form, 'X-Slack-Signature': `v0=${'0'.repeat(64)}` } };
  }
}

export interface FloodResult {
  /** How many requests got each status (0: the connection failed). */
  readonly statuses: Record<number, number>;
  /** From the first request sent to the last answer, in ms. */
  readonly elapsedMs: number;
}

/**
 * Sends `count` forged requests to `url`, spread evenly over `overMs` (0: as fast as the
 * connections allow), at most `connections` at once, and answers how each was answered.
 */
export async function floodWithForgedRequests(url: string, options: { count: number; overMs: number; connections?: number }): Promise<FloodResult> {
  const target = new URL(url);
  const connections = options.connections ?? 20;
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const statuses: Record<number, number> = {};
  const send = (i: number) =>
    new Promise<void>((resolve) => {
      const { body, headers } = forged(FORGERIES[i % FORGERIES.length]!, i);
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.on('error', () => {
        statuses[0] = (statuses[0] ?? 0) + 1;
        resolve();
      });
      req.end(body);
    });
  const started = Date.now();
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < options.count; i++) {
    // Paced: request i leaves at its share of the window, never before.
    const due = started + (options.overMs * i) / options.count;
    if (due > Date.now()) await sleep(due - Date.now());
    while (inFlight.size >= connections) await Promise.race(inFlight);
    const sent = send(i).finally(() => inFlight.delete(sent));
    inFlight.add(sent);
  }
  await Promise.all(inFlight);
  agent.destroy();
  return { statuses, elapsedMs: Date.now() - started };
}
