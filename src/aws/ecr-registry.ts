// The Registry port on Amazon ECR: SDK errors become EcrAccessErrors that say what to do.
import type { ECRClient } from '@aws-sdk/client-ecr';
import { EcrAccessError, ErrorCode } from '../errors';
import type { Registry } from '../service/ports';
import { clientFrom, onFirstUse, type ClientSource } from './clients';

/** The commands this registry sends; the SDK package loads with the first call, not with this module. */
const commands = onFirstUse(async () => {
  const { DescribeRepositoriesCommand, GetRepositoryPolicyCommand, SetRepositoryPolicyCommand } = await import('@aws-sdk/client-ecr');
  return { DescribeRepositoriesCommand, GetRepositoryPolicyCommand, SetRepositoryPolicyCommand };
});

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

function registryError(action: string, repository: string, error: unknown): EcrAccessError {
  const name = errorName(error);
  if (name === 'RepositoryNotFoundException') {
    return new EcrAccessError(ErrorCode.RepositoryNotFound, `Repository \`${repository}\` does not exist in ECR.`, { cause: error });
  }
  if (name === 'InvalidParameterException') {
    return new EcrAccessError(
      ErrorCode.PolicyRejected,
      `ECR refused the new policy for \`${repository}\` (${error instanceof Error ? error.message : name}). This usually means an account in it does not exist.`,
      { cause: error },
    );
  }
  if (name === 'ThrottlingException' || name === 'TooManyRequestsException') {
    return new EcrAccessError(ErrorCode.Registry, `ECR kept throttling ${action} for \`${repository}\`; try again in a minute.`, { cause: error });
  }
  if (name === 'AccessDeniedException') {
    return new EcrAccessError(
      ErrorCode.Registry,
      `ecr-access is not allowed to ${action} on \`${repository}\`; the platform team needs to add it to the bot's IAM policy.`,
      { cause: error },
    );
  }
  const detail = name === 'TimeoutError' || name === 'AbortError' ? 'did not answer in time' : `failed (${name || 'unknown error'})`;
  return new EcrAccessError(ErrorCode.Registry, `ECR ${action} for \`${repository}\` ${detail}; try again in a minute.`, { cause: error });
}

export function ecrRegistry(source: ClientSource<ECRClient>): Registry {
  const ready = onFirstUse(async () => ({ ecr: await clientFrom(source), ...(await commands()) }));
  return {
    async describeRepository(repository) {
      const { ecr, DescribeRepositoriesCommand } = await ready();
      try {
        const out = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repository] }));
        const found = out.repositories?.find((r) => r.repositoryName === repository);
        return found?.registryId ? { registryId: found.registryId } : undefined;
      } catch (error) {
        if (errorName(error) === 'RepositoryNotFoundException') return undefined;
        throw registryError('DescribeRepositories', repository, error);
      }
    },
    async getPolicy(repository) {
      const { ecr, GetRepositoryPolicyCommand } = await ready();
      try {
        const out = await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: repository }));
        return out.policyText;
      } catch (error) {
        if (errorName(error) === 'RepositoryPolicyNotFoundException') return undefined;
        throw registryError('GetRepositoryPolicy', repository, error);
      }
    },
    async setPolicy(repository, policyText) {
      const { ecr, SetRepositoryPolicyCommand } = await ready();
      try {
        await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: repository, policyText }));
      } catch (error) {
        throw registryError('SetRepositoryPolicy', repository, error);
      }
    },
  };
}
