/**
 * The ECR actions the emulator answers: each one's request body schema (zod) and the
 * registry call behind it. Anything not listed here is an UnknownOperationException.
 */
import { z } from 'zod';
import { invalidParameter } from './errors';
import type { EcrRegistry } from './registry';

const registryId = z.string().regex(/^[0-9]{12}$/, 'must be a 12-digit account ID').optional();
const repositoryName = z.string();

const schemas = {
  CreateRepository: z.object({
    registryId,
    repositoryName,
    imageTagMutability: z.enum(['MUTABLE', 'IMMUTABLE']).optional(),
    imageScanningConfiguration: z.object({ scanOnPush: z.boolean().optional() }).optional(),
  }),
  DescribeRepositories: z.object({
    registryId,
    repositoryNames: z.array(repositoryName).min(1).max(100).optional(),
    maxResults: z.number().int().min(1).max(1000).optional(),
    nextToken: z.string().optional(),
  }),
  GetRepositoryPolicy: z.object({ registryId, repositoryName }),
  SetRepositoryPolicy: z.object({
    registryId,
    repositoryName,
    // Length and content are ECR's policy checks, which answer with their own message.
    policyText: z.string(),
    force: z.boolean().optional(),
  }),
  DeleteRepositoryPolicy: z.object({ registryId, repositoryName }),
};

export type EcrActionName = keyof typeof schemas;

export const isEcrAction = (name: string): name is EcrActionName => Object.hasOwn(schemas, name);

/** Parses a body against an action's schema, refusing the way ECR does (InvalidParameterException). */
function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw invalidParameter(issue?.path.join('.') || 'body', issue?.message ?? 'invalid request');
}

/** Runs one action against the registry and returns the response body. */
export function runEcrAction(registry: EcrRegistry, action: EcrActionName, body: unknown): object {
  switch (action) {
    case 'CreateRepository': {
      const input = parse(schemas.CreateRepository, body);
      return {
        repository: registry.createRepository({
          repositoryName: input.repositoryName,
          registryId: input.registryId,
          imageTagMutability: input.imageTagMutability,
          scanOnPush: input.imageScanningConfiguration?.scanOnPush,
        }),
      };
    }
    case 'DescribeRepositories':
      return registry.describeRepositories(parse(schemas.DescribeRepositories, body));
    case 'GetRepositoryPolicy':
      return registry.getRepositoryPolicy(parse(schemas.GetRepositoryPolicy, body));
    case 'SetRepositoryPolicy':
      return registry.setRepositoryPolicy(parse(schemas.SetRepositoryPolicy, body));
    case 'DeleteRepositoryPolicy':
      return registry.deleteRepositoryPolicy(parse(schemas.DeleteRepositoryPolicy, body));
  }
}
