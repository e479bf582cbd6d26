// The list use case: who can pull, from the live policy, explained by the records; drift in
// either direction is shown, not hidden. OU grants are listed with their OU's path and how many
// accounts it holds today, and an account an OU grant covers is said to be covered.
import { byCreation, OPEN_STATES, type AccessRequest, type Failure } from '../domain/access-request';
import { isUnder, ouOfPath, type OrganizationalUnit, unitName } from '../domain/organizational-unit';
import { inLambdaStatement, ouCanPull, ouPaths, parsePolicy, pullers, type Pullers, type RepositoryPolicy } from '../domain/policy';
import { ErrorCode, isEcrAccessError } from '../errors';
import { inRegion, regionStates, regionsOf } from '../domain/regional';
import { inBatches } from '../in-batches';
import type { AccountOwner } from '../domain/account-owner';
import { shareable } from '../domain/repository-rules';
import { type ServiceDeps, watchedRegion } from './deps';
import { ownersShown } from './owners';
import { sharedRepositories } from './shared-repositories';

interface PullerEntry {
  readonly account: string;
  /** The grant that explains this access; absent when it was added outside ecr-access. */
  readonly grant?: AccessRequest;
  /** The live policy lets the account's Lambda functions pull too (ecr-access's Lambda statement). */
  readonly lambda?: true;
  /** Where its grant lets it pull, for a repository replicated to several regions; and where it failed. */
  readonly regions?: readonly string[];
  readonly failedIn?: readonly string[];
  /** No grant of its own, but a live OU grant covers it (its org path is under the OU's). */
  readonly coveredBy?: { readonly ou: string; readonly name: string };
}

/** An OU whose accounts can pull through ecr-access's OU statement. */
interface OuEntry {
  readonly ou: string;
  readonly orgPath: string;
  /** The grant that explains it; absent when it was added outside ecr-access. */
  readonly grant?: AccessRequest;
  /** The OU as Organizations describes it now (names, and how many accounts it holds today), when it could say. */
  readonly unit?: OrganizationalUnit;
}

export interface RepositoryAccess {
  readonly repository: string;
  /** Why the live policy could not be read, when it could not. */
  readonly problem?: Failure;
  readonly everyone: boolean;
  readonly pullers: readonly PullerEntry[];
  readonly ous: readonly OuEntry[];
  /** Recorded as granted, but the live policy no longer lets them pull. */
  readonly removedOutside: readonly AccessRequest[];
  readonly open: readonly AccessRequest[];
}

export type ListOutcome =
  | { code: 'not-shareable'; repository: string; repositories: readonly string[] }
  /** `owners`: who owns each account shown, asked once for the whole list; absent where owners are not looked up. */
  | { code: 'listed'; repositories: RepositoryAccess[]; owners?: ReadonlyMap<string, AccountOwner> };

const PARALLEL_READS = 16;

function latestGrants(records: readonly AccessRequest[]): Map<string, AccessRequest> {
  const grants = new Map<string, AccessRequest>();
  for (const record of records) {
    // A record made only to remove an account someone added by hand explains nothing about how it got in.
    if (record.state !== 'GRANTED' || record.origin === 'outside') continue;
    const seen = grants.get(record.account);
    if (!seen || (seen.grantedAt ?? '') < (record.grantedAt ?? '')) grants.set(record.account, record);
  }
  return grants;
}

async function describe(deps: ServiceDeps, repository: string): Promise<RepositoryAccess> {
  // A repository in several regions is read in the first its rule names; each grant says where else it is.
  const region = watchedRegion(deps, repository);
  const [policyRead, found] = await Promise.all([
    deps.registryIn(region).getPolicy(repository).then(
      (text) => ({ text }),
      (error: unknown) => ({ error }),
    ),
    deps.store.listByRepository(repository),
  ]);
  const records = found.filter((r) => regionsOf(r, deps.region).includes(region)).map((r) => inRegion(r, region));
  const open = records.filter((r) => OPEN_STATES.includes(r.state)).sort(byCreation);
  let live: Pullers;
  let policy: RepositoryPolicy;
  try {
    if ('error' in policyRead) throw policyRead.error;
    policy = parsePolicy(policyRead.text);
    live = pullers(policy);
  } catch (error) {
    const problem: Failure = isEcrAccessError(error)
      ? { code: error.code, detail: error.message }
      : { code: ErrorCode.Registry, detail: error instanceof Error ? error.message : String(error) };
    deps.logger.warn('could not read a repository policy for list', { repository, error });
    return { repository, problem, everyone: false, pullers: [], ous: [], removedOutside: [], open };
  }
  const grants = latestGrants(records);
  const entries = live.accounts.map((account): PullerEntry => {
    const grant = grants.get(account);
    const failedIn = grant ? regionStates(found.find((r) => r.id === grant.id) ?? grant).failed.map((f) => f.region) : [];
    return {
      account,
      ...(grant && { grant }),
      ...(inLambdaStatement(policy, account) && { lambda: true as const }),
      ...(grant?.regions && { regions: grant.regions.filter((region) => !failedIn.includes(region)) }),
      ...(failedIn.length > 0 && { failedIn }),
    };
  });
  const ous = ouEntries(policy, grants);
  // A grant ecr-access is removing (written, not yet recorded) is not drift; an OU grant is gone when its OU cannot pull.
  const stillPulls = (g: AccessRequest) => (g.orgPath !== undefined ? ouCanPull(policy, g.orgPath) : live.accounts.includes(g.account) || live.everyone);
  const removedOutside = [...grants.values()].filter((g) => !stillPulls(g) && g.ending === undefined);
  return { repository, everyone: live.everyone, pullers: entries, ous, removedOutside, open };
}

/** The OUs in ecr-access's OU statement, each with its grant; a statement not ecr-access's shape lists none (its accounts show in the policy). */
function ouEntries(policy: RepositoryPolicy, grants: ReadonlyMap<string, AccessRequest>): OuEntry[] {
  let paths: string[];
  try {
    paths = ouPaths(policy);
  } catch {
    return [];
  }
  return paths.flatMap((orgPath) => {
    const ou = ouOfPath(orgPath);
    if (ou === undefined) return [];
    const grant = grants.get(ou);
    return [{ ou, orgPath, ...(grant && { grant }) }];
  });
}

/** Each OU listed, described as Organizations sees it today; and each account without a grant of its own that a live OU grant covers. */
async function withUnits(deps: ServiceDeps, access: RepositoryAccess, owners: ReadonlyMap<string, AccountOwner> | undefined): Promise<RepositoryAccess> {
  if (access.ous.length === 0) return access;
  const units = deps.units;
  const ous = await Promise.all(
    access.ous.map(async (entry) => {
      const lookup = units ? await units.unit(entry.ou) : undefined;
      return lookup?.kind === 'found' ? { ...entry, unit: lookup.unit } : entry;
    }),
  );
  const covering = ous.filter((entry) => entry.grant !== undefined && entry.grant.ending === undefined);
  const pullers = access.pullers.map((entry) => {
    const owner = owners?.get(entry.account);
    const orgPath = owner?.kind === 'member' ? owner.orgPath : undefined;
    const ou = entry.grant || orgPath === undefined ? undefined : covering.find((c) => isUnder(orgPath, c.orgPath));
    return ou ? { ...entry, coveredBy: { ou: ou.ou, name: ou.unit ? unitName(ou.unit) : (ou.grant?.unit ? unitName({ id: ou.ou, names: ou.grant.unit.names }) : ou.ou) } } : entry;
  });
  return { ...access, ous, pullers };
}

export async function listAccess(deps: ServiceDeps, repository?: string): Promise<ListOutcome> {
  if (repository !== undefined && !deps.rules.ruleFor(repository)) {
    return { code: 'not-shareable', repository, repositories: shareable(deps.rules) };
  }
  const names = repository === undefined ? await sharedRepositories(deps) : [repository];
  const repositories = await inBatches(names, PARALLEL_READS, (name) => describe(deps, name));
  const shown = repositories.flatMap((r) => [...r.pullers.map((p) => p.account), ...r.removedOutside.map((g) => g.account), ...r.open.map((o) => o.account)]);
  const owners = await ownersShown(deps, shown);
  const described = await Promise.all(repositories.map((r) => withUnits(deps, r, owners.owners)));
  return { code: 'listed', repositories: described, ...owners };
}
