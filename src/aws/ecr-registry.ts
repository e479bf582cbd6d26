// The Registry port on Amazon ECR: SDK errors become EcrAccessErrors with a code to branch on.
//
// Policy writes go through a client that never retries by itself: a write that timed out, lost
// its connection or got a 5xx may still be applied later, and so may each retry of it, so only
// the caller (the lease holder) can decide what to do about it. Such a write is reported as
// WriteOutcomeUnknown. A write ECR answered with a 4xx was not applied: throttling is tried again
// here, each attempt behind the lease's fence.
import type { ECRClient } from '@aws-sdk/client-ecr';
import { setTimeout as sleep } from 'node:timers/promises';
import { EcrAccessError, ErrorCode, isEcrAccessError } from '../errors';
import type { Registry } from '../service/ports';
import { clientFrom, onFirstUse, type ClientSource } from './clients';

/** The commands sent (the package test checks the IAM policy against this list). */
const sdk = onFirstUse(async () => {
  const { DeleteRepositoryPolicyCommand, DescribeRepositoriesCommand, GetRepositoryPolicyCommand, SetRepositoryPolicyCommand } = await import('@aws-sdk/client-ecr');
  return { DeleteRepositoryPolicyCommand, DescribeRepositoriesCommand, GetRepositoryPolicyCommand, SetRepositoryPolicyCommand };
});

/** Throttled policy writes are sent again this many times at most. */
const THROTTLED_WRITE_TRIES = 3;

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

/** ECR answered, with a client error: the request was refused and will never be applied. */
function answeredWithClientError(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500;
}

const isThrottled = (error: unknown) => ['ThrottlingException', 'TooManyRequestsException'].includes(errorName(error));

function registryError(action: string, repository: string, error: unknown): EcrAccessError {
  const name = errorName(error) || 'unknown error';
  const detail = `${action} on ${repository}: ${name}${error instanceof Error && error.message && error.message !== name ? ` (${error.message})` : ''}`;
  const code =
    name === 'RepositoryNotFoundException'
      ? ErrorCode.RepositoryNotFound
      : name === 'InvalidParameterException'
        ? ErrorCode.PolicyRejected
        : ErrorCode.Registry;
  return new EcrAccessError(code, detail, { cause: error });
}

/** The part of a command's middleware stack used here: one middleware placed after another. */
interface Stack {
  addRelativeTo(middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>, options: { name: string; relation: 'after'; toMiddleware: string }): void;
}

/**
 * Runs `check` once the request is signed, right before each attempt leaves: credentials and the
 * SDK have loaded by then, and ECR counts the 5 minutes a request may still land from its signature.
 */
function behindFence<Command extends { middlewareStack: object }>(command: Command, check: () => Promise<void>): Command {
  (command.middlewareStack as Stack).addRelativeTo(
    (next) => async (args) => {
      await check();
      return next(args);
    },
    { name: 'leaseFence', relation: 'after', toMiddleware: 'httpSigningMiddleware' },
  );
  return command;
}

export function ecrRegistry(sources: { reads: ClientSource<ECRClient>; writes: ClientSource<ECRClient> }): Registry {
  const reads = onFirstUse(async () => ({ ecr: await clientFrom(sources.reads), ...(await sdk()) }));
  const writes = onFirstUse(async () => ({ ecr: await clientFrom(sources.writes), ...(await sdk()) }));

  const write = async (repository: string, policyText: string | undefined, fence: () => Promise<boolean>) => {
    const { ecr, SetRepositoryPolicyCommand, DeleteRepositoryPolicyCommand } = await writes();
    const action = policyText === undefined ? 'DeleteRepositoryPolicy' : 'SetRepositoryPolicy';
    // A fence that cannot say (DynamoDB failing) counts as lost: nothing is sent on a lease nobody can vouch for.
    const check = async () => {
      const covered = await fence().catch((error: unknown) => {
        throw new EcrAccessError(ErrorCode.LeaseLost, `${action} on ${repository}: could not make sure the repository lease covers the write; nothing was sent`, { cause: error });
      });
      if (!covered) throw new EcrAccessError(ErrorCode.LeaseLost, `${action} on ${repository}: the repository lease no longer covers the write; nothing was sent`);
    };
    for (let attempt = 1; ; attempt++) {
      try {
        if (policyText === undefined) await ecr.send(behindFence(new DeleteRepositoryPolicyCommand({ repositoryName: repository }), check));
        else await ecr.send(behindFence(new SetRepositoryPolicyCommand({ repositoryName: repository, policyText }), check));
        return;
      } catch (error) {
        if (isEcrAccessError(error, ErrorCode.LeaseLost)) throw error;
        if (policyText === undefined && errorName(error) === 'RepositoryPolicyNotFoundException') return;
        if (!answeredWithClientError(error)) {
          throw new EcrAccessError(ErrorCode.WriteOutcomeUnknown, registryError(action, repository, error).message, { cause: error });
        }
        if (!isThrottled(error) || attempt === THROTTLED_WRITE_TRIES) throw registryError(action, repository, error);
        await sleep(100 * 2 ** attempt * (0.5 + Math.random()));
      }
    }
  };

  return {
    async describeRepository(repository) {
      const { ecr, DescribeRepositoriesCommand } = await reads();
      try {
        const out = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repository] }));
        const found = out.repositories?.find((r) => r.repositoryName === repository);
        return found?.registryId ? { registryId: found.registryId } : undefined;
      } catch (error) {
        if (errorName(error) === 'RepositoryNotFoundException') return undefined;
        throw registryError('DescribeRepositories', repository, error);
      }
    },
    async repositoryNames() {
      const { ecr, DescribeRepositoriesCommand } = await reads();
      const names: string[] = [];
      let nextToken: string | undefined;
      do {
        try {
          // 1,000 is the most a page holds: 5,000 repositories are five calls.
          const out = await ecr.send(new DescribeRepositoriesCommand({ maxResults: 1000, ...(nextToken && { nextToken }) }));
          for (const r of out.repositories ?? []) if (r.repositoryName) names.push(r.repositoryName);
          nextToken = out.nextToken;
        } catch (error) {
          throw registryError('DescribeRepositories', 'the registry', error);
        }
      } while (nextToken);
      return names;
    },
    async getPolicy(repository) {
      const { ecr, GetRepositoryPolicyCommand } = await reads();
      try {
        const out = await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: repository }));
        return out.policyText;
      } catch (error) {
        if (errorName(error) === 'RepositoryPolicyNotFoundException') return undefined;
        throw registryError('GetRepositoryPolicy', repository, error);
      }
    },
    setPolicy: write,
  };
}

/** Each region's registry, made the first time a region is named; the bot's own region's is `home`. */
export function regionalRegistries(homeRegion: string, home: Registry, make: (region: string) => Registry): (region: string) => Registry {
  const made = new Map<string, Registry>([[homeRegion, home]]);
  return (region) => {
    const registry = made.get(region) ?? make(region);
    made.set(region, registry);
    return registry;
  };
}
