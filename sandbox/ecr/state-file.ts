/**
 * The registry's state on disk, so a sandbox survives restarts. Written atomically (temp file
 * then rename) so a crash mid-write leaves the previous state, never half of one.
 */
import { readJsonFile, writeJsonFileAtomically } from '../json-file';
import { z } from 'zod';
import type { StoredRepository } from './registry';

const stateSchema = z.object({
  version: z.literal(1),
  repositories: z.array(
    z.object({
      name: z.string(),
      createdAt: z.number(),
      imageTagMutability: z.enum(['MUTABLE', 'IMMUTABLE']),
      scanOnPush: z.boolean(),
      // Absent, never undefined: the registry deletes the field when a policy is deleted.
      policyText: z.string().exactOptional(),
    }),
  ),
});

/** The saved repositories, or undefined when there is no file yet. A corrupt file is an error. */
export async function loadState(path: string): Promise<StoredRepository[] | undefined> {
  const state = await readJsonFile(path, stateSchema, (problem) => `ECR emulator state file ${path} is not valid: ${problem}`);
  return state?.repositories;
}

export async function saveState(path: string, repositories: readonly StoredRepository[]): Promise<void> {
  await writeJsonFileAtomically(path, { version: 1, repositories }, { pretty: true });
}
