// The AccountDirectory port on AWS Organizations: DescribeAccount names the account, ListParents
// climbs from it to the root, DescribeOrganizationalUnit names each OU on the way.
//
// Answers are cached in this process, because Organizations allows only a few calls a second
// per account (throttling the rest) and names and OU moves change rarely:
//   - an account found, and each OU, for an hour: a rename or a move shows within the hour;
//   - an account not in the organization for five minutes: one just invited is not refused long;
//   - a failed lookup for half a minute: a burst of cards and lists during throttling or an
//     outage does not ask again for every line, and the owner is asked again soon after.
// A list of many grants asks only for the accounts not cached, each once, at most four at a
// time; OUs shared by many accounts are asked once. On Lambda the cache lives as long as the
// warm instance.
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { AccountOwner } from '../domain/account-owner';
import { inBatches } from '../in-batches';
import type { Logger } from '../logger';
import type { AccountDirectory, Clock } from '../service/ports';
import { clientFrom, onFirstUse, type ClientSource } from './clients';

/** The commands sent (IAM grants exactly these: deploy/stack.ts). */
const sdk = onFirstUse(async () => {
  const { DescribeAccountCommand, DescribeOrganizationalUnitCommand, ListParentsCommand } = await import('@aws-sdk/client-organizations');
  return { DescribeAccountCommand, DescribeOrganizationalUnitCommand, ListParentsCommand };
});

export const MEMBER_TTL_MS = 60 * 60_000;
export const OUTSIDE_TTL_MS = 5 * 60_000;
export const FAILED_TTL_MS = 30_000;
/** Accounts looked up at once; Organizations throttles bursts. */
const IN_FLIGHT = 4;
/** An organization is at most five OUs deep under its root; more means a loop in what was answered. */
const MAX_DEPTH = 6;
/** AWS names every organization's root `Root`, and no call answers a root's name. */
const ROOT_NAME = 'Root';

/** Why a lookup failed, in a few words an approver can read. */
function failureReason(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TooManyRequestsException' || name === 'ThrottlingException') return 'AWS Organizations is throttling the bot';
  if (name === 'AccessDeniedException' || name === 'AccessDenied') return 'the bot may not read AWS Organizations';
  if (name === 'AWSOrganizationsNotInUseException') return 'the bot’s account is not in an organization';
  return 'AWS Organizations did not answer';
}

interface Cached<T> {
  readonly value: Promise<T>;
  readonly until: number;
}

/** One cache of promises: a second caller while the first call is under way waits for that same call. */
function promiseCache<T>(clock: Clock, ttlOf: (value: T) => number) {
  const entries = new Map<string, Cached<T>>();
  return (key: string, load: () => Promise<T>): Promise<T> => {
    const now = clock.now();
    const hit = entries.get(key);
    if (hit && hit.until > now) return hit.value;
    const value = load();
    // Kept until answered, then for as long as the answer deserves.
    entries.set(key, { value, until: Number.POSITIVE_INFINITY });
    void value.then(
      (answer) => entries.set(key, { value, until: clock.now() + ttlOf(answer) }),
      () => entries.delete(key),
    );
    return value;
  };
}

export function organizationsDirectory(source: ClientSource<OrganizationsClient>, options: { clock: Clock; logger: Logger }): AccountDirectory {
  const { clock, logger } = options;
  const client = onFirstUse(async () => ({ organizations: await clientFrom(source), ...(await sdk()) }));
  const ouCache = promiseCache<{ name: string; parent: string | undefined }>(clock, () => MEMBER_TTL_MS);
  const ownerCache = promiseCache<AccountOwner>(clock, (owner) => (owner.kind === 'member' ? MEMBER_TTL_MS : owner.kind === 'outside' ? OUTSIDE_TTL_MS : FAILED_TTL_MS));

  /** The one parent of an account or OU; undefined for the root (which has none). */
  async function parentOf(childId: string): Promise<{ id: string; type: string } | undefined> {
    const { organizations, ListParentsCommand } = await client();
    const answer = await organizations.send(new ListParentsCommand({ ChildId: childId }));
    const parent = answer.Parents?.[0];
    return parent?.Id && parent.Type ? { id: parent.Id, type: parent.Type } : undefined;
  }

  function ou(id: string) {
    return ouCache(id, async () => {
      const { organizations, DescribeOrganizationalUnitCommand } = await client();
      const [described, parent] = await Promise.all([organizations.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: id })), parentOf(id)]);
      return { name: described.OrganizationalUnit?.Name ?? id, parent: parent?.type === 'ORGANIZATIONAL_UNIT' ? parent.id : undefined };
    });
  }

  /** The OU names from the root down to the account's parent. */
  async function ouPath(account: string): Promise<string[]> {
    const names: string[] = [];
    const parent = await parentOf(account);
    let next = parent?.type === 'ORGANIZATIONAL_UNIT' ? parent.id : undefined;
    while (next !== undefined && names.length < MAX_DEPTH) {
      const unit = await ou(next);
      names.unshift(unit.name);
      next = unit.parent;
    }
    return [ROOT_NAME, ...names];
  }

  async function lookUp(account: string): Promise<AccountOwner> {
    try {
      const { organizations, DescribeAccountCommand } = await client();
      const described = await organizations.send(new DescribeAccountCommand({ AccountId: account }));
      return { kind: 'member', name: described.Account?.Name ?? account, ouPath: await ouPath(account) };
    } catch (error) {
      if (error instanceof Error && (error.name === 'AccountNotFoundException' || error.name === 'ChildNotFoundException')) return { kind: 'outside' };
      logger.warn('could not look up an account in AWS Organizations', { account, error });
      return { kind: 'unknown', reason: failureReason(error) };
    }
  }

  return {
    async owners(accounts) {
      const distinct = [...new Set(accounts)];
      const found = await inBatches(distinct, IN_FLIGHT, (account) => ownerCache(account, () => lookUp(account)));
      return new Map(distinct.map((account, index) => [account, found[index] as AccountOwner]));
    },
  };
}
