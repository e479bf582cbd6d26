// Policy statements the benchmarks seed, shaped like the ones platform teams already have.
import { READ_ONLY_ACTIONS, MANAGED_SID } from '../src/domain/policy';

/** A push statement for the registry's own CI role: every real shared repository has one. */
export const CI_PUSH_STATEMENT = {
  Sid: 'ciPush',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::123456789012:role/ci' },
  Action: ['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload'],
};

/** The read-only statement for these accounts, as ecr-access writes it (compact root ARNs). */
export function readStatement(accounts: readonly string[]) {
  return {
    Sid: MANAGED_SID,
    Effect: 'Allow',
    Principal: { AWS: [...accounts].sort().map((a) => `arn:aws:iam::${a}:root`) },
    Action: [...READ_ONLY_ACTIONS],
  };
}
