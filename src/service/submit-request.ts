// The request use case: every check that can refuse happens before anything is recorded or
// anyone is bothered; then the request is recorded and put in front of the approvers.
import type { AccessRequest } from '../domain/access-request';
import { canPull, grantPull, managedStatement, managedAccounts, parsePolicy } from '../domain/policy';
import { isEcrAccessError } from '../errors';
import type { ServiceDeps } from './deps';

export interface NewRequest {
  readonly requester: string;
  readonly repository: string;
  readonly account: string;
  readonly reason?: string;
}

export type SubmitOutcome =
  | { kind: 'refused'; message: string }
  | { kind: 'submitted'; request: AccessRequest };

const refused = (message: string): SubmitOutcome => ({ kind: 'refused', message });

export async function submitRequest(deps: ServiceDeps, input: NewRequest): Promise<SubmitOutcome> {
  const { repository, account } = input;
  if (!deps.repositories.includes(repository)) {
    return refused(
      `\`${repository}\` is not one of the repositories ecr-access shares. Shareable repositories: ${deps.repositories.map((r) => `\`${r}\``).join(', ')}. If it should be shareable, ask the platform team to add it.`,
    );
  }
  const described = await deps.registry.describeRepository(repository);
  if (!described) {
    return refused(`\`${repository}\` is listed as shareable but does not exist in ECR. Ask the platform team to check the repository name.`);
  }
  if (described.registryId === account) {
    return refused(`\`${account}\` is the account that owns the registry; it does not need a repository policy to pull. Request access for the account your workload runs in.`);
  }
  let preview: string;
  try {
    const policy = parsePolicy(await deps.registry.getPolicy(repository));
    if (canPull(policy, account)) {
      return refused(`\`${account}\` can already pull from \`${repository}\`; there is nothing to approve. \`/ecr-access list ${repository}\` shows who can pull.`);
    }
    // A dry run of the merge: a policy that could never take this account is refused now, not at approval.
    const grant = grantPull(policy, [account]);
    preview = JSON.stringify(managedStatement([...managedAccounts(grant.policy)]), null, 2);
  } catch (error) {
    if (!isEcrAccessError(error)) throw error;
    return refused(`\`${repository}\` cannot take this request: ${error.message}`);
  }

  const request: AccessRequest = {
    id: deps.newId(),
    repository,
    account,
    requester: input.requester,
    ...(input.reason && { reason: input.reason }),
    state: 'PENDING',
    createdAt: new Date(deps.clock.now()).toISOString(),
    attempts: 0,
  };
  const created = await deps.store.create(request);
  if (!created.created) {
    const first = created.existing;
    return refused(
      `There is already an open request for \`${account}\` on \`${repository}\`: ${first.id} by <@${first.requester}> (${first.state.toLowerCase()}). Wait for the approvers' decision on it.`,
    );
  }
  try {
    const card = await deps.notifier.postRequestCard(request, preview);
    return { kind: 'submitted', request: await deps.store.attachCard(request.id, card) };
  } catch (error) {
    await deps.store.discard(request.id);
    deps.logger.error('could not post the request card; request discarded', { requestId: request.id, error });
    return refused(
      `Your request could not reach the approvers' channel (${isEcrAccessError(error) ? error.message : 'Slack error'}), so nothing was recorded. Ask the platform team to invite the ecr-access bot to that channel, then try again.`,
    );
  }
}
