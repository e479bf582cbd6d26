// Approve and deny on in-memory ports: who may decide, what each click answers (as a code), and
// how a click on a decided card finishes what a crashed process owed.
import type { AccessRequest } from '../../../src/domain/access-request';
import { decide, type Decision } from '../../../src/service/decide';
import { InMemoryRequestStore, inMemoryDeps } from '../../support/in-memory-ports';

/** How long an announcer must have been quiet before another process takes its announcement over. */
const quiet = (w: { deps: { announceRetryMs: number; clockMarginMs: number } }) => w.deps.announceRetryMs + w.deps.clockMarginMs;

const CARD = { channel: 'C0APPROVALS', ts: '1700000000.000001' };

function pending(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return {
    id: 'r-0000000001',
    repository: 'common-images',
    account: '222233334444',
    requester: 'U0REQUESTER',
    state: 'PENDING',
    createdAt: '2026-12-01T09:00:00.000Z',
    card: CARD,
    attempts: 0,
    owed: [],
    ...overrides,
  };
}

/** The store's own decision write, called past a replaced `decide`. */
const InMemoryStoreDecide = (w: ReturnType<typeof inMemoryDeps>, ...args: Parameters<InMemoryRequestStore['decide']>) =>
  InMemoryRequestStore.prototype.decide.apply(w.store, args);

const click = (decision: Decision['decision'], user = 'U0APPROVER', card = CARD): Decision => ({ requestId: 'r-0000000001', user, decision, card });

function world(request: AccessRequest = pending(), overrides: Parameters<typeof inMemoryDeps>[0] = {}) {
  const w = inMemoryDeps(overrides);
  w.store.requests.set(request.id, request);
  return w;
}

describe('deciding a request', () => {
  it('grants an approved request through the policy path and answers settled', async () => {
    const w = world();
    const outcome = await decide(w.deps, click('approve'));
    expect(outcome).toMatchObject({ code: 'settled', request: { state: 'GRANTED', decidedBy: 'U0APPROVER' } });
    expect(w.registry.writes).toHaveLength(1);
  });

  it('denies, and tells the card and the requester', async () => {
    const w = world();
    const outcome = await decide(w.deps, click('deny'));
    expect(outcome).toMatchObject({ code: 'denied', request: { state: 'DENIED' } });
    expect(w.notifier.parts('r-0000000001').sort()).toEqual(['card', 'dm']);
    expect(w.store.requests.get('r-0000000001')!.owed).toEqual([]);
  });

  it('refuses someone who is not an approver, and changes nothing', async () => {
    const w = world();
    expect(await decide(w.deps, click('approve', 'U0OTHER'))).toEqual({ code: 'not-an-approver', repository: 'common-images' });
    expect(w.store.requests.get('r-0000000001')!.state).toBe('PENDING');
  });

  it('says so when Slack cannot tell whether the clicker is an approver, and changes nothing', async () => {
    const w = world(pending(), { isApprover: async () => ({ kind: 'unknown', reason: 'ratelimited' }) });
    expect(await decide(w.deps, click('approve'))).toEqual({ code: 'approver-unknown', reason: 'ratelimited' });
    expect(w.store.requests.get('r-0000000001')!.state).toBe('PENDING');
  });

  it('refuses the requester deciding their own request', async () => {
    const w = world(pending({ requester: 'U0APPROVER' }));
    expect(await decide(w.deps, click('approve'))).toMatchObject({ code: 'own-request', decision: 'approve' });
  });

  it('tells a requester who is no approver that they are not an approver, without reading a request its button names the repository of', async () => {
    const w = world(pending({ requester: 'U0OTHER' }));
    const reads = jest.spyOn(w.store, 'get');
    const target = { repository: 'common-images', account: '222233334444' };
    expect(await decide(w.deps, { ...click('approve', 'U0OTHER'), target })).toEqual({ code: 'not-an-approver', repository: 'common-images' });
    expect(reads).not.toHaveBeenCalled();
    expect(w.store.requests.get('r-0000000001')!.state).toBe('PENDING');
  });

  it("asks the approvers of the request's own repository", async () => {
    const asked: Array<string | undefined> = [];
    const w = world(pending({ requester: 'U0OTHER' }), {
      isApprover: async (_user, repository) => {
        asked.push(repository);
        return { kind: 'not-approver' };
      },
    });
    expect(await decide(w.deps, click('approve', 'U0APPROVER'))).toEqual({ code: 'not-an-approver', repository: 'common-images' });
    expect(await decide(w.deps, click('deny', 'U0APPROVER'))).toEqual({ code: 'not-an-approver', repository: 'common-images' });
    expect(asked).toEqual(['common-images', 'common-images']);
  });

  it('refuses a button from another card', async () => {
    const w = world();
    expect(await decide(w.deps, click('approve', 'U0APPROVER', { channel: 'C0APPROVALS', ts: '1700000000.999999' }))).toMatchObject({ code: 'foreign-card' });
    expect(w.store.requests.get('r-0000000001')!.state).toBe('PENDING');
  });

  it('refuses a button from a message in another channel with the same timestamp', async () => {
    const w = world();
    expect(await decide(w.deps, click('approve', 'U0APPROVER', { channel: 'C0ELSEWHERE', ts: CARD.ts }))).toMatchObject({ code: 'foreign-card' });
    expect(w.store.requests.get('r-0000000001')!.state).toBe('PENDING');
  });

  it('denies a request whose repository is no longer shareable, from a card that names it', async () => {
    const w = world(pending(), { repositories: ['other-images'] });
    const outcome = await decide(w.deps, { ...click('deny'), target: { repository: 'common-images', account: '222233334444' } });
    expect(outcome).toMatchObject({ code: 'denied', request: { state: 'DENIED' } });
  });

  it('refuses to approve for a repository that is no longer shareable, and writes nothing', async () => {
    const w = world(pending(), { repositories: ['other-images'] });
    expect(await decide(w.deps, click('approve'))).toMatchObject({ code: 'not-shareable', repositories: ['other-images'] });
    expect(w.store.requests.get('r-0000000001')!.state).toBe('PENDING');
    expect(w.registry.writes).toHaveLength(0);
  });

  it('answers an approval of a denied request with the denial at once, and queues nothing, even while its repository is held', async () => {
    const w = world(pending({ state: 'DENIED', decidedBy: 'U0APPROVER' }));
    w.changes.locks.set('common-images', { holder: 'another-process', until: w.clock.now() + 420_000 });
    const start = w.clock.now();
    expect(await decide(w.deps, click('approve'))).toMatchObject({ code: 'already-decided', request: { state: 'DENIED' } });
    expect(w.changes.marks.get('common-images') ?? []).toEqual([]);
    expect(w.clock.now()).toBe(start);
  });

  it('does not apply an approval on a click of deny: the approval stands, unapplied', async () => {
    const w = world(pending({ state: 'APPROVED', decidedBy: 'U0APPROVER', attempts: 1 }));
    expect(await decide(w.deps, click('deny'))).toMatchObject({ code: 'already-decided', request: { state: 'APPROVED' } });
    expect(w.store.requests.get('r-0000000001')!.state).toBe('APPROVED');
    expect(w.registry.writes).toHaveLength(0);
  });

  it('answers an approval of a denied request with the denial, not with a repository no longer shareable', async () => {
    const w = world(pending({ state: 'DENIED', decidedBy: 'U0APPROVER' }), { repositories: ['other-images'] });
    expect(await decide(w.deps, click('approve'))).toMatchObject({ code: 'already-decided', request: { state: 'DENIED' } });
    expect(await decide(w.deps, click('deny'))).toMatchObject({ code: 'already-decided', request: { state: 'DENIED' } });
  });

  it('answers a second decision with the first, and shows the card again', async () => {
    const w = world();
    await decide(w.deps, click('deny'));
    const second = await decide(w.deps, click('approve'));
    expect(second).toMatchObject({ code: 'already-decided', request: { state: 'DENIED' } });
    expect(w.notifier.parts('r-0000000001').filter((p) => p === 'card')).toHaveLength(2);
  });
});

describe('a click on a card whose outcome a crashed process never told', () => {
  const granted = (announcerAt: number): AccessRequest =>
    pending({ state: 'GRANTED', decidedBy: 'U0APPROVER', verifiedPolicy: '{}', owed: ['card', 'thread', 'dm'], announcer: { by: 'dead-process', at: announcerAt } });

  it('finishes every announcement still owed, once', async () => {
    const w = world();
    w.store.requests.set('r-0000000001', granted(w.clock.now() - quiet(w) - 1));
    await decide(w.deps, click('approve'));
    await decide(w.deps, click('approve'));
    const parts = w.notifier.parts('r-0000000001');
    expect(parts.filter((p) => p === 'thread')).toHaveLength(1);
    expect(parts.filter((p) => p === 'dm')).toHaveLength(1);
    expect(w.store.requests.get('r-0000000001')!.owed).toEqual([]);
  });

  it('leaves the thread and the DM to an announcer that is still at work', async () => {
    const w = world();
    w.store.requests.set('r-0000000001', granted(w.clock.now()));
    await decide(w.deps, click('approve'));
    expect(w.notifier.parts('r-0000000001')).toEqual(['card']);
    expect(w.store.requests.get('r-0000000001')!.owed).toEqual(['card', 'thread', 'dm']);
  });

  it('drives on an approval whose holder died before applying it', async () => {
    const w = world(pending({ state: 'APPROVED', decidedBy: 'U0APPROVER', attempts: 1 }));
    const outcome = await decide(w.deps, click('approve'));
    expect(outcome).toMatchObject({ code: 'already-decided', request: { state: 'GRANTED' } });
    expect(w.notifier.parts('r-0000000001').filter((p) => p === 'thread')).toHaveLength(1);
  });
});

describe('announcing', () => {
  it('keeps a part Slack refused owed, and ticks off the others', async () => {
    const w = world();
    w.notifier.failing.add('dm');
    await decide(w.deps, click('approve'));
    expect(w.store.requests.get('r-0000000001')!.owed).toEqual(['dm']);
  });
});

describe('an approval whose card names its repository and account', () => {
  const target = { repository: 'common-images', account: '222233334444' };
  const approve = (overrides: Partial<Decision> = {}): Decision => ({ ...click('approve'), target, ...overrides });
  const marked = (w: ReturnType<typeof world>, repository = 'common-images') => (w.changes.marks.get(repository) ?? []).map((m) => `${m.account} ${m.requestId}`);

  /** Holds the store's decision write until `release()`, to look at the world while it is in flight. */
  function gated(w: ReturnType<typeof world>) {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const write = w.store.decide.bind(w.store);
    w.store.decide = async (...args) => {
      await gate;
      return write(...args);
    };
    return { release };
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('touches the repository only once the decision is written', async () => {
    const w = world();
    const { release } = gated(w);
    let reads = 0;
    const read = w.registry.getPolicy.bind(w.registry);
    w.registry.getPolicy = async (repository) => {
      reads++;
      return read(repository);
    };
    const deciding = decide(w.deps, approve());
    await settle();
    expect(w.changes.locks.has('common-images')).toBe(false);
    expect(marked(w)).toEqual([]);
    expect(reads).toBe(0);
    release();
    expect(await deciding).toMatchObject({ code: 'settled', request: { state: 'GRANTED', decidedBy: 'U0APPROVER' } });
    expect(w.registry.writes).toHaveLength(1);
    expect(reads).toBe(2);
    expect(w.changes.locks.has('common-images')).toBe(false);
    expect(marked(w)).toEqual([]);
  });

  it('writes nothing when the decision is refused, and marks nothing', async () => {
    const w = world(pending({ state: 'DENIED', decidedBy: 'U0APPROVER' }));
    expect(await decide(w.deps, approve())).toMatchObject({ code: 'already-decided', request: { state: 'DENIED' } });
    expect(w.registry.writes).toHaveLength(0);
    expect(w.changes.locks.has('common-images')).toBe(false);
    expect(marked(w)).toEqual([]);
  });

  it('refuses a button that names another account than its request, and changes nothing', async () => {
    const w = world();
    const outcome = await decide(w.deps, approve({ target: { repository: 'common-images', account: '999988887777' } }));
    expect(outcome).toMatchObject({ code: 'foreign-card', request: { state: 'PENDING', account: '222233334444' } });
    expect(w.store.requests.get('r-0000000001')?.state).toBe('PENDING');
    expect(w.registry.writes).toHaveLength(0);
    expect(marked(w)).toEqual([]);
    expect(w.changes.locks.size).toBe(0);
  });

  it('refuses a button that names another shareable repository than its request, and changes nothing', async () => {
    const w = world(pending(), { repositories: ['common-images', 'other-images'] });
    const outcome = await decide(w.deps, approve({ target: { repository: 'other-images', account: '222233334444' } }));
    expect(outcome).toMatchObject({ code: 'foreign-card', request: { state: 'PENDING', repository: 'common-images' } });
    expect(w.registry.writes).toHaveLength(0);
    expect(marked(w, 'other-images')).toEqual([]);
    expect(marked(w)).toEqual([]);
    expect(w.changes.locks.size).toBe(0);
  });

  it('refuses a button that names a repository that is not shareable, without touching it', async () => {
    const w = world();
    expect(await decide(w.deps, approve({ target: { repository: 'secret-images', account: '222233334444' } }))).toMatchObject({
      code: 'foreign-card',
      request: { state: 'PENDING' },
    });
    expect(w.changes.marks.has('secret-images')).toBe(false);
    expect(w.registry.policies.get('secret-images')).toBeUndefined();
    expect(w.changes.locks.size).toBe(0);
  });

  it('refuses a Deny that names another account than its request, and changes nothing', async () => {
    const w = world();
    const outcome = await decide(w.deps, { ...click('deny'), target: { repository: 'common-images', account: '999988887777' } });
    expect(outcome).toMatchObject({ code: 'foreign-card', request: { state: 'PENDING' } });
    expect(w.notifier.parts('r-0000000001')).toEqual([]);
  });

  it('answers no-such-request for a bare card whose request is gone', async () => {
    const w = world();
    w.store.requests.clear();
    const { target: _target, ...bare } = approve();
    expect(await decide(w.deps, bare)).toEqual({ code: 'no-such-request', requestId: 'r-0000000001' });
  });

  it('marks its account on a held repository once the decision is written, and answers queued when the wait runs out', async () => {
    const w = world(pending(), { waitForChangeMs: 1_000 });
    w.changes.locks.set('common-images', { holder: 'another-process', until: w.clock.now() + 60_000 });
    expect(await decide(w.deps, approve())).toMatchObject({ code: 'queued', request: { state: 'APPROVED' } });
    expect(marked(w)).toEqual(['222233334444 r-0000000001']);
    expect(w.registry.writes).toHaveLength(0);
  });

  it('drives on the approval another approver recorded when its own decision lost the race', async () => {
    const w = world();
    // Another approver's decision landed first; its job died before it marked the account.
    w.store.decide = async (id, d) => {
      const first = await InMemoryStoreDecide(w, id, { ...d, by: 'U0FIRST' });
      expect(first.decided).toBe(true);
      return { decided: false as const, current: w.store.requests.get(id) };
    };
    const outcome = await decide(w.deps, approve());
    expect(outcome).toMatchObject({ code: 'already-decided', request: { state: 'GRANTED', decidedBy: 'U0FIRST' } });
    expect(w.registry.writes).toHaveLength(1);
    expect(marked(w)).toEqual([]);
  });

  it('applies the winning approval once when two approvers click at once', async () => {
    const w = world(pending(), { isApprover: async (user) => ({ kind: user === 'U0REQUESTER' ? 'not-approver' : 'approver' }) });
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    w.store.decide = async (id, d) => {
      if (d.by === 'U0SECOND') await gate;
      return InMemoryStoreDecide(w, id, d);
    };
    const second = decide(w.deps, approve({ user: 'U0SECOND' }));
    await settle();
    const first = decide(w.deps, approve());
    await settle();
    release();
    expect(await second).toMatchObject({ code: 'already-decided', request: { state: 'GRANTED', decidedBy: 'U0APPROVER' } });
    expect(await first).toMatchObject({ code: 'settled', request: { state: 'GRANTED', decidedBy: 'U0APPROVER' } });
    expect(w.registry.writes).toHaveLength(1);
  });

  it('answers stalled, saying until when nobody writes the repository, when ECR did not answer its write', async () => {
    const w = world();
    w.registry.nextWrites.push('unknown');
    expect(await decide(w.deps, approve())).toEqual({
      code: 'stalled',
      request: expect.objectContaining({ state: 'APPROVED' }),
      stop: 'unconfirmed',
      heldUntil: w.clock.now() + 420_000,
    });
  });

  it('answers stalled, with no time to wait for, when ECR could not be read', async () => {
    const w = world();
    w.registry.nextReads.push('fail');
    expect(await decide(w.deps, approve())).toEqual({ code: 'stalled', request: expect.objectContaining({ state: 'APPROVED' }), stop: 'unreadable' });
  });

  it('writes and marks nothing when the decision cannot be written', async () => {
    const w = world();
    w.store.decide = async () => {
      throw new Error('DynamoDB is unreachable');
    };
    await expect(decide(w.deps, approve())).rejects.toThrow('DynamoDB is unreachable');
    expect(w.registry.writes).toHaveLength(0);
    expect(w.changes.locks.has('common-images')).toBe(false);
    expect(marked(w)).toEqual([]);
  });
});
