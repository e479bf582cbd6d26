/**
 * Slack's Web API rate limits, enforced as Slack enforces them: one token bucket per method and
 * per channel or user where the limit says so, refused with a whole-second Retry-After.
 */
import { SCOPE_ARGUMENT, webApiLimit, type WebApiLimit } from '../../src/slack/web-api-limits';

/**
 * 'slack' (the default) enforces src/slack/web-api-limits.ts as it is; 'off' enforces nothing.
 * `scale` multiplies every window (0.01 refills a hundred times sooner; bursts stay as they are),
 * and `now` replaces the wall clock (epoch milliseconds), so a test can step time itself.
 */
export type RateLimitSetting = 'slack' | 'off' | { scale?: number; now?: () => number };

export interface RateLimitRefusal {
  /** Which allowance ran out: the method, and the channel or user it is counted per. */
  key: string;
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Floating point may leave a refilled bucket, or a wait in seconds, a hair off a whole number. */
const EPSILON = 1e-9;

export class RateLimiter {
  private readonly enabled: boolean;
  private readonly scale: number;
  private readonly now: () => number;
  private readonly buckets = new Map<string, Bucket>();

  constructor(setting: RateLimitSetting = 'slack') {
    if (setting !== 'slack' && setting !== 'off' && (typeof setting !== 'object' || setting === null)) {
      throw new Error(`rateLimits must be 'slack', 'off' or { scale, now }, got ${String(setting)}`);
    }
    const options = typeof setting === 'object' ? setting : {};
    const scale = options.scale ?? 1;
    if (!Number.isFinite(scale) || scale <= 0) throw new Error(`rateLimits.scale must be a positive number, got ${scale}`);
    this.enabled = setting !== 'off';
    this.scale = scale;
    this.now = options.now ?? Date.now;
  }

  /**
   * Spends one request of the allowance this call draws on; returns the refusal when none is
   * left. `conversation` turns a channel argument (ID, name or user) into the conversation ID.
   */
  take(
    method: string,
    params: Record<string, unknown>,
    conversation: (ref: string) => string | undefined,
  ): RateLimitRefusal | undefined {
    const limit = webApiLimit(method);
    if (!this.enabled || !limit) return undefined;
    const key = limitKey(method, limit, params, conversation);
    const refillPerMs = limit.requests / (limit.windowSeconds * 1000 * this.scale);
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: limit.burst, at: now };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + Math.max(0, now - bucket.at) * refillPerMs);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1 - EPSILON) {
      bucket.tokens = Math.max(0, bucket.tokens - 1);
      return undefined;
    }
    const waitMs = (1 - bucket.tokens) / refillPerMs;
    return { key, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000 - EPSILON)) };
  }
}

/** 'chat.postMessage C0APPROVALS', 'views.publish U0ALICE', or the method alone for a workspace limit. */
function limitKey(
  method: string,
  limit: WebApiLimit,
  params: Record<string, unknown>,
  conversation: (ref: string) => string | undefined,
): string {
  if (limit.scope === 'workspace') return method;
  const value = params[SCOPE_ARGUMENT[limit.scope]];
  const ref = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  const subject = limit.scope === 'channel' ? (conversation(ref) ?? ref) : ref;
  return `${method} ${subject}`;
}
