// Who owns the accounts a use case shows: asked of the AccountDirectory in one call per list,
// history page or Home tab, so the directory can look each account up once.
import type { AccountOwner } from '../domain/account-owner';
import { isOuId } from '../domain/organizational-unit';
import type { ServiceDeps } from './deps';

/** `{ owners }` to spread into an outcome; `{}` where no accounts source is configured, so nothing is shown. An OU grant's OU has no owner: it is left out. */
export async function ownersShown(deps: Pick<ServiceDeps, 'accounts'>, grantees: readonly string[]): Promise<{ owners?: ReadonlyMap<string, AccountOwner> }> {
  if (!deps.accounts) return {};
  const accounts = grantees.filter((grantee) => !isOuId(grantee));
  return { owners: accounts.length === 0 ? new Map() : await deps.accounts.owners(accounts) };
}
