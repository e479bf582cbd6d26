// One sweep pass as a whole, on in-memory ports and a fake clock: the figures it reports (and logs),
// what it reads, how much it does at once, and how it goes on past what fails.
import type { AccessRequest } from '../../../src/domain/access-request';
import { awaitVerdicts } from '../../../src/service/policy-changes/await-verdicts';
import { applyMarked } from '../../../src/service/policy-changes/holder';
import { type SweepTimes, sweepOnce } from '../../../src/service/sweep';
import { approvedRequest, inMemoryDeps } from '../../support/in-memory-ports';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIMES: SweepTimes = { pendingLapseMs: 7 * DAY, nudgeFirstMs: 15 * MINUTE, reminderLeadMs: DAY };
const REPO = 'common-images';

type World = ReturnType<typeof inMemoryDeps>;

const idOf = (n: number) => `r-${String(n).padStart(10, '0')}`;
/** A distinct account for each request number. */
const accountOf = (n: number) => String(222233330000 + n);

/** Approves and grants a request, lasting `durationMs` (none: no end), as the policy path records it now. */
async function granted(w: World, n: number, durationMs?: number): Promise<AccessRequest> {
  const request = { ...(await approvedRequest(w.store, idOf(n), accountOf(n))), ...(durationMs !== undefined && { durationMs }) };
  w.store.requests.set(request.id, request);
  const outcome = await awaitVerdicts(w.deps, REPO, [request]);
  if (outcome.kind !== 'recorded' || outcome.requests[0]?.state !== 'GRANTED') throw new Error(`not granted: ${JSON.stringify(outcome)}`);
  return outcome.requests[0];
}

/** A request waiting for the approvers, made now. */
async function pending(w: World, n: number): Promise<AccessRequest> {
  const request: AccessRequest = {
    id: idOf(n),
    repository: REPO,
    account: accountOf(n),
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
const logged = (w: World, level: string) => w.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.level === level);
const NOTHING = { looked: 0, repositories: 0, itemsRead: 0, expired: 0, reminded: 0, lapsed: 0, nudged: 0, driven: 0, announced: 0, driftReported: 0, failures: 0 };

describe('the report of a pass', () => {
  it("counts each due request once, and each repository's records once for its reminders and once for drift", async () => {
    const w = inMemoryDeps({ repositories: [REPO, 'quiet-repo'] });
    const grant = await granted(w, 1, 3 * DAY);
    await granted(w, 2, 3 * DAY);
    const report = await sweepAt(w, Date.parse(grant.expiresAt!) - DAY);
    // 2 due requests + 2 records of common-images (read once for both reminders) + 2 read again for drift.
    expect(report).toEqual({ ...NOTHING, looked: 2, repositories: 2, itemsRead: 6, reminded: 2 });
  });

  it('logs the figures it reports in one metric line, with how long it took and how much it could not do', async () => {
    const w = inMemoryDeps();
    const t0 = Date.parse((await pending(w, 1)).createdAt);
    const report = await sweepAt(w, t0 + TIMES.pendingLapseMs);
    expect(report).toEqual({ ...NOTHING, looked: 1, repositories: 1, itemsRead: 2, lapsed: 1 });
    const { failures, ...figures } = report;
    expect(logged(w, 'metric').filter((entry) => entry.message === 'swept')).toEqual([
      expect.objectContaining({ ...figures, SweepFailures: failures, SweepDuration: 0, Stage: 'test' }),
    ]);
  });

  it('counts the jobs waiting to be replayed, where jobs are handed over', async () => {
    const w = inMemoryDeps({ waitingJobs: { count: async () => 3 } });
    const report = await sweepAt(w, w.clock.now());
    expect(report).toEqual({ ...NOTHING, repositories: 1, waitingJobs: 3 });
    expect(logged(w, 'metric').find((entry) => entry.message === 'swept')).toMatchObject({ WaitingJobs: 3, SweepFailures: 0 });
  });

  it('counts a dead-letter queue it cannot read as a failure of the pass', async () => {
    const w = inMemoryDeps({
      waitingJobs: {
        count: async () => {
          throw new Error('AccessDenied: sqs:GetQueueAttributes');
        },
      },
    });
    expect(await sweepAt(w, w.clock.now())).toEqual({ ...NOTHING, repositories: 1, failures: 1 });
    expect(logged(w, 'warn').map((entry) => entry.message)).toEqual(['could not count the jobs waiting to be replayed']);
  });

  it('writes a failed pass to its metric line when it cannot read its work list', async () => {
    const w = inMemoryDeps();
    w.store.due = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    await expect(sweepAt(w, w.clock.now())).rejects.toThrow('ProvisionedThroughputExceededException');
    expect(logged(w, 'metric')).toEqual([expect.objectContaining({ message: 'the sweep could not read its work list', SweepFailures: 1 })]);
  });

  it('counts as expired only the removals that ended as EXPIRED', async () => {
    const w = inMemoryDeps();
    const grant = await granted(w, 1, DAY);
    w.registry.nextWrites.push('rejected');
    const report = await sweepAt(w, Date.parse(grant.expiresAt!));
    expect([report.expired, report.failures]).toEqual([0, 0]);
    expect(w.store.requests.get(idOf(1))).toMatchObject({ state: 'GRANTED', endFailure: expect.anything() });
  });

  it('does not count a removal it could not finish (ECR unreadable), and drives it on once its wait is over', async () => {
    const w = inMemoryDeps();
    const end = Date.parse((await granted(w, 1, DAY)).expiresAt!);
    w.registry.nextReads.push('fail');
    expect(await sweepAt(w, end)).toMatchObject({ expired: 0, driven: 0, failures: 0 });
    expect(w.store.requests.get(idOf(1))).toMatchObject({ state: 'GRANTED', ending: { kind: 'expire' } });
    expect(await sweepAt(w, end + w.deps.waitForChangeMs)).toMatchObject({ driven: 1, failures: 0 });
    expect(state(w, 1)).toBe('EXPIRED');
  });

  it("counts an expiry it began once, also when another process's holder recorded it", async () => {
    const w = inMemoryDeps();
    const end = Date.parse((await granted(w, 1, DAY)).expiresAt!);
    // Another process's job holds the repository as the grant runs out.
    w.changes.locks.set(REPO, { holder: 'other-job', until: end + 10 * MINUTE });
    const pass = sweepAt(w, end);
    while (!w.changes.marks.get(REPO)?.some((mark) => mark.requestId === idOf(1))) await new Promise((resolve) => setImmediate(resolve));
    // That job lets go and, taking the repository again, applies what waits: it records the removal.
    w.changes.locks.delete(REPO);
    await applyMarked({ ...w.deps, processId: 'other-process' }, { repository: REPO, region: w.deps.region });
    expect((await pass).expired).toBe(1);
    expect(w.store.requests.get(idOf(1))).toMatchObject({ state: 'EXPIRED', announcer: { by: 'other-process' } });
  });
});

describe('what a pass cannot do', () => {
  it('logs a request it could not finish, counts it, and goes on with the others; the next pass tries it again', async () => {
    const w = inMemoryDeps();
    const t0 = Date.parse((await pending(w, 1)).createdAt);
    await pending(w, 2);
    const step = w.store.sweepStep.bind(w.store);
    let unavailable = true;
    w.store.sweepStep = async (id, change, announcer) => {
      if (unavailable && id === idOf(1) && change.kind === 'expire-pending') throw new Error('ProvisionedThroughputExceededException');
      return step(id, change, announcer);
    };
    const report = await sweepAt(w, t0 + TIMES.pendingLapseMs);
    expect([report.lapsed, report.failures]).toEqual([1, 1]);
    expect([state(w, 1), state(w, 2)]).toEqual(['PENDING', 'EXPIRED']);
    expect(logged(w, 'error')).toEqual([
      expect.objectContaining({
        message: 'the sweep could not finish a request; the next pass tries again',
        requestId: idOf(1),
        error: expect.objectContaining({ message: 'ProvisionedThroughputExceededException' }),
      }),
    ]);

    unavailable = false;
    expect(await sweepAt(w, t0 + TIMES.pendingLapseMs + MINUTE)).toMatchObject({ lapsed: 1, failures: 0 });
    expect(state(w, 1)).toBe('EXPIRED');
  });

  it('logs a repository it could not compare, counts it, and still compares the others', async () => {
    const w = inMemoryDeps({ repositories: ['broken-images', REPO] });
    await granted(w, 1);
    w.registry.policies.delete(REPO);
    const read = w.registry.getPolicy.bind(w.registry);
    w.registry.getPolicy = async (repository) => {
      if (repository === 'broken-images') throw new Error('GetRepositoryPolicy: ServerException');
      return read(repository);
    };
    const report = await sweepAt(w, w.clock.now());
    expect(report).toMatchObject({ repositories: 2, failures: 1, driftReported: 1 });
    expect(w.notifier.drifts).toEqual([{ repository: REPO, drift: { appeared: [], disappeared: [accountOf(1)] } }]);
    expect(logged(w, 'warn')).toEqual([
      expect.objectContaining({
        message: 'could not compare a repository policy with the records',
        repository: 'broken-images',
        error: expect.objectContaining({ message: 'GetRepositoryPolicy: ServerException' }),
      }),
    ]);
  });

  it("reads a repository's records again for its next request when a read failed", async () => {
    const w = inMemoryDeps();
    // One more grant than the pass handles at once, so one request comes after the failed read.
    let end = 0;
    for (let n = 1; n <= 9; n++) end = Date.parse((await granted(w, n, 3 * DAY)).expiresAt!);
    const list = w.store.listByRepository.bind(w.store);
    let failed = false;
    w.store.listByRepository = async (repository) => {
      if (failed) return list(repository);
      failed = true;
      throw new Error('ProvisionedThroughputExceededException');
    };
    const report = await sweepAt(w, end - DAY);
    expect([report.failures, report.reminded]).toEqual([8, 1]);
  });
});

describe('how much a pass does at once', () => {
  it('handles at most 8 requests at once', async () => {
    const w = inMemoryDeps();
    let t0 = 0;
    for (let n = 1; n <= 10; n++) t0 = Date.parse((await pending(w, n)).createdAt);
    let atOnce = 0;
    let most = 0;
    w.notifier.nudgeApprovers = async () => {
      most = Math.max(most, ++atOnce);
      await new Promise((resolve) => setImmediate(resolve));
      atOnce -= 1;
    };
    expect((await sweepAt(w, t0 + 15 * MINUTE)).nudged).toBe(10);
    expect(most).toBe(8);
  });
});
