/**
 * Per-method faults a test arms on the simulator: errors, rate limits, delays, for a number
 * of calls or until cleared. Keys are Web API method names, or 'response_url'.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Fault } from './types';

export class FaultBook {
  private readonly armed = new Map<string, Fault & { remaining?: number; calls: number }>();

  set(method: string, fault: Fault): void {
    if (fault.times !== undefined && (!Number.isInteger(fault.times) || fault.times < 1)) {
      throw new Error(`fault for ${method}: times must be a positive integer, got ${fault.times}`);
    }
    if (fault.share !== undefined && !(fault.share > 0 && fault.share <= 1)) throw new Error(`fault for ${method}: share must be above 0 and at most 1, got ${fault.share}`);
    this.armed.set(method, { ...fault, calls: 0, ...(fault.times !== undefined ? { remaining: fault.times } : {}) });
  }

  clear(): void {
    this.armed.clear();
  }

  /** The fault for this call, used up by one; undefined when none is armed. */
  take(method: string): Fault | undefined {
    const fault = this.armed.get(method);
    if (!fault) return undefined;
    // A share is spread evenly: the call applies when it carries the running count of hits past a whole number.
    const call = fault.calls++;
    if (fault.share !== undefined && Math.floor((call + 1) * fault.share) === Math.floor(call * fault.share)) return undefined;
    if (fault.remaining !== undefined) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.armed.delete(method);
    }
    const { remaining: _remaining, calls: _calls, ...rest } = fault;
    return rest;
  }
}

/** Latency and fault delays: a timer, never a busy wait. */
export async function pause(ms: number): Promise<void> {
  if (ms > 0) await delay(ms);
}
