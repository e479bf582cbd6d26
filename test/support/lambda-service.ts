// A local stand-in for the Lambda service's Invoke API, for AWS_ENDPOINT_URL_LAMBDA: it takes
// `Event` invocations (202) and queues them; drain() hands each one to the function's handler,
// as Lambda would a moment later. Queuing makes "nothing ran yet" a fact tests can check.
// An `Event` invocation whose handler throws is run again, up to maximumRetryAttempts (1, as in
// serverless.yml); after the last try its invocation record goes to the on-failure destination,
// shaped as Lambda shapes it.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type InvokedHandler = (event: unknown, context: unknown) => Promise<unknown>;

interface Invocation {
  readonly functionName: string;
  readonly invocationType: string;
  readonly payload: unknown;
}

/** What Lambda sends an on-failure destination about an asynchronous invocation that failed every try. */
export interface InvocationRecord {
  readonly version: '1.0';
  readonly timestamp: string;
  readonly requestContext: { requestId: string; functionArn: string; condition: 'RetriesExhausted'; approximateInvokeCount: number };
  readonly requestPayload: unknown;
  readonly responseContext: { statusCode: 200; executedVersion: '$LATEST'; functionError: 'Unhandled' };
  readonly responsePayload: { errorType: string; errorMessage: string };
}

export interface LambdaService {
  readonly url: string;
  /** Every invocation accepted so far, in order. */
  readonly invocations: readonly Invocation[];
  /** Accepted but not yet handed to the handler. */
  readonly queued: readonly Invocation[];
  /** Runs queued invocations, including those they queue in turn and the tries again of those that failed, until none is left. */
  drain(): Promise<void>;
  /** How many times each invocation ran, in the order they were accepted. */
  readonly tries: readonly number[];
  /** The next Invoke is refused with this AWS error. */
  refuseNext(error: { status: number; type: string; message: string }): void;
  close(): Promise<void>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

function awsError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
  res.end(JSON.stringify({ Type: 'User', message }));
}

export async function startLambdaService(options: {
  functionName: string;
  handler: InvokedHandler;
  /** As the function's EventInvokeConfig: how often a failed `Event` invocation is run again (default 1). */
  maximumRetryAttempts?: number;
  /** The on-failure destination: given the record of each invocation that failed every try. */
  onFailure?: (record: InvocationRecord) => void;
}): Promise<LambdaService> {
  const invocations: Invocation[] = [];
  const tries: number[] = [];
  const queue: Array<Invocation & { index: number }> = [];
  const retries = options.maximumRetryAttempts ?? 1;
  const requestIds: string[] = [];
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
    tries.push(0);
    requestIds.push(randomUUID());
    if (invocationType === 'Event') {
      queue.push({ ...invocation, index: invocations.length - 1 });
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
      return queue.map(({ index: _index, ...invocation }) => invocation);
    },
    tries,
    async drain() {
      while (queue.length > 0) {
        const next = queue.shift()!;
        tries[next.index] = (tries[next.index] ?? 0) + 1;
        // A retry keeps the invocation's request ID, as Lambda's does.
        const requestId = requestIds[next.index]!;
        try {
          await options.handler(next.payload, { awsRequestId: requestId });
        } catch (error) {
          if (tries[next.index]! <= retries) {
            queue.push(next);
            continue;
          }
          options.onFailure?.({
            version: '1.0',
            timestamp: new Date().toISOString(),
            requestContext: {
              requestId,
              functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${next.functionName}:$LATEST`,
              condition: 'RetriesExhausted',
              approximateInvokeCount: tries[next.index]!,
            },
            requestPayload: next.payload,
            responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
            responsePayload: { errorType: error instanceof Error ? error.name : 'Error', errorMessage: error instanceof Error ? error.message : String(error) },
          });
        }
      }
    },
    refuseNext(error) {
      refusal = error;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
