/**
 * The registry's state on disk, so a sandbox survives restarts. Written atomically (temp file
 * then rename) so a crash mid-write leaves the previous state, never half of one.
 */
import { readJsonFile, writeJsonFileAtomically } from '../json-file';
import { z } from 'zod';
import type { StoredRepository } from './registry';

const repositoriesSchema = z.array(
  z.object({
    name: z.string(),
    createdAt: z.number(),
    imageTagMutability: z.enum(['MUTABLE', 'IMMUTABLE']),
    scanOnPush: z.boolean(),
    // Absent, never undefined: the registry deletes the field when a policy is deleted.
    policyText: z.string().exactOptional(),
  }),
);

const stateSchema = z.object({
  version: z.literal(1),
  /** The emulator's own region's repositories. */
  repositories: repositoriesSchema,
  /** Every other region's, by region (files saved before regions were kept apart have none). */
  regions: z.record(z.string(), repositoriesSchema).optional(),
});

/** Each region's repositories. */
export interface SavedState {
  readonly repositories: StoredRepository[];
  readonly regions: Record<string, StoredRepository[]>;
}

/** The saved repositories, or undefined when there is no file yet. A corrupt file is an error. */
export async function loadState(path: string): Promise<SavedState | undefined> {
  const state = await readJsonFile(path, stateSchema, (problem) => `ECR emulator state file ${path} is not valid: ${problem}`);
  return state && { repositories: state.repositories, regions: state.regions ?? {} };
}

export async function saveState(path: string, state: SavedState): Promise<void> {
  const others = Object.keys(state.regions).length > 0 ? { regions: state.regions } : {};
  await writeJsonFileAtomically(path, { version: 1, repositories: state.repositories, ...others }, { pretty: true });
}
