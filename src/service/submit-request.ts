// The request use case: every check that can refuse happens before anything is recorded or
// anyone is bothered; then the request is recorded and put in front of the approvers.
// Answers what happened as data; src/slack words it.
import { type AccessRequest, type Failure, type MessageRef, OPEN_STATES } from '../domain/access-request';
import { checkDuration } from '../domain/duration';
import { isUnder, isOuId, type OrganizationalUnit, unitName } from '../domain/organizational-unit';
import { applyToPolicy, canPull, inLambdaStatement, ouCanPull, ouStatementPreview, parsePolicy, type RepositoryPolicy, statementPreview } from '../domain/policy';
import { isLive } from '../domain/membership';
import { isEcrAccessError } from '../errors';
import { shareable } from '../domain/repository-rules';
import { type ServiceDeps, watchedRegion } from './deps';

export interface NewRequest {
  readonly requester: string;
  readonly repository: string;
  readonly account: string;
  readonly reason?: string;
  /** How long the access should last; absent for access without end. */
  readonly durationMs?: number;
  /** The account's Lambda functions should pull its images too. */
  readonly lambda?: true;
}

/** The live OU grant that lets an account pull already: its OU and name, and the grant. */
type CoveredBy = NonNullable<AccessRequest['coveredBy']>;

export type SubmitOutcome =
  | { code: 'submitted'; request: AccessRequest }
  | { code: 'not-shareable'; repository: string; repositories: readonly string[] }
  | { code: 'repository-missing'; repository: string }
  | { code: 'own-registry'; account: string }
  /** The deployment takes only its organization's accounts, and this one is not among them. */
  | { code: 'outside-organization'; account: string }
  | { code: 'can-already-pull'; repository: string; account: string }
  /** The time limit breaks this deployment's rules. */
  | { code: 'duration-refused'; problems: readonly string[] }
  | { code: 'policy-problem'; repository: string; failure: Failure }
  | { code: 'already-open'; existing: AccessRequest }
  /** An OU was asked for, but OUs are known only where accounts come from AWS Organizations. */
  | { code: 'ou-needs-organizations'; ou: string }
  /** AWS Organizations has no such OU. */
  | { code: 'ou-not-found'; ou: string }
  /** AWS Organizations could not say where the OU is (throttled, denied, down); its path is needed to write the policy. */
  | { code: 'ou-unknown'; ou: string; reason: string }
  | { code: 'card-not-posted'; detail: string };

/**
 * What a request would be if recorded now: its statement for the card, the grant it extends, if
 * any, the OU it names (for an OU), and the live OU grant that covers the account already.
 */
type Checked = { code: 'checked'; preview: string; extending?: AccessRequest; unit?: OrganizationalUnit; coveredBy?: CoveredBy };

/** Every refusal the checks answer with, before anything is recorded. */
type Refusal = Exclude<SubmitOutcome, { code: 'submitted' } | { code: 'card-not-posted' }>;

/**
 * A time-bound grant of the account that is live now: asking again while it lasts extends it
 * (approval moves the end, and the policy is not written).
 */
function liveTimeBoundGrant(records: readonly AccessRequest[], account: string): AccessRequest | undefined {
  const grants = records.filter((r) => r.account === account && r.state === 'GRANTED' && !r.ending);
  if (grants.length === 0 || grants.some((g) => g.expiresAt === undefined)) return undefined;
  return grants.sort((a, b) => ((a.expiresAt ?? '') < (b.expiresAt ?? '') ? 1 : -1))[0];
}

/**
 * Every check that can refuse a request, reading and writing nothing but reads: the request form
 * runs them before it answers Slack, so a refusal can be shown on its field, and submitRequest runs
 * them again when it records the request. The open request it finds is a hint (the repository's
 * index may lag a moment); the store's slot is what keeps a second one out.
 */
export async function checkRequest(deps: ServiceDeps, input: NewRequest): Promise<Checked | Refusal> {
  const { repository, account } = input;
  const rule = deps.rules.ruleFor(repository);
  if (!rule) return { code: 'not-shareable', repository, repositories: shareable(deps.rules) };
  const durationProblems = checkDuration(input.durationMs, rule.durations);
  if (durationProblems.length > 0) return { code: 'duration-refused', problems: durationProblems };
  if (isOuId(account)) return checkOuRequest(deps, input);
  // Only an account known to be outside is refused: when the lookup failed, the card posts and
  // says the owner is unknown, so an outage of Organizations does not stop every request. The
  // repository's rule decides; without a word from it, the deployment's ECR_ACCESS_ORGANIZATION_ONLY.
  if ((rule.organizationOnly ?? deps.organizationOnly) && deps.accounts && (await deps.accounts.owners([account])).get(account)?.kind === 'outside') return { code: 'outside-organization', account };
  // A repository replicated to several regions is checked in the first its rule names; the others are written and verified at approval.
  const region = watchedRegion(deps, repository);
  const registry = deps.registryIn(region);
  const described = await registry.describeRepository(repository);
  if (!described) return { code: 'repository-missing', repository };
  if (described.registryId === account) return { code: 'own-registry', account };
  const [policyText, records] = await Promise.all([registry.getPolicy(repository).then((text) => ({ text }), (error: unknown) => ({ error })), deps.store.listByRepository(repository)]);
  let extending: AccessRequest | undefined;
  try {
    if ('error' in policyText) throw policyText.error;
    const policy = parsePolicy(policyText.text);
    // An account that pulls, but not from Lambda, may still ask for Lambda.
    if (canPull(policy, account) && (!input.lambda || inLambdaStatement(policy, account))) {
      extending = liveTimeBoundGrant(records, account);
      if (!extending) return { code: 'can-already-pull', repository, account };
    }
    // A dry run of the merge: a policy that could never take this account is refused now, not at approval.
    applyToPolicy(policy, [account], [], input.lambda && { put: [account], take: [], region });
  } catch (error) {
    if (!isEcrAccessError(error)) throw error;
    return { code: 'policy-problem', repository, failure: { code: error.code, detail: error.message } };
  }
  const open = records.find((r) => r.account === account && OPEN_STATES.includes(r.state));
  if (open) return { code: 'already-open', existing: open };
  // What approval merges, not the statement as it stands now: other changes to the policy before
  // the approval (another account granted or revoked) leave this true.
  const preview = statementPreview(account, input.lambda && region);
  const coveredBy = await coveringOuGrant(deps, account, records);
  return { code: 'checked', preview, ...(extending && { extending }), ...(coveredBy && { coveredBy }) };
}

/**
 * The live OU grant whose OU holds the account, where Organizations says where the account sits:
 * the account pulls already through it, and the approvers are told (its own grant, if approved,
 * outlives that one).
 */
async function coveringOuGrant(deps: ServiceDeps, account: string, records: readonly AccessRequest[]): Promise<CoveredBy | undefined> {
  const ouGrants = records.filter((r) => r.orgPath !== undefined && r.state === 'GRANTED' && isLive(r));
  if (ouGrants.length === 0 || !deps.accounts) return undefined;
  const owner = (await deps.accounts.owners([account])).get(account);
  const orgPath = owner?.kind === 'member' ? owner.orgPath : undefined;
  const grant = orgPath === undefined ? undefined : ouGrants.find((r) => isUnder(orgPath, r.orgPath as string));
  return grant && { ou: grant.account, name: grant.unit ? unitName({ id: grant.account, names: grant.unit.names }) : grant.account, requestId: grant.id };
}

/**
 * The checks of a request for an organizational unit: Organizations must be configured, and know
 * the OU (its path is what the policy lists); then the policy checks an account's request has.
 */
async function checkOuRequest(deps: ServiceDeps, input: NewRequest): Promise<Checked | Refusal> {
  const { repository, account: ou } = input;
  if (!deps.units) return { code: 'ou-needs-organizations', ou };
  const lookup = await deps.units.unit(ou);
  if (lookup.kind === 'not-found') return { code: 'ou-not-found', ou };
  if (lookup.kind === 'unknown') return { code: 'ou-unknown', ou, reason: lookup.reason };
  const { unit } = lookup;
  // As an account's: in the first region the repository's rule names.
  const registry = deps.registryIn(watchedRegion(deps, repository));
  if (!(await registry.describeRepository(repository))) return { code: 'repository-missing', repository };
  const [policyText, records] = await Promise.all([registry.getPolicy(repository).then((text) => ({ text }), (error: unknown) => ({ error })), deps.store.listByRepository(repository)]);
  let extending: AccessRequest | undefined;
  try {
    if ('error' in policyText) throw policyText.error;
    const policy: RepositoryPolicy = parsePolicy(policyText.text);
    if (ouCanPull(policy, unit.orgPath)) {
      extending = liveTimeBoundGrant(records, ou);
      if (!extending) return { code: 'can-already-pull', repository, account: ou };
    }
    applyToPolicy(policy, [], [], undefined, { put: [unit.orgPath], take: [] });
  } catch (error) {
    if (!isEcrAccessError(error)) throw error;
    return { code: 'policy-problem', repository, failure: { code: error.code, detail: error.message } };
  }
  const open = records.find((r) => r.account === ou && OPEN_STATES.includes(r.state));
  if (open) return { code: 'already-open', existing: open };
  return { code: 'checked', preview: ouStatementPreview(unit.orgPath), unit, ...(extending && { extending }) };
}

export async function submitRequest(deps: ServiceDeps, input: NewRequest): Promise<SubmitOutcome> {
  const checked = await checkRequest(deps, input);
  if (checked.code !== 'checked') return checked;
  const { preview, extending, unit, coveredBy } = checked;
  const { repository, account } = input;
  const regions = deps.rules.ruleFor(repository)?.regions;

  const request: AccessRequest = {
    id: deps.newId(),
    repository,
    account,
    requester: input.requester,
    ...(input.reason && { reason: input.reason }),
    state: 'PENDING',
    createdAt: new Date(deps.clock.now()).toISOString(),
    attempts: 0,
    owed: [],
    ...(input.durationMs !== undefined && { durationMs: input.durationMs }),
    ...(input.lambda && { lambda: true as const }),
    ...(extending && { extends: extending.id }),
    // The regions the rule names now: the grant is written there, and taken out of them again, whatever the rule later says.
    ...(regions && { regions: [...regions], regionVerdicts: {} }),
    ...(unit && { orgPath: unit.orgPath, unit: { names: [...unit.names], accounts: unit.accounts } }),
    ...(coveredBy && { coveredBy }),
    history: [{ kind: 'requested', at: new Date(deps.clock.now()).toISOString(), by: input.requester }],
  };
  const created = await deps.store.create(request);
  if (!created.created) return { code: 'already-open', existing: created.existing };
  let card: MessageRef;
  try {
    card = await deps.notifier.postRequestCard(request, preview, deps.rules.ruleFor(repository)?.approvals ?? 1);
  } catch (error) {
    await deps.store.discard(request.id);
    deps.logger.error('could not post the request card; request discarded', { requestId: request.id, error });
    return { code: 'card-not-posted', detail: isEcrAccessError(error) ? error.message : 'Slack error' };
  }
  try {
    return { code: 'submitted', request: await deps.store.attachCard(request.id, card) };
  } catch (error) {
    // The card is in Slack and the request stands: its buttons work (the decision's write checks the
    // rest), and its outcome goes to the approvers' channel instead of the card's thread.
    deps.logger.error('posted the request card but could not record it on the request', { requestId: request.id, card, error });
    return { code: 'submitted', request };
  }
}
