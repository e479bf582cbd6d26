// The sandbox page's HTTP server: the page itself, its live picture of the simulated Slack and
// the ECR emulator (server-sent events), and what a person can do there. Local dev tooling:
// it listens on the loopback interface only and is never part of a deployment.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import type { SimulatorEvent } from '../slack-simulator';
import type { EcrChange } from '../ecr-emulator';
import { EventStream } from './event-stream';
import {
  CLOCK_STEPS,
  ClickInput,
  ClockInput,
  CommandInput,
  MessageInput,
  ShortcutInput,
  SubmitInput,
  SuggestInput,
  UserInput,
  ViewClickInput,
  clickButton,
  clickInView,
  closeView,
  openHome,
  postMessage,
  runCommand,
  runShortcut,
  submitView,
  suggestOptions,
  type ActionOutcome,
} from './page-actions';
import { pageEventOf, pageSnapshot, repositoryPolicy, type PageSources } from './page-state';
import { isAsset, serveAsset } from './static-assets';

export interface SandboxPage {
  readonly url: string;
  close(): Promise<void>;
}

export class PortInUse extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is in use (is another sandbox running?); stop it, or pick another port with --port ${port + 1}`);
    this.name = 'PortInUse';
  }
}

const MAX_BODY_BYTES = 64 * 1024;

class BadRequest extends Error {}

export async function startSandboxPage(sources: PageSources, options: { port?: number } = {}): Promise<SandboxPage> {
  const stream = new EventStream();
  const onSlack = (event: SimulatorEvent): void => {
    const change = pageEventOf(event, sources);
    if (change) stream.send(change);
  };
  const onEcr = ({ repositoryName }: EcrChange): void => {
    stream.send({ type: 'policy', repository: repositoryPolicy(sources.ecr, repositoryName) });
  };

  const route = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://sandbox').pathname;
    if (request.method === 'GET' && isAsset(path)) return serveAsset(path, response);
    if (request.method === 'GET' && path === '/api/state') return sendJson(response, 200, pageSnapshot(sources));
    if (request.method === 'GET' && path === '/api/events') {
      return stream.open(request, response, { type: 'snapshot', snapshot: pageSnapshot(sources) });
    }
    if (request.method === 'POST' && path === '/api/command') {
      return sendOutcome(response, await runCommand(sources.slack, await readInput(request, CommandInput)));
    }
    if (request.method === 'POST' && path === '/api/click') {
      return sendOutcome(response, await clickButton(sources.slack, await readInput(request, ClickInput)));
    }
    if (request.method === 'POST' && path === '/api/shortcut') {
      return sendOutcome(response, await runShortcut(sources.slack, await readInput(request, ShortcutInput)));
    }
    if (request.method === 'POST' && path === '/api/view/submit') {
      return sendOutcome(response, await submitView(sources.slack, await readInput(request, SubmitInput)));
    }
    if (request.method === 'POST' && path === '/api/view/close') {
      return sendOutcome(response, await closeView(sources.slack, await readInput(request, UserInput)));
    }
    if (request.method === 'POST' && path === '/api/view/click') {
      return sendOutcome(response, await clickInView(sources.slack, await readInput(request, ViewClickInput)));
    }
    if (request.method === 'POST' && path === '/api/view/suggest') {
      return sendOutcome(response, await suggestOptions(sources.slack, await readInput(request, SuggestInput)));
    }
    if (request.method === 'POST' && path === '/api/home') {
      return sendOutcome(response, await openHome(sources.slack, await readInput(request, UserInput)));
    }
    if (request.method === 'POST' && path === '/api/message') {
      return sendOutcome(response, postMessage(sources.slack, await readInput(request, MessageInput)));
    }
    if (request.method === 'POST' && path === '/api/clock') {
      const { advance } = await readInput(request, ClockInput);
      await sources.clock.advance(CLOCK_STEPS[advance]);
      const now = sources.clock.now();
      stream.send({ type: 'clock', now });
      return sendJson(response, 200, { ok: true, now });
    }
    sendJson(response, 404, { error: `nothing at ${request.method ?? 'GET'} ${path}` });
  };

  const server: Server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (response.headersSent) return void response.end();
      const message = error instanceof Error ? error.message : String(error);
      sendJson(response, error instanceof BadRequest ? 400 : 500, { error: message });
    });
  });
  const port = options.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new PortInUse(port) : error));
    server.listen(port, '127.0.0.1', () => resolve());
  });
  sources.slack.on('event', onSlack);
  const stopFollowingEcr = sources.ecr.on('change', onEcr);

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    async close() {
      sources.slack.off('event', onSlack);
      stopFollowingEcr();
      stream.closeAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** A JSON body checked against its schema; only JSON is taken, so a plain cross-site form cannot post here. */
async function readInput<T extends z.ZodType>(request: IncomingMessage, schema: T): Promise<z.infer<T>> {
  if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new BadRequest('send the body as application/json');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BadRequest(`the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequest('the body is not JSON');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new BadRequest(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '));
  }
  return parsed.data;
}

function sendOutcome(response: ServerResponse, outcome: ActionOutcome): void {
  sendJson(response, 200, outcome);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  response.end(JSON.stringify(body));
}
