// What each change of a batch came to, read from the policy as it was read back after the write.
import { createHash } from 'node:crypto';
import type { PolicyChange } from '../../domain/policy-change';
import { canPull, managedAccounts, parsePolicy, pullingStatements, verifyGrant, type RepositoryPolicy } from '../../domain/policy';
import { ErrorCode } from '../../errors';
import type { ServiceDeps } from '../deps';
import type { Lease, Verdict } from '../ports';
import type { Wanted } from './still-wanted';

/** A change and the verdict to record on its request. */
export interface Decided {
  readonly change: PolicyChange;
  readonly verdict: Verdict;
}

const sha256 = (text: string | undefined) => createHash('sha256').update(text ?? '').digest('hex');

/**
 * Decides each change of a batch from the policy as read back after the write; undefined when
 * the read-back cannot be checked (the changes stay queued). A grant that landed but cannot pull
 * (a Deny appeared meanwhile) is turned into its removal in the queue, and decided on the next pass.
 */
export async function verdicts(
  deps: ServiceDeps,
  lease: Lease,
  repository: string,
  batch: readonly Wanted[],
  read: { before: RepositoryPolicy; beforeText: string | undefined; afterText: string | undefined },
): Promise<Decided[] | undefined> {
  let after: RepositoryPolicy;
  let managed: readonly string[];
  try {
    after = parsePolicy(read.afterText);
    managed = managedAccounts(after);
  } catch (error) {
    deps.logger.error('the policy read back cannot be checked; the changes stay queued', { repository, error });
    return undefined;
  }
  const others = verifyGrant(read.before, after, []).changedStatements;
  if (others.length > 0) deps.logger.warn('another statement of the policy changed while ecr-access wrote it', { repository, statements: others });

  const now = deps.clock.now();
  const at = new Date(now).toISOString();
  const hashes = { policyHashBefore: sha256(read.beforeText), policyHash: sha256(read.afterText) };
  const decided: Decided[] = [];
  for (const { change, request } of batch) {
    const present = managed.includes(change.account);
    if (change.kind === 'grant' && canPull(after, change.account)) {
      const expiresAt = request.durationMs === undefined ? undefined : new Date(now + request.durationMs).toISOString();
      decided.push({ change, verdict: { state: 'GRANTED', at, ...hashes, verifiedPolicy: read.afterText ?? '', ...(expiresAt && { expiresAt }) } });
    } else if (change.kind === 'grant' && !present) {
      const detail = `${change.account} was not in the policy read back after the write: it was changed again at the same moment`;
      decided.push({ change, verdict: { state: 'FAILED', at, failure: { code: ErrorCode.ChangedConcurrently, detail } } });
    } else if (change.kind === 'grant') {
      // In the statement, yet unable to pull (a Deny appeared meanwhile): it is taken out again before the request fails.
      await lease.replace(change, { ...change, kind: 'revoke' });
    } else if (!present && request.state === 'APPROVED') {
      const detail = `a Deny statement takes pull access away from ${change.account}; it was taken out of the statement again`;
      decided.push({ change, verdict: { state: 'FAILED', at, failure: { code: ErrorCode.DeniedByPolicy, detail } } });
    } else if (!present && request.ending) {
      const stillPullsThrough = pullingStatements(after, change.account);
      decided.push({ change, verdict: { state: 'ENDED', at, ...hashes, stillPullsThrough, ending: request.ending, outside: request.origin === 'outside' } });
    }
  }
  return decided;
}
