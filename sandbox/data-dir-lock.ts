// One sandbox per state folder: a second one would crash on DynamoDB's on-disk lock, so it is
// refused up front with a message that says which process holds the folder.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export class DataDirInUse extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`another sandbox (process ${pid}) is using ${dataDir}; stop it first, or start this one with --data-dir <another folder>`);
    this.name = 'DataDirInUse';
  }
}

export interface DataDirLock {
  /** The lock file's name inside the folder, which a fresh start must not delete. */
  readonly fileName: string;
  release(): Promise<void>;
}

const LOCK_FILE = 'sandbox.pid';

/** Takes the folder for this process; a lock left by a process that no longer runs is taken over. */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  for (;;) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx' });
      return { fileName: LOCK_FILE, release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
      throw new DataDirInUse(dataDir, holder);
    }
    await rm(path, { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as somebody else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
