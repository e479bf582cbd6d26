// Deny with a reason on in-memory ports: the reason is noted, then the denial is decided as any
// decision is; the reason counts only for the approver whose denial was written.
import { type AccessRequest, denialReason } from '../../../src/domain/access-request';
import { deny } from '../../../src/service/deny';
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

function world(request: AccessRequest = pending()) {
  const w = inMemoryDeps({ isApprover: async (user) => ({ kind: ['U0APPROVER', 'U0SAM'].includes(user) ? 'approver' : 'not-approver' }) });
  w.store.requests.set(request.id, request);
  return w;
}

const click = (user = 'U0APPROVER', reason?: string) => ({ requestId: 'r-0000000001', user, card: CARD, ...(reason && { reason }) });

describe('denying with a reason', () => {
  it('denies, with the reason on the denied request for its card and its requester', async () => {
    const w = world();
    const outcome = await deny(w.deps, click('U0APPROVER', 'use the public mirror'));
    expect(outcome).toMatchObject({ code: 'denied', request: { state: 'DENIED', decidedBy: 'U0APPROVER' } });
    expect(denialReason(w.store.requests.get('r-0000000001')!)).toBe('use the public mirror');
    expect(w.notifier.parts('r-0000000001').sort()).toEqual(['card', 'dm']);
  });

  it('denies without a reason, and an earlier note of the same approver does not speak for it', async () => {
    const w = world(pending({ denialNote: { by: 'U0APPROVER', at: '2026-12-01T08:00:00.000Z', reason: 'an older thought' } }));
    await deny(w.deps, click());
    expect(w.store.requests.get('r-0000000001')!.state).toBe('DENIED');
    expect(denialReason(w.store.requests.get('r-0000000001')!)).toBeUndefined();
  });

  it('leaves no note, and decides nothing, for someone who is not an approver', async () => {
    const w = world();
    expect(await deny(w.deps, click('U0OTHER', 'I do not like it'))).toEqual({ code: 'not-an-approver', repository: 'common-images' });
    expect(w.store.requests.get('r-0000000001')).toEqual(pending());
  });

  it('keeps the reason of the approver whose denial was written, not of another who denied at the same moment', async () => {
    const w = world();
    // Sam's note lands between Bob's note and Bob's denial: the denial is Bob's, Sam's note is no reason for it.
    const note = w.store.noteDenialReason.bind(w.store);
    let samNoted = false;
    w.store.noteDenialReason = async (id, n) => {
      const noted = await note(id, n);
      if (!samNoted) {
        samNoted = true;
        await note(id, { by: 'U0SAM', at: n.at, reason: 'sam thinks otherwise' });
      }
      return noted;
    };
    await deny(w.deps, click('U0APPROVER', 'use the public mirror'));
    const denied = w.store.requests.get('r-0000000001')!;
    expect(denied).toMatchObject({ state: 'DENIED', decidedBy: 'U0APPROVER' });
    expect(denialReason(denied)).toBeUndefined();
  });

  it('answers a denial of a request approved meanwhile with the approval, and notes nothing on it', async () => {
    const w = world(pending({ state: 'APPROVED', decidedBy: 'U0SAM', attempts: 1 }));
    expect(await deny(w.deps, click('U0APPROVER', 'too late'))).toMatchObject({ code: 'already-decided', request: { state: 'APPROVED' } });
    expect(w.store.requests.get('r-0000000001')!.denialNote).toBeUndefined();
  });
});
