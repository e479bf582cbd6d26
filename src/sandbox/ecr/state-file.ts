/**
 * The registry's state on disk, so a sandbox survives restarts. Written atomically (temp file
 * then rename) so a crash mid-write leaves the previous state, never half of one.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
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
      policyText: z.string().optional(),
    }),
  ),
});

/** The saved repositories, or undefined when there is no file yet. A corrupt file is an error. */
export async function loadState(path: string): Promise<StoredRepository[] | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = stateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`ECR emulator state file ${path} is not valid: ${parsed.error.message}`);
  return parsed.data.repositories;
}

let temporaryFileCounter = 0;

export async function saveState(path: string, repositories: readonly StoredRepository[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  temporaryFileCounter += 1;
  const temporary = `${path}.${process.pid}.${temporaryFileCounter}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ version: 1, repositories }, null, 2)}\n`, 'utf8');
  await rename(temporary, path);
}
