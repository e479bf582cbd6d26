// The Registry port on Amazon ECR: SDK errors become EcrAccessErrors that say what to do.
import {
  DescribeRepositoriesCommand,
  GetRepositoryPolicyCommand,
  SetRepositoryPolicyCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { EcrAccessError, ErrorCode } from '../errors';
import type { Registry } from '../service/ports';

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

export function ecrRegistry(client: ECRClient): Registry {
  return {
    async describeRepository(repository) {
      try {
        const out = await client.send(new DescribeRepositoriesCommand({ repositoryNames: [repository] }));
        const found = out.repositories?.find((r) => r.repositoryName === repository);
        return found?.registryId ? { registryId: found.registryId } : undefined;
      } catch (error) {
        if (errorName(error) === 'RepositoryNotFoundException') return undefined;
        throw registryError('DescribeRepositories', repository, error);
      }
    },
    async getPolicy(repository) {
      try {
        const out = await client.send(new GetRepositoryPolicyCommand({ repositoryName: repository }));
        return out.policyText;
      } catch (error) {
        if (errorName(error) === 'RepositoryPolicyNotFoundException') return undefined;
        throw registryError('GetRepositoryPolicy', repository, error);
      }
    },
    async setPolicy(repository, policyText) {
      try {
        await client.send(new SetRepositoryPolicyCommand({ repositoryName: repository, policyText }));
      } catch (error) {
        throw registryError('SetRepositoryPolicy', repository, error);
      }
    },
  };
}
