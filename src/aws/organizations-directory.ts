// The AccountDirectory port on AWS Organizations: DescribeAccount names the account, ListParents
// climbs from it to the root, DescribeOrganizationalUnit names each OU on the way, and
// DescribeOrganization gives the organization's ID for the account's org path. The
// OrganizationalUnits port beside it describes an OU for an OU grant: its names and path the same
// way, and how many accounts it holds (ListAccountsForParent and ListOrganizationalUnitsForParent
// down the tree, page by page).
//
// Answers are cached in this process, because Organizations allows only a few calls a second
// per account (throttling the rest) and names and OU moves change rarely:
//   - an account found, and each OU, for an hour: a rename or a move shows within the hour;
//   - an account not in the organization for five minutes: one just invited is not refused long;
//   - an OU described for a grant, with its count of accounts, for five minutes;
//   - a failed lookup for half a minute: a burst of cards and lists during throttling or an
//     outage does not ask again for every line, and the owner is asked again soon after.
// A list of many grants asks only for the accounts not cached, each once, at most four at a
// time; OUs shared by many accounts are asked once. On Lambda the cache lives as long as the
// warm instance.
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { AccountOwner } from '../domain/account-owner';
import { OuId, type OrganizationalUnit } from '../domain/organizational-unit';
import { inBatches } from '../in-batches';
import type { Logger } from '../logger';
import type { AccountDirectory, Clock, OrganizationalUnits, UnitLookup } from '../service/ports';
import { clientFrom, onFirstUse, type ClientSource } from './clients';

/** The commands sent (IAM grants exactly these: deploy/stack.ts). */
const sdk = onFirstUse(async () => {
  const { DescribeAccountCommand, DescribeOrganizationCommand, DescribeOrganizationalUnitCommand, ListAccountsForParentCommand, ListOrganizationalUnitsForParentCommand, ListParentsCommand } = await import(
    '@aws-sdk/client-organizations'
  );
  return { DescribeAccountCommand, DescribeOrganizationCommand, DescribeOrganizationalUnitCommand, ListAccountsForParentCommand, ListOrganizationalUnitsForParentCommand, ListParentsCommand };
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
/** OUs counted at once, going down an OU's tree. */
const OUS_IN_FLIGHT = 2;
/** An organization holds at most 2,000 OUs; more means a loop in what was answered. */
const MAX_UNITS = 2_000;

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

type Parent = { id: string; type: string };

/** Where an account or OU sits: the OU names from the root down, and its path of IDs (`o-…/r-…/ou-…/`, empty when the organization's ID is unknown). */
interface Placement {
  readonly names: string[];
  readonly orgPath: string | undefined;
}

export function organizationsDirectory(source: ClientSource<OrganizationsClient>, options: { clock: Clock; logger: Logger }): AccountDirectory & OrganizationalUnits {
  const { clock, logger } = options;
  const client = onFirstUse(async () => ({ organizations: await clientFrom(source), ...(await sdk()) }));
  const ouCache = promiseCache<{ name: string; parent: Parent | undefined }>(clock, () => MEMBER_TTL_MS);
  const organizationCache = promiseCache<string>(clock, () => MEMBER_TTL_MS);
  const unitCache = promiseCache<UnitLookup>(clock, (lookup) => (lookup.kind === 'unknown' ? FAILED_TTL_MS : OUTSIDE_TTL_MS));
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
      return { name: described.OrganizationalUnit?.Name ?? id, parent };
    });
  }

  /** The organization's ID, which every org path starts with. */
  function organizationId() {
    return organizationCache('organization', async () => {
      const { organizations, DescribeOrganizationCommand } = await client();
      const described = await organizations.send(new DescribeOrganizationCommand({}));
      return described.Organization?.Id ?? '';
    });
  }

  /** The OU names from the root down to `parent` (an account's parent, or an OU itself), and its path of IDs. */
  async function placement(parent: Parent | undefined): Promise<Placement> {
    const names: string[] = [];
    const ids: string[] = [];
    let next = parent;
    while (next?.type === 'ORGANIZATIONAL_UNIT' && names.length < MAX_DEPTH) {
      const unit = await ou(next.id);
      names.unshift(unit.name);
      ids.unshift(next.id);
      next = unit.parent;
    }
    const root = next?.type === 'ROOT' ? next.id : undefined;
    // The org path is a help (OU grants in list and drift), never a reason to fail a card: without it, the names still show.
    const organization = root && (await organizationId().catch((error: unknown) => logger.warn('could not read the organization ID', { error })));
    return { names: [ROOT_NAME, ...names], orgPath: organization && root ? `${organization}/${root}/${ids.map((id) => `${id}/`).join('')}` : undefined };
  }

  /** Every page of a paginated listing. */
  async function allPages<T>(page: (token: string | undefined) => Promise<{ items: T[] | undefined; next: string | undefined }>): Promise<T[]> {
    const items: T[] = [];
    let token: string | undefined;
    do {
      const answer = await page(token);
      items.push(...(answer.items ?? []));
      token = answer.next;
    } while (token);
    return items;
  }

  /** How many accounts the OU holds, at every depth under it. */
  async function accountsUnder(ouId: string): Promise<number> {
    const { organizations, ListAccountsForParentCommand, ListOrganizationalUnitsForParentCommand } = await client();
    let count = 0;
    let level = [ouId];
    let seen = 0;
    while (level.length > 0 && seen < MAX_UNITS) {
      seen += level.length;
      const found = await inBatches(level, OUS_IN_FLIGHT, async (parent) => {
        const [accounts, units] = await Promise.all([
          allPages(async (token) => {
            const a = await organizations.send(new ListAccountsForParentCommand({ ParentId: parent, NextToken: token }));
            return { items: a.Accounts, next: a.NextToken };
          }),
          allPages(async (token) => {
            const a = await organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId: parent, NextToken: token }));
            return { items: a.OrganizationalUnits, next: a.NextToken };
          }),
        ]);
        return { accounts: accounts.length, units: units.flatMap((u) => (u.Id ? [u.Id] : [])) };
      });
      count += found.reduce((sum, f) => sum + f.accounts, 0);
      level = found.flatMap((f) => f.units);
    }
    return count;
  }

  async function describeUnit(id: string): Promise<UnitLookup> {
    try {
      const [where, accounts] = await Promise.all([placement({ id, type: 'ORGANIZATIONAL_UNIT' }), accountsUnder(id)]);
      if (where.orgPath === undefined) return { kind: 'unknown', reason: 'AWS Organizations did not say where the organizational unit sits' };
      const unit: OrganizationalUnit = { id, names: where.names, orgPath: where.orgPath, accounts };
      return { kind: 'found', unit };
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'OrganizationalUnitNotFoundException' || name === 'ChildNotFoundException' || name === 'ParentNotFoundException') return { kind: 'not-found' };
      logger.warn('could not describe an organizational unit in AWS Organizations', { ou: id, error });
      return { kind: 'unknown', reason: failureReason(error) };
    }
  }

  async function lookUp(account: string): Promise<AccountOwner> {
    try {
      const { organizations, DescribeAccountCommand } = await client();
      const described = await organizations.send(new DescribeAccountCommand({ AccountId: account }));
      const where = await placement(await parentOf(account));
      return { kind: 'member', name: described.Account?.Name ?? account, ouPath: where.names, ...(where.orgPath && { orgPath: where.orgPath }) };
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
    unit(ou) {
      if (!OuId.safeParse(ou).success) return Promise.resolve({ kind: 'not-found' });
      return unitCache(ou, () => describeUnit(ou));
    },
  };
}
