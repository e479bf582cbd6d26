// The revoke use case: an approver, or whoever asked for the grant, takes an account's pull access
// away through the one policy path; an account added by hand can be taken out by an approver.
// Answers what happened as data; src/slack words it.
import type { AccessRequest, Ending, Failure } from '../domain/access-request';
import type { PolicyChange } from '../domain/policy-change';
import { managedAccounts, parsePolicy, pullingStatements } from '../domain/policy';
import { isEcrAccessError } from '../errors';
import type { ServiceDeps } from './deps';
import { settleChange } from './policy-changes/settle-change';

export interface Revocation {
  readonly repository: string;
  readonly account: string;
  readonly user: string;
  readonly reason?: string;
}

export type RevokeOutcome =
  | { code: 'not-shareable'; repository: string; repositories: readonly string[] }
  /** Nothing to take away: no grant, and not in the statement ecr-access manages. */
  | { code: 'no-access'; repository: string; account: string; pullsThrough: readonly string[] }
  | { code: 'not-allowed'; grant: AccessRequest }
  /** Added by hand: only an approver may take it out. */
  | { code: 'outside-needs-approver'; repository: string; account: string }
  | { code: 'approver-unknown'; reason: string }
  | { code: 'policy-problem'; repository: string; failure: Failure }
  /** Someone else is removing it already. */
  | { code: 'already-ending'; request: AccessRequest }
  /** Removed and verified (REVOKED), or refused by ECR (still GRANTED, with the reason). */
  | { code: 'settled'; request: AccessRequest }
  /** Held up (ECR unreadable, another holder, a write whose outcome is unknown): the sweep finishes it. */
  | { code: 'pending'; request: AccessRequest };

const revokeOf = (request: AccessRequest): PolicyChange => ({ kind: 'revoke', account: request.account, requestId: request.id });

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

export async function revoke(deps: ServiceDeps, input: Revocation): Promise<RevokeOutcome> {
  const { repository, account, user } = input;
  if (!deps.repositories.includes(repository)) return { code: 'not-shareable', repository, repositories: deps.repositories };
  const at = new Date(deps.clock.now()).toISOString();
  const live = (await deps.store.listByRepository(repository)).filter((r) => r.account === account && r.state === 'GRANTED');
  const approver = await deps.isApprover(user);
  const mayRevoke = approver.kind === 'approver' || live.some((grant) => grant.requester === user);

  let grants = live;
  if (live.length === 0) {
    let policy: ReturnType<typeof parsePolicy>;
    try {
      policy = parsePolicy(await deps.registry.getPolicy(repository));
    } catch (error) {
      if (!isEcrAccessError(error)) throw error;
      return { code: 'policy-problem', repository, failure: { code: error.code, detail: error.message } };
    }
    if (!managedAccounts(policy).includes(account)) return { code: 'no-access', repository, account, pullsThrough: pullingStatements(policy, account) };
    if (approver.kind === 'unknown') return { code: 'approver-unknown', reason: approver.reason };
    if (approver.kind !== 'approver') return { code: 'outside-needs-approver', repository, account };
    const outside = outsideGrant(deps, input, at);
    await deps.store.recordOutside(outside);
    grants = [outside];
  } else if (!mayRevoke) {
    if (approver.kind === 'unknown') return { code: 'approver-unknown', reason: approver.reason };
    return { code: 'not-allowed', grant: live[0] as AccessRequest };
  }

  const ending: Ending = { kind: 'revoke', by: user, at, ...(input.reason && { reason: input.reason }) };
  const begun = await Promise.all(grants.map((grant) => deps.store.beginEnding(grant.id, ending)));
  const ended = begun.filter((r): r is AccessRequest => r !== undefined);
  const [first] = ended;
  if (!first) return { code: 'already-ending', request: grants[0] as AccessRequest };
  // One account, one change: the first removal takes it out, and the others are recorded from the same read-back.
  let last: RevokeOutcome = { code: 'pending', request: first };
  for (const request of ended) {
    const outcome = await settleChange(deps, repository, { change: revokeOf(request), request });
    last = outcome.kind === 'settled' ? { code: 'settled', request: outcome.request } : { code: 'pending', request };
  }
  return last;
}
