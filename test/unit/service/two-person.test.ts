// The two-person rule on in-memory ports: two different approvers, neither the requester; the
// first approval waits on the pending request, the second is the decision, and the policy is
// written once, after it.
import type { AccessRequest } from '../../../src/domain/access-request';
import { decide, type Decision } from '../../../src/service/decide';
import { deny } from '../../../src/service/deny';
import { inMemoryDeps } from '../../support/in-memory-ports';

const CARD = { channel: 'C0APPROVALS', ts: '1700000000.000001' };
const APPROVERS = new Set(['U0BOB', 'U0CAROL', 'U0REQUESTER']);

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

const approve = (user: string): Decision => ({
  requestId: 'r-0000000001',
  user,
  decision: 'approve',
  card: CARD,
  target: { repository: 'common-images', account: '222233334444' },
});

function world(request: AccessRequest = pending(), approvals: 1 | 2 = 2) {
  const w = inMemoryDeps({
    isApprover: async (user) => (APPROVERS.has(user) ? { kind: 'approver' } : { kind: 'not-approver' }),
    approvals,
  });
  w.store.requests.set(request.id, request);
  return w;
}

const stored = (w: ReturnType<typeof world>) => w.store.requests.get('r-0000000001') as AccessRequest;

describe('the two-person rule', () => {
  it('records a first approval on the pending request, writes no policy, and shows it on the card with the requester told once', async () => {
    const w = world();
    const outcome = await decide(w.deps, approve('U0BOB'));
    expect(outcome).toMatchObject({ code: 'first-approval', request: { state: 'PENDING', firstApproval: { by: 'U0BOB' } } });
    expect(stored(w)).toMatchObject({ state: 'PENDING', firstApproval: { by: 'U0BOB', at: '2026-12-01T09:00:00.000Z' } });
    expect(stored(w).decidedBy).toBeUndefined();
    expect(w.registry.writes).toEqual([]);
    expect(w.changes.marks.get('common-images') ?? []).toEqual([]);
    expect(w.notifier.told).toEqual([{ part: 'card', id: 'r-0000000001', state: 'PENDING' }]);
    expect(w.notifier.firstApprovals).toEqual(['r-0000000001']);
    expect(stored(w).history).toEqual([{ kind: 'approved', at: '2026-12-01T09:00:00.000Z', by: 'U0BOB', detail: '1 of 2 approvals' }]);
  });

  it('grants on the second approval by a different approver, with one policy write', async () => {
    const w = world();
    await decide(w.deps, approve('U0BOB'));
    const outcome = await decide(w.deps, approve('U0CAROL'));
    expect(outcome).toMatchObject({ code: 'settled', request: { state: 'GRANTED', decidedBy: 'U0CAROL', firstApproval: { by: 'U0BOB' } } });
    expect(w.registry.writes).toHaveLength(1);
    expect(w.notifier.firstApprovals).toEqual(['r-0000000001']);
    expect(stored(w).history?.map((e) => [e.kind, e.by, e.detail])).toEqual([
      ['approved', 'U0BOB', '1 of 2 approvals'],
      ['approved', 'U0CAROL', '2 of 2 approvals'],
      ['granted', undefined, undefined],
    ]);
  });

  it('tells the same approver clicking again that they approved already, and changes nothing', async () => {
    const w = world();
    await decide(w.deps, approve('U0BOB'));
    const before = stored(w);
    expect(await decide(w.deps, approve('U0BOB'))).toMatchObject({ code: 'approved-already', request: { state: 'PENDING' } });
    expect(stored(w)).toEqual(before);
    expect(w.registry.writes).toEqual([]);
    expect(w.notifier.firstApprovals).toEqual(['r-0000000001']);
  });

  it('refuses the requester, even an approver, as first or second approver', async () => {
    const w = world();
    expect(await decide(w.deps, approve('U0REQUESTER'))).toMatchObject({ code: 'own-request', decision: 'approve' });
    expect(stored(w).firstApproval).toBeUndefined();
    await decide(w.deps, approve('U0BOB'));
    expect(await decide(w.deps, approve('U0REQUESTER'))).toMatchObject({ code: 'own-request' });
    expect(stored(w).state).toBe('PENDING');
    expect(w.registry.writes).toEqual([]);
  });

  it('of two approvers clicking at once, makes one the first and the other the second: one write', async () => {
    const w = world();
    const [bob, carol] = await Promise.all([decide(w.deps, approve('U0BOB')), decide(w.deps, approve('U0CAROL'))]);
    expect([bob.code, carol.code].sort()).toEqual(['first-approval', 'settled']);
    expect(stored(w)).toMatchObject({ state: 'GRANTED' });
    expect(stored(w).firstApproval?.by).not.toBe(stored(w).decidedBy);
    expect(w.registry.writes).toHaveLength(1);
  });

  it('of one approver clicking twice at once, records one approval and tells the other click', async () => {
    const w = world();
    const both = await Promise.all([decide(w.deps, approve('U0BOB')), decide(w.deps, approve('U0BOB'))]);
    expect(both.map((o) => o.code).sort()).toEqual(['approved-already', 'first-approval']);
    expect(stored(w)).toMatchObject({ state: 'PENDING', firstApproval: { by: 'U0BOB' } });
    expect(w.notifier.firstApprovals).toEqual(['r-0000000001']);
    expect(w.registry.writes).toEqual([]);
  });

  it('lets any approver deny after the first approval, the first approver included', async () => {
    const w = world();
    await decide(w.deps, approve('U0BOB'));
    expect(await deny(w.deps, { requestId: 'r-0000000001', user: 'U0BOB', card: CARD, reason: 'wrong account' })).toMatchObject({ code: 'denied' });
    expect(await decide(w.deps, approve('U0CAROL'))).toMatchObject({ code: 'already-decided', request: { state: 'DENIED' } });
    expect(w.registry.writes).toEqual([]);
  });

  it('shows the decision on the card when it was written while the first approval was being shown', async () => {
    const w = world();
    const shown: string[] = [];
    const update = w.notifier.updateCard;
    w.notifier.updateCard = async (request) => {
      shown.push(request.state);
      // Another approver's second approval, and its grant, land while this card update is on its way.
      if (shown.length === 1) await decide(w.deps, approve('U0CAROL'));
      return update(request);
    };
    expect(await decide(w.deps, approve('U0BOB'))).toMatchObject({ code: 'first-approval' });
    expect(shown.at(-1)).toBe('GRANTED');
  });

  it('answers a first approval as recorded even when Slack cannot show it on the card, which the next click by that approver does', async () => {
    const w = world();
    w.notifier.failing.add('card');
    expect(await decide(w.deps, approve('U0BOB'))).toMatchObject({ code: 'first-approval' });
    expect(w.notifier.firstApprovals).toEqual(['r-0000000001']);
    w.notifier.failing.delete('card');
    expect(await decide(w.deps, approve('U0BOB'))).toMatchObject({ code: 'approved-already' });
    expect(w.notifier.told).toEqual([{ part: 'card', id: 'r-0000000001', state: 'PENDING' }]);
  });

  it('retries a failed request with a single approver', async () => {
    const w = world(pending({ state: 'FAILED', firstApproval: { by: 'U0BOB', at: '2026-12-01T08:00:00.000Z' }, decidedBy: 'U0CAROL', attempts: 1 }));
    expect(await decide(w.deps, approve('U0BOB'))).toMatchObject({ code: 'settled', request: { state: 'GRANTED', decidedBy: 'U0BOB' } });
    expect(w.registry.writes).toHaveLength(1);
  });

  it('asks the count of the repository at the click: one approval where its rule says one', async () => {
    const w = world(pending(), 1);
    expect(await decide(w.deps, approve('U0BOB'))).toMatchObject({ code: 'settled', request: { state: 'GRANTED', decidedBy: 'U0BOB' } });
    expect(stored(w).firstApproval).toBeUndefined();
  });
});
