// Who owns the accounts a use case shows: asked of the AccountDirectory in one call per card,
// list, history page or Home tab, so the directory can look each account up once.
import type { AccountOwner } from '../domain/account-owner';
import type { ServiceDeps } from './deps';

/** The owner of each account; an empty map where no accounts source is configured. */
export async function ownersOf(deps: Pick<ServiceDeps, 'accounts'>, accounts: readonly string[]): Promise<ReadonlyMap<string, AccountOwner>> {
  if (!deps.accounts || accounts.length === 0) return new Map();
  return deps.accounts.owners(accounts);
}
