// The outbox on in-memory ports: each owed part is told once and ticked off only when told, a
// Slack failure leaves just that part owed, and catchUp finishes a crashed announcer's debt,
// first looking for what it posted. An announcer keeps its claim for as long as it tells.
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

/** A request whose announcer died (crashed-process, quiet for longer than announceRetryMs and the clock margin), owing `owed`. */
function leftByADeadAnnouncer(w: ReturnType<typeof inMemoryDeps>, overrides: Partial<AccessRequest> = {}) {
  const grantedAt = new Date(w.clock.now() - 100_000).toISOString();
  const request = granted({
    owed: ['card', 'thread', 'dm'],
    announcer: { by: 'crashed-process', at: w.clock.now() - 100_000 },
    grantedAt,
    history: [{ kind: 'granted', at: grantedAt }],
    ...overrides,
  });
  w.store.requests.set(ID, request);
  return request;
}

describe('taking over an announcement', () => {
  it('finds the thread post and the DM its dead announcer made, and ticks them off without posting them again', async () => {
    const w = inMemoryDeps();
    const request = leftByADeadAnnouncer(w);
    // The dead announcer posted both, then died before ticking them off.
    await w.notifier.postInThread(request);
    await w.notifier.tellRequester(request);

    await catchUp(w.deps, request);

    expect(w.notifier.lookups.map((l) => l.part).sort()).toEqual(['dm', 'thread']);
    expect(w.notifier.parts(ID)).toEqual(['thread', 'dm', 'card']);
    expect(w.store.requests.get(ID)!.owed).toEqual([]);
    expect(logged(w, 'info').filter((entry) => entry.message === 'an outcome was told before its announcer stopped; ticking it off without telling it again').map((entry) => entry.part).sort()).toEqual(['dm', 'thread']);
  });

  it('posts what its dead announcer did not, once, and looks for posts only', async () => {
    const w = inMemoryDeps();
    const request = leftByADeadAnnouncer(w);

    await catchUp(w.deps, request);

    expect(w.notifier.lookups.map((l) => l.part).sort()).toEqual(['dm', 'thread']);
    expect(w.notifier.parts(ID).sort()).toEqual(['card', 'dm', 'thread']);
    expect(w.store.requests.get(ID)!.owed).toEqual([]);
  });

  it('posts again a part its dead announcer posted about an earlier outcome: a retry that failed again', async () => {
    const w = inMemoryDeps();
    const firstFailure = leftByADeadAnnouncer(w, { state: 'FAILED', owed: ['card', 'thread'], history: [{ kind: 'failed', at: '2026-12-01T08:50:00.000Z' }] });
    await w.notifier.postInThread(firstFailure);
    const secondFailure = leftByADeadAnnouncer(w, { state: 'FAILED', owed: ['card', 'thread'], history: [...firstFailure.history!, { kind: 'approved', at: '2026-12-01T08:55:00.000Z' }, { kind: 'failed', at: '2026-12-01T08:55:03.000Z' }] });

    await catchUp(w.deps, secondFailure);

    expect(w.notifier.parts(ID).filter((part) => part === 'thread')).toEqual(['thread', 'thread']);
    expect(w.store.requests.get(ID)!.owed).toEqual([]);
  });

  it('posts when Slack cannot say what was posted, and logs it: twice is better than never', async () => {
    const w = inMemoryDeps();
    const request = leftByADeadAnnouncer(w, { owed: ['thread'] });
    w.notifier.lookupsFail = true;

    await catchUp(w.deps, request);

    expect(w.notifier.parts(ID)).toEqual(['thread']);
    expect(w.store.requests.get(ID)!.owed).toEqual([]);
    expect(logged(w, 'warn')).toEqual([
      expect.objectContaining({
        message: 'could not see whether an outcome was told already; telling it, perhaps twice',
        requestId: ID,
        part: 'thread',
        error: { name: 'EcrAccessError', message: 'conversations.history: ratelimited', code: ErrorCode.Slack },
      }),
    ]);
  });

  it('does not look when this process recorded the outcome itself', async () => {
    const w = inMemoryDeps();
    const request = granted({ owed: ['card', 'thread', 'dm'], announcer: { by: 'test-process', at: w.clock.now() } });
    w.store.requests.set(ID, request);

    await announce(w.deps, request);

    expect(w.notifier.lookups).toEqual([]);
    expect(w.notifier.parts(ID)).toEqual(['thread', 'card', 'dm']);
  });
});

describe('keeping the claim while telling', () => {
  /** Makes the thread post wait until the test lets it go. */
  function slowThreadPost(w: ReturnType<typeof inMemoryDeps>) {
    let post: () => void = () => undefined;
    w.notifier.postInThread = () =>
      new Promise<void>((resolve) => {
        post = resolve;
      });
    return () => post();
  }

  /** Watches the claim renewals; `until` resolves on the first renewal `which` accepts. */
  function watchRenewals(w: ReturnType<typeof inMemoryDeps>) {
    const renewals: Array<{ by: string; at: number; held: boolean }> = [];
    const waiting: Array<{ which: (r: (typeof renewals)[number]) => boolean; resolve: () => void }> = [];
    const hold = w.store.holdAnnouncement.bind(w.store);
    w.store.holdAnnouncement = async (id, announcer) => {
      const held = await hold(id, announcer);
      const renewal = { ...announcer, held };
      renewals.push(renewal);
      for (const wait of waiting.filter((x) => x.which(renewal))) wait.resolve();
      return held;
    };
    const until = (which: (r: (typeof renewals)[number]) => boolean) => new Promise<void>((resolve) => waiting.push({ which, resolve }));
    return { renewals, until };
  }

  it('renews its claim while a post waits, so no other process can take the announcement over, and stops once done', async () => {
    const w = inMemoryDeps();
    const start = w.clock.now();
    const request = granted({ owed: ['thread', 'dm'], announcer: { by: 'test-process', at: start } });
    w.store.requests.set(ID, request);
    const letThreadPostGo = slowThreadPost(w);
    const { renewals, until } = watchRenewals(w);

    const telling = announce(w.deps, request);
    // While the post waits, time passes (the fake clock moves on as the renewals sleep).
    await until((renewal) => renewal.at > start + quiet(w));
    const now = w.clock.now();
    expect(await w.store.claimAnnouncement(ID, { by: 'another-process', at: now }, now - quiet(w))).toBeUndefined();
    // Every renewal came well within announceRetryMs of the one before.
    const gaps = renewals.map((renewal, i) => renewal.at - (renewals[i - 1]?.at ?? start));
    expect(gaps.every((gap) => gap <= w.deps.announceRetryMs / 3)).toBe(true);

    letThreadPostGo();
    await telling;
    expect(w.store.requests.get(ID)).toMatchObject({ owed: [], announcer: { by: 'test-process' } });
    const renewed = renewals.length;
    const stoppedAt = w.clock.now();
    await new Promise((resolve) => setImmediate(resolve));
    // No renewal sleeps on: the fake clock would have moved.
    expect([renewals.length, w.clock.now()]).toEqual([renewed, stoppedAt]);
  });

  it('stops renewing, and says so, once another process holds the claim', async () => {
    const w = inMemoryDeps();
    const request = granted({ owed: ['thread'], announcer: { by: 'test-process', at: w.clock.now() } });
    w.store.requests.set(ID, request);
    const letThreadPostGo = slowThreadPost(w);
    const { renewals, until } = watchRenewals(w);

    const telling = announce(w.deps, request);
    await until((renewal) => renewal.held);
    // Another process took the announcement over meanwhile (this one's renewal came too late).
    w.store.requests.set(ID, { ...w.store.requests.get(ID)!, announcer: { by: 'another-process', at: w.clock.now() } });
    await until((renewal) => !renewal.held);
    const lost = renewals.length;
    const stoppedAt = w.clock.now();
    await new Promise((resolve) => setImmediate(resolve));
    expect([renewals.length, w.clock.now()]).toEqual([lost, stoppedAt]);
    expect(logged(w, 'warn')).toEqual([
      expect.objectContaining({ message: 'another process took over an announcement this one is still telling', requestId: ID }),
    ]);

    letThreadPostGo();
    await telling;
    expect(w.store.requests.get(ID)!.announcer).toMatchObject({ by: 'another-process' });
  });
});
