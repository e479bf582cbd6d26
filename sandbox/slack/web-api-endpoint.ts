/**
 * One Web API HTTP request, answered as Slack answers it: latency, then auth, then any armed
 * fault, then the method's rate limit, then the method. Returns the answer for the caller to record.
 */
import type { IncomingMessage } from 'node:http';
import { pause, type FaultBook } from './faults';
import type { RateLimiter } from './rate-limits';
import { decodeWebApiCall, readBody } from './request-body';
import type { ApiCall, RateLimitedAnswer } from './types';
import { callMethod, isKnownMethod, type MethodResult, type WebApiContext } from './web-api';

export interface WebApiEndpoint {
  context: WebApiContext;
  botToken: string;
  faults: FaultBook;
  limits: RateLimiter;
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
  let result: MethodResult;
  let rateLimited: RateLimitedAnswer | undefined;

  if (!decoded.ok) result = { ok: false, error: decoded.error };
  else if (decoded.token === undefined) result = { ok: false, error: 'not_authed' };
  else if (decoded.token !== endpoint.botToken) result = { ok: false, error: 'invalid_auth' };
  else {
    const fault = endpoint.faults.take(method);
    await pause(fault?.delayMs ?? 0);
    // A call an armed fault answers instead of the method does not spend the method's allowance.
    const refusal = fault?.ratelimited || fault?.error !== undefined ? undefined : takeAllowance(endpoint, method, params);
    if (fault?.ratelimited) {
      rateLimited = { by: 'fault', retryAfterSeconds: fault.ratelimited.retryAfterSeconds };
      result = ratelimited();
    } else if (fault?.error !== undefined) {
      result = { ok: false, error: fault.error };
    } else if (refusal) {
      rateLimited = { by: 'limit', ...refusal };
      result = ratelimited();
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
    status: rateLimited ? 429 : 200,
    result,
    ...(rateLimited && { rateLimited }),
  };
  const headers: Record<string, string> = rateLimited ? { 'Retry-After': String(rateLimited.retryAfterSeconds) } : {};
  return { call, headers };
}

/** Slack's body for HTTP 429, beside the Retry-After header. */
function ratelimited(): MethodResult {
  return { ok: false, error: 'ratelimited' };
}

function takeAllowance(endpoint: WebApiEndpoint, method: string, params: Record<string, unknown>) {
  return endpoint.limits.take(method, params, (ref) => endpoint.context.workspace.resolveConversation(ref)?.id);
}
