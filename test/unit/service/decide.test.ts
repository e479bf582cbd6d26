// Approve and deny on in-memory ports: who may decide, what each click answers (as a code), and
// how a click on a decided card finishes what a crashed process owed.
import type { AccessRequest } from '../../../src/domain/access-request';
import { decide, type Decision } from '../../../src/service/decide';
import { inMemoryDeps } from '../../support/in-memory-ports';

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
    expect(await decide(w.deps, click('approve', 'U0OTHER'))).toEqual({ code: 'not-an-approver' });
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

  it('tells a requester who is no approver that the request is their own', async () => {
    const w = world(pending({ requester: 'U0OTHER' }));
    expect(await decide(w.deps, click('approve', 'U0OTHER'))).toMatchObject({ code: 'own-request', decision: 'approve' });
    expect(w.store.requests.get('r-0000000001')!.state).toBe('PENDING');
  });

  it('refuses a button from another card', async () => {
    const w = world();
    expect(await decide(w.deps, click('approve', 'U0APPROVER', { channel: 'C0APPROVALS', ts: '1700000000.999999' }))).toMatchObject({ code: 'foreign-card' });
    expect(w.store.requests.get('r-0000000001')!.state).toBe('PENDING');
  });

  it('refuses to approve for a repository that is no longer shareable, and writes nothing', async () => {
    const w = world(pending(), { repositories: ['other-images'] });
    expect(await decide(w.deps, click('approve'))).toMatchObject({ code: 'not-shareable', repositories: ['other-images'] });
    expect(w.store.requests.get('r-0000000001')!.state).toBe('PENDING');
    expect(w.registry.writes).toHaveLength(0);
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
    w.store.requests.set('r-0000000001', granted(w.clock.now() - w.deps.announceRetryMs - 1));
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
