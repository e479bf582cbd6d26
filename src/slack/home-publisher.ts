// Publishes each person's App Home tab (views.publish, paced like every other Slack call) when
// they open it, and when a request that concerns them changes: its requester's, and every
// approver's. Publishing is coalesced per person: one publish at a time, and the changes that come
// meanwhile make one more, at most one per interval, each read as things are then. So a burst of
// 50 approvals publishes a few views per person, not 50. Coalescing is per process: another
// process (another Lambda invocation) publishes for the changes it makes.
import type { types } from '@slack/bolt';
import type { Logger } from '../logger';
import type { Home } from '../service/home';
import type { Clock, Homes } from '../service/ports';
import { homeView } from './blocks/home';

export interface HomePublisher extends Homes {
  /** Publishes the person's Home tab as things are now (they opened it). */
  refresh(viewer: string): void;
  /** Resolves once every publish started so far is done, the ones it set off included. */
  settled(): Promise<void>;
}

/** The least time between two publishes of one person's Home tab while changes keep coming. */
const HOME_INTERVAL_MS = 1000;

export function homePublisher(options: {
  read: (viewer: string) => Promise<Home>;
  publish: (viewer: string, view: types.HomeView) => Promise<void>;
  /** Everyone who decides requests: configured, and in the approvers' user group. */
  approvers: () => Promise<readonly string[]>;
  clock: Clock;
  logger: Logger;
  intervalMs?: number;
}): HomePublisher {
  const { clock, logger } = options;
  const intervalMs = options.intervalMs ?? HOME_INTERVAL_MS;
  const running = new Map<string, Promise<void>>();
  /** People whose Home changed while it was being published: one more publish each. */
  const again = new Set<string>();
  const work = new Set<Promise<unknown>>();
  const track = (promise: Promise<unknown>) => {
    work.add(promise);
    void promise.finally(() => work.delete(promise));
  };

  const publishOnce = async (viewer: string) => {
    try {
      await options.publish(viewer, homeView(await options.read(viewer), clock.now()));
    } catch (error) {
      // The next change, or the person opening the tab, publishes it again.
      logger.warn('could not publish a Home tab', { viewer, error });
    }
  };

  const loop = async (viewer: string) => {
    for (;;) {
      again.delete(viewer);
      await publishOnce(viewer);
      if (!again.has(viewer)) return;
      // The changes that keep coming wait a moment, and go out together.
      await clock.sleep(intervalMs);
    }
  };

  const refresh = (viewer: string) => {
    if (running.has(viewer)) {
      again.add(viewer);
      return;
    }
    const publishing = loop(viewer).finally(() => {
      running.delete(viewer);
      // A change that came as the loop ended is not lost.
      if (again.delete(viewer)) refresh(viewer);
    });
    running.set(viewer, publishing);
    track(publishing);
  };

  return {
    refresh,
    changed(request) {
      refresh(request.requester);
      track(
        options.approvers().then(
          (approvers) => approvers.forEach(refresh),
          (error: unknown) => logger.warn('could not tell who the approvers are; their Home tabs wait for the next change', { error }),
        ),
      );
    },
    async settled() {
      while (work.size > 0) await Promise.all([...work]);
    },
  };
}
