/**
 * Every request the emulator received, in order, and a way to wait for the next ones, so
 * tests wait on events instead of sleeping.
 */
import { EventEmitter } from 'node:events';

export interface EcrCall {
  /** The action named by X-Amz-Target, or the raw header value if it names none. */
  action: string;
  repositoryName?: string;
  /** The region the request was signed for, whose registry answered it. */
  region?: string;
  /** Epoch milliseconds at arrival. */
  at: number;
}

export type CallListener = (call: EcrCall) => void;

export class CallLog {
  private readonly entries: EcrCall[] = [];
  private readonly events = new EventEmitter();

  constructor() {
    // Many tests may wait at once; that is not a leak.
    this.events.setMaxListeners(0);
  }

  get calls(): ReadonlyArray<EcrCall> {
    return this.entries;
  }

  record(call: EcrCall): void {
    const entry = Object.freeze({ ...call });
    this.entries.push(entry);
    this.events.emit('call', entry);
  }

  count(action: string): number {
    return this.entries.filter((call) => call.action === action).length;
  }

  reset(): void {
    this.entries.length = 0;
  }

  /** Subscribes to calls as they arrive; returns the unsubscribe function. */
  on(listener: CallListener): () => void {
    this.events.on('call', listener);
    return () => this.events.off('call', listener);
  }

  /** Resolves once `count` calls of `action` are in the log (counting since the last reset). */
  waitFor(action: string, count: number, timeoutMs: number): Promise<void> {
    if (this.count(action) >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const stop = this.on(() => {
        if (this.count(action) < count) return;
        clearTimeout(timer);
        stop();
        resolve();
      });
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`waited ${timeoutMs} ms for ${count} ${action} call(s), saw ${this.count(action)}`));
      }, timeoutMs);
    });
  }
}
