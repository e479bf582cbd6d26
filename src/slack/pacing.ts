// Slack's rate limits on the bot's side. Calls that spend one allowance (a method, per channel
// where src/slack/web-api-limits.ts says Slack counts it so) go out one at a time, in the order
// asked; a 429 holds that allowance for its Retry-After, then the same call goes again. A 429
// means Slack did not act on the call, so sending it again cannot post a message twice.
// Pacing is per process: another process spends the same allowance, and its 429s say so.
import { webApi } from '@slack/bolt';
import type { Clock } from '../service/ports';
import { SCOPE_ARGUMENT, webApiLimit } from './web-api-limits';

export interface Pacer {
  /**
   * Makes `call` once the allowance's earlier calls are done, again after each 429's Retry-After,
   * and gives up (unsent, or with the 429) rather than wait past `maxWaitMs` from now.
   */
  send<T>(method: string, args: object, call: () => Promise<T>): Promise<T>;
}

export function slackPacer(options: { maxWaitMs: number; clock: Clock }): Pacer {
  const { clock } = options;
  /** Per allowance, the last call in line: the next one starts when it has settled. */
  const lines = new Map<string, Promise<unknown>>();

  async function untilAnswered<T>(method: string, call: () => Promise<T>, deadline: number): Promise<T> {
    for (;;) {
      if (clock.now() > deadline) {
        throw new Error(`${method} was not sent: Slack's rate limit kept it waiting ${options.maxWaitMs} ms`);
      }
      try {
        return await call();
      } catch (error) {
        const waitMs = retryAfterMs(error);
        if (waitMs === undefined || clock.now() + waitMs > deadline) throw error;
        await clock.sleep(waitMs);
      }
    }
  }

  return {
    send(method, args, call) {
      const deadline = clock.now() + options.maxWaitMs;
      const key = allowance(method, args);
      const turn = (lines.get(key) ?? Promise.resolve()).then(() => untilAnswered(method, call, deadline));
      const settled = turn.catch(() => undefined);
      lines.set(key, settled);
      void settled.then(() => {
        if (lines.get(key) === settled) lines.delete(key);
      });
      return turn;
    },
  };
}

/** 'chat.postMessage C0APPROVALS' for a per-channel limit, the method alone for a workspace one. */
function allowance(method: string, args: object): string {
  const limit = webApiLimit(method);
  if (!limit || limit.scope === 'workspace') return method;
  return `${method} ${String((args as Record<string, unknown>)[SCOPE_ARGUMENT[limit.scope]] ?? '')}`;
}

/**
 * How long Slack asked to wait, when the error is its 429 (the client must reject rate-limited
 * calls). Slack counts in whole seconds; a Retry-After of 0 still waits one, rather than spin.
 */
function retryAfterMs(error: unknown): number | undefined {
  if ((error as { code?: unknown } | null)?.code !== webApi.ErrorCode.RateLimitedError) return undefined;
  return Math.max(1, (error as webApi.WebAPIRateLimitedError).retryAfter) * 1000;
}

/** The Web API methods the notifier calls, each through the pacer. */
export type PacedChat = Pick<webApi.WebClient['chat'], 'postMessage' | 'update'>;

export function pacedChat(client: webApi.WebClient, pacer: Pacer): PacedChat {
  return {
    postMessage: (args) => pacer.send('chat.postMessage', args, () => client.chat.postMessage(args)),
    update: (args) => pacer.send('chat.update', args, () => client.chat.update(args)),
  };
}
