// Slack waits 3 seconds for an acknowledgement (and a trigger_id lives as long). Work a listener
// does before it answers gets part of that, and what is not done by then goes on in a job.
import type { Clock } from '../service/ports';

/** How long a listener's own work may take before it answers Slack: the rest of the 3 s is for the network. */
const ACK_WORK_MS = 2000;

/** The work's answer if it comes within `ms`, else `undefined` (the work goes on, unwatched). */
export async function withinAckWindow<T>(work: Promise<T>, clock: Pick<Clock, 'sleep'>, ms: number = ACK_WORK_MS): Promise<{ value: T } | undefined> {
  const timer = new AbortController();
  // Failing late is failing unwatched: caught here, so it is no unhandled rejection.
  const answered = work.then((value) => ({ value }));
  answered.catch(() => undefined);
  try {
    return await Promise.race([answered, clock.sleep(ms, timer.signal).then(() => undefined)]);
  } finally {
    timer.abort();
  }
}
