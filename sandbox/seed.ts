// What a fresh sandbox starts with: a shared repository whose policy a platform team wrote by
// hand (a CI role that pushes, one account that already pulls), one with no policy yet, and two
// team repositories shared by the pattern team-* of the sandbox's settings file (ecr-access.yml).
import { MANAGED_SID, READ_ONLY_ACTIONS } from '../src/domain/policy';
import type { EcrEmulator } from './ecr-emulator';
import { join } from 'node:path';

export const SANDBOX_REPOSITORIES = ['common-images', 'base-images', 'team-payments', 'team-search'] as const;

/** The sandbox's rules: names for the first two, and team-* with carol as its approver. */
export const SANDBOX_SETTINGS_FILE = join(__dirname, 'ecr-access.yml');

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
