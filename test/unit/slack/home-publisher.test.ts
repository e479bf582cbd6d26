// Publishing Home tabs: once when a person opens theirs; for a change, the requester's and every
// approver's; and coalesced per person, so a burst of changes publishes a few views, not one each.
import type { AccessRequest } from '../../../src/domain/access-request';
import { createLogger } from '../../../src/logger';
import type { Home } from '../../../src/service/home';
import { homePublisher } from '../../../src/slack/home-publisher';

const request = (requester: string) => ({ id: 'r-0000000001', requester }) as AccessRequest;

/** A publisher whose publishes wait until the test lets them through; it records who each was for. */
function world(approvers: readonly string[] = ['U0BOB', 'U0SAM']) {
  const published: string[] = [];
  const held: Array<() => void> = [];
  const slept: number[] = [];
  let hold = false;
  const publisher = homePublisher({
    read: async (viewer) => ({ viewer, approver: 'no', requests: [], grants: [] }) satisfies Home,
    publish: async (viewer) => {
      if (hold) await new Promise<void>((resolve) => held.push(resolve));
      published.push(viewer);
    },
    approvers: async () => approvers,
    clock: {
      now: () => Date.parse('2026-12-01T09:00:00Z'),
      sleep: async (ms) => {
        slept.push(ms);
      },
    },
    logger: createLogger({ write: () => undefined }),
  });
  const release = () => {
    hold = false;
    for (const resolve of held.splice(0)) resolve();
  };
  return { publisher, published, slept, holdPublishes: () => (hold = true), release };
}

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
    for (let i = 0; i < 50; i++) w.publisher.changed(request(`U0REQ${i % 5}`));
    // Let the approvers be looked up, and the first publishes start and wait.
    await new Promise((resolve) => setImmediate(resolve));
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
    await new Promise((resolve) => setImmediate(resolve));
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
      clock: { now: () => 0, sleep: async () => undefined },
      logger: createLogger({ write: () => undefined }),
    });
    failing.changed(request('U0ALICE'));
    await expect(failing.settled()).resolves.toBeUndefined();
  });
});
