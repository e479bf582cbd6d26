// The sandbox's time: the wall clock plus however far a person has moved it on the page
// (+1 hour, +1 day), so reminders and expiry can be watched without waiting. The bot reads it
// as its clock; the offset is kept in the data directory, so a restart does not turn time back.
import * as z from 'zod';
import { sleepFor } from '../src/real-time';
import type { Clock } from '../src/service/ports';
import { readJsonFile, writeJsonFileAtomically } from './json-file';

const SavedClock = z.object({ offsetMs: z.number().int().nonnegative() });

export class SandboxClock implements Clock {
  private constructor(
    private readonly path: string,
    private offsetMs: number,
  ) {}

  static async load(path: string): Promise<SandboxClock> {
    const saved = await readJsonFile(path, SavedClock, (problem) => `${path} is not a saved sandbox clock (${problem}); delete it or start with --fresh`);
    return new SandboxClock(path, saved?.offsetMs ?? 0);
  }

  readonly now = (): number => Date.now() + this.offsetMs;
  readonly sleep = sleepFor;

  /** How far ahead of the wall clock the sandbox is. */
  get offset(): number {
    return this.offsetMs;
  }

  /** Moves time on (never back: records are ordered by it) and saves how far. */
  async advance(ms: number): Promise<void> {
    this.offsetMs += Math.max(0, ms);
    await writeJsonFileAtomically(this.path, { offsetMs: this.offsetMs });
  }
}
