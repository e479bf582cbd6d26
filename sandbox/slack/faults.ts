/**
 * Per-method faults a test arms on the simulator: errors, rate limits, delays, for a number
 * of calls or until cleared. Keys are Web API method names, or 'response_url'.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Fault } from './types';

export class FaultBook {
  private readonly armed = new Map<string, Fault & { remaining?: number }>();

  set(method: string, fault: Fault): void {
    if (fault.times !== undefined && (!Number.isInteger(fault.times) || fault.times < 1)) {
      throw new Error(`fault for ${method}: times must be a positive integer, got ${fault.times}`);
    }
    this.armed.set(method, { ...fault, ...(fault.times !== undefined ? { remaining: fault.times } : {}) });
  }

  clear(): void {
    this.armed.clear();
  }

  /** The fault for this call, used up by one; undefined when none is armed. */
  take(method: string): Fault | undefined {
    const fault = this.armed.get(method);
    if (!fault) return undefined;
    if (fault.remaining !== undefined) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.armed.delete(method);
    }
    const { remaining: _remaining, ...rest } = fault;
    return rest;
  }
}

/** Latency and fault delays: a timer, never a busy wait. */
export async function pause(ms: number): Promise<void> {
  if (ms > 0) await delay(ms);
}
