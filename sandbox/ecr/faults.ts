/**
 * Fault injection: which requests to slow down, throttle, fail, hold or deliver late. Random
 * faults come from a seeded generator so a failing run can be replayed; one-shots are scripted.
 */

/** What failNext can script; late delivery needs a delay, so deliverLate scripts it. */
export type FaultKind = 'throttle' | 'server' | 'hang';

/** A fault chosen for one request; scripted ones came from failNext or deliverLate. */
export type Fault =
  | { kind: FaultKind; scripted: boolean }
  /** Held `delayMs` whatever its client does, then applied: a network that delivers late. */
  | { kind: 'late'; scripted: boolean; delayMs: number };

export interface EcrFaults {
  /** Delay before every answer, replacing the emulator's `latencyMs` option while set. */
  latencyMs?: number;
  /** Share of requests (0..1) answered 500 ServerException. */
  errorRate?: number;
  /** Share of requests (0..1) answered 400 ThrottlingException. */
  throttleRate?: number;
  /** Share of requests (0..1) delivered late: held `lateMs` even after their client gave up, then applied. */
  lateRate?: number;
  /** How long a late request is held, in milliseconds; required with `lateRate`. */
  lateMs?: number;
  /** Hold every matching request unanswered until the faults are cleared or the emulator closes. */
  hang?: boolean;
  /** Limit the faults to these actions; default all. */
  actions?: string[];
  /** Seed of the pseudo-random draws; default 1. */
  seed?: number;
}

export interface LateDeliveryScript {
  /** How long each request is held before it is applied, in milliseconds. */
  delayMs: number;
  /** How many of the next requests; default 1. */
  times?: number;
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

function assertDelay(name: string, delayMs: number | undefined): void {
  if (delayMs !== undefined && !(Number.isFinite(delayMs) && delayMs >= 0)) {
    throw new RangeError(`${name} must be a number of milliseconds, 0 or more, got ${delayMs}`);
  }
}

function assertTimes(times: number): void {
  if (!Number.isInteger(times) || times < 1) throw new RangeError(`times must be a positive integer, got ${times}`);
}

export class FaultPlan {
  private faults: EcrFaults = {};
  private random = seededRandom(1);
  private readonly oneShots = new Map<string, Fault[]>();

  set(faults: EcrFaults): void {
    assertRate('errorRate', faults.errorRate);
    assertRate('throttleRate', faults.throttleRate);
    assertRate('lateRate', faults.lateRate);
    assertDelay('lateMs', faults.lateMs);
    if ((faults.errorRate ?? 0) + (faults.throttleRate ?? 0) + (faults.lateRate ?? 0) > 1) {
      throw new RangeError('errorRate + throttleRate + lateRate must not exceed 1');
    }
    if (faults.lateRate && faults.lateMs === undefined) throw new RangeError('lateRate needs lateMs, the delay');
    this.faults = { ...faults, ...(faults.actions && { actions: [...faults.actions] }) };
    this.random = seededRandom(faults.seed ?? 1);
  }

  clear(): void {
    this.faults = {};
    this.oneShots.clear();
  }

  failNext(action: string, times: number, kind: FaultKind): void {
    assertTimes(times);
    this.script(action, times, { kind, scripted: true });
  }

  deliverLate(action: string, { delayMs, times = 1 }: LateDeliveryScript): void {
    assertTimes(times);
    assertDelay('delayMs', delayMs);
    this.script(action, times, { kind: 'late', scripted: true, delayMs });
  }

  /** The fault for this request, if any; one-shots are used up first, in the order scripted. */
  next(action: string): Fault | undefined {
    const scripted = this.oneShots.get(action)?.shift();
    if (scripted) return scripted;
    if (!this.applies(action)) return undefined;
    if (this.faults.hang) return { kind: 'hang', scripted: false };
    const throttleRate = this.faults.throttleRate ?? 0;
    const errorRate = this.faults.errorRate ?? 0;
    const lateRate = this.faults.lateRate ?? 0;
    if (throttleRate === 0 && errorRate === 0 && lateRate === 0) return undefined;
    // One draw per request, so adding a kind of fault does not shift the sequence of the others.
    const draw = this.random();
    if (draw < throttleRate) return { kind: 'throttle', scripted: false };
    if (draw < throttleRate + errorRate) return { kind: 'server', scripted: false };
    if (draw < throttleRate + errorRate + lateRate) {
      return { kind: 'late', scripted: false, delayMs: this.faults.lateMs ?? 0 };
    }
    return undefined;
  }

  latencyMs(action: string, base: number): number {
    return this.faults.latencyMs !== undefined && this.applies(action) ? this.faults.latencyMs : base;
  }

  private script(action: string, times: number, fault: Fault): void {
    const queue = this.oneShots.get(action) ?? [];
    queue.push(...Array.from({ length: times }, () => fault));
    this.oneShots.set(action, queue);
  }

  private applies(action: string): boolean {
    return !this.faults.actions || this.faults.actions.includes(action);
  }
}
