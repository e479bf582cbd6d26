/**
 * One response_url HTTP request: latency, any fault armed for 'response_url', then the body
 * applied to the workspace. Returns the record for the caller to keep before answering.
 */
import type { IncomingMessage } from 'node:http';
import { pause, type FaultBook } from './faults';
import { parseJsonObject, readBody } from './request-body';
import { applyResponse } from './response-url';
import type { ResponseUrls } from './response-urls';
import type { ResponseUrlPost } from './types';
import type { SlackWorkspace } from './workspace';

export interface ResponseUrlEndpoint {
  workspace: SlackWorkspace;
  faults: FaultBook;
  latencyMs: number;
  responseUrls: ResponseUrls;
}

export interface ResponseUrlAnswer {
  post: ResponseUrlPost;
  headers: Record<string, string>;
}

export async function answerResponseUrl(
  endpoint: ResponseUrlEndpoint,
  id: string,
  request: IncomingMessage,
): Promise<ResponseUrlAnswer> {
  const at = Date.now();
  const rawBody = await readBody(request);
  await pause(endpoint.latencyMs);
  const body = parseJsonObject(rawBody);
  const context = endpoint.responseUrls.get(id);
  const fault = context ? endpoint.faults.take('response_url') : undefined;
  await pause(fault?.delayMs ?? 0);

  let headers: Record<string, string> = {};
  let answer: Pick<ResponseUrlPost, 'status' | 'outcome' | 'error'>;
  if (!context) answer = { status: 404, outcome: 'rejected', error: 'expired_url' };
  else if (fault?.ratelimited) {
    answer = { status: 429, outcome: 'rejected', error: 'ratelimited' };
    headers = { 'Retry-After': String(fault.ratelimited.retryAfterSeconds) };
  } else if (fault?.error !== undefined) {
    // Slack answers a dead URL (expired_url, used_url) with 404 and a bad body with 400.
    answer = { status: /_url$/.test(fault.error) ? 404 : 400, outcome: 'rejected', error: fault.error };
  } else if (!body) answer = { status: 400, outcome: 'rejected', error: 'invalid_payload' };
  else answer = applyResponse(endpoint.workspace, context, body);

  const post: ResponseUrlPost = {
    id,
    url: endpoint.responseUrls.urlFor(id),
    body: body ?? { raw: rawBody },
    at,
    status: answer.status,
    outcome: answer.outcome,
    ...(answer.error !== undefined ? { error: answer.error } : {}),
  };
  return { post, headers };
}
