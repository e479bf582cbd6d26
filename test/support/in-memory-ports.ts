// The service's ports in memory, on a fake clock: enough of the adapters' rules (conditional
// state moves, the outbox, the lease) to unit-test the policy path without servers.
import type { AccessRequest, AnnouncementPart, Ending, HistoryEvent } from '../../src/domain/access-request';
import { sameChange, type PolicyChange } from '../../src/domain/policy-change';
import { type PostedPart, toldOutcome } from '../../src/domain/told-outcome';
import { EcrAccessError, ErrorCode } from '../../src/errors';
import { createLogger } from '../../src/logger';
import type { ServiceDeps } from '../../src/service/deps';
import { type ChangeQueue, type Clock, type Drift, type Lease, NO_DRIFT, type Notifier, type Registry, type RequestStore, type SweepStep } from '../../src/service/ports';

class FakeClock implements Clock {
  constructor(public at = Date.parse('2026-12-01T09:00:00Z')) {}
  now = () => this.at;
  /** Moves time on by `ms`, letting other work run first; not when `signal` aborted meanwhile. */
  sleep = async (ms: number, signal?: AbortSignal) => {
    await new Promise((resolve) => setImmediate(resolve));
    if (!signal?.aborted) this.at += Math.max(0, ms);
  };
}

/** A registry whose next writes can be scripted to fail in a chosen way. */
class InMemoryRegistry implements Registry {
  readonly policies = new Map<string, string>();
  readonly writes: Array<{ repository: string; text: string | undefined }> = [];
  /** What the next writes do instead of landing: `unknown` throws WriteOutcomeUnknown, `late` as well but lands when `deliverLate()` is called. */
  readonly nextWrites: Array<'unknown' | 'late' | 'rejected'> = [];
  readonly nextReads: Array<'fail'> = [];
  private late: Array<() => void> = [];

  async describeRepository() {
    return { registryId: '123456789012' };
  }
  async getPolicy(repository: string) {
    if (this.nextReads.shift() === 'fail') throw new EcrAccessError(ErrorCode.Registry, `GetRepositoryPolicy on ${repository}: ServerException`);
    return this.policies.get(repository);
  }
  async setPolicy(repository: string, text: string | undefined) {
    this.writes.push({ repository, text });
    const land = () => (text === undefined ? this.policies.delete(repository) : this.policies.set(repository, text));
    const next = this.nextWrites.shift();
    if (next === 'rejected') throw new EcrAccessError(ErrorCode.PolicyRejected, 'SetRepositoryPolicy: InvalidParameterException');
    if (next === 'late') this.late.push(land);
    if (next === 'late' || next === 'unknown') throw new EcrAccessError(ErrorCode.WriteOutcomeUnknown, 'SetRepositoryPolicy: TimeoutError');
    land();
  }
  /** The network finally delivers the writes that timed out. */
  deliverLate() {
    for (const land of this.late.splice(0)) land();
  }
}

export class InMemoryRequestStore implements RequestStore {
  readonly requests = new Map<string, AccessRequest>();
  /** The sweep's index: when to look at each request next. Every change of state makes it due at once. */
  readonly dueAt = new Map<string, number>();
  readonly drift = new Map<string, { signature: string; events: HistoryEvent[] }>();
  constructor(private readonly clock: Clock) {}
  private put(request: AccessRequest, due = true) {
    this.requests.set(request.id, request);
    if (due) this.dueAt.set(request.id, this.clock.now());
    return request;
  }
  async create(request: AccessRequest) {
    const open = [...this.requests.values()].find(
      (r) => r.repository === request.repository && r.account === request.account && ['PENDING', 'APPROVED', 'FAILED'].includes(r.state),
    );
    if (open) return { created: false as const, existing: open };
    this.put(request);
    return { created: true as const };
  }
  async discard(id: string) {
    if (this.requests.get(id)?.state === 'PENDING') this.requests.delete(id);
  }
  async attachCard(id: string, card: { channel: string; ts: string }) {
    return this.put({ ...this.requests.get(id)!, card }, false);
  }
  async get(id: string) {
    return this.requests.get(id);
  }
  async getMany(ids: readonly string[]) {
    const found = new Map<string, AccessRequest>();
    for (const id of ids) {
      const request = await this.get(id);
      if (request) found.set(id, request);
    }
    return found;
  }
  async decide(id: string, d: Parameters<RequestStore['decide']>[1]) {
    const r = this.requests.get(id);
    if (!r || !d.from.includes(r.state) || r.requester === d.by || (r.card && (r.card.channel !== d.card.channel || r.card.ts !== d.card.ts)) || (d.target && (d.target.repository !== r.repository || d.target.account !== r.account))) return { decided: false as const, current: r };
    const { failure: _failure, ...rest } = r;
    const next: AccessRequest =
      d.to === 'APPROVED'
        ? { ...rest, state: 'APPROVED', decidedBy: d.by, decidedAt: d.at, attempts: r.attempts + 1 }
        : { ...r, state: 'DENIED', decidedBy: d.by, decidedAt: d.at, owed: ['card', 'dm'], announcer: { by: d.announcer, at: Date.parse(d.at) } };
    return { decided: true as const, request: this.put(next) };
  }
  async record(id: string, verdict: Parameters<RequestStore['record']>[1], announcer: { by: string; at: number }) {
    const r = this.requests.get(id);
    const history = (event: HistoryEvent) => [...(r?.history ?? []), event];
    switch (verdict.state) {
      case 'GRANTED': {
        if (r?.state !== 'APPROVED') return undefined;
        const { state: _s, at, ...rest } = verdict;
        return this.put({ ...r, ...rest, state: 'GRANTED', grantedAt: at, owed: ['card', 'thread', 'dm'], announcer, history: history({ kind: 'granted', at }) }, false);
      }
      case 'FAILED':
        if (r?.state !== 'APPROVED') return undefined;
        return this.put({ ...r, state: 'FAILED', failedAt: verdict.at, failure: verdict.failure, owed: ['card', 'thread'], announcer, history: history({ kind: 'failed', at: verdict.at }) }, false);
      case 'ENDED': {
        if (r?.state !== 'GRANTED' || r.ending?.kind !== verdict.ending.kind) return undefined;
        const state = verdict.ending.kind === 'revoke' ? 'REVOKED' : 'EXPIRED';
        return this.put({
          ...r,
          state,
          endedAt: verdict.at,
          policyHashBefore: verdict.policyHashBefore,
          policyHash: verdict.policyHash,
          stillPullsThrough: [...verdict.stillPullsThrough],
          owed: verdict.outside ? ['thread'] : ['card', 'thread', 'dm'],
          announcer,
          history: history({ kind: state === 'REVOKED' ? 'revoked' : 'expired', at: verdict.at, by: verdict.ending.by }),
        }, false);
      }
      case 'KEPT': {
        if (r?.state !== 'GRANTED' || !r.ending) return undefined;
        const { ending: _e, ...rest } = r;
        return this.put({ ...rest, endFailure: verdict.failure, owed: ['thread'], announcer, history: history({ kind: 'revoke-refused', at: verdict.at }) }, false);
      }
    }
  }
  async beginEnding(id: string, ending: Ending) {
    const r = this.requests.get(id);
    if (r?.state !== 'GRANTED' || r.ending) return undefined;
    const { endFailure: _f, ...rest } = r;
    return this.put({ ...rest, ending });
  }
  async recordOutside(request: AccessRequest) {
    this.put(request);
  }
  async due(now: number, limit: number) {
    return [...this.dueAt.entries()]
      .filter(([, at]) => at <= now)
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([id, dueAt]) => ({ request: this.requests.get(id)!, dueAt }));
  }
  async sweepStep(id: string, step: SweepStep, announcer: { by: string; at: number }) {
    const r = this.requests.get(id);
    if (!r) return undefined;
    switch (step.kind) {
      case 'expire-pending':
        if (r.state !== 'PENDING') return undefined;
        return this.put({ ...r, state: 'EXPIRED', endedAt: step.at, owed: ['card', 'dm'], announcer, history: [...(r.history ?? []), { kind: 'expired', at: step.at }] }, false);
      case 'nudged':
        if (r.state !== 'PENDING' || r.nudgedAt !== step.previous) return undefined;
        return this.put({ ...r, nudgedAt: step.at, nudges: (r.nudges ?? 0) + 1 }, false);
      case 'remind':
        if (r.state !== 'GRANTED' || r.reminded || r.ending) return undefined;
        return this.put({ ...r, reminded: true, owed: [...r.owed, 'reminder'], announcer }, false);
      case 'look-again':
        if (this.dueAt.get(id) !== step.seen) return undefined;
        if (step.at === undefined) this.dueAt.delete(id);
        else this.dueAt.set(id, step.at);
        return r;
    }
  }
  async noteDrift(repository: string, signature: string, event: HistoryEvent) {
    const seen = this.drift.get(repository);
    if ((seen?.signature ?? NO_DRIFT) === signature) return false;
    this.drift.set(repository, { signature, events: [...(seen?.events ?? []), event] });
    return true;
  }
  async driftHistory(repository: string) {
    return this.drift.get(repository)?.events ?? [];
  }
  async claimAnnouncement(id: string, announcer: { by: string; at: number }, staleBefore: number) {
    const r = this.requests.get(id);
    if (!r || r.owed.length === 0 || (r.announcer && r.announcer.at >= staleBefore)) return undefined;
    return this.put({ ...r, announcer }, false);
  }
  async holdAnnouncement(id: string, announcer: { by: string; at: number }) {
    const r = this.requests.get(id);
    if (r?.announcer?.by !== announcer.by) return false;
    this.put({ ...r, announcer }, false);
    return true;
  }
  async delivered(id: string, parts: readonly AnnouncementPart[]) {
    const r = this.requests.get(id);
    if (!r) return;
    const { verifiedPolicy, ...rest } = r;
    this.put({ ...rest, ...(!parts.includes('thread') && verifiedPolicy !== undefined && { verifiedPolicy }), owed: r.owed.filter((p) => !parts.includes(p)) }, false);
  }
  async listByRepository(repository: string) {
    return [...this.requests.values()].filter((r) => r.repository === repository);
  }
}

/** The lease rules of src/aws/repository-lease.ts, in memory. */
class InMemoryChangeQueue implements ChangeQueue {
  readonly queues = new Map<string, PolicyChange[]>();
  readonly locks = new Map<string, { holder: string; until: number }>();
  private holders = 0;
  constructor(
    private readonly clock: Clock,
    private readonly times = { leaseMs: 420_000, landingMs: 360_000 },
  ) {}

  private queueOf(repository: string) {
    let queue = this.queues.get(repository);
    if (!queue) {
      queue = [];
      this.queues.set(repository, queue);
    }
    return queue;
  }
  private add(repository: string, change: PolicyChange) {
    const queue = this.queueOf(repository);
    if (!queue.some((c) => sameChange(c, change))) queue.push(change);
  }
  private remove(repository: string, change: PolicyChange) {
    this.queues.set(repository, this.queueOf(repository).filter((c) => !sameChange(c, change)));
  }

  async withLease<T>(
    repository: string,
    work: (lease: Lease, waiting: readonly PolicyChange[]) => Promise<T>,
    adding?: PolicyChange,
    options: { onlyIfFree?: boolean } = {},
  ) {
    const lock = this.locks.get(repository);
    const free = !lock || lock.until < this.clock.now();
    if (!free) return adding && !options.onlyIfFree ? { held: false as const, status: await this.queue(repository, adding) } : { held: false as const };
    if (adding) this.add(repository, adding);
    const holder = `holder-${++this.holders}`;
    const mine = () => this.locks.get(repository)?.holder === holder;
    const renew = () => {
      if (!mine()) return false;
      this.locks.set(repository, { holder, until: this.clock.now() + this.times.leaseMs });
      return true;
    };
    this.locks.set(repository, { holder, until: this.clock.now() + this.times.leaseMs });
    let kept = false;
    const lease: Lease = {
      coverWrite: async () => (mine() && this.locks.get(repository)!.until - this.clock.now() >= this.times.landingMs) || renew(),
      settle: async (settled) => {
        if (!renew()) return undefined;
        for (const change of settled) this.remove(repository, change);
        return [...this.queueOf(repository)];
      },
      replace: async (from, to) => {
        this.add(repository, to);
        this.remove(repository, from);
      },
      keepUntil: async (until) => {
        if (!mine()) return;
        this.locks.set(repository, { holder: 'kept', until });
        kept = true;
      },
    };
    try {
      return { held: true as const, value: await work(lease, [...this.queueOf(repository)]) };
    } finally {
      if (!kept && mine()) this.locks.delete(repository);
    }
  }

  async queue(repository: string, change: PolicyChange) {
    this.add(repository, change);
    return this.statusNow(repository);
  }

  async status(repository: string) {
    return this.statusNow(repository);
  }

  private statusNow(repository: string) {
    const lock = this.locks.get(repository);
    return { waiting: [...this.queueOf(repository)], heldUntil: lock?.until ?? 0, kept: lock?.holder === 'kept' };
  }
}

/** Remembers what was told, and fails the parts it is told to fail. */
class RecordingNotifier implements Notifier {
  readonly told: Array<{ part: AnnouncementPart | 'post'; id: string; state: string }> = [];
  readonly failing = new Set<AnnouncementPart>();
  /** Every look for a post already made; `lookupsFail` makes Slack unable to say. */
  readonly lookups: Array<{ part: PostedPart; id: string }> = [];
  lookupsFail = false;
  /** The outcome each post told, as its metadata says it in Slack. */
  private readonly posted = new Set<string>();
  private cards = 0;
  private tell(part: AnnouncementPart, request: AccessRequest) {
    if (this.failing.has(part)) throw new EcrAccessError(ErrorCode.Slack, `${part}: ratelimited`);
    this.told.push({ part, id: request.id, state: request.state });
    if (part !== 'card') this.posted.add(JSON.stringify(toldOutcome(request, part)));
  }
  alreadyTold = async (request: AccessRequest, part: PostedPart) => {
    this.lookups.push({ part, id: request.id });
    if (this.lookupsFail) throw new EcrAccessError(ErrorCode.Slack, 'conversations.history: ratelimited');
    return this.posted.has(JSON.stringify(toldOutcome(request, part)));
  };
  async postRequestCard(request: AccessRequest) {
    this.told.push({ part: 'post', id: request.id, state: request.state });
    return { channel: 'C0APPROVALS', ts: `1700000000.${String(++this.cards).padStart(6, '0')}` };
  }
  updateCard = async (request: AccessRequest) => this.tell('card', request);
  postInThread = async (request: AccessRequest) => this.tell('thread', request);
  tellRequester = async (request: AccessRequest) => this.tell('dm', request);
  remindRequester = async (request: AccessRequest) => this.tell('reminder', request);
  readonly nudged: string[] = [];
  readonly drifts: Array<{ repository: string; drift: Drift }> = [];
  nudgeApprovers = async (request: AccessRequest) => {
    this.nudged.push(request.id);
  };
  reportDrift = async (repository: string, drift: Drift) => {
    this.drifts.push({ repository, drift });
  };
  parts(id: string) {
    return this.told.filter((t) => t.id === id).map((t) => t.part);
  }
}

export function inMemoryDeps(overrides: Partial<ServiceDeps> = {}) {
  const clock = new FakeClock();
  const registry = new InMemoryRegistry();
  const store = new InMemoryRequestStore(clock);
  const changes = new InMemoryChangeQueue(clock);
  const notifier = new RecordingNotifier();
  const logs: string[] = [];
  let ids = 0;
  const deps: ServiceDeps = {
    registry,
    store,
    changes,
    notifier,
    isApprover: async (user) => (user === 'U0APPROVER' ? { kind: 'approver' } : { kind: 'not-approver' }),
    clock,
    newId: () => `r-${String(++ids).padStart(10, '0')}`,
    processId: 'test-process',
    logger: createLogger({ level: 'debug', write: (line) => logs.push(line) }),
    repositories: ['common-images'],
    writeLandingMs: 360_000,
    waitForChangeMs: 60_000,
    announceRetryMs: 30_000,
    durations: {},
    ...overrides,
  };
  return { deps, clock, registry, store, changes, notifier, logs };
}

/** An approved request, recorded, as the decision leaves it. */
export async function approvedRequest(store: InMemoryRequestStore, id: string, account: string, repository = 'common-images') {
  const request: AccessRequest = {
    id,
    repository,
    account,
    requester: 'U0REQUESTER',
    state: 'APPROVED',
    createdAt: '2026-12-01T09:00:00.000Z',
    card: { channel: 'C0APPROVALS', ts: `1700000000.${id.slice(-6)}` },
    decidedBy: 'U0APPROVER',
    attempts: 1,
    owed: [],
  };
  store.requests.set(id, request);
  // The decision makes a request due for the sweep, as the store's decide does.
  store.dueAt.set(id, Date.parse(request.createdAt));
  return request;
}
