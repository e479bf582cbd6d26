// The service's ports in memory, on a fake clock: enough of the adapters' rules (conditional
// state moves, the outbox, the lease) to unit-test the policy path without servers.
import type { OrganizationalUnit } from '../../src/domain/organizational-unit';
import { type AccessRequest, type AnnouncementPart, BOT_ACTOR, type Ending, FIRST_APPROVAL, type HistoryEvent, OPEN_STATES, type RegionVerdict, SECOND_APPROVAL } from '../../src/domain/access-request';
import { MAX_DRIFT_EVENTS } from '../../src/aws/drift-notes';
import { HOME_TURN_MS } from '../../src/aws/home-turns';
import { byMark, type Mark } from '../../src/domain/membership';
import type { DurationRules } from '../../src/domain/duration';
import { repositoryRules, rulesOfNames } from '../../src/domain/repository-rules';
import { type PostedPart, toldOutcome } from '../../src/domain/told-outcome';
import { EcrAccessError, ErrorCode } from '../../src/errors';
import { createLogger } from '../../src/logger';
import { emfMetrics } from '../../src/metrics';
import type { HomeTurns } from '../../src/slack/home-publisher';
import type { ServiceDeps } from '../../src/service/deps';
import type { AccountOwner } from '../../src/domain/account-owner';
import { type AccountDirectory, type OrganizationalUnits, type UnitLookup, type ChangeQueue, type Clock, type ClockCheck, type Drift, type Lease, type Marking, NO_DRIFT, type Notifier, type Registry, type RequestStore, type SweepStep } from '../../src/service/ports';

class FakeClock implements Clock {
  constructor(public at = Date.parse('2026-12-01T09:00:00Z')) {}
  now = () => this.at;
  /** Moves time on by `ms`, letting other work run first; not when `signal` aborted meanwhile. */
  sleep = async (ms: number, signal?: AbortSignal) => {
    await new Promise((resolve) => setImmediate(resolve));
    if (!signal?.aborted) this.at += Math.max(0, ms);
  };
}

/** How long after it was signed ECR still accepts a request: a late write lands within this, or never. */
const SIGNATURE_LIFETIME_MS = 300_000;

/** A registry whose next writes can be scripted to fail in a chosen way. */
class InMemoryRegistry implements Registry {
  readonly policies = new Map<string, string>();
  readonly writes: Array<{ repository: string; text: string | undefined }> = [];
  /** What the next writes do instead of landing: `unknown` throws WriteOutcomeUnknown, `late` as well but lands when `deliverLate()` is called. */
  readonly nextWrites: Array<'unknown' | 'late' | 'rejected'> = [];
  readonly nextReads: Array<'fail'> = [];
  private late: Array<{ sentAt: number; land: () => void }> = [];
  constructor(private readonly clock: Clock) {}

  /** Repositories beyond those with a policy, as a test creates them. */
  readonly created = new Set<string>();
  async describeRepository() {
    return { registryId: '123456789012' };
  }
  async repositoryNames() {
    return [...new Set([...this.created, ...this.policies.keys()])].sort();
  }
  async getPolicy(repository: string) {
    if (this.nextReads.shift() === 'fail') throw new EcrAccessError(ErrorCode.Registry, `GetRepositoryPolicy on ${repository}: ServerException`);
    return this.policies.get(repository);
  }
  async setPolicy(repository: string, text: string | undefined, fence: () => Promise<boolean>) {
    const covered = await fence().catch(() => false);
    if (!covered) throw new EcrAccessError(ErrorCode.LeaseLost, `SetRepositoryPolicy on ${repository}: the lease no longer covers the write; nothing was sent`);
    this.writes.push({ repository, text });
    const land = () => (text === undefined ? this.policies.delete(repository) : this.policies.set(repository, text));
    const next = this.nextWrites.shift();
    if (next === 'rejected') throw new EcrAccessError(ErrorCode.PolicyRejected, 'SetRepositoryPolicy: InvalidParameterException');
    if (next === 'late') this.late.push({ sentAt: this.clock.now(), land });
    if (next === 'late' || next === 'unknown') throw new EcrAccessError(ErrorCode.WriteOutcomeUnknown, 'SetRepositoryPolicy: TimeoutError');
    land();
  }
  /** The network finally delivers the writes that timed out; ECR refuses those signed too long ago, as AWS does. */
  deliverLate() {
    for (const { sentAt, land } of this.late.splice(0)) if (this.clock.now() - sentAt <= SIGNATURE_LIFETIME_MS) land();
  }
}

/**
 * The request store of src/aws/request-store.ts, in memory: the same conditions on every write,
 * the same history events, outbox and sweep index; test/integration/store-contract.test.ts runs
 * both through one suite.
 */
export class InMemoryRequestStore implements RequestStore {
  readonly requests = new Map<string, AccessRequest>();
  /** The sweep's index: when to look at each request next. Every change of state makes it due at once. */
  readonly dueAt = new Map<string, number>();
  /** Counts the changes that made each request due, as src/aws/request-item.ts does. */
  readonly dueVersion = new Map<string, number>();
  readonly drift = new Map<string, { signature: string; events: HistoryEvent[] }>();

  private put(request: AccessRequest, dueAt?: string | number) {
    this.requests.set(request.id, request);
    if (dueAt !== undefined) {
      this.dueAt.set(request.id, typeof dueAt === 'number' ? dueAt : Date.parse(dueAt));
      this.dueVersion.set(request.id, this.dueVersion.has(request.id) ? (this.dueVersion.get(request.id) as number) + 1 : 0);
    }
    return request;
  }
  private withEvent(request: AccessRequest, event: HistoryEvent): AccessRequest {
    return { ...request, history: [...(request.history ?? []), event] };
  }
  async create(request: AccessRequest) {
    const open = [...this.requests.values()].find((r) => r.repository === request.repository && r.account === request.account && OPEN_STATES.includes(r.state));
    if (open) return { created: false as const, existing: open };
    this.put(request, request.createdAt);
    return { created: true as const };
  }
  async discard(id: string) {
    if (this.requests.get(id)?.state === 'PENDING') {
      this.requests.delete(id);
      this.dueAt.delete(id);
    }
  }
  async attachCard(id: string, card: { channel: string; ts: string }) {
    const request = this.requests.get(id);
    if (!request) throw new EcrAccessError(ErrorCode.Store, `Request ${id} vanished before its card was recorded.`);
    return this.put({ ...request, card });
  }
  async get(id: string) {
    return this.requests.get(id);
  }
  async getMany(ids: readonly string[]) {
    const found = new Map<string, AccessRequest>();
    for (const id of ids) {
      const request = this.requests.get(id);
      if (request) found.set(id, request);
    }
    return found;
  }
  /** What every decision's write checks besides the state: not the requester, its card, its repository and account. */
  private decidable(r: AccessRequest | undefined, d: { by: string; card: { channel: string; ts: string }; target?: { repository: string; account: string } | undefined }): r is AccessRequest {
    const foreignCard = r?.card !== undefined && (r.card.channel !== d.card.channel || r.card.ts !== d.card.ts);
    const otherTarget = d.target !== undefined && (d.target.repository !== r?.repository || d.target.account !== r?.account);
    return r !== undefined && r.requester !== d.by && !foreignCard && !otherTarget;
  }
  async decide(id: string, d: Parameters<RequestStore['decide']>[1]) {
    const r = this.requests.get(id);
    const secondMissing = d.second === true && r?.state === 'PENDING' && (r.firstApproval === undefined || r.firstApproval.by === d.by);
    const partlyGranted = d.to === 'DENIED' && r?.partlyGranted === true;
    if (!this.decidable(r, d) || !d.from.includes(r.state) || secondMissing || partlyGranted) return { decided: false as const, current: r };
    const decided = { decidedBy: d.by, decidedAt: d.at };
    if (d.to === 'APPROVED') {
      const { failure: _failure, failedAt: _failedAt, ...rest } = r;
      const event = { kind: 'approved' as const, at: d.at, by: d.by, ...(d.second && { detail: SECOND_APPROVAL }) };
      return { decided: true as const, request: this.put(this.withEvent({ ...rest, ...decided, state: 'APPROVED', attempts: r.attempts + 1 }, event), d.at) };
    }
    const denied: AccessRequest = { ...r, ...decided, state: 'DENIED', owed: ['card', 'dm'], announcer: { by: d.announcer, at: Date.parse(d.at) } };
    return { decided: true as const, request: this.put(this.withEvent(denied, { kind: 'denied', at: d.at, by: d.by }), d.at) };
  }
  async approveFirst(id: string, a: Parameters<RequestStore['approveFirst']>[1]) {
    const r = this.requests.get(id);
    if (!this.decidable(r, a) || r.state !== 'PENDING' || r.firstApproval !== undefined) return { decided: false as const, current: r };
    const first = { ...r, firstApproval: { by: a.by, at: a.at } };
    return { decided: true as const, request: this.put(this.withEvent(first, { kind: 'approved', at: a.at, by: a.by, detail: FIRST_APPROVAL })) };
  }
  async noteDenialReason(id: string, note: { by: string; at: string; reason?: string }) {
    const r = this.requests.get(id);
    if (r?.state !== 'PENDING' && r?.state !== 'FAILED') return false;
    this.put({ ...r, denialNote: { ...note } });
    return true;
  }
  async record(id: string, verdict: Parameters<RequestStore['record']>[1], announcer: { by: string; at: number }) {
    const r = this.requests.get(id);
    if (!r) return undefined;
    const { outcome, at } = verdict;
    const hashes = { policyHashBefore: verdict.policyHashBefore, policyHash: verdict.policyHash };
    const approval = r.state === 'APPROVED' && !r.ending;
    const ending = (r.state === 'APPROVED' || r.state === 'GRANTED' || r.state === 'FAILED') && r.ending !== undefined;
    switch (outcome.state) {
      case 'GRANTED': {
        if (!approval) return undefined;
        const { failure: _f, failedAt: _fa, partlyGranted: _p, ...rest } = r;
        const next: AccessRequest = { ...rest, state: 'GRANTED', grantedAt: at, ...hashes, verifiedPolicy: verdict.verifiedPolicy, ...(verdict.expiresAt && { expiresAt: verdict.expiresAt }), owed: ['card', 'dm', 'thread'], announcer };
        return this.put(this.withEvent(next, { kind: 'granted', at, ...hashes }));
      }
      case 'FAILED': {
        if (!approval) return undefined;
        const failure = { ...outcome.failure, detail: outcome.failure.detail.slice(0, 2000) };
        const partly = verdict.partlyGranted ? { partlyGranted: true as const, ...(verdict.expiresAt && { expiresAt: verdict.expiresAt }) } : {};
        return this.put(this.withEvent({ ...r, state: 'FAILED', failedAt: at, failure, ...partly, owed: ['card', 'thread'], announcer }, { kind: 'failed', at, detail: failure.detail }));
      }
      case 'ENDED': {
        if (!ending || r.ending?.kind !== outcome.ending.kind) return undefined;
        const state = outcome.ending.kind === 'revoke' ? 'REVOKED' : 'EXPIRED';
        const next: AccessRequest = { ...r, state, endedAt: at, ...hashes, stillPullsThrough: [...verdict.pullsThrough], keptBy: [...outcome.keptBy], owed: outcome.outside ? ['thread'] : ['card', 'dm', 'thread'], announcer };
        const kind = state === 'REVOKED' ? 'revoked' : 'expired';
        return this.put(this.withEvent(next, { kind, at, by: outcome.ending.by, ...hashes, ...(outcome.ending.reason && { detail: outcome.ending.reason }) }));
      }
      case 'REMOVAL_REFUSED': {
        if (!ending) return undefined;
        const { ending: _e, ...rest } = r;
        const failure = { ...outcome.failure, detail: outcome.failure.detail.slice(0, 2000) };
        return this.put(this.withEvent({ ...rest, endFailure: failure, owed: ['thread'], announcer }, { kind: 'revoke-refused', at, detail: failure.detail }));
      }
    }
  }
  async recordRegion(id: string, region: string, verdict: RegionVerdict, endKind?: Ending['kind']) {
    const r = this.requests.get(id);
    if (!r) return undefined;
    const seen = r.regionVerdicts?.[region];
    const approval = verdict.state !== 'ENDED';
    const applies = approval
      ? r.state === 'APPROVED' && !r.ending && (seen === undefined || seen.state === 'FAILED')
      : (r.state === 'APPROVED' || r.state === 'GRANTED' || r.state === 'FAILED') && r.ending !== undefined && seen?.state !== 'ENDED';
    if (!applies) return undefined;
    const failure = verdict.failure && { ...verdict.failure, detail: verdict.failure.detail.slice(0, 2000) };
    const kind = verdict.state === 'GRANTED' ? 'granted' : verdict.state === 'FAILED' ? 'failed' : endKind === 'expire' ? 'expired' : 'revoked';
    const event: HistoryEvent = { kind, at: verdict.at, region, ...(verdict.policyHash && { policyHash: verdict.policyHash }), ...(failure && { detail: failure.detail }) };
    const next = { ...r, regionVerdicts: { ...r.regionVerdicts, [region]: { ...verdict, ...(failure && { failure }) } } };
    return this.put(this.withEvent(next, event));
  }
  async beginEnding(id: string, ending: Ending) {
    const r = this.requests.get(id);
    const live = r?.state === 'GRANTED' || r?.state === 'APPROVED' || (r?.state === 'FAILED' && r.partlyGranted === true);
    if (!r || !live || r.ending) return undefined;
    const { endFailure: _f, ...rest } = r;
    return this.put({ ...rest, ending }, ending.at);
  }
  async accountRequests(repository: string, accounts: readonly string[], _known: readonly string[]) {
    return [...this.requests.values()].filter((r) => r.repository === repository && accounts.includes(r.account));
  }
  async requesterRequests(requester: string) {
    return [...this.requests.values()].filter((r) => r.requester === requester).sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }
  async recordOutside(request: AccessRequest) {
    if (this.requests.has(request.id)) return;
    this.put(request, request.createdAt);
  }
  async due(now: number, limit: number) {
    return [...this.dueAt.entries()]
      .filter(([, at]) => at <= now)
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([id, dueAt]) => ({ request: this.requests.get(id)!, dueAt, version: this.dueVersion.get(id) ?? 0 }));
  }
  async sweepStep(id: string, step: SweepStep, announcer: { by: string; at: number }) {
    const r = this.requests.get(id);
    if (!r) return undefined;
    switch (step.kind) {
      case 'expire-pending':
        if (r.state !== 'PENDING') return undefined;
        return this.put(this.withEvent({ ...r, state: 'EXPIRED', endedAt: step.at, owed: ['card', 'dm'], announcer }, { kind: 'expired', at: step.at, by: BOT_ACTOR, detail: 'nobody decided in time' }));
      case 'nudged':
        if (r.state !== 'PENDING' || r.nudgedAt !== step.previous) return undefined;
        return this.put({ ...r, nudgedAt: step.at, nudges: (r.nudges ?? 0) + 1 });
      case 'remind':
        if (r.state !== 'GRANTED' || r.reminded || r.ending || r.owed.length > 0) return undefined;
        return this.put({ ...r, reminded: true, owed: [...new Set([...r.owed, 'reminder' as const])].sort(), announcer });
      case 'look-again':
        if ((this.dueVersion.get(id) ?? 0) !== step.seen) return undefined;
        if (step.at === undefined) this.dueAt.delete(id);
        else this.dueAt.set(id, step.at);
        return r;
    }
  }
  async noteDrift(repository: string, signature: string, event: HistoryEvent) {
    const seen = this.drift.get(repository);
    if ((seen?.signature ?? NO_DRIFT) === signature) return false;
    this.drift.set(repository, { signature, events: [...(seen?.events ?? []), event].slice(-MAX_DRIFT_EVENTS) });
    return true;
  }
  async driftHistory(repository: string) {
    return this.drift.get(repository)?.events ?? [];
  }
  async claimAnnouncement(id: string, announcer: { by: string; at: number }, staleBefore: number) {
    const r = this.requests.get(id);
    if (!r || r.owed.length === 0 || (r.announcer && r.announcer.at >= staleBefore)) return undefined;
    return this.put({ ...r, announcer });
  }
  async holdAnnouncement(id: string, announcer: { by: string; at: number }) {
    const r = this.requests.get(id);
    if (r?.announcer?.by !== announcer.by) return false;
    this.put({ ...r, announcer });
    return true;
  }
  async delivered(id: string, parts: readonly AnnouncementPart[]) {
    const r = this.requests.get(id);
    if (!r || parts.length === 0) return;
    const { verifiedPolicy, ...rest } = r;
    this.put({ ...rest, ...(!parts.includes('thread') && verifiedPolicy !== undefined && { verifiedPolicy }), owed: r.owed.filter((p) => !parts.includes(p)) });
  }
  async listByRepository(repository: string) {
    return [...this.requests.values()].filter((r) => r.repository === repository);
  }
}

/** The turns of src/aws/home-turns.ts, in memory: one entry per person while someone publishes their Home. */
export class InMemoryHomeTurns implements HomeTurns {
  readonly turns = new Map<string, { owner: string; until: number; again: boolean }>();
  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly turnMs = HOME_TURN_MS,
  ) {}
  async take(viewer: string, owner: string) {
    const now = this.clock.now();
    const turn = this.turns.get(viewer);
    if (turn && turn.until >= now) {
      turn.again = true;
      return 'told' as const;
    }
    this.turns.set(viewer, { owner, until: now + this.turnMs, again: false });
    return 'taken' as const;
  }
  async renew(viewer: string, owner: string) {
    const turn = this.turns.get(viewer);
    if (turn?.owner !== owner) return false;
    this.turns.set(viewer, { owner, until: this.clock.now() + this.turnMs, again: false });
    return true;
  }
  async end(viewer: string, owner: string) {
    const turn = this.turns.get(viewer);
    if (turn?.owner !== owner || turn.again) return false;
    this.turns.delete(viewer);
    return true;
  }
}

/** The lease rules of src/aws/repository-lease.ts, in memory; marks come back in the same order. */
export class InMemoryChangeQueue implements ChangeQueue {
  readonly marks = new Map<string, Mark[]>();
  readonly locks = new Map<string, { holder: string; until: number }>();
  private holders = 0;
  private tokens = 0;
  constructor(
    private readonly clock: Clock,
    private readonly times = { leaseMs: 420_000, landingMs: 360_000 },
  ) {}

  private marksOf(repository: string) {
    return [...(this.marks.get(repository) ?? [])].sort(byMark);
  }
  private add(repository: string, marking: Marking) {
    this.marks.set(repository, [...this.marksOf(repository), { ...marking, token: (++this.tokens).toString(36) }]);
  }

  async withLease<T>(repository: string, work: (lease: Lease, marks: readonly Mark[]) => Promise<T>, marking?: Marking) {
    const lock = this.locks.get(repository);
    if (lock && lock.until >= this.clock.now()) {
      if (marking) await this.mark(repository, marking);
      return { held: false as const };
    }
    if (marking) this.add(repository, marking);
    const holder = `holder-${++this.holders}`;
    const mine = () => this.locks.get(repository)?.holder === holder;
    const renew = () => {
      if (!mine()) return false;
      this.locks.set(repository, { holder, until: this.clock.now() + this.times.leaseMs });
      return true;
    };
    this.locks.set(repository, { holder, until: this.clock.now() + this.times.leaseMs });
    let unanswered = false;
    const lease: Lease = {
      coverWrite: async () => {
        unanswered = true;
        return (mine() && this.locks.get(repository)!.until - this.clock.now() >= this.times.landingMs) || renew();
      },
      answered: () => {
        unanswered = false;
      },
      unmark: async (done) => {
        if (!renew()) return undefined;
        this.marks.set(repository, this.marksOf(repository).filter((m) => !done.some((d) => d.account === m.account && d.requestId === m.requestId && d.token === m.token)));
        return this.marksOf(repository);
      },
    };
    try {
      return { held: true as const, value: await work(lease, this.marksOf(repository)) };
    } finally {
      if (!unanswered && mine()) this.locks.delete(repository);
    }
  }

  async mark(repository: string, marking: Marking) {
    this.add(repository, marking);
  }

  async status(repository: string) {
    const lock = this.locks.get(repository);
    return { marks: this.marksOf(repository), heldUntil: lock?.until ?? 0 };
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
  /** Every post's outcome, in order, duplicates kept: what a reader of Slack would count. */
  readonly posts: string[] = [];
  private tell(part: AnnouncementPart, request: AccessRequest) {
    if (this.failing.has(part)) throw new EcrAccessError(ErrorCode.Slack, `${part}: ratelimited`);
    this.told.push({ part, id: request.id, state: request.state });
    if (part === 'card') return;
    const key = JSON.stringify(toldOutcome(request, part));
    this.posted.add(key);
    this.posts.push(key);
  }
  alreadyTold = async (request: AccessRequest, part: PostedPart) => {
    this.lookups.push({ part, id: request.id });
    if (this.lookupsFail) throw new EcrAccessError(ErrorCode.Slack, 'conversations.history: ratelimited');
    return this.posted.has(JSON.stringify(toldOutcome(request, part)));
  };
  /** The statement each card showed, in order. */
  readonly previews: string[] = [];
  async postRequestCard(request: AccessRequest, preview: string) {
    this.previews.push(preview);
    this.told.push({ part: 'post', id: request.id, state: request.state });
    return { channel: 'C0APPROVALS', ts: `1700000000.${String(++this.cards).padStart(6, '0')}` };
  }
  updateCard = async (request: AccessRequest) => this.tell('card', request);
  postInThread = async (request: AccessRequest) => this.tell('thread', request);
  tellRequester = async (request: AccessRequest) => this.tell('dm', request);
  remindRequester = async (request: AccessRequest) => this.tell('reminder', request);
  /** Requests whose requester was told the first of two approvals is in, in order. */
  readonly firstApprovals: string[] = [];
  tellFirstApproval = async (request: AccessRequest) => {
    this.firstApprovals.push(request.id);
  };
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

/** Trusts the clock as the AWS check does, within half the margin; a test sets how far ahead of AWS's it is (undefined: not measured yet). */
class SettableClockCheck implements ClockCheck {
  aheadMs: number | undefined = 0;
  constructor(private readonly marginMs: number) {}
  offsetMs = () => this.aheadMs;
  trusted = () => this.aheadMs !== undefined && Math.abs(this.aheadMs) <= this.marginMs / 2;
}

/**
 * Who owns each account, held in memory: members as given, every other account outside; while
 * `failing` is set, every account unknown, as the Organizations adapter answers when AWS fails.
 */
export class InMemoryAccountDirectory implements AccountDirectory {
  failing: string | undefined;
  /** Every account looked up, in order (each once per call). */
  readonly lookedUp: string[] = [];
  constructor(private readonly members: Readonly<Record<string, Extract<AccountOwner, { kind: 'member' }>>> = {}) {}
  async owners(accounts: readonly string[]): Promise<ReadonlyMap<string, AccountOwner>> {
    const distinct = [...new Set(accounts)];
    this.lookedUp.push(...distinct);
    return new Map(
      distinct.map((account): [string, AccountOwner] => [account, this.failing !== undefined ? { kind: 'unknown', reason: this.failing } : (this.members[account] ?? { kind: 'outside' })]),
    );
  }
}

/**
 * The organization's OUs, held in memory: those given are found, every other OU is not; while
 * `failing` is set, every OU is unknown, as the Organizations adapter answers when AWS fails.
 */
export class InMemoryOrganizationalUnits implements OrganizationalUnits {
  failing: string | undefined;
  constructor(private readonly known: Readonly<Record<string, OrganizationalUnit>> = {}) {}
  async unit(ou: string): Promise<UnitLookup> {
    if (this.failing !== undefined) return { kind: 'unknown', reason: this.failing };
    const unit = this.known[ou];
    return unit ? { kind: 'found', unit } : { kind: 'not-found' };
  }
}

/**
 * Deps for a service test. A test may give the shared repositories, the time limits and the
 * approvals as a flat list and defaults, as ECR_ACCESS_REPOSITORIES and the environment do, or
 * rules of its own.
 */
export function inMemoryDeps(options: Partial<ServiceDeps> & { repositories?: readonly string[]; durations?: DurationRules; approvals?: 1 | 2 } = {}) {
  const { repositories = ['common-images'], durations = {}, approvals = 1, ...overrides } = options;
  const clock = new FakeClock();
  const clockCheck = new SettableClockCheck(overrides.clockMarginMs ?? 60_000);
  const registry = new InMemoryRegistry(clock);
  const store = new InMemoryRequestStore();
  const changes = new InMemoryChangeQueue(clock);
  const notifier = new RecordingNotifier();
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  let ids = 0;
  /** Whose Home tabs the service said were out of date, by request, in order. */
  const homesChanged: string[] = [];
  /** Each other region's registry, made when first named. */
  const regional = new Map<string, InMemoryRegistry>();
  const deps: ServiceDeps = {
    registry,
    registryIn: (region) => {
      if (region === (overrides.region ?? 'eu-west-1')) return overrides.registry ?? registry;
      const made = regional.get(region) ?? new InMemoryRegistry(clock);
      regional.set(region, made);
      return made;
    },
    store,
    changes,
    notifier,
    homes: { changed: (request) => void homesChanged.push(request.id) },
    clockCheck,
    isApprover: async (user) => (user === 'U0APPROVER' ? { kind: 'approver' } : { kind: 'not-approver' }),
    clock,
    newId: () => `r-${String(++ids).padStart(10, '0')}`,
    processId: 'test-process',
    region: 'eu-west-1',
    logger,
    metrics: emfMetrics(logger, 'test', () => clock.now()),
    rules: repositoryRules(rulesOfNames(repositories, { durations, approvals })),
    waitForChangeMs: 60_000,
    announceRetryMs: 30_000,
    clockMarginMs: 60_000,
    ...overrides,
  };
  return { deps, clock, clockCheck, registry, regional, store, changes, notifier, logs, homesChanged };
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
