// One policy write carrying several changes: grants merged in, revokes taken out, and the
// accounts whose Lambda functions may pull put in or taken out of the Lambda statement, and the
// organizational units whose accounts may pull put in or taken out of the OU statement.
import type { AccountId } from '../account';
import { EcrAccessError, ErrorCode } from '../../errors';
import { MAX_POLICY_LENGTH, serializePolicy, type RepositoryPolicy } from './document';
import { CAPACITY_WAY_OUT, grantPull } from './grant';
import { withLambdaAccounts } from './lambda';
import { withOrganizationalUnits } from './organizational-unit';
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

/** Changes to the OU statement: the org paths of the OUs to put in, and the OU IDs to take out. */
export interface OuChanges {
  readonly put: readonly string[];
  readonly take: readonly string[];
}

/** Throws like grantPull when a grant cannot be merged, and like lambdaAccounts for a Lambda statement not ecr-access's; revokes never fail. */
export function applyToPolicy(policy: RepositoryPolicy, grants: readonly AccountId[], revokes: readonly AccountId[], lambda?: LambdaChanges, ous?: OuChanges): PolicyUpdate {
  const granted = grantPull(policy, grants);
  const withLambda = lambda ? withLambdaAccounts(granted.policy, lambda.put, lambda.take, lambda.region) : granted.policy;
  const withOus = ous ? withOrganizationalUnits(withLambda, ous.put, ous.take) : withLambda;
  const revoked = revokePull(withOus, revokes);
  const changed = granted.changed || withOus !== granted.policy || revoked.changed;
  if (revoked.policy === undefined || revoked.policy.statements.length === 0) return { text: undefined, changed };
  const text = serializePolicy(revoked.policy);
  // grantPull counted the pull statement; the Lambda and OU statements count toward ECR's limit too.
  if (text.length > MAX_POLICY_LENGTH && text.length > serializePolicy(policy).length) {
    const what = (ous?.put.length ?? 0) > 0 ? (ous?.put.length === 1 ? 'this organizational unit' : 'these organizational units') : `${lambda?.put.length === 1 ? 'this account' : 'these accounts'} for Lambda`;
    throw new EcrAccessError(
      ErrorCode.PolicyTooLarge,
      `Adding ${what} would make the repository policy ${text.length.toLocaleString('en-US')} characters, over ECR's limit of ${MAX_POLICY_LENGTH.toLocaleString('en-US')}. ${CAPACITY_WAY_OUT}`,
    );
  }
  return { text, changed };
}
