// What a fresh sandbox starts with: a shared repository whose policy a platform team wrote by
// hand (a CI role that pushes, one account that already pulls), one with no policy yet, and two
// team repositories shared by the pattern team-* of the sandbox's settings file (ecr-access.yml).
import { MANAGED_SID, READ_ONLY_ACTIONS } from '../src/domain/policy';
import type { EcrEmulator } from './ecr-emulator';
import { join } from 'node:path';
import type { OrganizationSeed } from './organizations-emulator';

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

/**
 * The local world's organization, whose names show on the sandbox's cards: the accounts the
 * walkthrough (README, Try it) asks for are in it, except `111122223333`, added to the policy by
 * hand, and `999988887777`: both show as not in your organization. The registry's account is its
 * management account. Its OUs get IDs in the order they first appear: Engineering ou-ecra-00000001,
 * Analytics ou-ecra-00000002, Platform ou-ecra-00000003, Sandbox ou-ecra-00000004, Experiments
 * ou-ecra-00000005; the organization is o-ecraccess01 and its root r-ecra.
 */
export const SANDBOX_ORGANIZATION: OrganizationSeed = {
  managementAccountId: '123456789012',
  accounts: [
    { id: '222233334444', name: 'sales-dashboards', ouPath: ['Engineering', 'Analytics'] },
    { id: '333344445555', name: 'nightly-builds', ouPath: ['Engineering', 'Platform'] },
    { id: '444455556666', name: 'build-sandbox', ouPath: ['Sandbox'] },
    // Two levels under Analytics (ou-ecra-00000002), so an OU grant of Analytics covers two accounts.
    { id: '777788889999', name: 'ml-experiments', ouPath: ['Engineering', 'Analytics', 'Experiments'] },
  ],
};

/** The region base-images is replicated to, besides the sandbox's own: the settings file names both. */
const SANDBOX_REPLICA_REGION = 'eu-west-1';

export function seedRepositories(ecr: EcrEmulator): void {
  for (const repository of SANDBOX_REPOSITORIES) ecr.createRepository(repository);
  ecr.createRepository('base-images', SANDBOX_REPLICA_REGION);
  ecr.putPolicy(
    'common-images',
    JSON.stringify({ Version: '2012-10-17', Statement: [CI_PUSH_STATEMENT, HAND_MADE_READ_STATEMENT] }, null, 2),
  );
}
