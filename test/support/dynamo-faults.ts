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
   * Answers the next `times` BatchGetItem calls as a throttled table does: the first item read,
   * every other key handed back as UnprocessedKeys.
   */
  leaveReadsUnprocessed(times: number): void;
  /** Resolves once a request for `operation` whose body passes `matches` has been answered. */
  answered(operation: string, matches: (body: string) => boolean): Promise<void>;
  clear(): void;
  /** How many requests were failed so far. */
  readonly failed: number;
  close(): Promise<void>;
}

interface BatchGetAnswer {
  Responses?: Record<string, Array<Record<string, unknown> & { pk?: unknown }>>;
  UnprocessedKeys?: Record<string, unknown>;
}

export async function startDynamoFaults(target: string): Promise<DynamoFaults> {
  let rule: { operation: string; bodyIncludes: string } | undefined;
  let delay: { operation: string; ms: number } | undefined;
  let waiting: Array<{ operation: string; arrived: () => void }> = [];
  let watching: Array<{ operation: string; matches: (body: string) => boolean; done: () => void }> = [];
  let failed = 0;
  let unprocessedAnswers = 0;
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
      res.once('finish', () => watchers.forEach((w) => w.done()));
      const pass = () => {
        const forward = httpRequest(
          { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
          (up) => {
            if (operation === 'BatchGetItem' && unprocessedAnswers > 0 && up.statusCode === 200) {
              unprocessedAnswers--;
              const parts: Buffer[] = [];
              up.on('data', (c: Buffer) => parts.push(c));
              up.on('end', () => {
                const answer = JSON.parse(Buffer.concat(parts).toString('utf8')) as BatchGetAnswer;
                const asked = JSON.parse(text) as { RequestItems: Record<string, { Keys: unknown[]; ConsistentRead?: boolean }> };
                for (const [table, request] of Object.entries(asked.RequestItems)) {
                  const [first, ...rest] = answer.Responses?.[table] ?? [];
                  answer.Responses = { ...answer.Responses, [table]: first ? [first] : [] };
                  const firstKey = first ? JSON.stringify(first.pk) : undefined;
                  const left = request.Keys.filter((k) => JSON.stringify((k as { pk: unknown }).pk) !== firstKey);
                  if (rest.length > 0 || left.length > 0) answer.UnprocessedKeys = { ...answer.UnprocessedKeys, [table]: { ...request, Keys: left } };
                }
                const out = JSON.stringify(answer);
                // The body changed, so dynalite's checksum of it would no longer match.
                const { 'x-amz-crc32': _checksum, ...headers } = up.headers;
                headers['content-length'] = String(Buffer.byteLength(out));
                res.writeHead(200, headers);
                res.end(out);
              });
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
    leaveReadsUnprocessed(times) {
      unprocessedAnswers = times;
    },
    answered(operation, matches) {
      return new Promise<void>((done) => watching.push({ operation, matches, done }));
    },
    clear() {
      rule = undefined;
      delay = undefined;
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
