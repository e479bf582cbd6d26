/**
 * A local Amazon SQS for the tests and the bench: a node:http server speaking SQS's JSON 1.0
 * protocol to the real @aws-sdk/client-sqs (point it there with AWS_ENDPOINT_URL_SQS). It keeps
 * standard queues the way the bot depends on them: a received message is hidden for its
 * visibility timeout and comes back unless deleted with its latest receipt handle, bodies carry
 * the MD5 the SDK checks, and the queue counts what is visible and what is in flight. Lambda's
 * on-failure destination is the only sender in production; `send` stands for it here.
 * Dev tooling only; the Lambda never loads it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const TARGET_PREFIX = 'AmazonSQS.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
/** SQS's own bounds on ReceiveMessage. */
const MAX_MESSAGES_PER_RECEIVE = 10;
const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

export interface SqsEmulatorOptions {
  /** Default us-east-1; used in queue ARNs. */
  region?: string;
  /** Default 123456789012; the queue URL's path starts with it. */
  accountId?: string;
  /** The emulator's time; tests move it to let a visibility timeout run out. Real time by default. */
  now?: () => number;
}

interface Message {
  readonly id: string;
  readonly body: string;
  readonly sentAt: number;
  /** Hidden until then (0: visible); the receipt handle of the latest receive is the only one that deletes it. */
  hiddenUntil: number;
  receipt?: string;
  receives: number;
}

export interface SqsEmulator {
  readonly url: string;
  /** Creates a standard queue (the stack does, in AWS) and answers its URL. */
  createQueue(name: string, options?: { visibilityTimeoutSeconds?: number }): string;
  /** Puts a message in the queue, as Lambda's on-failure destination does. */
  send(queueUrl: string, body: string): void;
  /** Every message body in the queue, visible or in flight, oldest first. */
  bodies(queueUrl: string): string[];
  /** Every call received, by action, in order. */
  readonly calls: ReadonlyArray<{ action: string; queueUrl?: string }>;
  close(): Promise<void>;
}

class SqsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    /** What the Query protocol called it; the SDK reads this header when it is given. */
    readonly queryCode: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const nonExistentQueue = () => new SqsError('com.amazonaws.sqs#QueueDoesNotExist', 'The specified queue does not exist.', 'AWS.SimpleQueueService.NonExistentQueue');
const invalidReceipt = (handle: string) =>
  new SqsError('com.amazonaws.sqs#ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`, 'ReceiptHandleIsInvalid', 404);
const invalidParameter = (message: string) => new SqsError('com.amazonaws.sqs#InvalidParameterValue', message, 'InvalidParameterValue');

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

function send(res: ServerResponse, status: number, body: unknown, error?: SqsError): void {
  res.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'x-amzn-requestid': randomUUID(),
    ...(error && { 'x-amzn-query-error': `${error.queryCode};Sender` }),
  });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Answered below, as SQS answers a body it cannot read.
  }
  throw new SqsError('com.amazonaws.sqs#InvalidParameterValue', 'The request body is not a JSON object.', 'InvalidParameterValue');
}

export async function startSqsEmulator(options: SqsEmulatorOptions = {}): Promise<SqsEmulator> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const now = options.now ?? Date.now;
  const queues = new Map<string, { name: string; visibilityMs: number; messages: Message[] }>();
  const calls: Array<{ action: string; queueUrl?: string }> = [];
  let origin = '';

  const queueAt = (url: unknown) => {
    const queue = typeof url === 'string' ? queues.get(url) : undefined;
    if (!queue) throw nonExistentQueue();
    return queue;
  };
  const visible = (m: Message) => m.hiddenUntil <= now();

  const actions: Record<string, (input: Record<string, unknown>) => unknown> = {
    GetQueueAttributes(input) {
      const queue = queueAt(input.QueueUrl);
      const all: Record<string, string> = {
        ApproximateNumberOfMessages: String(queue.messages.filter(visible).length),
        ApproximateNumberOfMessagesNotVisible: String(queue.messages.filter((m) => !visible(m)).length),
        ApproximateNumberOfMessagesDelayed: '0',
        VisibilityTimeout: String(queue.visibilityMs / 1000),
        QueueArn: `arn:aws:sqs:${region}:${accountId}:${queue.name}`,
      };
      const names = Array.isArray(input.AttributeNames) ? (input.AttributeNames as string[]) : [];
      const wanted = names.includes('All') ? Object.keys(all) : names.filter((name) => name in all);
      return { Attributes: Object.fromEntries(wanted.map((name) => [name, all[name]])) };
    },
    ReceiveMessage(input) {
      const queue = queueAt(input.QueueUrl);
      const max = input.MaxNumberOfMessages === undefined ? 1 : Number(input.MaxNumberOfMessages);
      if (!Number.isInteger(max) || max < 1 || max > MAX_MESSAGES_PER_RECEIVE) {
        throw invalidParameter(`Value ${String(input.MaxNumberOfMessages)} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`);
      }
      const hideSeconds = input.VisibilityTimeout === undefined ? queue.visibilityMs / 1000 : Number(input.VisibilityTimeout);
      if (!Number.isInteger(hideSeconds) || hideSeconds < 0 || hideSeconds > MAX_VISIBILITY_SECONDS) {
        throw invalidParameter(`Value ${String(input.VisibilityTimeout)} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.`);
      }
      // Long polling answers at once when messages wait; an empty queue answers empty (no client here waits for a sender).
      const taken = queue.messages.filter(visible).slice(0, max);
      for (const message of taken) {
        message.hiddenUntil = now() + hideSeconds * 1000;
        message.receipt = randomUUID();
        message.receives += 1;
      }
      return {
        Messages: taken.map((m) => ({
          MessageId: m.id,
          ReceiptHandle: m.receipt,
          MD5OfBody: md5(m.body),
          Body: m.body,
          Attributes: { SentTimestamp: String(m.sentAt), ApproximateReceiveCount: String(m.receives) },
        })),
      };
    },
    DeleteMessage(input) {
      const queue = queueAt(input.QueueUrl);
      const handle = String(input.ReceiptHandle ?? '');
      const index = queue.messages.findIndex((m) => m.receipt === handle);
      // A handle from an earlier receive of a message since received again no longer deletes it, as in SQS.
      if (index < 0) throw invalidReceipt(handle);
      queue.messages.splice(index, 1);
      return {};
    },
    SendMessage(input) {
      const queue = queueAt(input.QueueUrl);
      if (typeof input.MessageBody !== 'string' || input.MessageBody.length === 0) throw invalidParameter('The request must contain the parameter MessageBody.');
      const message: Message = { id: randomUUID(), body: input.MessageBody, sentAt: now(), hiddenUntil: 0, receives: 0 };
      queue.messages.push(message);
      return { MessageId: message.id, MD5OfMessageBody: md5(message.body) };
    },
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        if (req.method !== 'POST') throw new SqsError('com.amazonaws.sqs#UnsupportedOperation', 'Only POST is supported', 'AWS.SimpleQueueService.UnsupportedOperation');
        if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
          throw new SqsError('com.amazonaws.sqs#MissingAuthenticationToken', 'Missing Authentication Token', 'MissingAuthenticationToken', 403);
        }
        const target = String(req.headers['x-amz-target'] ?? '');
        const action = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
        const input = await readJson(req);
        const run = actions[action];
        if (!run) throw new SqsError('com.amazonaws.sqs#UnsupportedOperation', `${target || 'No operation'} is not implemented here`, 'AWS.SimpleQueueService.UnsupportedOperation');
        calls.push({ action, ...(typeof input.QueueUrl === 'string' && { queueUrl: input.QueueUrl }) });
        send(res, 200, run(input));
      } catch (error) {
        if (error instanceof SqsError) send(res, error.status, { __type: error.type, message: error.message }, error);
        else send(res, 500, { __type: 'com.amazonaws.sqs#InternalError', message: String(error) });
      }
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    calls,
    createQueue(name, queueOptions = {}) {
      const url = `${origin}/${accountId}/${name}`;
      if (!queues.has(url)) queues.set(url, { name, visibilityMs: (queueOptions.visibilityTimeoutSeconds ?? 30) * 1000, messages: [] });
      return url;
    },
    send(queueUrl, body) {
      queueAt(queueUrl).messages.push({ id: randomUUID(), body, sentAt: now(), hiddenUntil: 0, receives: 0 });
    },
    bodies: (queueUrl) => queueAt(queueUrl).messages.map((m) => m.body),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
