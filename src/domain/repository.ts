// What a valid ECR repository name is (ECR's own rule), so bad names never reach AWS.
import * as z from 'zod';

const ECR_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export const RepositoryName = z
  .string()
  .min(2, { message: 'a repository name has at least 2 characters' })
  .max(256, { message: 'a repository name has at most 256 characters' })
  .regex(ECR_NAME, {
    message:
      'a repository name is lowercase letters and digits, separated by single . _ - or /, like common-images or team/base',
  });
export type RepositoryName = z.infer<typeof RepositoryName>;
