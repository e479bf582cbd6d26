// The sweep: one pass does what time brings due — ends grants whose time is up (after one
// reminder), lets undecided requests lapse and nudges approvers meanwhile, finishes approvals and
// removals whose holder died and announcements nobody finished — then reports drift between the
// live policies and the records. Every step is a conditional write, so passes may overlap in any
// number of processes: each thing is done once. It reads by key and by index, never a scan.
import { createHash } from 'node:crypto';
import { type AccessRequest, BOT_ACTOR } from '../domain/access-request';
import { isOuId, isUnder, ouOfPath } from '../domain/organizational-unit';
import { canPull, inLambdaStatement, lambdaAccounts, managedAccounts, ouCanPull, ouPaths, parsePolicy } from '../domain/policy';
import { inBatches } from '../in-batches';
import { abandonedBefore, announce, showEnding } from './announce';
import { type ServiceDeps, watchedRegion } from './deps';
import { sharedRepositories } from './shared-repositories';
import { awaitVerdicts } from './policy-changes/await-verdicts';
import { inRegion, regionsOf } from '../domain/regional';
import { type Drift, NO_DRIFT } from './ports';

export interface SweepTimes {
  /** An undecided request lapses this long after it was made. */
  readonly pendingLapseMs: number;
  /** Approvers are first reminded of an undecided request this long after it was made; each reminder waits twice as long. */
  readonly nudgeFirstMs: number;
  /** The requester is reminded this long before a time-bound grant ends. */
  readonly reminderLeadMs: number;
}

export interface SweepReport {
  /** Requests the pass looked at (read from the index), and repositories it compared. */
  readonly looked: number;
  readonly repositories: number;
  /** Items read from DynamoDB: the due requests and every repository's records. */
  readonly itemsRead: number;
  readonly expired: number;
  readonly reminded: number;
  readonly lapsed: number;
  readonly nudged: number;
  /** Approvals and removals driven on after their holder stopped. */
  readonly driven: number;
  readonly announced: number;
  readonly driftReported: number;
  /** Requests the pass could not finish and repositories it could not compare: the next pass tries again. */
  readonly failures: number;
  /** Jobs that failed every try and wait to be replayed (`npm run replay`); only where jobs are handed over (Lambda). */
  readonly waitingJobs?: number;
}

/** How many due requests one pass takes on; the rest wait for the next pass. */
const PASS_LIMIT = 500;
/** Requests (and repositories) handled at once: each is a few conditional writes, independent of the others. */
const IN_FLIGHT = 8;

type Tally = { -readonly [K in keyof SweepReport]: number };

/** What one pass knows: the tally, and each repository's records, read once and read again after the pass changed them. */
interface Pass {
  readonly tally: Tally;
  readonly records: Map<string, Promise<AccessRequest[]>>;
}

function recordsOf(deps: ServiceDeps, pass: Pass, repository: string): Promise<AccessRequest[]> {
  let records = pass.records.get(repository);
  if (!records) {
    records = deps.store.listByRepository(repository).then((found) => {
      pass.tally.itemsRead += found.length;
      return found;
    });
    // A failed read is not kept: the next request of the repository reads again.
    records.catch(() => pass.records.delete(repository));
    pass.records.set(repository, records);
  }
  return records;
}

/** The live grant of the same account that outlasts this one (a later end, or none): the requester need not be reminded of this one's end. */
function outlastedBy(request: AccessRequest, grants: readonly AccessRequest[]): AccessRequest | undefined {
  const end = request.expiresAt ?? '';
  return grants.find(
    (other) => other.id !== request.id && other.account === request.account && other.state === 'GRANTED' && !other.ending && (other.expiresAt === undefined || other.expiresAt > end),
  );
}

/** Does what is due for one request, and answers when the sweep should look at it next (undefined: never). */
async function sweepRequest(deps: ServiceDeps, times: SweepTimes, request: AccessRequest, pass: Pass): Promise<number | undefined> {
  const { tally } = pass;
  const now = deps.clock.now();
  const announcer = { by: deps.processId, at: now };
  const later: number[] = [];

  if (request.owed.length > 0) {
    // An announcer is taken over once it abandoned its claim.
    const staleAt = (request.announcer?.at ?? 0) + deps.announceRetryMs + deps.clockMarginMs + 1;
    if (now >= staleAt) {
      const claimed = await deps.store.claimAnnouncement(request.id, announcer, abandonedBefore(deps, now));
      if (claimed) {
        await announce(deps, claimed, { takeover: true });
        tally.announced += 1;
      }
      later.push(now + deps.announceRetryMs + deps.clockMarginMs + 1);
    } else later.push(staleAt);
  }

  // Granted in some of its regions and failed in the others: live, and ended at its time, like a grant.
  switch (request.state === 'FAILED' && request.partlyGranted ? 'GRANTED' : request.state) {
    case 'PENDING': {
      const lapseAt = Date.parse(request.createdAt) + times.pendingLapseMs;
      if (now >= lapseAt) {
        const lapsed = await deps.store.sweepStep(request.id, { kind: 'expire-pending', at: new Date(now).toISOString() }, announcer);
        if (lapsed) {
          tally.lapsed += 1;
          await announce(deps, lapsed);
        }
        return now;
      }
      const nudges = request.nudges ?? 0;
      const nudgeAt = Date.parse(request.nudgedAt ?? request.createdAt) + times.nudgeFirstMs * 2 ** nudges;
      if (now >= nudgeAt) {
        const nudged = await deps.store.sweepStep(request.id, { kind: 'nudged', at: new Date(now).toISOString(), previous: request.nudgedAt }, announcer);
        if (nudged) {
          tally.nudged += 1;
          await deps.notifier.nudgeApprovers(nudged).catch((error: unknown) => deps.logger.warn('could not remind the approvers', { requestId: request.id, error }));
        }
        // Each reminder waits twice as long as the one before.
        return Math.min(lapseAt, now + times.nudgeFirstMs * 2 ** (nudges + 1), ...later);
      }
      return Math.min(lapseAt, nudgeAt, ...later);
    }
    case 'APPROVED':
    case 'GRANTED': {
      if (request.state === 'APPROVED' || request.ending) {
        // Still applying: its own job waits at most waitForChangeMs; after that nobody is at it.
        const since = Date.parse(request.ending?.at ?? request.decidedAt ?? request.createdAt);
        if (now < since + deps.waitForChangeMs) return Math.min(since + deps.waitForChangeMs, ...later);
        pass.records.delete(request.repository);
        const outcome = await awaitVerdicts(deps, request.repository, [request]);
        tally.driven += 1;
        return outcome.kind === 'recorded' ? now : now + deps.waitForChangeMs;
      }
      if (request.expiresAt === undefined) return later.length > 0 ? Math.min(...later) : undefined;
      const endAt = Date.parse(request.expiresAt);
      if (now >= endAt) {
        // Each grant ends at its own time; the account stays in the policy while another of its grants is live.
        pass.records.delete(request.repository);
        const begun = await deps.store.beginEnding(request.id, { kind: 'expire', by: BOT_ACTOR, at: new Date(now).toISOString() });
        // Another pass began it first: that pass sees it through.
        if (!begun) return now;
        const outcome = await awaitVerdicts(deps, request.repository, [begun]);
        if (outcome.kind !== 'recorded') await showEnding(deps, [begun]);
        // Counted by the pass that began it (one conditional write, won once), whoever's holder
        // recorded it: passes at once add up to the grants they ended. One still waiting when the
        // pass ends is counted as driven by the pass that finishes it.
        const ended = outcome.kind === 'recorded' ? outcome.requests[0] : undefined;
        if (ended?.state === 'EXPIRED') tally.expired += 1;
        return now;
      }
      // A partly granted request is not reminded of its end: its card already asks for a Retry.
      if (request.state !== 'GRANTED') return Math.min(endAt, ...later);
      const remindAt = endAt - times.reminderLeadMs;
      // The reminder waits for the grant's own announcement: it is owed only once nothing else is.
      if (!request.reminded && now >= remindAt && request.owed.length > 0) return Math.min(endAt, ...later);
      if (!request.reminded && now >= remindAt) {
        const grants = (await recordsOf(deps, pass, request.repository)).filter((r) => r.state === 'GRANTED');
        if (outlastedBy(request, grants)) return Math.min(endAt, ...later);
        const reminding = await deps.store.sweepStep(request.id, { kind: 'remind' }, announcer);
        if (reminding) {
          tally.reminded += 1;
          await announce(deps, reminding);
        }
        return now;
      }
      return Math.min(request.reminded ? endAt : remindAt, ...later);
    }
    default:
      return later.length > 0 ? Math.min(...later) : undefined;
  }
}

/** What changed outside ecr-access in one repository: accounts in our statement with no grant, and grants that can no longer pull. */
async function driftIn(deps: ServiceDeps, repository: string, tally: Tally): Promise<Drift> {
  // The records first, then the policy: a grant is written before it is recorded and recorded as
  // ending before it is removed, so the records read first never make the bot's own work look like drift.
  const found = await deps.store.listByRepository(repository);
  tally.itemsRead += found.length;
  // A repository in several regions is watched in the first its rule names, the one its requests are checked in.
  const region = watchedRegion(deps, repository);
  const records = found.filter((r) => regionsOf(r, deps.region).includes(region)).map((r) => inRegion(r, region));
  const policy = parsePolicy(await deps.registryIn(region).getPolicy(repository));
  const granted = records.filter((r) => r.state === 'GRANTED');
  // Requests on their way (approved, or being removed) are the bot's own changes, not drift.
  const moving = new Set(records.filter((r) => r.state === 'APPROVED' || r.ending).map((r) => r.account));
  const explained = new Set(granted.map((r) => r.account));
  const explainedForLambda = new Set(granted.filter((r) => r.lambda).map((r) => r.account));
  // The Lambda statement counts the same way: its entries need a grant for Lambda, and such a grant needs its entry.
  const appeared = [
    ...new Set([
      ...(await notCoveredByOus(deps, managedAccounts(policy).filter((account) => !explained.has(account) && !moving.has(account)), granted)),
      ...lambdaAccounts(policy).filter((account) => !explainedForLambda.has(account) && !moving.has(account)),
      // The OU statement counts the same way: an OU's entry needs a grant of it, and such a grant needs its entry.
      ...ouPaths(policy).flatMap((path) => ouOfPath(path) ?? []).filter((ou) => !explained.has(ou) && !moving.has(ou)),
    ]),
  ].sort();
  const stillPulls = (r: AccessRequest) => (r.orgPath !== undefined ? ouCanPull(policy, r.orgPath) : canPull(policy, r.account) && (!r.lambda || inLambdaStatement(policy, r.account)));
  const lost = granted.filter((r) => !moving.has(r.account) && !stillPulls(r));
  const disappeared = [...new Set(lost.map((r) => r.account))].sort();
  return { appeared, disappeared };
}

/**
 * The accounts (in the pull statement with no grant of their own) that no live OU grant covers:
 * an account under a granted OU pulls by that grant, which is not drift. Where each account sits is
 * asked of Organizations only when the repository has a live OU grant.
 */
async function notCoveredByOus(deps: ServiceDeps, accounts: readonly string[], granted: readonly AccessRequest[]): Promise<string[]> {
  const ouPathsGranted = granted.filter((r) => r.orgPath !== undefined && r.ending === undefined).map((r) => r.orgPath as string);
  if (accounts.length === 0 || ouPathsGranted.length === 0 || !deps.accounts) return [...accounts];
  const owners = await deps.accounts.owners(accounts.filter((a) => !isOuId(a)));
  return accounts.filter((account) => {
    const owner = owners.get(account);
    const orgPath = owner?.kind === 'member' ? owner.orgPath : undefined;
    return orgPath === undefined || !ouPathsGranted.some((path) => isUnder(orgPath, path));
  });
}

/** Notes the repository's drift when it changed since last noted, and tells the approvers when there is some. */
async function reportDrift(deps: ServiceDeps, repository: string, tally: Tally): Promise<void> {
  const drift = await driftIn(deps, repository, tally);
  const some = drift.appeared.length + drift.disappeared.length > 0;
  const signature = some ? createHash('sha256').update(JSON.stringify(drift)).digest('hex') : NO_DRIFT;
  const detail = some ? `appeared: ${drift.appeared.join(', ') || 'none'}; disappeared: ${drift.disappeared.join(', ') || 'none'}` : 'no drift';
  const noted = await deps.store.noteDrift(repository, signature, { kind: 'drift', at: new Date(deps.clock.now()).toISOString(), by: BOT_ACTOR, detail });
  if (!noted || !some) return;
  await deps.notifier.reportDrift(repository, drift).catch((error: unknown) => deps.logger.warn('could not report drift', { repository, error }));
  tally.driftReported += 1;
}

/**
 * One pass of the sweep. Throws only when it cannot read its work list; what fails on the way is
 * logged and counted. Either way the pass ends with one metric line: how long it took, what it
 * could not do, and how many jobs wait to be replayed.
 */
export async function sweepOnce(deps: ServiceDeps, times: SweepTimes): Promise<SweepReport> {
  const started = deps.clock.now();
  let report: SweepReport | undefined;
  try {
    report = await sweepPass(deps, times);
    return report;
  } finally {
    const { failures = 1, waitingJobs, ...tally } = report ?? {};
    deps.metrics.put(
      report ? 'swept' : 'the sweep could not read its work list',
      { SweepDuration: deps.clock.now() - started, SweepFailures: failures, ...(waitingJobs !== undefined && { WaitingJobs: waitingJobs }) },
      tally,
    );
  }
}

/** How many jobs wait to be replayed, when this runtime hands jobs over; a queue it cannot read is a failure of the pass. */
async function countWaitingJobs(deps: ServiceDeps, tally: Tally): Promise<{ waitingJobs?: number }> {
  if (!deps.waitingJobs) return {};
  try {
    return { waitingJobs: await deps.waitingJobs.count() };
  } catch (error) {
    tally.failures += 1;
    deps.logger.warn('could not count the jobs waiting to be replayed', { error });
    return {};
  }
}

async function sweepPass(deps: ServiceDeps, times: SweepTimes): Promise<SweepReport> {
  const tally: Tally = { looked: 0, repositories: 0, itemsRead: 0, expired: 0, reminded: 0, lapsed: 0, nudged: 0, driven: 0, announced: 0, driftReported: 0, failures: 0 };
  const pass: Pass = { tally, records: new Map() };
  const due = await deps.store.due(deps.clock.now(), PASS_LIMIT);
  // Every step of a pass is timed by this process's clock (ends, lapses, take-overs): by a clock
  // it cannot trust (measured from AWS's answers, that first read included) it takes none.
  if (!deps.clockCheck.trusted()) {
    deps.logger.error('the sweep did nothing: this process’s clock cannot be trusted (see the warning before)', { offsetMs: deps.clockCheck.offsetMs() });
    return { ...tally, failures: 1 };
  }
  tally.looked = due.length;
  tally.itemsRead += due.length;
  await inBatches(due, IN_FLIGHT, async ({ request, version }) => {
    try {
      const next = await sweepRequest(deps, times, request, pass);
      // Only if nobody changed the request meanwhile: a change makes it due at once, and that stands.
      await deps.store.sweepStep(request.id, { kind: 'look-again', at: next, seen: version }, { by: deps.processId, at: deps.clock.now() });
    } catch (error) {
      tally.failures += 1;
      deps.logger.error('the sweep could not finish a request; the next pass tries again', { requestId: request.id, error });
    }
  });
  await inBatches(await sharedRepositories(deps), IN_FLIGHT, async (repository) => {
    tally.repositories += 1;
    try {
      await reportDrift(deps, repository, tally);
    } catch (error) {
      tally.failures += 1;
      deps.logger.warn('could not compare a repository policy with the records', { repository, error });
    }
  });
  const waiting = await countWaitingJobs(deps, tally);
  return { ...tally, ...waiting };
}
