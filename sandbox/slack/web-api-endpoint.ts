/**
 * One Web API HTTP request, answered as Slack answers it: latency, then auth, then any armed
 * fault, then the method. Returns the answer for the caller to record before sending it.
 */
import type { IncomingMessage } from 'node:http';
import { pause, type FaultBook } from './faults';
import { decodeWebApiCall, readBody } from './request-body';
import type { ApiCall } from './types';
import { callMethod, isKnownMethod, type MethodResult, type WebApiContext } from './web-api';

export interface WebApiEndpoint {
  context: WebApiContext;
  botToken: string;
  faults: FaultBook;
  latencyMs: number;
}

export interface WebApiAnswer {
  call: ApiCall;
  headers: Record<string, string>;
}

export async function answerWebApiCall(
  endpoint: WebApiEndpoint,
  method: string,
  request: IncomingMessage,
): Promise<WebApiAnswer> {
  const at = Date.now();
  const rawBody = await readBody(request);
  await pause(endpoint.latencyMs);
  const decoded = decodeWebApiCall(request, rawBody);
  const params = decoded.ok ? decoded.params : {};
  let status = 200;
  let headers: Record<string, string> = {};
  let result: MethodResult;

  if (!decoded.ok) result = { ok: false, error: decoded.error };
  else if (decoded.token === undefined) result = { ok: false, error: 'not_authed' };
  else if (decoded.token !== endpoint.botToken) result = { ok: false, error: 'invalid_auth' };
  else {
    const fault = endpoint.faults.take(method);
    await pause(fault?.delayMs ?? 0);
    if (fault?.ratelimited) {
      status = 429;
      headers = { 'Retry-After': String(fault.ratelimited.retryAfterSeconds) };
      result = { ok: false, error: 'ratelimited' };
    } else if (fault?.error !== undefined) {
      result = { ok: false, error: fault.error };
    } else if (!isKnownMethod(method)) {
      result = { ok: false, error: 'unknown_method' };
    } else {
      result = callMethod(endpoint.context, method, params);
    }
  }

  const call: ApiCall = {
    method,
    params,
    at,
    ok: result.ok,
    ...(result.ok ? {} : { error: result.error }),
    status,
    result,
  };
  return { call, headers };
}
