// A pass-through HTTP proxy in front of the local DynamoDB that can fail or hold back chosen
// requests, so tests can take DynamoDB away (or make it slow) at the worst moment without
// touching the bot's code.
import { createServer, request as httpRequest, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

export interface DynamoFaults {
  readonly url: string;
  /** Fails every request for `operation` whose body contains `bodyIncludes`, until cleared. */
  failWhen(operation: string, bodyIncludes: string): void;
  /** Holds every request for `operation` this long before passing it on, until cleared. */
  delayWhen(operation: string, ms: number): void;
  /** Resolves when the next request for `operation` arrives. */
  nextRequest(operation: string): Promise<void>;
  /**
   * Passes matching requests on, but keeps DynamoDB's answer from the caller (until cleared):
   * the write is done and the caller never hears so. Resolves when the first one is held.
   */
  holdAnswerWhen(operation: string, bodyIncludes: string): Promise<void>;
  /** Resolves once a request for `operation` whose body passes `matches` has been answered. */
  answered(operation: string, matches: (body: string) => boolean): Promise<void>;
  clear(): void;
  /** How many requests were failed so far. */
  readonly failed: number;
  close(): Promise<void>;
}

export async function startDynamoFaults(target: string): Promise<DynamoFaults> {
  let rule: { operation: string; bodyIncludes: string } | undefined;
  let delay: { operation: string; ms: number } | undefined;
  let waiting: Array<{ operation: string; arrived: () => void }> = [];
  let watching: Array<{ operation: string; matches: (body: string) => boolean; done: () => void }> = [];
  let failed = 0;
  let holding: { operation: string; bodyIncludes: string; held: () => void } | undefined;
  const released: Array<() => void> = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1];
      for (const w of waiting.filter((w) => w.operation === operation)) w.arrived();
      waiting = waiting.filter((w) => w.operation !== operation);
      if (rule && operation === rule.operation && body.toString('utf8').includes(rule.bodyIncludes)) {
        failed++;
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'injected failure' }));
        return;
      }
      const text = body.toString('utf8');
      const watchers = watching.filter((w) => w.operation === operation && w.matches(text));
      watching = watching.filter((w) => !watchers.includes(w));
      res.once('finish', () => {
        for (const w of watchers) w.done();
      });
      const pass = () => {
        const forward = httpRequest(
          { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
          (up) => {
            if (holding && operation === holding.operation && text.includes(holding.bodyIncludes)) {
              holding.held();
              released.push(() => res.destroy());
              return;
            }
            res.writeHead(up.statusCode ?? 500, up.headers);
            up.pipe(res);
          },
        );
        forward.on('error', () => res.destroy());
        forward.end(body);
      };
      if (delay && operation === delay.operation) setTimeout(pass, delay.ms);
      else pass();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failWhen(operation, bodyIncludes) {
      rule = { operation, bodyIncludes };
    },
    delayWhen(operation, ms) {
      delay = { operation, ms };
    },
    nextRequest(operation) {
      return new Promise<void>((arrived) => waiting.push({ operation, arrived }));
    },
    holdAnswerWhen(operation, bodyIncludes) {
      return new Promise<void>((held) => {
        holding = { operation, bodyIncludes, held };
      });
    },
    answered(operation, matches) {
      return new Promise<void>((done) => watching.push({ operation, matches, done }));
    },
    clear() {
      rule = undefined;
      delay = undefined;
      holding = undefined;
      for (const release of released.splice(0)) release();
    },
    get failed() {
      return failed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
