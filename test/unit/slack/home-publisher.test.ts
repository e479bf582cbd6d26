// Publishing Home tabs: once when a person opens theirs; for a change, the requester's and every
// approver's; and coalesced per person across processes (the turns they share), so a burst of
// changes publishes a few views, not one each.
import type { AccessRequest } from '../../../src/domain/access-request';
import { createLogger } from '../../../src/logger';
import type { Home } from '../../../src/service/home';
import { homePublisher, type HomeTurns } from '../../../src/slack/home-publisher';
import { InMemoryHomeTurns } from '../../support/in-memory-ports';

const request = (requester: string) => ({ id: 'r-0000000001', requester }) as AccessRequest;

/** A publisher whose publishes wait until the test lets them through; it records who each was for. */
function world(approvers: readonly string[] = ['U0BOB', 'U0SAM']) {
  const published: string[] = [];
  const held: Array<() => void> = [];
  const slept: number[] = [];
  let hold = false;
  let now = Date.parse('2026-12-01T09:00:00Z');
  const clock = {
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
    },
  };
  const turns = new InMemoryHomeTurns(clock);
  /** A process's publisher: all of them share the turns, as processes share the table. */
  const process = (owner: string, shared: HomeTurns = turns) =>
    homePublisher({
      read: async (viewer) => ({ viewer, approver: 'no', requests: [], grants: [] }) satisfies Home,
      publish: async (viewer) => {
        if (hold) await new Promise<void>((resolve) => held.push(resolve));
        published.push(viewer);
      },
      approvers: async () => approvers,
      turns: shared,
      owner,
      clock,
      logger: createLogger({ write: () => undefined }),
    });
  const release = () => {
    hold = false;
    for (const resolve of held.splice(0)) resolve();
  };
  const later = (ms: number) => {
    now += ms;
  };
  return { publisher: process('process-a'), process, turns, published, slept, holdPublishes: () => (hold = true), release, later };
}

/** Lets the approvers be looked up, and the first publishes start and wait. */
const started = () => new Promise((resolve) => setImmediate(resolve));

const count = (list: readonly string[], viewer: string) => list.filter((v) => v === viewer).length;

describe('homePublisher', () => {
  it('publishes the Home tab of whoever opens it', async () => {
    const w = world();
    w.publisher.refresh('U0ALICE');
    await w.publisher.settled();
    expect(w.published).toEqual(['U0ALICE']);
  });

  it("publishes the requester's and every approver's Home tab for a change", async () => {
    const w = world();
    w.publisher.changed(request('U0ALICE'));
    await w.publisher.settled();
    expect([...w.published].sort()).toEqual(['U0ALICE', 'U0BOB', 'U0SAM']);
  });

  it('publishes each Home tab twice, not fifty times, for fifty changes that come while the first is published', async () => {
    const w = world();
    w.holdPublishes();
    for (let i = 0; i < 25; i++) w.publisher.changed(request(`U0REQ${i % 5}`));
    await started();
    // The first publishes wait; the next 25 changes come meanwhile.
    for (let i = 25; i < 50; i++) w.publisher.changed(request(`U0REQ${i % 5}`));
    await started();
    w.release();
    await w.publisher.settled();
    expect(count(w.published, 'U0BOB')).toBe(2);
    expect(count(w.published, 'U0SAM')).toBe(2);
    expect(count(w.published, 'U0REQ0')).toBe(2);
    // The second publish of each waited its interval first.
    expect(w.slept.length).toBeGreaterThan(0);
  });

  it('publishes once more for a change that comes while a publish is on its way, so none is lost', async () => {
    const w = world([]);
    w.holdPublishes();
    w.publisher.refresh('U0ALICE');
    await started();
    w.release();
    w.publisher.refresh('U0ALICE');
    await w.publisher.settled();
    expect(w.published).toEqual(['U0ALICE', 'U0ALICE']);
  });

  it('goes on publishing for others when one publish fails', async () => {
    const failing = homePublisher({
      read: async (viewer) => {
        if (viewer === 'U0BOB') throw new Error('DynamoDB did not answer');
        return { viewer, approver: 'no', requests: [], grants: [] };
      },
      publish: async () => undefined,
      approvers: async () => ['U0BOB'],
      turns: new InMemoryHomeTurns({ now: () => 0 }),
      owner: 'process-a',
      clock: { now: () => 0, sleep: async () => undefined },
      logger: createLogger({ write: () => undefined }),
    });
    failing.changed(request('U0ALICE'));
    await expect(failing.settled()).resolves.toBeUndefined();
  });
  it('publishes each Home tab twice in all, not once per process, for fifty changes made in five processes', async () => {
    const w = world();
    const processes = ['process-a', 'process-b', 'process-c', 'process-d', 'process-e'].map((owner) => w.process(owner));
    w.holdPublishes();
    processes[0]!.changed(request('U0ALICE'));
    await started();
    // process-a's publishes wait; 49 changes come meanwhile, in all five processes.
    for (let i = 1; i < 50; i++) processes[i % 5]!.changed(request('U0ALICE'));
    for (let i = 0; i < 5; i++) await started();
    expect(w.published).toEqual([]);
    w.release();
    await Promise.all(processes.map((p) => p.settled()));
    expect(count(w.published, 'U0ALICE')).toBe(2);
    expect(count(w.published, 'U0BOB')).toBe(2);
    expect(count(w.published, 'U0SAM')).toBe(2);
    // Every turn ended.
    expect([...w.turns.turns.keys()]).toEqual([]);
  });

  it('publishes a change told to another process after that process has published once more', async () => {
    const w = world([]);
    const other = w.process('process-b');
    w.holdPublishes();
    w.publisher.changed(request('U0ALICE'));
    await started();
    // While process-a publishes, process-b makes a change: it tells process-a, and publishes nothing itself.
    other.changed(request('U0ALICE'));
    await other.settled();
    expect(w.published).toEqual([]);
    w.release();
    await w.publisher.settled();
    expect(w.published).toEqual(['U0ALICE', 'U0ALICE']);
  });

  it("publishes a Home that was opened at once, even while another process holds its turn", async () => {
    const w = world([]);
    await w.turns.take('U0ALICE', 'process-b');
    w.publisher.refresh('U0ALICE');
    await w.publisher.settled();
    expect(w.published).toEqual(['U0ALICE']);
  });

  it('takes the turn of a process that died once it lapses', async () => {
    const w = world([]);
    await w.turns.take('U0ALICE', 'process-dead');
    w.publisher.changed(request('U0ALICE'));
    await w.publisher.settled();
    expect(w.published).toEqual([]);
    w.later(15_001);
    w.publisher.changed(request('U0ALICE'));
    await w.publisher.settled();
    expect(w.published).toEqual(['U0ALICE']);
  });

  it('publishes without a turn when the table cannot be reached', async () => {
    const w = world([]);
    const down: HomeTurns = {
      take: async () => Promise.reject(new Error('DynamoDB did not answer')),
      renew: async () => Promise.reject(new Error('DynamoDB did not answer')),
      end: async () => Promise.reject(new Error('DynamoDB did not answer')),
    };
    const publisher = w.process('process-a', down);
    publisher.changed(request('U0ALICE'));
    await publisher.settled();
    expect(w.published).toEqual(['U0ALICE']);
  });
});
