// A change to one repository policy, as it waits in that repository's queue: grant or revoke
// one account's pull access, on behalf of one request.
import * as z from 'zod';
import { AccountId } from './account';
import { RequestId } from './access-request';

const ChangeKind = z.enum(['grant', 'revoke']);

export const PolicyChange = z.object({ kind: ChangeKind, account: AccountId, requestId: RequestId });
export type PolicyChange = z.infer<typeof PolicyChange>;

export const sameChange = (a: PolicyChange, b: PolicyChange): boolean =>
  a.kind === b.kind && a.account === b.account && a.requestId === b.requestId;

/** The changes one write may carry: the oldest-listed change per account, so no account is granted and revoked at once. */
export function oneChangePerAccount(changes: readonly PolicyChange[]): PolicyChange[] {
  const seen = new Set<string>();
  return changes.filter((change) => {
    if (seen.has(change.account)) return false;
    seen.add(change.account);
    return true;
  });
}
