/**
 * Fault injection: which requests to slow down, throttle, fail or hold. Random faults come
 * from a seeded generator so a failing run can be replayed; one-shots are fully scripted.
 */

export type FaultKind = 'throttle' | 'server' | 'hang';

/** A fault chosen for one request; scripted ones came from failNext. */
export interface Fault {
  kind: FaultKind;
  scripted: boolean;
}

export interface EcrFaults {
  /** Delay before every answer, replacing the emulator's `latencyMs` option while set. */
  latencyMs?: number;
  /** Share of requests (0..1) answered 500 ServerException. */
  errorRate?: number;
  /** Share of requests (0..1) answered 400 ThrottlingException. */
  throttleRate?: number;
  /** Hold every matching request unanswered until the faults are cleared or the emulator closes. */
  hang?: boolean;
  /** Limit the faults to these actions; default all. */
  actions?: string[];
  /** Seed of the pseudo-random draws; default 1. */
  seed?: number;
}

/** mulberry32: tiny, fast and good enough to spread faults; same seed, same sequence. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function assertRate(name: string, rate: number | undefined): void {
  if (rate !== undefined && !(rate >= 0 && rate <= 1)) {
    throw new RangeError(`${name} must be between 0 and 1, got ${rate}`);
  }
}

export class FaultPlan {
  private faults: EcrFaults = {};
  private random = seededRandom(1);
  private readonly oneShots = new Map<string, FaultKind[]>();

  set(faults: EcrFaults): void {
    assertRate('errorRate', faults.errorRate);
    assertRate('throttleRate', faults.throttleRate);
    if ((faults.errorRate ?? 0) + (faults.throttleRate ?? 0) > 1) {
      throw new RangeError('errorRate + throttleRate must not exceed 1');
    }
    this.faults = { ...faults, actions: faults.actions && [...faults.actions] };
    this.random = seededRandom(faults.seed ?? 1);
  }

  clear(): void {
    this.faults = {};
    this.oneShots.clear();
  }

  failNext(action: string, times: number, kind: FaultKind): void {
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`times must be a positive integer, got ${times}`);
    const queue = this.oneShots.get(action) ?? [];
    queue.push(...Array.from({ length: times }, () => kind));
    this.oneShots.set(action, queue);
  }

  /** The fault for this request, if any; one-shots are used up first, in the order scripted. */
  next(action: string): Fault | undefined {
    const scripted = this.oneShots.get(action)?.shift();
    if (scripted) return { kind: scripted, scripted: true };
    if (!this.applies(action)) return undefined;
    if (this.faults.hang) return { kind: 'hang', scripted: false };
    const throttleRate = this.faults.throttleRate ?? 0;
    const errorRate = this.faults.errorRate ?? 0;
    if (throttleRate === 0 && errorRate === 0) return undefined;
    const draw = this.random();
    if (draw < throttleRate) return { kind: 'throttle', scripted: false };
    if (draw < throttleRate + errorRate) return { kind: 'server', scripted: false };
    return undefined;
  }

  latencyMs(action: string, base: number): number {
    return this.faults.latencyMs !== undefined && this.applies(action) ? this.faults.latencyMs : base;
  }

  private applies(action: string): boolean {
    return !this.faults.actions || this.faults.actions.includes(action);
  }
}
