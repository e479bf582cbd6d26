// The sweep, one pass at a time, on in-memory ports and a fake clock: what time brings due is done
// once, through the one policy path, and told once.
import type { AccessRequest } from '../../../src/domain/access-request';
import { canPull, parsePolicy } from '../../../src/domain/policy';
import { awaitVerdicts } from '../../../src/service/policy-changes/await-verdicts';
import { type SweepTimes, sweepOnce } from '../../../src/service/sweep';
import { approvedRequest, inMemoryDeps } from '../../support/in-memory-ports';

/** How long an announcer must have been quiet before another process takes its announcement over. */
const quiet = (w: { deps: { announceRetryMs: number; clockMarginMs: number } }) => w.deps.announceRetryMs + w.deps.clockMarginMs;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIMES: SweepTimes = { pendingLapseMs: 7 * DAY, nudgeFirstMs: 15 * MINUTE, reminderLeadMs: DAY };
const REPO = 'common-images';

type World = ReturnType<typeof inMemoryDeps>;

const idOf = (n: number) => `r-${String(n).padStart(10, '0')}`;

/** Approves and grants a request for `account`, lasting `durationMs` (none: no end), as the policy path records it now. */
async function granted(w: World, n: number, account: string, durationMs?: number): Promise<AccessRequest> {
  const request = await approvedRequest(w.store, idOf(n), account);
  const withDuration = { ...request, ...(durationMs !== undefined && { durationMs }) };
  w.store.requests.set(withDuration.id, withDuration);
  const outcome = await awaitVerdicts(w.deps, REPO, [withDuration]);
  if (outcome.kind !== 'recorded' || outcome.requests[0]?.state !== 'GRANTED') throw new Error(`not granted: ${JSON.stringify(outcome)}`);
  return outcome.requests[0];
}

/** A request waiting for the approvers, made now. */
async function pending(w: World, n: number, account: string): Promise<AccessRequest> {
  const request: AccessRequest = {
    id: idOf(n),
    repository: REPO,
    account,
    requester: 'U0REQUESTER',
    state: 'PENDING',
    createdAt: new Date(w.clock.now()).toISOString(),
    card: { channel: 'C0APPROVALS', ts: `1700000000.${String(n).padStart(6, '0')}` },
    attempts: 0,
    owed: [],
  };
  await w.store.create(request);
  return request;
}

/**
 * A grant recorded at `at` by a process that died before it told anyone: its announcement is
 * owed, held by `dead-process`. It lasts `durationMs` (none: no end).
 */
async function leftOwed(w: World, n: number, account: string, at: number, durationMs?: number): Promise<AccessRequest> {
  await approvedRequest(w.store, idOf(n), account);
  const expiresAt = durationMs === undefined ? undefined : new Date(at + durationMs).toISOString();
  const verdict = { outcome: { state: 'GRANTED' as const }, at: new Date(at).toISOString(), policyHashBefore: '0', policyHash: '1', verifiedPolicy: '{}', pullsThrough: [], ...(expiresAt && { expiresAt }) };
  return (await w.store.record(idOf(n), verdict, { by: 'dead-process', at }))!;
}

const sweepAt = (w: World, at: number) => {
  w.clock.at = at;
  return sweepOnce(w.deps, TIMES);
};
const state = (w: World, n: number) => w.store.requests.get(idOf(n))?.state;
const pulls = (w: World, account: string) => canPull(parsePolicy(w.registry.policies.get(REPO)), account);
const logged = (w: World, level: string) => w.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.level === level);
const toldAbout = (w: World, n: number) => w.notifier.told.filter((t) => t.id === idOf(n)).map((t) => `${t.part}:${t.state}`);

describe('a time-bound grant', () => {
  it('ends when its time is up, not before, through the policy path, recorded as EXPIRED and announced', async () => {
    const w = inMemoryDeps();
    const grant = await granted(w, 1, '222233334444', 3 * DAY);
    const end = Date.parse(grant.expiresAt!);
    expect(end).toBe(w.clock.now() + 3 * DAY);

    expect((await sweepAt(w, end - 1)).expired).toBe(0);
    expect([state(w, 1), pulls(w, '222233334444')]).toEqual(['GRANTED', true]);

    const writesBefore = w.registry.writes.length;
    expect((await sweepAt(w, end)).expired).toBe(1);
    const expired = w.store.requests.get(idOf(1))!;
    expect(expired.state).toBe('EXPIRED');
    expect(expired.ending).toMatchObject({ kind: 'expire', by: 'ecr-access' });
    expect(expired.history?.map((e) => e.kind)).toEqual(['granted', 'expired']);
    expect(pulls(w, '222233334444')).toBe(false);
    expect(w.registry.writes.length).toBe(writesBefore + 1);
    expect(toldAbout(w, 1).filter((t) => t.endsWith(':EXPIRED')).sort()).toEqual(['card:EXPIRED', 'dm:EXPIRED', 'thread:EXPIRED']);
    expect(expired.owed).toEqual([]);
  });

  it('reminds the requester once before the end, however many passes run after', async () => {
    const w = inMemoryDeps();
    const grant = await granted(w, 1, '222233334444', 3 * DAY);
    const end = Date.parse(grant.expiresAt!);
    expect((await sweepAt(w, end - DAY - 1)).reminded).toBe(0);
    expect((await sweepAt(w, end - DAY)).reminded).toBe(1);
    for (const at of [end - DAY + MINUTE, end - 12 * HOUR, end - HOUR]) await sweepAt(w, at);
    expect(w.notifier.parts(idOf(1)).filter((p) => p === 'reminder')).toHaveLength(1);
    expect(w.store.requests.get(idOf(1))).toMatchObject({ reminded: true, owed: [] });
  });

  it.each<[string, (w: World) => Promise<unknown>, boolean]>([
    ['a longer grant of the same account', (w) => granted(w, 2, '222233334444', 3 * DAY), false],
    ['a grant of the same account without end', (w) => granted(w, 2, '222233334444'), false],
    ['a longer grant of another account', (w) => granted(w, 2, '555566667777', 3 * DAY), true],
    ['a shorter grant of the same account', (w) => granted(w, 2, '222233334444', 2 * DAY - HOUR), true],
    ['a grant of the same account ending at the same moment', (w) => granted(w, 2, '222233334444', 2 * DAY), true],
    [
      'a longer grant of the same account that is being revoked',
      async (w) => {
        await granted(w, 2, '222233334444', 3 * DAY);
        await w.store.beginEnding(idOf(2), { kind: 'revoke', by: 'U0APPROVER', at: new Date(w.clock.now()).toISOString() });
      },
      true,
    ],
    [
      'an approval of the same account not yet granted',
      async (w) => {
        await approvedRequest(w.store, idOf(2), '222233334444');
        w.store.requests.set(idOf(2), { ...w.store.requests.get(idOf(2))!, decidedAt: new Date(w.clock.now()).toISOString() });
      },
      true,
    ],
  ])('reminds the requester of an end beside %s: %s', async (_beside, beside, reminded) => {
    const w = inMemoryDeps();
    const grant = await granted(w, 1, '222233334444', 2 * DAY);
    await beside(w);
    for (const r of w.store.requests.values()) w.store.requests.set(r.id, { ...r, owed: [] });
    await sweepAt(w, Date.parse(grant.expiresAt!) - DAY);
    expect(w.notifier.parts(idOf(1)).includes('reminder')).toBe(reminded);
  });

  it('ends at its own time while a second grant of the same account lasts longer, which keeps the account in until its own end', async () => {
    const w = inMemoryDeps();
    const first = await granted(w, 1, '222233334444', DAY);
    const second = await granted(w, 2, '222233334444', 3 * DAY);
    const writes = w.registry.writes.length;
    expect((await sweepAt(w, Date.parse(first.expiresAt!))).expired).toBe(1);
    expect([state(w, 1), state(w, 2), pulls(w, '222233334444')]).toEqual(['EXPIRED', 'GRANTED', true]);
    expect(w.store.requests.get(idOf(1))!.keptBy).toEqual([{ id: idOf(2), requester: 'U0REQUESTER', expiresAt: second.expiresAt }]);
    expect(w.registry.writes.length).toBe(writes);
    // The shorter grant sends no reminder of an end that takes nothing away.
    expect(w.notifier.parts(idOf(1))).not.toContain('reminder');

    expect((await sweepAt(w, Date.parse(second.expiresAt!))).expired).toBe(1);
    expect([state(w, 1), state(w, 2), pulls(w, '222233334444')]).toEqual(['EXPIRED', 'EXPIRED', false]);
  });

  it('ends at its own time beside a grant without end, which keeps the account in for good', async () => {
    const w = inMemoryDeps();
    const first = await granted(w, 1, '222233334444', DAY);
    await granted(w, 2, '222233334444');
    await sweepAt(w, Date.parse(first.expiresAt!) + MINUTE);
    expect([state(w, 1), state(w, 2), pulls(w, '222233334444')]).toEqual(['EXPIRED', 'GRANTED', true]);
    await sweepAt(w, Date.parse(first.expiresAt!) + 2 * MINUTE);
    expect(w.store.dueAt.has(idOf(1))).toBe(false);
    expect(w.store.dueAt.has(idOf(2))).toBe(false);
  });

  it('expires once when two passes run at once', async () => {
    const w = inMemoryDeps();
    const grant = await granted(w, 1, '222233334444', DAY);
    w.clock.at = Date.parse(grant.expiresAt!);
    const [a, b] = await Promise.all([sweepOnce(w.deps, TIMES), sweepOnce({ ...w.deps, processId: 'other-process' }, TIMES)]);
    expect(a.expired + b.expired).toBe(1);
    expect(toldAbout(w, 1).filter((t) => t.endsWith(':EXPIRED')).sort()).toEqual(['card:EXPIRED', 'dm:EXPIRED', 'thread:EXPIRED']);
    expect(w.store.requests.get(idOf(1))!.history?.filter((e) => e.kind === 'expired')).toHaveLength(1);
  });

  it('counts each expiry once when two passes at once share the grants of one repository, whichever holder records them', async () => {
    const w = inMemoryDeps();
    const accounts = ['222233334444', '333344445555', '444455556666', '555566667777', '666677778888'];
    for (const [i, account] of accounts.entries()) await granted(w, i + 1, account, DAY);
    w.clock.at = Date.parse(w.store.requests.get(idOf(1))!.expiresAt!);
    // The first pass comes late to the odd grants, so the other pass begins those ends; one pass's
    // holder then records ends the other began.
    const late = new Set([idOf(1), idOf(3), idOf(5)]);
    const lateStore = new Proxy(w.store, {
      get(store, name) {
        if (name === 'beginEnding')
          return async (...args: Parameters<typeof store.beginEnding>) => {
            if (late.has(args[0])) for (let tick = 0; tick < 20; tick++) await new Promise((resolve) => setImmediate(resolve));
            return store.beginEnding(...args);
          };
        const value: unknown = Reflect.get(store, name, store);
        return typeof value === 'function' ? value.bind(store) : value;
      },
    });
    const [a, b] = await Promise.all([sweepOnce({ ...w.deps, store: lateStore }, TIMES), sweepOnce({ ...w.deps, processId: 'other-process' }, TIMES)]);
    expect(accounts.map((_, i) => state(w, i + 1))).toEqual(accounts.map(() => 'EXPIRED'));
    expect([a.expired, b.expired]).toEqual([2, 3]);
    expect(accounts.map((_, i) => w.store.requests.get(idOf(i + 1))!.history?.filter((e) => e.kind === 'expired').length)).toEqual(accounts.map(() => 1));
  });

  it('ends on time while a grant of another account lasts longer, and leaves that one alone', async () => {
    const w = inMemoryDeps();
    const first = await granted(w, 1, '222233334444', DAY);
    await granted(w, 2, '555566667777', 3 * DAY);
    const report = await sweepAt(w, Date.parse(first.expiresAt!));
    expect(report.expired).toBe(1);
    expect([state(w, 1), state(w, 2)]).toEqual(['EXPIRED', 'GRANTED']);
    expect([pulls(w, '222233334444'), pulls(w, '555566667777')]).toEqual([false, true]);
  });

  it('ends together with a grant of the same account that ends at the same moment', async () => {
    const w = inMemoryDeps();
    const first = await granted(w, 1, '222233334444', DAY);
    const second = await granted(w, 2, '222233334444', DAY);
    expect(second.expiresAt).toBe(first.expiresAt);
    expect((await sweepAt(w, Date.parse(first.expiresAt!))).expired).toBe(2);
    expect([state(w, 1), state(w, 2), pulls(w, '222233334444')]).toEqual(['EXPIRED', 'EXPIRED', false]);
  });

  it("ends each grant at its own time, while another account's grant without end keeps that account in", async () => {
    const w = inMemoryDeps();
    await granted(w, 1, '555566667777', DAY);
    await granted(w, 2, '555566667777');
    const ending = await granted(w, 3, '222233334444', 2 * DAY);
    expect((await sweepAt(w, Date.parse(ending.expiresAt!))).expired).toBe(2);
    expect([state(w, 1), state(w, 2), state(w, 3)]).toEqual(['EXPIRED', 'GRANTED', 'EXPIRED']);
    expect([pulls(w, '555566667777'), pulls(w, '222233334444')]).toEqual([true, false]);
  });

  it('ends on time while a renewal for the same account waits for the approvers', async () => {
    const w = inMemoryDeps();
    const grant = await granted(w, 1, '222233334444', DAY);
    await pending(w, 2, '222233334444');
    expect((await sweepAt(w, Date.parse(grant.expiresAt!))).expired).toBe(1);
    expect([state(w, 1), state(w, 2), pulls(w, '222233334444')]).toEqual(['EXPIRED', 'PENDING', false]);
  });
});

describe('a request nobody decides', () => {
  it('lapses after ECR_ACCESS_PENDING_LAPSE, not before, and the card and the requester are told', async () => {
    const w = inMemoryDeps();
    const request = await pending(w, 1, '222233334444');
    const lapseAt = Date.parse(request.createdAt) + TIMES.pendingLapseMs;
    expect((await sweepAt(w, lapseAt - 1)).lapsed).toBe(0);
    expect(state(w, 1)).toBe('PENDING');
    expect((await sweepAt(w, lapseAt)).lapsed).toBe(1);
    expect(w.store.requests.get(idOf(1))).toMatchObject({ state: 'EXPIRED', owed: [] });
    expect(toldAbout(w, 1).sort()).toEqual(['card:EXPIRED', 'dm:EXPIRED']);
    expect((await sweepAt(w, lapseAt + HOUR)).lapsed).toBe(0);
  });

  it('nudges the approvers after 15 minutes, then 30 and 60 minutes after each nudge', async () => {
    const w = inMemoryDeps();
    const t0 = Date.parse((await pending(w, 1, '222233334444')).createdAt);
    const nudgesAt = async (minutes: number, less = 0) => {
      await sweepAt(w, t0 + minutes * MINUTE - less);
      return w.notifier.nudged.length;
    };
    expect(await nudgesAt(15, 1)).toBe(0);
    expect(await nudgesAt(15)).toBe(1);
    expect(await nudgesAt(45, 1)).toBe(1);
    expect(await nudgesAt(45)).toBe(2);
    expect(await nudgesAt(105, 1)).toBe(2);
    expect(await nudgesAt(105)).toBe(3);
    expect(w.store.requests.get(idOf(1))).toMatchObject({ nudges: 3, state: 'PENDING' });
    // Between nudges the sweep does not look at the request at all.
    expect(w.store.dueAt.get(idOf(1))).toBe(t0 + 225 * MINUTE);
  });

  it('counts each nudge in the report', async () => {
    const w = inMemoryDeps();
    const t0 = Date.parse((await pending(w, 1, '222233334444')).createdAt);
    expect((await sweepAt(w, t0 + 15 * MINUTE - 1)).nudged).toBe(0);
    expect((await sweepAt(w, t0 + 15 * MINUTE)).nudged).toBe(1);
  });

  it('waits twice as long for the next nudge even when looked at early', async () => {
    const w = inMemoryDeps();
    const t0 = Date.parse((await pending(w, 1, '222233334444')).createdAt);
    await sweepAt(w, t0 + 15 * MINUTE);
    // Due early (another pass scheduled it so): the nudge still waits its 30 minutes.
    w.store.dueAt.set(idOf(1), t0 + 30 * MINUTE);
    expect((await sweepAt(w, t0 + 30 * MINUTE)).nudged).toBe(0);
    expect(w.store.dueAt.get(idOf(1))).toBe(t0 + 45 * MINUTE);
    expect((await sweepAt(w, t0 + 45 * MINUTE)).nudged).toBe(1);
  });

  it('counts a nudge Slack refused as made, logs it with the request, and does not nudge again at once', async () => {
    const w = inMemoryDeps();
    const t0 = Date.parse((await pending(w, 1, '222233334444')).createdAt);
    w.notifier.nudgeApprovers = async () => {
      throw new Error('ratelimited');
    };
    const report = await sweepAt(w, t0 + 15 * MINUTE);
    expect([report.nudged, report.failures]).toEqual([1, 0]);
    expect(logged(w, 'warn')).toEqual([expect.objectContaining({ message: 'could not remind the approvers', requestId: idOf(1), error: expect.objectContaining({ message: 'ratelimited' }) })]);
    expect(w.store.requests.get(idOf(1))).toMatchObject({ nudges: 1 });
    expect(w.store.dueAt.get(idOf(1))).toBe(t0 + 45 * MINUTE);
  });
});

describe('work a dead process left', () => {
  it('drives an approval on once its own job would have given up, not before', async () => {
    const w = inMemoryDeps();
    const decidedAt = w.clock.now();
    await approvedRequest(w.store, idOf(1), '222233334444');
    w.store.requests.set(idOf(1), { ...w.store.requests.get(idOf(1))!, decidedAt: new Date(decidedAt).toISOString() });
    w.store.dueAt.set(idOf(1), decidedAt);

    expect((await sweepAt(w, decidedAt + 30_000)).driven).toBe(0);
    expect(state(w, 1)).toBe('APPROVED');
    // Nothing reads it again until its job's wait is over.
    expect((await sweepAt(w, decidedAt + w.deps.waitForChangeMs - 1)).looked).toBe(0);
    expect((await sweepAt(w, decidedAt + w.deps.waitForChangeMs)).driven).toBe(1);
    expect(state(w, 1)).toBe('GRANTED');
    expect(pulls(w, '222233334444')).toBe(true);
    expect(toldAbout(w, 1).sort()).toEqual(['card:GRANTED', 'dm:GRANTED', 'thread:GRANTED']);
  });

  it('finishes a removal whose holder stopped', async () => {
    const w = inMemoryDeps();
    await granted(w, 1, '222233334444');
    const at = w.clock.now();
    await w.store.beginEnding(idOf(1), { kind: 'revoke', by: 'U0APPROVER', at: new Date(at).toISOString() });
    expect((await sweepAt(w, at + w.deps.waitForChangeMs)).driven).toBe(1);
    expect([state(w, 1), pulls(w, '222233334444')]).toEqual(['REVOKED', false]);
  });

  it('takes up a driven time-bound grant again on the next pass, to schedule its reminder', async () => {
    const w = inMemoryDeps();
    const decidedAt = w.clock.now();
    await approvedRequest(w.store, idOf(1), '222233334444');
    w.store.requests.set(idOf(1), { ...w.store.requests.get(idOf(1))!, decidedAt: new Date(decidedAt).toISOString(), durationMs: 3 * DAY });
    const at = decidedAt + w.deps.waitForChangeMs;
    expect((await sweepAt(w, at)).driven).toBe(1);
    expect(state(w, 1)).toBe('GRANTED');
    expect((await sweepAt(w, at + 1)).looked).toBe(1);
    expect(w.store.dueAt.get(idOf(1))).toBe(at + 3 * DAY - DAY);
  });

  it('tries an approval again after ECR_ACCESS_WAIT_SECONDS when ECR cannot be read, not on the next pass', async () => {
    const w = inMemoryDeps();
    const decidedAt = w.clock.now();
    await approvedRequest(w.store, idOf(1), '222233334444');
    w.store.requests.set(idOf(1), { ...w.store.requests.get(idOf(1))!, decidedAt: new Date(decidedAt).toISOString() });
    const at = decidedAt + w.deps.waitForChangeMs;
    w.registry.nextReads.push('fail');
    expect((await sweepAt(w, at)).driven).toBe(1);
    expect(state(w, 1)).toBe('APPROVED');
    expect((await sweepAt(w, at + w.deps.waitForChangeMs - 1)).looked).toBe(0);
    expect((await sweepAt(w, at + w.deps.waitForChangeMs)).driven).toBe(1);
    expect([state(w, 1), pulls(w, '222233334444')]).toEqual(['GRANTED', true]);
  });

  it("drives a removal on when its holder's wait is over, though its grant's announcement is still being made", async () => {
    const w = inMemoryDeps();
    const t = w.clock.now();
    await granted(w, 1, '222233334444');
    await w.store.beginEnding(idOf(1), { kind: 'revoke', by: 'U0APPROVER', at: new Date(t).toISOString() });
    // Another process took on the grant's announcement 40 s later and is at it.
    w.store.requests.set(idOf(1), { ...w.store.requests.get(idOf(1))!, owed: ['dm'], announcer: { by: 'other-process', at: t + 40_000 } });
    expect((await sweepAt(w, t + 45_000)).driven).toBe(0);
    expect((await sweepAt(w, t + w.deps.waitForChangeMs)).driven).toBe(1);
    expect(state(w, 1)).toBe('REVOKED');
  });

  it('finishes an announcement whose announcer died, once it has been quiet for ECR_ACCESS_ANNOUNCE_RETRY_SECONDS, each part once', async () => {
    const w = inMemoryDeps();
    await approvedRequest(w.store, idOf(1), '222233334444');
    const at = w.clock.now();
    const verdict = { outcome: { state: 'GRANTED' as const }, at: new Date(at).toISOString(), policyHashBefore: '0', policyHash: '1', verifiedPolicy: '{}', pullsThrough: [] };
    await w.store.record(idOf(1), verdict, { by: 'dead-process', at });

    expect((await sweepAt(w, at + 10_000)).announced).toBe(0);
    expect(w.notifier.parts(idOf(1))).toEqual([]);
    expect((await sweepAt(w, at + quiet(w) + 1)).announced).toBe(1);
    expect(w.notifier.parts(idOf(1)).sort()).toEqual(['card', 'dm', 'thread']);
    await sweepAt(w, at + 10 * quiet(w));
    expect(w.notifier.parts(idOf(1))).toHaveLength(3);
  });

  it('ticks off, without posting again, what a dead announcer posted before it could tick it off', async () => {
    const w = inMemoryDeps();
    const at = w.clock.now();
    const left = await leftOwed(w, 1, '222233334444', at);
    await w.notifier.postInThread(left);

    expect((await sweepAt(w, at + quiet(w) + 1)).announced).toBe(1);
    expect(w.notifier.lookups.map((lookup) => lookup.part).sort()).toEqual(['dm', 'thread']);
    expect(w.notifier.parts(idOf(1)).sort()).toEqual(['card', 'dm', 'thread']);
    expect(w.store.requests.get(idOf(1))!.owed).toEqual([]);
  });

  it.each([
    ['on its own, long before its reminder', async (_w: World) => undefined],
    ['beside a longer grant of the same account', (w: World) => granted(w, 2, '222233334444', 3 * DAY)],
    ['beside a grant of the same account without end', (w: World) => granted(w, 2, '222233334444')],
  ])('finishes the announcement of a time-bound grant %s once its announcer has been quiet', async (_beside, beside) => {
    const w = inMemoryDeps();
    const at = w.clock.now();
    await beside(w);
    await leftOwed(w, 1, '222233334444', at, 2 * DAY);
    expect((await sweepAt(w, at + 10_000)).announced).toBe(0);
    expect((await sweepAt(w, at + quiet(w) + 1)).announced).toBe(1);
    expect(w.notifier.parts(idOf(1)).sort()).toEqual(['card', 'dm', 'thread']);
  });

  it('does nothing while its clock cannot be trusted, fails the pass saying why, and finishes the work once it can', async () => {
    const w = inMemoryDeps();
    const at = w.clock.now();
    await leftOwed(w, 1, '222233334444', at);
    w.clockCheck.aheadMs = -45_000;
    expect(await sweepAt(w, at + quiet(w) + 1)).toMatchObject({ announced: 0, looked: 0, failures: 1 });
    expect(w.notifier.parts(idOf(1))).toEqual([]);
    expect(logged(w, 'error').map((line) => line.message)).toEqual(['the sweep did nothing: this process’s clock cannot be trusted (see the warning before)']);
    w.clockCheck.aheadMs = 1_000;
    expect((await sweepAt(w, at + quiet(w) + 2)).announced).toBe(1);
    expect(w.notifier.parts(idOf(1)).sort()).toEqual(['card', 'dm', 'thread']);
  });

  it("waits with the reminder until the grant's own announcement is told, so no part of it is told twice", async () => {
    const w = inMemoryDeps();
    const at = w.clock.now();
    // A one-hour grant is reminded at once; its announcer died after the thread post.
    const left = await leftOwed(w, 1, '222233334444', at, HOUR);
    await w.notifier.postInThread(left);
    expect((await sweepOnce(w.deps, { ...TIMES, reminderLeadMs: HOUR })).reminded).toBe(0);
    expect(w.store.requests.get(idOf(1))).toMatchObject({ owed: ['card', 'dm', 'thread'] });
    w.clock.at = at + quiet(w) + 1;
    expect((await sweepOnce(w.deps, { ...TIMES, reminderLeadMs: HOUR })).announced).toBe(1);
    w.clock.at = at + 2 * quiet(w) + 2;
    expect((await sweepOnce(w.deps, { ...TIMES, reminderLeadMs: HOUR })).reminded).toBe(1);
    expect(w.notifier.parts(idOf(1)).sort()).toEqual(['card', 'dm', 'reminder', 'thread']);
  });

  it('finishes an orphaned announcement once when two passes run at once', async () => {
    const w = inMemoryDeps();
    const at = w.clock.now();
    await leftOwed(w, 1, '222233334444', at);
    w.clock.at = at + quiet(w) + 1;
    const [a, b] = await Promise.all([sweepOnce(w.deps, TIMES), sweepOnce({ ...w.deps, processId: 'other-process' }, TIMES)]);
    expect(a.announced + b.announced).toBe(1);
    expect(w.notifier.parts(idOf(1)).sort()).toEqual(['card', 'dm', 'thread']);
  });

  it('leaves a part Slack refused owed, and reads the request again only when the retry is due', async () => {
    const w = inMemoryDeps();
    const at = w.clock.now();
    await leftOwed(w, 1, '222233334444', at);
    w.notifier.failing.add('dm');
    const claimedAt = at + quiet(w) + 1;
    expect((await sweepAt(w, claimedAt)).announced).toBe(1);
    expect(w.store.requests.get(idOf(1))!.owed).toEqual(['dm']);

    w.notifier.failing.clear();
    expect((await sweepAt(w, claimedAt + quiet(w))).looked).toBe(0);
    expect((await sweepAt(w, claimedAt + quiet(w) + 1)).announced).toBe(1);
    expect(w.notifier.parts(idOf(1)).sort()).toEqual(['card', 'dm', 'thread']);
    expect(w.store.requests.get(idOf(1))!.owed).toEqual([]);
  });

  it('finishes the announcement of a denial whose announcer died, then stops looking at it', async () => {
    const w = inMemoryDeps();
    const at = w.clock.now();
    await pending(w, 1, '222233334444');
    await w.store.decide(idOf(1), { from: ['PENDING'], to: 'DENIED', by: 'U0APPROVER', at: new Date(at).toISOString(), card: w.store.requests.get(idOf(1))!.card!, announcer: 'dead-process' });
    expect((await sweepAt(w, at + 10_000)).announced).toBe(0);
    // It looks again the moment the announcer can be taken over: quiet for longer than announceRetryMs and the clock margin.
    expect(w.store.dueAt.get(idOf(1))).toBe(at + quiet(w) + 1);
    expect((await sweepAt(w, at + quiet(w) + 1)).announced).toBe(1);
    expect(toldAbout(w, 1).sort()).toEqual(['card:DENIED', 'dm:DENIED']);
    await sweepAt(w, at + 3 * quiet(w));
    expect(w.store.dueAt.has(idOf(1))).toBe(false);
  });
});

describe('drift', () => {
  const statement = (accounts: string[]) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'crossAccountAllowRead',
          Effect: 'Allow',
          Principal: { AWS: accounts.map((a) => `arn:aws:iam::${a}:root`) },
          Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:DescribeImages', 'ecr:GetDownloadUrlForLayer', 'ecr:ListImages'],
        },
      ],
    });

  it('is reported once per change, and a repository that never drifted keeps no event', async () => {
    const w = inMemoryDeps({ repositories: [REPO, 'quiet-repo'] });
    await granted(w, 1, '222233334444');
    const now = w.clock.now();
    expect((await sweepAt(w, now)).driftReported).toBe(0);
    expect(await w.store.driftHistory(REPO)).toEqual([]);

    w.registry.policies.set(REPO, statement(['222233334444', '999988887777']));
    expect((await sweepAt(w, now + MINUTE)).driftReported).toBe(1);
    expect((await sweepAt(w, now + 2 * MINUTE)).driftReported).toBe(0);
    expect(w.notifier.drifts).toEqual([{ repository: REPO, drift: { appeared: ['999988887777'], disappeared: [] } }]);

    w.registry.policies.set(REPO, statement(['999988887777']));
    expect((await sweepAt(w, now + 3 * MINUTE)).driftReported).toBe(1);
    expect(w.notifier.drifts[1]).toEqual({ repository: REPO, drift: { appeared: ['999988887777'], disappeared: ['222233334444'] } });

    // Put right by hand: noted in the history, nothing to tell.
    w.registry.policies.set(REPO, statement(['222233334444']));
    expect((await sweepAt(w, now + 4 * MINUTE)).driftReported).toBe(0);
    expect((await w.store.driftHistory(REPO)).map((e) => e.detail)).toEqual([
      'appeared: 999988887777; disappeared: none',
      'appeared: 999988887777; disappeared: 222233334444',
      'no drift',
    ]);
    expect(await w.store.driftHistory('quiet-repo')).toEqual([]);
  });

  it("does not count the bot's own work in progress as drift", async () => {
    const w = inMemoryDeps();
    await approvedRequest(w.store, idOf(1), '222233334444');
    w.registry.policies.set(REPO, statement(['222233334444']));
    // Written, not yet recorded: the request is still APPROVED.
    expect((await sweepAt(w, w.clock.now())).driftReported).toBe(0);
  });

  it('counts only live grants: a request waiting for approval or an ended grant is no drift', async () => {
    const w = inMemoryDeps();
    const ended = await granted(w, 1, '555566667777', DAY);
    await sweepAt(w, Date.parse(ended.expiresAt!));
    expect(state(w, 1)).toBe('EXPIRED');
    await pending(w, 2, '222233334444');
    w.registry.policies.set(REPO, statement(['999988887777']));
    expect((await sweepAt(w, w.clock.now() + MINUTE)).driftReported).toBe(1);
    expect(w.notifier.drifts).toEqual([{ repository: REPO, drift: { appeared: ['999988887777'], disappeared: [] } }]);
  });

  it('names every account that appeared or disappeared, in order, and "none" for an empty side', async () => {
    const w = inMemoryDeps();
    await granted(w, 1, '999988887777');
    await granted(w, 2, '222233334444');
    const now = w.clock.now();
    w.registry.policies.set(REPO, statement(['999988887777', '222233334444', '777766665555', '333344445555']));
    await sweepAt(w, now + MINUTE);
    w.registry.policies.delete(REPO);
    await sweepAt(w, now + 2 * MINUTE);
    expect(w.notifier.drifts.map((d) => d.drift)).toEqual([
      { appeared: ['333344445555', '777766665555'], disappeared: [] },
      { appeared: [], disappeared: ['222233334444', '999988887777'] },
    ]);
    expect((await w.store.driftHistory(REPO)).map((e) => e.detail)).toEqual([
      'appeared: 333344445555, 777766665555; disappeared: none',
      'appeared: none; disappeared: 222233334444, 999988887777',
    ]);
  });

  it('notes the drift and logs it with the repository when Slack refuses the report', async () => {
    const w = inMemoryDeps();
    await granted(w, 1, '222233334444');
    w.notifier.reportDrift = async () => {
      throw new Error('channel_not_found');
    };
    w.registry.policies.set(REPO, statement(['222233334444', '999988887777']));
    const report = await sweepAt(w, w.clock.now() + MINUTE);
    expect(report.failures).toBe(0);
    expect(logged(w, 'warn')).toEqual([
      expect.objectContaining({ message: 'could not report drift', repository: REPO, error: expect.objectContaining({ message: 'channel_not_found' }) }),
    ]);
    expect((await w.store.driftHistory(REPO)).map((e) => e.detail)).toEqual(['appeared: 999988887777; disappeared: none']);
  });
});
