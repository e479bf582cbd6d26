/**
 * ECR's JSON 1.1 wire format on node:http: reading the target and body of a request and
 * writing answers and errors the way the SDK's AwsJson1_1Protocol expects them.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serialization, type EcrServiceError } from './errors';

const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const MAX_BODY_BYTES = 1024 * 1024;

/** Marks a body that is not JSON; refused only after faults had their turn, as ECR's front door would. */
export const INVALID_JSON = Symbol('invalid JSON');

export function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The action named by X-Amz-Target, or the raw header (possibly '') when it names no ECR action. */
/** The region a SigV4 request was signed for: its credential scope's third part (`Credential=AKID/20261207/eu-west-1/ecr/aws4_request`). */
export function signedRegion(request: IncomingMessage): string | undefined {
  return /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\//.exec(header(request, 'authorization') ?? '')?.[1];
}

export function targetAction(request: IncomingMessage): { target: string | undefined; action: string } {
  const target = header(request, 'x-amz-target');
  const action = target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : (target ?? '');
  return { target, action };
}

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw serialization('Request body is too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The body as JSON; undefined for an empty body (the SDK always sends `{}`, curl may not). */
export function parseBody(raw: string): unknown {
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return INVALID_JSON;
  }
}

export function repositoryNameOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const name = (body as { repositoryName?: unknown }).repositoryName;
  return typeof name === 'string' ? name : undefined;
}

/** An answer in AWS's JSON 1.1 protocol (the Organizations emulator answers this way too). */
export function writeAwsJson(response: ServerResponse, status: number, body: object, errorType?: string): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(payload),
    'x-amzn-RequestId': randomUUID(),
    ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
  });
  response.end(payload);
}

export function sendOutput(response: ServerResponse, output: object): void {
  writeAwsJson(response, 200, output);
}

export function sendError(response: ServerResponse, error: EcrServiceError): void {
  writeAwsJson(response, error.status, { __type: error.type, message: error.message }, error.type);
}
