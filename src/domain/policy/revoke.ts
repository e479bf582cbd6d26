// Taking accounts out of the statement ecr-access owns: the statement goes when it is left
// empty, and the whole policy goes when nothing else is left (ECR refuses an empty one).
import type { AccountId } from '../account';
import { serializePolicy, type RepositoryPolicy } from './document';
import { MANAGED_SID, managedAccounts, managedStatement } from './grant';

export interface Revoke {
  /** The policy to write, or undefined when the repository should have no policy at all. */
  readonly policy: RepositoryPolicy | undefined;
  readonly text: string | undefined;
  /** Accounts that were in the managed statement and are taken out. */
  readonly removed: readonly AccountId[];
  readonly changed: boolean;
}

export function revokePull(policy: RepositoryPolicy, accounts: readonly AccountId[]): Revoke {
  const existing = managedAccounts(policy);
  const removed = existing.filter((a) => accounts.includes(a));
  if (removed.length === 0) return { policy, text: serializePolicy(policy), removed, changed: false };
  const remaining = existing.filter((a) => !removed.includes(a));
  const statements = policy.statements.flatMap((s) => {
    if (s.Sid !== MANAGED_SID) return [s];
    return remaining.length > 0 ? [managedStatement(remaining)] : [];
  });
  if (statements.length === 0) return { policy: undefined, text: undefined, removed, changed: true };
  const revoked: RepositoryPolicy = { header: policy.header, statements };
  return { policy: revoked, text: serializePolicy(revoked), removed, changed: true };
}
