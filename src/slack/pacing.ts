// Slack's rate limits on the bot's side. Calls that spend one allowance (a method, per channel
// where src/slack/web-api-limits.ts says Slack counts it so) go out at most its burst at a time,
// in the order asked; a 429 holds the whole allowance for its Retry-After, then the same call goes
// again. A 429 means Slack did not act on the call, so sending it again cannot post a message
// twice. Pacing is per process: another process spends the same allowance, and its 429s say so.
import { webApi } from '@slack/bolt';
import type { Clock } from '../service/ports';
import { SCOPE_ARGUMENT, webApiLimit } from './web-api-limits';

export interface Pacer {
  /**
   * Makes `call` once the allowance has room for it, again after each 429's Retry-After, and
   * gives up (unsent, or with the 429) rather than wait past `maxWaitMs` from now.
   */
  send<T>(method: string, args: object, call: () => Promise<T>): Promise<T>;
}

/** One allowance's calls: how many are out, who waits for room, and until when a 429 holds it. */
interface Line {
  readonly room: number;
  out: number;
  readonly waiting: Array<() => void>;
  heldUntil: number;
}

export function slackPacer(options: { maxWaitMs: number; clock: Clock }): Pacer {
  const { clock } = options;
  const lines = new Map<string, Line>();

  const lineFor = (key: string, room: number): Line => {
    let line = lines.get(key);
    if (!line) {
      line = { room, out: 0, waiting: [], heldUntil: 0 };
      lines.set(key, line);
    }
    return line;
  };
  /** Waits for room in the line; the caller then holds one place until it calls `leave`. */
  const enter = (line: Line): Promise<void> => {
    if (line.out < line.room) {
      line.out += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => line.waiting.push(resolve));
  };
  const leave = (key: string, line: Line): void => {
    const next = line.waiting.shift();
    if (next) {
      next(); // the place passes straight on, in the order asked
      return;
    }
    line.out -= 1;
    if (line.out === 0 && line.heldUntil <= clock.now()) lines.delete(key);
  };

  async function untilAnswered<T>(method: string, line: Line, call: () => Promise<T>, deadline: number): Promise<T> {
    for (;;) {
      const held = line.heldUntil - clock.now();
      if (clock.now() > deadline || clock.now() + Math.max(0, held) > deadline) {
        throw new Error(`${method} was not sent: Slack's rate limit kept it waiting ${options.maxWaitMs} ms`);
      }
      if (held > 0) await clock.sleep(held);
      try {
        return await call();
      } catch (error) {
        const waitMs = retryAfterMs(error);
        if (waitMs === undefined || clock.now() + waitMs > deadline) throw error;
        line.heldUntil = Math.max(line.heldUntil, clock.now() + waitMs);
      }
    }
  }

  return {
    async send(method, args, call) {
      const deadline = clock.now() + options.maxWaitMs;
      const limit = webApiLimit(method);
      if (!limit) return call();
      const key = allowance(method, args);
      const line = lineFor(key, limit.burst);
      await enter(line);
      try {
        return await untilAnswered(method, line, call, deadline);
      } finally {
        leave(key, line);
      }
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

/** The Web API methods the notifier and the Home tabs call, each through the pacer: posting, reading back what was posted, publishing Home tabs. */
export type PacedChat = Pick<webApi.WebClient['chat'], 'postMessage' | 'update'> & {
  readonly conversations: Pick<webApi.WebClient['conversations'], 'history' | 'replies' | 'open'>;
  readonly views: Pick<webApi.WebClient['views'], 'publish'>;
};

export function pacedChat(client: webApi.WebClient, pacer: Pacer): PacedChat {
  return {
    postMessage: (args) => pacer.send('chat.postMessage', args, () => client.chat.postMessage(args)),
    update: (args) => pacer.send('chat.update', args, () => client.chat.update(args)),
    conversations: {
      history: (args) => pacer.send('conversations.history', args, () => client.conversations.history(args)),
      replies: (args) => pacer.send('conversations.replies', args, () => client.conversations.replies(args)),
      open: (args) => pacer.send('conversations.open', args ?? {}, () => client.conversations.open(args)),
    },
    views: {
      publish: (args) => pacer.send('views.publish', args, () => client.views.publish(args)),
    },
  };
}
