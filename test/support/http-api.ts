// API Gateway HTTP API (payload format 2.0) on this machine: builds the events the real one
// hands a Lambda function, and serves a handler over HTTP so the Slack simulator can reach it.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpApiEvent {
  version: '2.0';
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: string;
    stage: string;
    time: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

interface HttpApiResult {
  statusCode: number;
  headers?: Record<string, boolean | number | string>;
  body?: string;
  isBase64Encoded?: boolean;
}

export type HttpApiHandler = (event: HttpApiEvent, context: unknown) => Promise<HttpApiResult | undefined>;

// HTTP APIs pass these bodies as text and base64-encode every other one, including Slack's
// application/x-www-form-urlencoded and a request without a content type.
const TEXT_TYPES = [/^text\//, /^application\/json$/, /^application\/xml$/, /^application\/javascript$/];

function isTextContent(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return TEXT_TYPES.some((pattern) => pattern.test(type));
}

export function httpApiEvent(input: {
  rawBody: string;
  headers: Record<string, string>;
  method?: string;
  path?: string;
}): HttpApiEvent {
  const method = input.method ?? 'POST';
  const path = input.path ?? '/slack/events';
  const headers = Object.fromEntries(Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const text = isTextContent(headers['content-type']);
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'x-forwarded-proto': 'https', ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'localapi',
      domainName: 'localapi.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'localapi',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(input.rawBody !== '' && { body: text ? input.rawBody : Buffer.from(input.rawBody, 'utf8').toString('base64') }),
    isBase64Encoded: input.rawBody !== '' && !text,
  };
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return flat;
}

export interface HttpApiGateway {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `handler` at http://127.0.0.1:<port>/slack/events as API Gateway would. */
export async function startHttpApiGateway(handler: HttpApiHandler): Promise<HttpApiGateway> {
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://gateway');
    const event = httpApiEvent({
      rawBody: Buffer.concat(chunks).toString('utf8'),
      headers: flatHeaders(req.headers),
      method: req.method ?? 'GET',
      path: url.pathname,
    });
    let result: HttpApiResult | undefined;
    try {
      result = await handler(event, {});
    } catch {
      result = undefined;
    }
    if (!result) {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"Internal Server Error"}');
      return;
    }
    const body = result.body ?? '';
    res.writeHead(result.statusCode, Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)])));
    res.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
