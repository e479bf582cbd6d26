// One policy write under the lease, on a fresh read, and its read-back. The fence is checked
// before every send; a write ECR may still apply stops the holder with the lease held.
import type { Failure } from '../../domain/access-request';
import { isOuId } from '../../domain/organizational-unit';
import { applyToPolicy, lambdaAccounts, managedAccounts, ouPaths, parsePolicy, type RepositoryPolicy } from '../../domain/policy';
import { ErrorCode, isEcrAccessError } from '../../errors';
import type { ServiceDeps } from '../deps';
import type { Lease, Place } from '../ports';

/** Why a holder stopped with accounts still marked. */
export type Stop =
  /** ECR could not be read. */
  | 'unreadable'
  /** ECR did not answer a write: it may still apply it, so the lease runs out instead of being released. */
  | 'unconfirmed'
  /** Written, but the policy read back could not be read or understood. */
  | 'unverified'
  | 'lease-lost';

/** The policy as read: understood, readable but not ecr-access's to rewrite (or no repository to hold one), or not read at all. */
export type PolicyRead =
  | { kind: 'read'; text: string | undefined; policy: RepositoryPolicy }
  | { kind: 'not-understood'; text: string | undefined; policy?: RepositoryPolicy; failure: Failure }
  | { kind: 'unreadable'; error: unknown };

/** The policy after the write, as read back, and the accounts whose change was refused, with why. */
export type Written = (Exclude<PolicyRead, { kind: 'unreadable' }> & { refusals: ReadonlyMap<string, Failure> }) | { kind: 'stopped'; stop: Stop };

/** What one account needs of each statement ecr-access owns: to be put in, taken out, or nothing. An OU's `pull` is its entry in the OU statement. */
export interface AccountChange {
  readonly account: string;
  readonly pull?: 'put' | 'take';
  readonly lambda?: 'put' | 'take';
  /** An OU's path, which its entry lists. */
  readonly orgPath?: string;
}

/** The accounts' changes; or, when nothing may be written, every account refused with why. */
export type Changes = { readonly changes: readonly AccountChange[] } | { readonly refusals: ReadonlyMap<string, Failure> };

/** Refusals that may concern only some accounts of a write: it is split in halves, so the others still go through. */
const PARTIAL: readonly string[] = [ErrorCode.PolicyTooLarge, ErrorCode.PolicyRejected, ErrorCode.DeniedByPolicy];

const asFailure = (error: unknown): Failure =>
  isEcrAccessError(error) ? { code: error.code, detail: error.message } : { code: ErrorCode.Registry, detail: error instanceof Error ? error.message : String(error) };

export async function readPolicy(deps: ServiceDeps, place: Place): Promise<PolicyRead> {
  let text: string | undefined;
  try {
    text = await deps.registryIn(place.region).getPolicy(place.repository);
  } catch (error) {
    // No such repository (a replica not created yet, or deleted): no policy to write, and no account in one.
    if (isEcrAccessError(error, ErrorCode.RepositoryNotFound)) return { kind: 'not-understood', text: undefined, failure: asFailure(error) };
    return { kind: 'unreadable', error };
  }
  let policy: RepositoryPolicy | undefined;
  try {
    policy = parsePolicy(text);
    managedAccounts(policy);
    lambdaAccounts(policy);
    ouPaths(policy);
    return { kind: 'read', text, policy };
  } catch (error) {
    return { kind: 'not-understood', text, ...(policy && { policy }), failure: asFailure(error) };
  }
}

/** Writes the changes on top of `before` and reads the policy back; nothing is written when nothing changes. */
export async function writeChanges(deps: ServiceDeps, lease: Lease, place: Place, before: Exclude<PolicyRead, { kind: 'unreadable' }>, changes: Changes): Promise<Written> {
  if ('refusals' in changes) return { ...before, refusals: changes.refusals };
  const all = changes.changes.filter((c) => c.pull !== undefined || c.lambda !== undefined);
  if (before.kind !== 'read' || all.length === 0) return { ...before, refusals: new Map() };
  return write(deps, lease, place, before, all);
}

const accountsTo = (changes: readonly AccountChange[], statement: 'pull' | 'lambda', what: 'put' | 'take') => changes.filter((c) => c[statement] === what).map((c) => c.account);

async function write(deps: ServiceDeps, lease: Lease, place: Place, before: Extract<PolicyRead, { kind: 'read' }>, changes: readonly AccountChange[]): Promise<Written> {
  let text: string | undefined;
  try {
    const accounts = changes.filter((c) => !isOuId(c.account));
    const ous = changes.filter((c) => isOuId(c.account));
    // Lambda functions pull from the replica in their own region: the statement names that region.
    const update = applyToPolicy(
      before.policy,
      accountsTo(accounts, 'pull', 'put'),
      accountsTo(accounts, 'pull', 'take'),
      { put: accountsTo(accounts, 'lambda', 'put'), take: accountsTo(accounts, 'lambda', 'take'), region: place.region },
      { put: ous.flatMap((c) => (c.pull === 'put' && c.orgPath !== undefined ? [c.orgPath] : [])), take: accountsTo(ous, 'pull', 'take') },
    );
    if (!update.changed) return { ...before, refusals: new Map() };
    text = update.text;
  } catch (error) {
    return splitOrRefuse(deps, lease, place, before, changes, error);
  }
  try {
    await deps.registryIn(place.region).setPolicy(place.repository, text, () => lease.coverWrite());
    lease.answered();
  } catch (error) {
    if (isEcrAccessError(error, ErrorCode.LeaseLost)) return { kind: 'stopped', stop: 'lease-lost' };
    if (!isEcrAccessError(error) || error.code === ErrorCode.WriteOutcomeUnknown) {
      deps.logger.error('a policy write may still land; the repository stays held until it cannot', { ...place, error });
      return { kind: 'stopped', stop: 'unconfirmed' };
    }
    lease.answered();
    return splitOrRefuse(deps, lease, place, before, changes, error);
  }
  const after = await readPolicy(deps, place);
  if (after.kind !== 'read') {
    // Written, not yet verified: the accounts stay marked, and the next pass or holder verifies them.
    deps.logger.error('the policy was written but could not be read back and understood; the accounts stay marked', {
      ...place,
      error: after.kind === 'unreadable' ? after.error : after.failure,
    });
    return { kind: 'stopped', stop: 'unverified' };
  }
  return { ...after, refusals: new Map() };
}

/** A refusal of the whole write: split in halves when it may concern only some accounts, else every account is refused. */
async function splitOrRefuse(deps: ServiceDeps, lease: Lease, place: Place, before: Extract<PolicyRead, { kind: 'read' }>, changes: readonly AccountChange[], error: unknown): Promise<Written> {
  const failure = asFailure(error);
  if (changes.length > 1 && PARTIAL.includes(failure.code)) {
    const middle = Math.ceil(changes.length / 2);
    const first = await write(deps, lease, place, before, changes.slice(0, middle));
    if (first.kind !== 'read') return first;
    const second = await write(deps, lease, place, first, changes.slice(middle));
    if (second.kind !== 'read') return second;
    return { ...second, refusals: new Map([...first.refusals, ...second.refusals]) };
  }
  return { ...before, refusals: new Map(changes.map((c) => [c.account, failure])) };
}
