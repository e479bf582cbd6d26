// Replies to the person who ran a command or clicked a button, through the response_url
// Slack gave us with their request.
import * as z from 'zod';
import type { Logger } from '../logger';
import type { Block } from './blocks/kit';

export const ResponseUrl = z.url({ protocol: /^https?$/ });

interface Reply {
  readonly text: string;
  readonly blocks?: Block[];
  /** Take the place of the message the button was on (a confirmation), instead of adding a reply. */
  readonly replace_original?: boolean;
}

/** Who a reply is for and what they did: what the log names when the reply is lost. */
export interface ReplyTo {
  readonly responseUrl: string;
  /** The job the reply answers: request, decide, list, revoke or history. */
  readonly job: string;
  readonly user: string;
}

export type Respond = (to: ReplyTo, reply: Reply) => Promise<void>;

const ATTEMPTS = 3;

/** `pause` is for tests; between attempts it waits 200 ms, then 400 ms. */
export function responder(
  logger: Logger,
  fetchFn: typeof fetch = fetch,
  pause: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Respond {
  return async (to, reply) => {
    // The person saw only Slack's acknowledgement; this line is the one trace of what they were
    // not told. The response_url is left out: for half an hour it lets anyone post to them.
    const lost = (why: Record<string, unknown>) =>
      logger.error('a reply to the user was lost: Slack did not take it', { job: to.job, user: to.user, reply: reply.text, ...why });
    let lastFailure: Record<string, unknown> = {};
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        const res = await fetchFn(to.responseUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, ...reply }),
          signal: AbortSignal.timeout(5000),
        });
        if (res.ok) return;
        // Slack refuses the same reply the same way every time, except when busy or rate limiting.
        if (res.status < 500 && res.status !== 429) return lost({ status: res.status, attempts: attempt });
        lastFailure = { status: res.status };
      } catch (error) {
        lastFailure = { error };
      }
      if (attempt < ATTEMPTS) await pause(200 * attempt);
    }
    lost({ ...lastFailure, attempts: ATTEMPTS });
  };
}
