// A counting (and optionally slowing) HTTP proxy in front of dynalite: dynalite keeps no call
// log, and the bot processes build their own SDK clients, so the wire is the one place every
// DynamoDB call of every process can be seen and timed.
import { once } from 'node:events';
import { createServer, request as httpRequest, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export interface DynamoCall {
  /** The operation, e.g. UpdateItem, from the X-Amz-Target header. */
  readonly operation: string;
  /** performance.now() when the request arrived and when its answer was sent. */
  readonly start: number;
  end: number;
}

export interface DynamoMeter {
  /** Where to point the SDK instead of dynalite. */
  readonly url: string;
  readonly calls: readonly DynamoCall[];
  readonly inFlight: number;
  /** Injected before forwarding each call; 0 unless set. */
  latencyMs: number;
  resetCalls(): void;
  onActivity(listener: () => void): void;
  close(): Promise<void>;
}

export async function startDynamoMeter(dynaliteUrl: string, options: { latencyMs?: number } = {}): Promise<DynamoMeter> {
  const target = new URL(dynaliteUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let calls: DynamoCall[] = [];
  let inFlight = 0;
  const listeners: Array<() => void> = [];
  const touched = () => listeners.forEach((listener) => listener());

  const forward = (incoming: IncomingMessage, outgoing: ServerResponse, call: DynamoCall) => {
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers, agent },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
        answer.on('end', () => {
          call.end = performance.now();
          inFlight--;
          touched();
        });
      },
    );
    upstream.on('error', (error) => {
      inFlight--;
      call.end = performance.now();
      if (!outgoing.headersSent) outgoing.writeHead(502);
      outgoing.end(String(error));
    });
    incoming.pipe(upstream);
  };

  const meter = {
    url: '',
    latencyMs: options.latencyMs ?? 0,
    get calls() {
      return calls;
    },
    get inFlight() {
      return inFlight;
    },
    resetCalls() {
      calls = [];
    },
    onActivity(listener: () => void) {
      listeners.push(listener);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };

  const server = createServer((incoming, outgoing) => {
    const operation = String(incoming.headers['x-amz-target'] ?? '').split('.').pop() || 'unknown';
    const call: DynamoCall = { operation, start: performance.now(), end: Number.NaN };
    calls.push(call);
    inFlight++;
    touched();
    const latency = meter.latencyMs;
    if (latency > 0) {
      // Hold the body until the delay is over, as a slower network would; pipe() resumes it.
      incoming.pause();
      void sleep(latency).then(() => forward(incoming, outgoing, call));
    } else {
      forward(incoming, outgoing, call);
    }
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  meter.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return meter;
}
