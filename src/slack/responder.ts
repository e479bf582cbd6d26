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

export type Respond = (responseUrl: string, reply: Reply) => Promise<void>;

export function responder(logger: Logger, fetchFn: typeof fetch = fetch): Respond {
  return async (responseUrl, reply) => {
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        const res = await fetchFn(responseUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, ...reply }),
          signal: AbortSignal.timeout(5000),
        });
        if (res.ok) return;
        if (res.status < 500 && res.status !== 429) {
          logger.error('Slack refused a reply', { status: res.status });
          return;
        }
      } catch (error) {
        if (attempt === 3) logger.error('could not reply to the user', { error });
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  };
}
