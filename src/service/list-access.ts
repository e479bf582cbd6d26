// The list use case: who can pull, from the live policy, explained by the records; drift in
// either direction is shown, not hidden.
import { byCreation, OPEN_STATES, type AccessRequest, type Failure } from '../domain/access-request';
import { inLambdaStatement, parsePolicy, pullers, type Pullers, type RepositoryPolicy } from '../domain/policy';
import { ErrorCode, isEcrAccessError } from '../errors';
import { inRegion, regionStates, regionsOf } from '../domain/regional';
import { inBatches } from '../in-batches';
import type { AccountOwner } from '../domain/account-owner';
import { shareable } from '../domain/repository-rules';
import type { ServiceDeps } from './deps';
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
}

export interface RepositoryAccess {
  readonly repository: string;
  /** Why the live policy could not be read, when it could not. */
  readonly problem?: Failure;
  readonly everyone: boolean;
  readonly pullers: readonly PullerEntry[];
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
  const region = deps.rules.ruleFor(repository)?.regions?.[0] ?? deps.region;
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
    return { repository, problem, everyone: false, pullers: [], removedOutside: [], open };
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
  // A grant ecr-access is removing (written, not yet recorded) is not drift.
  const removedOutside = [...grants.values()].filter((g) => !live.accounts.includes(g.account) && !live.everyone && g.ending === undefined);
  return { repository, everyone: live.everyone, pullers: entries, removedOutside, open };
}

export async function listAccess(deps: ServiceDeps, repository?: string): Promise<ListOutcome> {
  if (repository !== undefined && !deps.rules.ruleFor(repository)) {
    return { code: 'not-shareable', repository, repositories: shareable(deps.rules) };
  }
  const names = repository === undefined ? await sharedRepositories(deps) : [repository];
  const repositories = await inBatches(names, PARALLEL_READS, (name) => describe(deps, name));
  const shown = repositories.flatMap((r) => [...r.pullers.map((p) => p.account), ...r.removedOutside.map((g) => g.account), ...r.open.map((o) => o.account)]);
  return { code: 'listed', repositories, ...(await ownersShown(deps, shown)) };
}
