// The sweep as a timer inside a long-running process (`npm start`, the sandbox): one pass every
// `everyMs`, the next counted from the end of the last, so passes never overlap in one process.
// Passes in other processes may overlap with it: each step of a pass is a conditional write.
import type { ServiceDeps } from './service/deps';
import { type SweepReport, type SweepTimes, sweepOnce } from './service/sweep';

export interface SweepTimer {
  /** Runs a pass now (after the one running, if any), and answers its report; undefined when the pass failed (it is logged). */
  passNow(): Promise<SweepReport | undefined>;
  /** Stops the timer and waits for a pass in flight. */
  stop(): Promise<void>;
}

export function startSweepTimer(deps: ServiceDeps, times: SweepTimes, everyMs: number): SweepTimer {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<SweepReport | undefined> = Promise.resolve(undefined);
  let stopped = false;

  const pass = async (): Promise<SweepReport | undefined> => {
    try {
      return await sweepOnce(deps, times);
    } catch (error) {
      deps.logger.error('a sweep pass failed; the next one tries again', { error });
      return undefined;
    }
  };
  const schedule = () => {
    if (stopped) return;
    // Unref'd: the timer alone never keeps the process alive.
    timer = setTimeout(() => void passNow(), everyMs).unref();
  };
  const passNow = () => {
    clearTimeout(timer);
    running = running.then(pass).finally(schedule);
    return running;
  };

  schedule();
  return {
    passNow,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
