// One policy write carrying several changes: grants merged in, revokes taken out, and the
// accounts whose Lambda functions may pull put in or taken out of the Lambda statement.
import type { AccountId } from '../account';
import { EcrAccessError, ErrorCode } from '../../errors';
import { MAX_POLICY_LENGTH, serializePolicy, type RepositoryPolicy } from './document';
import { grantPull } from './grant';
import { withLambdaAccounts } from './lambda';
import { revokePull } from './revoke';

export interface PolicyUpdate {
  /** The policy text to write, or undefined to delete the policy. */
  readonly text: string | undefined;
  readonly changed: boolean;
}

/** Changes to the Lambda statement, in the repository's region. */
export interface LambdaChanges {
  readonly put: readonly AccountId[];
  readonly take: readonly AccountId[];
  readonly region: string;
}

/** Throws like grantPull when a grant cannot be merged, and like lambdaAccounts for a Lambda statement not ecr-access's; revokes never fail. */
export function applyToPolicy(policy: RepositoryPolicy, grants: readonly AccountId[], revokes: readonly AccountId[], lambda?: LambdaChanges): PolicyUpdate {
  const granted = grantPull(policy, grants);
  const withLambda = lambda ? withLambdaAccounts(granted.policy, lambda.put, lambda.take, lambda.region) : granted.policy;
  const revoked = revokePull(withLambda, revokes);
  const changed = granted.changed || withLambda !== granted.policy || revoked.changed;
  if (revoked.policy === undefined || revoked.policy.statements.length === 0) return { text: undefined, changed };
  const text = serializePolicy(revoked.policy);
  // grantPull counted the pull statement; the Lambda statement counts toward ECR's limit too.
  if (text.length > MAX_POLICY_LENGTH && text.length > serializePolicy(policy).length) {
    throw new EcrAccessError(
      ErrorCode.PolicyTooLarge,
      `Adding ${lambda?.put.length === 1 ? 'this account' : 'these accounts'} for Lambda would make the repository policy ${text.length.toLocaleString('en-US')} characters, over ECR's limit of ${MAX_POLICY_LENGTH.toLocaleString('en-US')}. Remove accounts that no longer need access, or share through an AWS Organizations condition instead.`,
    );
  }
  return { text, changed };
}
