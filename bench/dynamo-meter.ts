// Counts (and optionally slows) every call dynalite serves, in dynalite's own HTTP server:
// dynalite keeps no call log, and the bot processes build their own SDK clients, so the server
// is the one place every DynamoDB call of every process can be seen and timed. Hooking the
// server rather than proxying it keeps the meter from adding a network hop of its own.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

interface DynamoCall {
  /** The operation, e.g. UpdateItem, from the X-Amz-Target header. */
  readonly operation: string;
  /** performance.now() when the request arrived and when its answer was sent. */
  readonly start: number;
  end: number;
}

export interface DynamoMeter {
  readonly calls: readonly DynamoCall[];
  readonly inFlight: number;
  /** Injected before dynalite sees each call; 0 unless set. */
  latencyMs: number;
  resetCalls(): void;
  onActivity(listener: () => void): void;
  /** Gives the server back its own handlers. */
  close(): void;
}

type Handler = (incoming: IncomingMessage, outgoing: ServerResponse) => void;

export function startDynamoMeter(server: Server, options: { latencyMs?: number } = {}): DynamoMeter {
  const handlers = server.listeners('request') as Handler[];
  let calls: DynamoCall[] = [];
  let inFlight = 0;
  const listeners: Array<() => void> = [];
  const touched = () => {
    for (const listener of listeners) listener();
  };
  const serve: Handler = (incoming, outgoing) => {
    for (const handler of handlers) handler.call(server, incoming, outgoing);
  };

  const meter: DynamoMeter = {
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
    onActivity(listener) {
      listeners.push(listener);
    },
    close() {
      server.removeListener('request', metered);
      for (const handler of handlers) server.on('request', handler);
    },
  };

  const metered: Handler = (incoming, outgoing) => {
    const operation = String(incoming.headers['x-amz-target'] ?? '').split('.').pop() || 'unknown';
    const call: DynamoCall = { operation, start: performance.now(), end: Number.NaN };
    calls.push(call);
    inFlight++;
    touched();
    outgoing.once('close', () => {
      call.end = performance.now();
      inFlight--;
      touched();
    });
    // The body waits in the request stream until dynalite reads it, as on a slower network.
    const latency = meter.latencyMs;
    if (latency > 0) setTimeout(() => serve(incoming, outgoing), latency);
    else serve(incoming, outgoing);
  };
  server.removeAllListeners('request');
  server.on('request', metered);
  return meter;
}
