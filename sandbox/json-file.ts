// Small JSON files the sandbox keeps between runs: read and validated (absent is not an error,
// corrupt is), and written atomically (temporary file, then rename), so a crash mid-write leaves
// the previous content, never half of it.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type * as z from 'zod';

/** The parsed content, or undefined when the file does not exist yet. */
export async function readJsonFile<T>(path: string, schema: z.ZodType<T>, corrupt: (problem: string) => string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(corrupt('not JSON'));
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new Error(corrupt(parsed.error.issues[0]?.message ?? 'invalid'));
  return parsed.data;
}

let temporaryFileCounter = 0;

export async function writeJsonFileAtomically(path: string, content: unknown, options: { pretty?: boolean } = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  temporaryFileCounter += 1;
  const temporary = `${path}.${process.pid}.${temporaryFileCounter}.tmp`;
  await writeFile(temporary, `${JSON.stringify(content, null, options.pretty ? 2 : undefined)}\n`, 'utf8');
  await rename(temporary, path);
}
