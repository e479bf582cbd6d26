// One policy write carrying several changes: grants merged in, revokes taken out.
import type { AccountId } from '../account';
import type { RepositoryPolicy } from './document';
import { grantPull } from './grant';
import { revokePull } from './revoke';

export interface PolicyUpdate {
  /** The policy text to write, or undefined to delete the policy. */
  readonly text: string | undefined;
  readonly changed: boolean;
}

/** Throws like grantPull when a grant cannot be merged; revokes never fail. */
export function applyToPolicy(policy: RepositoryPolicy, grants: readonly AccountId[], revokes: readonly AccountId[]): PolicyUpdate {
  const granted = grantPull(policy, grants);
  const revoked = revokePull(granted.policy, revokes);
  return { text: revoked.text, changed: granted.changed || revoked.changed };
}
