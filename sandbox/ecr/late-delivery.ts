/**
 * Requests the network delivers late: each is held for its delay whatever its client does, then
 * applied or refused at that time. Every one ends in exactly one landing, which tests can await.
 */
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { EcrErrorType, EcrServiceError } from './errors';

/** How a late request ended: the action ran, ECR refused it (errorType says why), or close() dropped it. */
type LandingOutcome = 'applied' | 'refused' | 'dropped';

export interface EcrLanding {
  action: string;
  repositoryName?: string;
  outcome: LandingOutcome;
  /** When refused: the exception ECR answered with, e.g. InvalidSignatureException for a signature that aged while held. */
  errorType?: EcrErrorType;
  /** When refused: ECR's message. */
  message?: string;
  /** Epoch milliseconds: the request's signing time (X-Amz-Date, whole seconds), its arrival and its landing. */
  signedAt: number;
  receivedAt: number;
  at: number;
  /** Whether its client was still waiting for the answer; false once the client gave up. */
  clientWaiting: boolean;
}

export type LandingListener = (landing: EcrLanding) => void;

/** What the emulator knows of a late request when it arrives. */
export type LateRequest = Pick<EcrLanding, 'action' | 'repositoryName' | 'signedAt' | 'receivedAt'>;

type Ending = Pick<EcrLanding, 'outcome' | 'errorType' | 'message'>;

function refusal(error: unknown): Ending {
  if (error instanceof EcrServiceError) return { outcome: 'refused', errorType: error.type, message: error.message };
  return { outcome: 'refused', errorType: EcrErrorType.Server, message: String(error) };
}

export class LateDeliveries {
  private held = 0;
  private readonly entries: EcrLanding[] = [];
  private readonly events = new EventEmitter();
  private readonly closing = new AbortController();

  constructor() {
    // Many tests may wait at once; that is not a leak.
    this.events.setMaxListeners(0);
  }

  get landings(): ReadonlyArray<EcrLanding> {
    return this.entries;
  }

  /**
   * Holds the request `delayMs` (only close() cuts that short), then runs `land`: the signature
   * check and the action, as ECR would on receipt. `clientWaiting` says whether anyone still listens.
   */
  async deliver(
    request: LateRequest,
    delayMs: number,
    land: () => Promise<object>,
    clientWaiting: () => boolean,
  ): Promise<object> {
    this.held += 1;
    try {
      await sleep(delayMs, undefined, { signal: this.closing.signal });
    } catch (error) {
      this.record(request, { outcome: 'dropped' }, false);
      throw error;
    }
    try {
      const output = await land();
      this.record(request, { outcome: 'applied' }, clientWaiting());
      return output;
    } catch (error) {
      this.record(request, refusal(error), clientWaiting());
      throw error;
    }
  }

  /** Drops every request still held, for close(): a network that is switched off delivers nothing. */
  dropAll(): void {
    this.closing.abort();
  }

  reset(): void {
    this.entries.length = 0;
  }

  on(listener: LandingListener): () => void {
    this.events.on('landed', listener);
    return () => this.events.off('landed', listener);
  }

  /** Resolves once no late request is held; rejects after `timeoutMs`. */
  waitForAll(timeoutMs: number): Promise<void> {
    if (this.held === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const stop = this.on(() => {
        if (this.held > 0) return;
        clearTimeout(timer);
        stop();
        resolve();
      });
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`waited ${timeoutMs} ms for late requests to land, ${this.held} still held`));
      }, timeoutMs);
    });
  }

  private record(request: LateRequest, ending: Ending, clientWaiting: boolean): void {
    this.held -= 1;
    const landing = Object.freeze({ ...request, ...ending, at: Date.now(), clientWaiting });
    this.entries.push(landing);
    this.events.emit('landed', landing);
  }
}
