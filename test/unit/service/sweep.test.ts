// The sweep, one pass at a time, on in-memory ports and a fake clock: what time brings due is done
// once, through the one policy path, and told once.
import type { AccessRequest } from '../../../src/domain/access-request';
import { canPull, parsePolicy } from '../../../src/domain/policy';
import { settleChange } from '../../../src/service/policy-changes/settle-change';
import { type SweepTimes, sweepOnce } from '../../../src/service/sweep';
import { approvedRequest, inMemoryDeps } from '../../support/in-memory-ports';

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
  const outcome = await settleChange(w.deps, REPO, { change: { kind: 'grant', account, requestId: request.id }, request: withDuration });
  if (outcome.kind !== 'settled' || outcome.request.state !== 'GRANTED') throw new Error(`not granted: ${JSON.stringify(outcome)}`);
  return outcome.request;
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

const sweepAt = (w: World, at: number) => {
  w.clock.at = at;
  return sweepOnce(w.deps, TIMES);
};
const state = (w: World, n: number) => w.store.requests.get(idOf(n))?.state;
const pulls = (w: World, account: string) => canPull(parsePolicy(w.registry.policies.get(REPO)), account);
const toldAbout = (w: World, n: number) => w.notifier.told.filter((t) => t.id === idOf(n)).map((t) => `${t.part}:${t.state}`);

describe('a time-bound grant', () => {
  it('ends when its time is up, not before, through the policy path, recorded as EXPIRED and announced', async () => {
    const w = inMemoryDeps();
    const grant = await granted(w, 1, '222233334444', 3 * DAY);
    const end = Date.parse(grant.expiresAt!);
    expect(end).toBe(w.clock.now() + 3 * DAY);

    expect((await sweepAt(w, end - 1_000)).expired).toBe(0);
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
    expect((await sweepAt(w, end - DAY - 1_000)).reminded).toBe(0);
    expect((await sweepAt(w, end - DAY)).reminded).toBe(1);
    for (const at of [end - DAY + MINUTE, end - 12 * HOUR, end - HOUR]) await sweepAt(w, at);
    expect(w.notifier.parts(idOf(1)).filter((p) => p === 'reminder')).toHaveLength(1);
    expect(w.store.requests.get(idOf(1))).toMatchObject({ reminded: true, owed: [] });
  });

  it('stays while a second grant of the same account lasts longer, and both end together at the later end', async () => {
    const w = inMemoryDeps();
    const first = await granted(w, 1, '222233334444', DAY);
    const second = await granted(w, 2, '222233334444', 3 * DAY);
    await sweepAt(w, Date.parse(first.expiresAt!) + MINUTE);
    expect([state(w, 1), state(w, 2), pulls(w, '222233334444')]).toEqual(['GRANTED', 'GRANTED', true]);
    // The shorter grant sends no reminder of an end that does not come.
    expect(w.notifier.parts(idOf(1))).not.toContain('reminder');

    const report = await sweepAt(w, Date.parse(second.expiresAt!));
    expect(report.expired).toBe(2);
    expect([state(w, 1), state(w, 2), pulls(w, '222233334444')]).toEqual(['EXPIRED', 'EXPIRED', false]);
  });

  it('stays for good beside a grant without end, and the sweep stops looking at it', async () => {
    const w = inMemoryDeps();
    const first = await granted(w, 1, '222233334444', DAY);
    await granted(w, 2, '222233334444');
    await sweepAt(w, Date.parse(first.expiresAt!) + MINUTE);
    expect([state(w, 1), state(w, 2), pulls(w, '222233334444')]).toEqual(['GRANTED', 'GRANTED', true]);
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
});

describe('a request nobody decides', () => {
  it('lapses after ECR_ACCESS_PENDING_LAPSE, not before, and the card and the requester are told', async () => {
    const w = inMemoryDeps();
    const request = await pending(w, 1, '222233334444');
    const lapseAt = Date.parse(request.createdAt) + TIMES.pendingLapseMs;
    expect((await sweepAt(w, lapseAt - 1_000)).lapsed).toBe(0);
    expect(state(w, 1)).toBe('PENDING');
    expect((await sweepAt(w, lapseAt)).lapsed).toBe(1);
    expect(w.store.requests.get(idOf(1))).toMatchObject({ state: 'EXPIRED', owed: [] });
    expect(toldAbout(w, 1).sort()).toEqual(['card:EXPIRED', 'dm:EXPIRED']);
    expect((await sweepAt(w, lapseAt + HOUR)).lapsed).toBe(0);
  });

  it('nudges the approvers after 15 minutes, then 30 and 60 minutes after each nudge', async () => {
    const w = inMemoryDeps();
    const t0 = Date.parse((await pending(w, 1, '222233334444')).createdAt);
    const nudgesAt = async (minutes: number) => {
      await sweepAt(w, t0 + minutes * MINUTE);
      return w.notifier.nudged.length;
    };
    expect(await nudgesAt(14)).toBe(0);
    expect(await nudgesAt(15)).toBe(1);
    expect(await nudgesAt(44)).toBe(1);
    expect(await nudgesAt(45)).toBe(2);
    expect(await nudgesAt(104)).toBe(2);
    expect(await nudgesAt(105)).toBe(3);
    expect(w.store.requests.get(idOf(1))).toMatchObject({ nudges: 3, state: 'PENDING' });
    // Between nudges the sweep does not look at the request at all.
    expect(w.store.dueAt.get(idOf(1))).toBe(t0 + 225 * MINUTE);
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

  it('finishes an announcement whose announcer died, once it has been quiet for ECR_ACCESS_ANNOUNCE_RETRY_SECONDS, each part once', async () => {
    const w = inMemoryDeps();
    await approvedRequest(w.store, idOf(1), '222233334444');
    const at = w.clock.now();
    const verdict = { state: 'GRANTED' as const, at: new Date(at).toISOString(), policyHashBefore: '0', policyHash: '1', verifiedPolicy: '{}' };
    await w.store.record(idOf(1), verdict, { by: 'dead-process', at });

    expect((await sweepAt(w, at + 10_000)).announced).toBe(0);
    expect(w.notifier.parts(idOf(1))).toEqual([]);
    expect((await sweepAt(w, at + w.deps.announceRetryMs + 1)).announced).toBe(1);
    expect(w.notifier.parts(idOf(1)).sort()).toEqual(['card', 'dm', 'thread']);
    await sweepAt(w, at + 10 * w.deps.announceRetryMs);
    expect(w.notifier.parts(idOf(1))).toHaveLength(3);
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
});
