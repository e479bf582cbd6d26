// Waiting on the wall clock, for the clocks that keep real time (the server's, the sandbox's).
import { setTimeout as timer } from 'node:timers/promises';

/** Resolves after `ms`, or at once when `signal` aborts, its timer cleared so nothing is left waiting. */
export async function sleepFor(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await timer(ms, undefined, signal && { signal });
  } catch (error) {
    if (!signal?.aborted) throw error;
  }
}
