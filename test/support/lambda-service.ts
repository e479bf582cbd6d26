// A local stand-in for the Lambda service's Invoke API, for AWS_ENDPOINT_URL_LAMBDA: it takes
// `Event` invocations (202) and queues them; drain() hands each one to the function's handler,
// as Lambda would a moment later. Queuing makes "nothing ran yet" a fact tests can check.
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type InvokedHandler = (event: unknown, context: unknown) => Promise<unknown>;

interface Invocation {
  readonly functionName: string;
  readonly invocationType: string;
  readonly payload: unknown;
}

export interface LambdaService {
  readonly url: string;
  /** Every invocation accepted so far, in order. */
  readonly invocations: readonly Invocation[];
  /** Accepted but not yet handed to the handler. */
  readonly queued: readonly Invocation[];
  /** Runs queued invocations, including those they queue in turn, until none is left. */
  drain(): Promise<void>;
  /** The next Invoke is refused with this AWS error. */
  refuseNext(error: { status: number; type: string; message: string }): void;
  close(): Promise<void>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

function awsError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
  res.end(JSON.stringify({ Type: 'User', message }));
}

export async function startLambdaService(options: { functionName: string; handler: InvokedHandler }): Promise<LambdaService> {
  const invocations: Invocation[] = [];
  const queue: Invocation[] = [];
  let refusal: { status: number; type: string; message: string } | undefined;

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const match = INVOKE_PATH.exec(new URL(req.url ?? '/', 'http://lambda').pathname);
    if (req.method !== 'POST' || !match) return awsError(res, 404, 'UnknownOperationException', 'Only Invoke is implemented here');
    const functionName = decodeURIComponent(match[1]!);
    if (refusal) {
      const { status, type, message } = refusal;
      refusal = undefined;
      return awsError(res, status, type, message);
    }
    if (functionName !== options.functionName) {
      return awsError(res, 404, 'ResourceNotFoundException', `Function not found: ${functionName}`);
    }
    const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      return awsError(res, 400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    const invocation = { functionName, invocationType, payload };
    invocations.push(invocation);
    if (invocationType === 'Event') {
      queue.push(invocation);
      res.writeHead(202).end();
      return;
    }
    if (invocationType === 'DryRun') {
      res.writeHead(204).end();
      return;
    }
    const result = await options.handler(payload, {});
    res.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' });
    res.end(JSON.stringify(result ?? null));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    invocations,
    get queued() {
      return [...queue];
    },
    async drain() {
      while (queue.length > 0) {
        const next = queue.shift()!;
        await options.handler(next.payload, {});
      }
    },
    refuseNext(error) {
      refusal = error;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
