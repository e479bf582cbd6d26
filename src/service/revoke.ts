// The revoke use case: ends grants, not accounts. Whoever asked for a grant may end it; an
// approver ends every live grant of the account; an account added by hand can be taken out by an
// approver. The account leaves the policy only when none of its grants is live any more (the
// membership rule, src/domain/membership.ts). Answers what happened as data; src/slack words it.
import type { AccessRequest, Ending, Failure, KeptBy } from '../domain/access-request';
import { awaitsVerdict, isLive } from '../domain/membership';
import { inOuStatement, lambdaAccounts, managedAccounts, ouPaths, parsePolicy, pullingStatements } from '../domain/policy';
import { isEcrAccessError } from '../errors';
import { shareable } from '../domain/repository-rules';
import { showEnding } from './announce';
import { type ServiceDeps, watchedRegion } from './deps';
import { awaitVerdicts } from './policy-changes/await-verdicts';

export interface Revocation {
  readonly repository: string;
  readonly account: string;
  readonly user: string;
  readonly reason?: string;
}

export type RevokeOutcome =
  | { code: 'not-shareable'; repository: string; repositories: readonly string[] }
  /** Nothing to take away: no live grant, and not in the statement ecr-access manages. */
  | { code: 'no-access'; repository: string; account: string; pullsThrough: readonly string[] }
  | { code: 'not-allowed'; grant: AccessRequest }
  /** Added by hand: only an approver may take it out. */
  | { code: 'outside-needs-approver'; repository: string; account: string }
  | { code: 'approver-unknown'; reason: string }
  | { code: 'policy-problem'; repository: string; failure: Failure }
  /** Someone else is ending it already. */
  | { code: 'already-ending'; request: AccessRequest }
  /**
   * Every grant this revoke ended has its verdict (REVOKED; or live again, with the reason, when
   * ECR refused the removal). `keptBy`: the grants of others that keep the account able to pull.
   */
  | { code: 'settled'; requests: readonly AccessRequest[]; keptBy: readonly KeptBy[] }
  /** Held up (ECR unreadable, another holder, a write whose outcome is unknown): the sweep finishes it. */
  | { code: 'pending'; requests: readonly AccessRequest[]; keptBy: readonly KeptBy[] };

/** The record for an account someone put in the managed statement by hand, so its removal is recorded like any other. */
function outsideGrant(deps: ServiceDeps, input: Revocation, at: string): AccessRequest {
  return {
    id: deps.newId(),
    repository: input.repository,
    account: input.account,
    requester: input.user,
    state: 'GRANTED',
    origin: 'outside',
    createdAt: at,
    attempts: 0,
    owed: [],
    history: [{ kind: 'drift', at, by: input.user, detail: 'found in the statement with no ecr-access grant; recorded to revoke it' }],
  };
}


/** What a revoke would end, as read now: the live grants it ends, or an account added by hand to take out. */
export type RevokePlan =
  | { code: 'end-grants'; ending: readonly AccessRequest[]; live: readonly AccessRequest[] }
  /** In the statement with no live grant: an approver takes it out, recorded first. */
  | { code: 'end-outside' };

/** Why a revoke would change nothing, or may not be made; no I/O is written for any of them. */
type RevokeRefusal = Extract<
  RevokeOutcome,
  { code: 'not-shareable' | 'no-access' | 'not-allowed' | 'outside-needs-approver' | 'approver-unknown' | 'policy-problem' | 'already-ending' }
>;

/**
 * Reads what revoking the account would do for this user, and writes nothing: the grants it would
 * end (a requester's own, or an approver's every live one), the account added by hand an approver
 * would take out, or why it would change nothing or may not be made. The revoke command asks this
 * first, so its Revoke button is offered only when pressing it would do something.
 */
export async function planRevoke(deps: ServiceDeps, input: Omit<Revocation, 'reason'>): Promise<RevokePlan | RevokeRefusal> {
  const { repository, account, user } = input;
  if (!deps.rules.ruleFor(repository)) return { code: 'not-shareable', repository, repositories: shareable(deps.rules) };
  const [requests, approver] = await Promise.all([deps.store.accountRequests(repository, [account], []), deps.isApprover(user, repository)]);
  const live = requests.filter(isLive);

  if (live.length === 0) {
    // An end already under way is not an account added by hand: no second record is made for it.
    const ended = requests.find((r) => awaitsVerdict(r) && r.ending !== undefined);
    if (ended) return { code: 'already-ending', request: ended };
    try {
      const policy = parsePolicy(await deps.registryIn(watchedRegion(deps, repository)).getPolicy(repository));
      ouPaths(policy);
      if (!managedAccounts(policy).includes(account) && !lambdaAccounts(policy).includes(account) && !inOuStatement(policy, account)) return { code: 'no-access', repository, account, pullsThrough: pullingStatements(policy, account) };
    } catch (error) {
      if (!isEcrAccessError(error)) throw error;
      return { code: 'policy-problem', repository, failure: { code: error.code, detail: error.message } };
    }
    if (approver.kind === 'unknown') return { code: 'approver-unknown', reason: approver.reason };
    if (approver.kind !== 'approver') return { code: 'outside-needs-approver', repository, account };
    return { code: 'end-outside' };
  }
  if (approver.kind === 'approver') return { code: 'end-grants', ending: live, live };
  // A requester ends only the grants they asked for.
  const own = live.filter((grant) => grant.requester === user);
  if (own.length > 0) return { code: 'end-grants', ending: own, live };
  if (approver.kind === 'unknown') return { code: 'approver-unknown', reason: approver.reason };
  return { code: 'not-allowed', grant: live[0] as AccessRequest };
}

export async function revoke(deps: ServiceDeps, input: Revocation): Promise<RevokeOutcome> {
  const { repository } = input;
  const plan = await planRevoke(deps, input);
  if (plan.code !== 'end-grants' && plan.code !== 'end-outside') return plan;
  const at = new Date(deps.clock.now()).toISOString();
  let ending: readonly AccessRequest[];
  let live: readonly AccessRequest[] = [];
  if (plan.code === 'end-outside') {
    const outside = outsideGrant(deps, input, at);
    await deps.store.recordOutside(outside);
    ending = [outside];
  } else {
    ({ ending, live } = plan);
  }

  const end: Ending = { kind: 'revoke', by: input.user, at, ...(input.reason && { reason: input.reason }) };
  const begun = (await Promise.all(ending.map((grant) => deps.store.beginEnding(grant.id, end)))).filter((r): r is AccessRequest => r !== undefined);
  const [first, ...rest] = begun;
  if (!first) return { code: 'already-ending', request: ending[0] as AccessRequest };
  const keptBy = live.filter((grant) => !begun.some((r) => r.id === grant.id)).map(({ id, requester, expiresAt }) => ({ id, requester, ...(expiresAt && { expiresAt }) }));
  const outcome = await awaitVerdicts(deps, repository, [first, ...rest]);
  if (outcome.kind === 'recorded') return { code: 'settled', requests: outcome.requests, keptBy };
  await showEnding(deps, begun);
  return { code: 'pending', requests: begun, keptBy };
}
