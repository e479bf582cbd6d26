// The rule the policy path keeps, per repository and account: the account is in ecr-access's
// statement exactly when at least one of its grants is live. It is decided from all of the
// account's requests at once (level-triggered), never by replaying grants and removals in some
// order, and every request of the account is then recorded from the policy as read back.
import * as z from 'zod';
import { ErrorCode } from '../errors';
import { Grantee } from './organizational-unit';
import { type AccessRequest, type Ending, type Failure, type KeptBy, RequestId } from './access-request';

/**
 * An account that needs the policy path's attention on one repository, marked by a request whose
 * change was recorded first (its approval, or the start of its end). The token tells two marks of
 * the same request apart, so taking one off never takes off a later one.
 */
export const Mark = z.object({ account: Grantee, requestId: RequestId, token: z.string().regex(/^[0-9a-z]{1,16}$/) });
export type Mark = z.infer<typeof Mark>;

/** Marks in one order, whoever stores them: by account, request and token. */
export const byMark = (a: Mark, b: Mark): number =>
  a.account !== b.account ? (a.account < b.account ? -1 : 1) : a.requestId !== b.requestId ? (a.requestId < b.requestId ? -1 : 1) : a.token < b.token ? -1 : a.token > b.token ? 1 : 0;

/** Granted somewhere: in every region, or (failed in the others) in some. */
const granted = (request: AccessRequest): boolean => request.state === 'GRANTED' || (request.state === 'FAILED' && request.partlyGranted === true);

/** A grant is live from its approval until something ends it: the account must be in the statement for it. */
export const isLive = (request: AccessRequest): boolean => (request.state === 'APPROVED' || granted(request)) && request.ending === undefined;

/** The policy path still owes the request a verdict: an approval not yet verified, or an end not yet verified. */
export const awaitsVerdict = (request: AccessRequest): boolean => request.state === 'APPROVED' || (granted(request) && request.ending !== undefined);

/** What the statement should say about an account: in, out, or nothing for ecr-access to change. */
export type Membership = 'in' | 'out' | 'as-is';

/**
 * In while one of the account's grants is live; out while none is and one of its requests still
 * waits for its verdict (an end, or an approval a Deny makes useless); otherwise left as it is.
 * `blocked`: a Deny takes pull access away from the account even inside the statement, so no
 * approval of it can become a grant.
 */
export function membership(requests: readonly AccessRequest[], blocked: boolean): Membership {
  if (requests.some((r) => keepsIn(r, blocked))) return 'in';
  return requests.some(awaitsVerdict) ? 'out' : 'as-is';
}

const keepsIn = (request: AccessRequest, blocked: boolean) => isLive(request) && !(blocked && request.state === 'APPROVED');

/**
 * The Lambda statement, by the same rule: the account's functions are in it exactly when one of
 * the grants that keep it in the pull statement asked for Lambda; out while none does and one of
 * its requests waits for its verdict.
 */
export function lambdaMembership(requests: readonly AccessRequest[], blocked: boolean): Membership {
  if (requests.some((r) => r.lambda && keepsIn(r, blocked))) return 'in';
  return requests.some(awaitsVerdict) ? 'out' : 'as-is';
}

/** The account as the policy read back after the write shows it. */
export interface ReadBack {
  /** In ecr-access's statement. */
  readonly inStatement: boolean;
  readonly canPull: boolean;
  /** Its functions are in ecr-access's Lambda statement. */
  readonly inLambda: boolean;
  /** As in `membership`, from the same policy. */
  readonly blocked: boolean;
  /** Why the account's change was not written, when ECR or the policy refused it. */
  readonly refusal?: Failure;
}

/** What to record on a request. */
export type Outcome =
  | { readonly state: 'GRANTED' }
  | { readonly state: 'FAILED'; readonly failure: Failure }
  /**
   * REVOKED or EXPIRED, as its `ending` says; `keptBy`: the live grants that keep the account in;
   * `outside`: the account was put in by hand, so only the approvers' channel is told.
   */
  | { readonly state: 'ENDED'; readonly ending: Ending; readonly keptBy: readonly KeptBy[]; readonly outside: boolean }
  /** The end could not be written: the grant is live again, and says why. */
  | { readonly state: 'REMOVAL_REFUSED'; readonly failure: Failure };

const failure = (code: ErrorCode, detail: string): Failure => ({ code, detail });

/**
 * The outcome of each of the account's requests that awaits one, from the policy as read back; a
 * request left out still waits (the next pass writes again). A request is granted only when the
 * account can pull; it fails, or its grant ends, only once the account is out of the statement or
 * another live grant explains why it is in.
 */
export function outcomes(requests: readonly AccessRequest[], read: ReadBack): Map<string, Outcome> {
  const decided = new Map<string, Outcome>();
  const approvals = requests.filter((r) => r.state === 'APPROVED' && r.ending === undefined);
  for (const request of approvals) {
    // A grant for Lambda too is granted once both statements have the account.
    if (read.canPull && (read.inLambda || !request.lambda)) decided.set(request.id, { state: 'GRANTED' });
    else if (!read.inStatement) decided.set(request.id, { state: 'FAILED', failure: whyNotIn(request, read) });
  }
  // The grants that are live once this pass is recorded, and verified: they keep the account in.
  const kept = requests.filter((r) => (r.state === 'GRANTED' && r.ending === undefined) || decided.get(r.id)?.state === 'GRANTED');
  for (const request of approvals) {
    // In the statement, yet unable to pull: a Deny. It fails now if another grant explains the entry, else once it is out.
    if (!decided.has(request.id) && read.inStatement && !read.canPull && kept.length > 0) {
      decided.set(request.id, { state: 'FAILED', failure: denied(request) });
    }
  }
  const keptBy = kept.map(({ id, requester, expiresAt }) => ({ id, requester, ...(expiresAt && { expiresAt }) }));
  // Each statement the account is in must be explained by a grant that stays, for an end to be recorded.
  const explained = (!read.inStatement || kept.length > 0) && (!read.inLambda || kept.some((r) => r.lambda));
  for (const request of requests) {
    if (!awaitsVerdict(request) || request.ending === undefined) continue;
    if (explained) decided.set(request.id, { state: 'ENDED', ending: request.ending, keptBy, outside: request.origin === 'outside' });
    else if (read.refusal) decided.set(request.id, { state: 'REMOVAL_REFUSED', failure: read.refusal });
  }
  return decided;
}

function whyNotIn(request: AccessRequest, read: ReadBack): Failure {
  if (read.blocked) return denied(request);
  return (
    read.refusal ??
    failure(ErrorCode.ChangedConcurrently, `${request.account} was not in the policy read back after the write: it was changed again at the same moment`)
  );
}

const denied = (request: AccessRequest) =>
  failure(ErrorCode.DeniedByPolicy, `A Deny statement in the repository policy takes pull access away from ${request.account}; ecr-access does not edit Deny statements. Change that statement by hand first.`);
