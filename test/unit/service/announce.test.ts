// The outbox on in-memory ports: each owed part is told once and ticked off only when told, a
// Slack failure leaves just that part owed, and catchUp finishes a crashed announcer's debt.
import type { AccessRequest, AnnouncementPart, RequestState } from '../../../src/domain/access-request';
import { ErrorCode } from '../../../src/errors';
import { announce, catchUp } from '../../../src/service/announce';
import { inMemoryDeps } from '../../support/in-memory-ports';

/** How long an announcer must have been quiet before another process takes its announcement over. */
const quiet = (w: { deps: { announceRetryMs: number; clockMarginMs: number } }) => w.deps.announceRetryMs + w.deps.clockMarginMs;

const ID = 'r-0000000001';

function granted(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return {
    id: ID,
    repository: 'common-images',
    account: '222233334444',
    requester: 'U0REQUESTER',
    state: 'GRANTED',
    createdAt: '2026-12-01T09:00:00.000Z',
    card: { channel: 'C0APPROVALS', ts: '1700000000.000001' },
    decidedBy: 'U0APPROVER',
    attempts: 1,
    owed: [],
    ...overrides,
  };
}

function world(request: AccessRequest) {
  const w = inMemoryDeps();
  w.store.requests.set(request.id, request);
  return w;
}

/** The log lines at one level, as the JSON the logger wrote. */
const logged = (w: ReturnType<typeof inMemoryDeps>, level: string) =>
  w.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.level === level);

/** Records which parts the store is asked to tick off, call by call. */
function recordTickOffs(w: ReturnType<typeof inMemoryDeps>) {
  const calls: AnnouncementPart[][] = [];
  const delivered = w.store.delivered.bind(w.store);
  w.store.delivered = async (id, parts) => {
    calls.push([...parts]);
    return delivered(id, parts);
  };
  return calls;
}

/** Counts the claims made on the store. */
function countClaims(w: ReturnType<typeof inMemoryDeps>) {
  const claims: Array<{ by: string; at: number; staleBefore: number }> = [];
  const claim = w.store.claimAnnouncement.bind(w.store);
  w.store.claimAnnouncement = async (id, announcer, staleBefore) => {
    claims.push({ ...announcer, staleBefore });
    return claim(id, announcer, staleBefore);
  };
  return claims;
}

describe('announcing an outcome', () => {
  it.each<AnnouncementPart>(['card', 'thread', 'dm', 'reminder'])('tells the %s when it alone is owed, and ticks it off', async (part) => {
    const request = granted({ owed: [part] });
    const w = world(request);
    await announce(w.deps, request);
    expect(w.notifier.told).toEqual([{ part, id: ID, state: 'GRANTED' }]);
    expect(w.store.requests.get(ID)!.owed).toEqual([]);
  });

  it('tells nothing when nothing is owed', async () => {
    const request = granted({ owed: [] });
    const w = world(request);
    const tickOffs = recordTickOffs(w);
    await announce(w.deps, request);
    expect(w.notifier.told).toEqual([]);
    expect(tickOffs).toEqual([[]]);
  });

  it('starts the thread post first, then the card, the DM and the reminder', async () => {
    const request = granted({ owed: ['reminder', 'dm', 'card', 'thread'] });
    const w = world(request);
    await announce(w.deps, request);
    expect(w.notifier.parts(ID)).toEqual(['thread', 'card', 'dm', 'reminder']);
    expect(w.store.requests.get(ID)!.owed).toEqual([]);
  });

  it('does not hold the card and the DM behind a slow thread post', async () => {
    const request = granted({ owed: ['card', 'thread', 'dm'] });
    const w = world(request);
    let postThread: () => void = () => undefined;
    const started: string[] = [];
    w.notifier.postInThread = () => {
      started.push('thread');
      return new Promise<void>((resolve) => {
        postThread = resolve;
      });
    };
    const updateCard = w.notifier.updateCard;
    w.notifier.updateCard = async (r) => {
      started.push('card');
      return updateCard(r);
    };
    const telling = announce(w.deps, request);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['thread', 'card']);
    expect(w.notifier.parts(ID)).toEqual(['card', 'dm']);
    // Nothing is ticked off before every part has been tried.
    expect(w.store.requests.get(ID)!.owed).toEqual(['card', 'thread', 'dm']);
    postThread();
    await telling;
    expect(w.store.requests.get(ID)!.owed).toEqual([]);
  });

  it('ticks off exactly the parts that were told', async () => {
    const request = granted({ owed: ['card', 'thread', 'dm'] });
    const w = world(request);
    const tickOffs = recordTickOffs(w);
    await announce(w.deps, request);
    expect(tickOffs).toHaveLength(1);
    expect([...tickOffs[0]!].sort()).toEqual(['card', 'dm', 'thread']);
  });

  it('leaves a part Slack refused owed, ticks off the others, and logs which part', async () => {
    const request = granted({ owed: ['card', 'thread', 'dm'] });
    const w = world(request);
    w.notifier.failing.add('thread');
    const tickOffs = recordTickOffs(w);
    await announce(w.deps, request);
    expect(w.notifier.parts(ID)).toEqual(['card', 'dm']);
    expect(tickOffs).toEqual([['card', 'dm']]);
    expect(w.store.requests.get(ID)!.owed).toEqual(['thread']);
    expect(logged(w, 'error')).toEqual([
      expect.objectContaining({
        message: 'could not announce an outcome in Slack; it stays owed',
        requestId: ID,
        state: 'GRANTED',
        part: 'thread',
        error: { name: 'EcrAccessError', message: 'thread: ratelimited', code: ErrorCode.Slack },
      }),
    ]);
  });

  it('leaves every part owed when Slack refuses them all, and ticks off nothing', async () => {
    const request = granted({ owed: ['card', 'dm'] });
    const w = world(request);
    w.notifier.failing.add('card');
    w.notifier.failing.add('dm');
    const tickOffs = recordTickOffs(w);
    await announce(w.deps, request);
    expect(tickOffs).toEqual([[]]);
    expect(w.store.requests.get(ID)!.owed).toEqual(['card', 'dm']);
    expect(logged(w, 'error').map((entry) => entry.part)).toEqual(['card', 'dm']);
  });

  it('logs, and does not throw, when what was told cannot be ticked off', async () => {
    const request = granted({ owed: ['card', 'dm'] });
    const w = world(request);
    w.store.delivered = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    await expect(announce(w.deps, request)).resolves.toBeUndefined();
    expect(w.notifier.parts(ID)).toEqual(['card', 'dm']);
    expect(logged(w, 'error')).toEqual([
      expect.objectContaining({
        message: 'could not tick off told announcements',
        requestId: ID,
        parts: ['card', 'dm'],
        error: { name: 'Error', message: 'ProvisionedThroughputExceededException' },
      }),
    ]);
  });
});

describe('catching up on a request', () => {
  it('finishes what is owed once the announcer has been quiet for longer than announceRetryMs and the clock margin, and takes it on', async () => {
    const w = inMemoryDeps();
    const now = w.clock.now();
    const request = granted({ owed: ['thread', 'dm'], announcer: { by: 'crashed-process', at: now - quiet(w) - 1 } });
    w.store.requests.set(ID, request);
    const claims = countClaims(w);
    await catchUp(w.deps, request);
    expect(claims).toEqual([{ by: 'test-process', at: now, staleBefore: now - 90_000 }]);
    // The claimed announcement tells what is owed and nothing more: the card is not refreshed on top.
    expect(w.notifier.parts(ID)).toEqual(['thread', 'dm']);
    expect(w.store.requests.get(ID)!).toMatchObject({ owed: [], announcer: { by: 'test-process', at: now } });
  });

  it('leaves the announcement to its announcer when it was heard from exactly that long ago', async () => {
    const w = inMemoryDeps();
    const announcer = { by: 'busy-process', at: w.clock.now() - quiet(w) };
    const request = granted({ owed: ['thread', 'dm'], announcer });
    w.store.requests.set(ID, request);
    await catchUp(w.deps, request);
    // Only the card is shown as it is now; the thread and the DM stay with their announcer.
    expect(w.notifier.parts(ID)).toEqual(['card']);
    expect(w.store.requests.get(ID)!).toMatchObject({ owed: ['thread', 'dm'], announcer });
  });

  it('does not tell twice when two catch up at once, and finishes a refused part only after the next quiet spell', async () => {
    const w = inMemoryDeps();
    const request = granted({ owed: ['card', 'thread', 'dm'], announcer: { by: 'crashed-process', at: w.clock.now() - 100_000 } });
    w.store.requests.set(ID, request);
    w.notifier.failing.add('dm');
    await Promise.all([catchUp(w.deps, request), catchUp(w.deps, request)]);
    const parts = w.notifier.parts(ID);
    expect(parts.filter((p) => p === 'thread')).toEqual(['thread']);
    // One card from the announcement, one refresh from the catchUp that found it taken.
    expect(parts.filter((p) => p === 'card')).toEqual(['card', 'card']);
    expect(w.store.requests.get(ID)!.owed).toEqual(['dm']);

    w.notifier.failing.clear();
    await catchUp(w.deps, w.store.requests.get(ID)!);
    expect(w.notifier.parts(ID).filter((p) => p === 'dm')).toEqual([]);

    w.clock.at += quiet(w) + 1;
    await catchUp(w.deps, w.store.requests.get(ID)!);
    expect(w.notifier.parts(ID).filter((p) => p === 'dm')).toEqual(['dm']);
    expect(w.store.requests.get(ID)!.owed).toEqual([]);
  });

  it('takes nothing over while its clock is off from AWS by more than half the margin', async () => {
    const w = inMemoryDeps();
    const request = granted({ owed: ['thread', 'dm'], announcer: { by: 'crashed-process', at: w.clock.now() - quiet(w) - 1 } });
    w.store.requests.set(ID, request);
    w.clockCheck.aheadMs = 45_000;
    const claims = countClaims(w);
    await catchUp(w.deps, request);
    expect(claims).toEqual([]);
    expect(w.notifier.parts(ID)).toEqual(['card']);
    expect(w.store.requests.get(ID)!.owed).toEqual(['thread', 'dm']);
  });

  it.each<RequestState>(['PENDING', 'APPROVED'])('keeps the card of a request still %s as posted, and claims nothing', async (state) => {
    const w = inMemoryDeps();
    const request = granted({ state, owed: [] });
    w.store.requests.set(ID, request);
    const claims = countClaims(w);
    await catchUp(w.deps, request);
    expect(w.notifier.told).toEqual([]);
    expect(claims).toEqual([]);
    expect(w.store.requests.get(ID)).toBe(request);
  });

  it.each<RequestState>(['GRANTED', 'FAILED', 'DENIED', 'REVOKED', 'EXPIRED'])('shows a %s request on its card as it is now', async (state) => {
    const w = inMemoryDeps();
    const request = granted({ state, owed: [] });
    w.store.requests.set(ID, request);
    const claims = countClaims(w);
    await catchUp(w.deps, request);
    expect(w.notifier.told).toEqual([{ part: 'card', id: ID, state }]);
    expect(claims).toEqual([]);
  });

  it('refreshes the card when the store has nothing left to claim', async () => {
    const w = inMemoryDeps();
    // The caller read the request before another process finished telling it.
    const stale = granted({ owed: ['dm'], announcer: { by: 'crashed-process', at: 0 } });
    w.store.requests.set(ID, { ...stale, owed: [] });
    await catchUp(w.deps, stale);
    expect(w.notifier.parts(ID)).toEqual(['card']);
  });

  it('logs, and does not throw, when the card cannot be refreshed', async () => {
    const w = inMemoryDeps();
    const request = granted({ state: 'DENIED', owed: [] });
    w.store.requests.set(ID, request);
    w.notifier.failing.add('card');
    await expect(catchUp(w.deps, request)).resolves.toBeUndefined();
    expect(logged(w, 'warn')).toEqual([
      expect.objectContaining({
        message: 'could not refresh a card',
        requestId: ID,
        error: { name: 'EcrAccessError', message: 'card: ratelimited', code: ErrorCode.Slack },
      }),
    ]);
  });
});
