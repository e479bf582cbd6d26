// What a fresh sandbox starts with: a shared repository whose policy a platform team wrote by
// hand (a CI role that pushes, one account that already pulls), and one with no policy yet.
import { MANAGED_SID, READ_ONLY_ACTIONS } from '../src/domain/policy';
import type { EcrEmulator } from './ecr-emulator';

export const SANDBOX_REPOSITORIES = ['common-images', 'base-images'] as const;

export const CI_PUSH_STATEMENT = {
  Sid: 'ciPush',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::123456789012:role/ci' },
  Action: ['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload'],
};

/** The statement teams write by hand today; ecr-access adopts it as it is. */
export const HAND_MADE_READ_STATEMENT = {
  Sid: MANAGED_SID,
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::111122223333:root' },
  Action: [...READ_ONLY_ACTIONS],
};

export function seedRepositories(ecr: EcrEmulator): void {
  for (const repository of SANDBOX_REPOSITORIES) ecr.createRepository(repository);
  ecr.putPolicy(
    'common-images',
    JSON.stringify({ Version: '2012-10-17', Statement: [CI_PUSH_STATEMENT, HAND_MADE_READ_STATEMENT] }, null, 2),
  );
}
