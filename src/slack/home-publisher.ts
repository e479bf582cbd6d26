// Publishes each person's App Home tab (views.publish, paced like every other Slack call) when
// they open it, and when a request that concerns them changes: its requester's, and every
// approver's. Publishing for changes is coalesced per person across processes: whoever holds the
// person's turn (HomeTurns, kept in the table) publishes, one publish at a time, and a change
// anywhere meanwhile makes it publish once more, at most once per interval, each read as things
// are then. So a burst of 50 approvals, each in its own Lambda invocation, publishes a few views
// per person, not 50. Opening the tab publishes at once, outside the turns: it is one person's
// click, and they wait for it.
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

/**
 * Whose turn it is to publish a person's Home tab for changes, shared by every process
 * (src/aws/home-turns.ts; a fake in the unit tests passes the same contract).
 */
export interface HomeTurns {
  /** 'taken': the turn is this owner's, its publish to come; 'told': another owner holds it, and will publish once more. */
  take(viewer: string, owner: string): Promise<'taken' | 'told'>;
  /** Before another publish in the same turn: clears what was told and extends the turn; false when the turn is no longer this owner's. */
  renew(viewer: string, owner: string): Promise<boolean>;
  /** After a publish: ends the turn, unless a change was told meanwhile (false: publish once more, or the turn is gone, which `renew` then says). */
  end(viewer: string, owner: string): Promise<boolean>;
}

export function homePublisher(options: {
  read: (viewer: string) => Promise<Home>;
  publish: (viewer: string, view: types.HomeView) => Promise<void>;
  /** Everyone who decides requests: configured, and in the approvers' user group. */
  approvers: () => Promise<readonly string[]>;
  /** The turns shared with other processes, and this process's name in them. */
  turns: HomeTurns;
  owner: string;
  clock: Clock;
  logger: Logger;
  intervalMs?: number;
}): HomePublisher {
  const { clock, logger, turns, owner } = options;
  const intervalMs = options.intervalMs ?? HOME_INTERVAL_MS;
  const running = new Map<string, Promise<void>>();
  /** People whose Home changed in this process while it was being published: one more publish each. */
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

  /** A step of the turn; when the table cannot be reached, the process publishes as if the turn were its own. */
  const step = async <T>(what: string, viewer: string, call: () => Promise<T>, otherwise: T): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      logger.warn(`could not ${what} the turn to publish a Home tab; publishing without it`, { viewer, error });
      return otherwise;
    }
  };

  /** Publishes until no change came, here or in another process, during the last publish. */
  const loop = async (viewer: string, opened: boolean) => {
    const mine = opened || (await step('take', viewer, () => turns.take(viewer, owner), 'taken' as const)) === 'taken';
    if (!mine) return;
    let turn = !opened;
    for (;;) {
      again.delete(viewer);
      await publishOnce(viewer);
      const ended = turn ? await step('end', viewer, () => turns.end(viewer, owner), true) : true;
      if (ended && !again.has(viewer)) return;
      // The changes that keep coming wait a moment, and go out together.
      await clock.sleep(intervalMs);
      if (turn && !ended) {
        // Another process may have taken the turn after it lapsed: it publishes then.
        if (!(await step('renew', viewer, () => turns.renew(viewer, owner), true))) return;
      } else if ((await step('take', viewer, () => turns.take(viewer, owner), 'taken' as const)) !== 'taken') {
        // A change after the turn ended (or after an opened tab was published): another process's turn has it.
        return;
      }
      turn = true;
    }
  };

  const start = (viewer: string, opened: boolean) => {
    if (running.has(viewer)) {
      again.add(viewer);
      return;
    }
    const publishing = loop(viewer, opened).finally(() => {
      running.delete(viewer);
      // A change that came as the loop ended is not lost.
      if (again.delete(viewer)) start(viewer, false);
    });
    running.set(viewer, publishing);
    track(publishing);
  };

  return {
    refresh: (viewer) => start(viewer, true),
    changed(request) {
      start(request.requester, false);
      track(
        options.approvers().then(
          (approvers) => {
            for (const approver of approvers) start(approver, false);
          },
          (error: unknown) => logger.warn('could not tell who the approvers are; their Home tabs wait for the next change', { error }),
        ),
      );
    },
    async settled() {
      while (work.size > 0) await Promise.all([...work]);
    },
  };
}
