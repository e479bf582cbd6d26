// Who owns the accounts a use case shows: asked of the AccountDirectory in one call per list,
// history page or Home tab, so the directory can look each account up once.
import type { AccountOwner } from '../domain/account-owner';
import type { ServiceDeps } from './deps';

/** `{ owners }` to spread into an outcome; `{}` where no accounts source is configured, so nothing is shown. */
export async function ownersShown(deps: Pick<ServiceDeps, 'accounts'>, accounts: readonly string[]): Promise<{ owners?: ReadonlyMap<string, AccountOwner> }> {
  if (!deps.accounts) return {};
  return { owners: accounts.length === 0 ? new Map() : await deps.accounts.owners(accounts) };
}
