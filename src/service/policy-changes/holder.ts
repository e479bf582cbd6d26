// The one path every policy change takes. A change is recorded on its request first (an
// approval, or the start of an end), then marks the request's account on the repository, in
// each region the request's grant lives in (a place: one policy, its own marks and lease).
// Whoever holds a place's lease takes the marked accounts, reads the policy and every request
// of those accounts as that region sees it (src/domain/regional.ts), decides from them whether
// each account belongs in the statement (src/domain/membership.ts), makes one write on that
// fresh read (write.ts), reads it back, records every request of those accounts from what it
// reads (record.ts), and goes again until nothing is marked. The lease rules are drawn where the
// lease lives: src/aws/repository-lease.ts.
import type { AccessRequest, Failure } from '../../domain/access-request';
import { lambdaMembership, type Mark, type Membership, membership } from '../../domain/membership';
import { isOuId } from '../../domain/organizational-unit';
import { deniedOuPull, deniedPull, inLambdaStatement, inManagedStatement, inOuStatement } from '../../domain/policy';
import { inRegion, regionsOf } from '../../domain/regional';
import { ErrorCode } from '../../errors';
import { announce } from '../announce';
import type { ServiceDeps } from '../deps';
import { type Lease, type LeaseOutcome, type Marking, type Place, placeKey } from '../ports';
import { type AccountChange, type Changes, type PolicyRead, readPolicy, type Stop, writeChanges } from './write';
import { recordAccounts } from './record';

/** Bounds how long one holder keeps a repository while marks keep arriving; waiting jobs and the sweep take over. */
const MAX_PASSES = 10;

export interface HolderReport {
  /** The requests this holder recorded (a region's verdict, or the request's own), by ID, as last written; once announced. */
  readonly recorded: ReadonlyMap<string, AccessRequest>;
  /** Why it stopped with accounts still marked, when it did. */
  readonly stopped?: Stop;
}

interface Pass {
  readonly recorded: readonly AccessRequest[];
  /** Announcements under way: awaited once the repository is let go, so Slack's pace never holds up a write. */
  readonly telling: readonly Promise<void>[];
  /** Marks of the accounts whose requests all have their verdict: they come off. */
  readonly done: readonly Mark[];
  readonly stopped?: Stop;
}

/**
 * Takes the place's lease if it is free (marking `marking` in the same write) and acts on every
 * marked account. Answers what it recorded once it is announced, or `held: false` when another
 * holder has the place or this process's clock cannot be trusted to take it.
 */
export async function applyMarked(deps: ServiceDeps, place: Place, marking?: Marking): Promise<LeaseOutcome<HolderReport>> {
  const key = placeKey(place, deps.region);
  if (!deps.clockCheck.trusted()) {
    if (marking) await deps.changes.mark(key, marking);
    return { held: false };
  }
  const telling: Promise<void>[] = [];
  const outcome = await deps.changes.withLease(
    key,
    async (lease, marked): Promise<HolderReport> => {
      const recorded = new Map<string, AccessRequest>();
      let marks = marked;
      for (let pass = 0; pass < MAX_PASSES && marks.length > 0; pass++) {
        const result = await applyPass(deps, lease, place, marks);
        for (const request of result.recorded) recorded.set(request.id, request);
        telling.push(...result.telling);
        if (result.stopped) return { recorded, stopped: result.stopped };
        const left = await lease.unmark(result.done);
        if (left === undefined) {
          deps.logger.warn('lost the repository lease; the next holder takes over', { ...place });
          return { recorded, stopped: 'lease-lost' };
        }
        marks = left;
      }
      return { recorded };
    },
    marking,
  );
  await Promise.all(telling);
  return outcome;
}

/** One write for every marked account, on a fresh read, and every request of those accounts recorded from its read-back. */
async function applyPass(deps: ServiceDeps, lease: Lease, place: Place, marks: readonly Mark[]): Promise<Pass> {
  const accounts = [...new Set(marks.map((m) => m.account))];
  const [found, before] = await Promise.all([
    deps.store.accountRequests(place.repository, accounts, [...new Set(marks.map((m) => m.requestId))]),
    readPolicy(deps, place),
  ]);
  if (before.kind === 'unreadable') {
    deps.logger.error('could not read the policy; the accounts stay marked', { ...place, error: before.error });
    return { recorded: [], telling: [], done: [], stopped: 'unreadable' };
  }
  // Only the requests whose grant lives in this region, each as this region sees it.
  const requests = found.filter((r) => regionsOf(r, deps.region).includes(place.region));
  const views = (account: string) => requests.filter((r) => r.account === account).map((r) => inRegion(r, place.region));
  const after = await writeChanges(deps, lease, place, before, changesFor(deps, place.repository, before, accounts, views));
  if (after.kind === 'stopped') return { recorded: [], telling: [], done: [], stopped: after.stop };

  const result = await recordAccounts(deps, place, accounts.map((account) => ({ account, requests: requests.filter((r) => r.account === account) })), before, after);
  const done = marks.filter((m) => result.agreed.includes(m.account));
  deps.logger.info('applied policy changes', { ...place, accounts: accounts.length, recorded: result.recorded.length });
  return { recorded: result.recorded, telling: result.announced.map((request) => announce(deps, request)), done };
}

/** What moves an account from where it is to where the rule wants it. */
const toward = (wanted: Membership, present: boolean): 'put' | 'take' | undefined => (wanted === 'in' && !present ? 'put' : wanted === 'out' && present ? 'take' : undefined);

/**
 * The accounts to put in or take out of each statement, by the membership rule; when the
 * repository may not be changed (no longer shareable, or a policy ecr-access does not
 * understand), every account is refused.
 */
function changesFor(deps: ServiceDeps, repository: string, before: Exclude<PolicyRead, { kind: 'unreadable' }>, accounts: readonly string[], ofAccount: (account: string) => AccessRequest[]): Changes {
  const refuseAll = (failure: Failure) => ({ refusals: new Map(accounts.map((account) => [account, failure])) });
  if (!deps.rules.ruleFor(repository)) return refuseAll({ code: ErrorCode.NotShareable, detail: `${repository} is not one of the repositories ecr-access shares` });
  if (before.kind === 'not-understood') return refuseAll(before.failure);
  const changes = accounts.map((account): AccountChange => {
    const requests = ofAccount(account);
    // An OU plays the account's part: its statement is the OU statement, which lists its path.
    const orgPath = isOuId(account) ? requests.find((r) => r.orgPath !== undefined)?.orgPath : undefined;
    const blocked = isOuId(account) ? orgPath !== undefined && deniedOuPull(before.policy, orgPath) : deniedPull(before.policy, account);
    const present = isOuId(account) ? inOuStatement(before.policy, account) : inManagedStatement(before.policy, account);
    const pull = toward(membership(requests, blocked), present);
    const lambda = toward(lambdaMembership(requests, blocked), inLambdaStatement(before.policy, account));
    return { account, ...(pull && { pull }), ...(lambda && { lambda }), ...(orgPath !== undefined && { orgPath }) };
  });
  return { changes };
}
