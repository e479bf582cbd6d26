// Grants of a repository replicated to several regions, on in-memory ports: each region's policy
// is written and verified through that region's own place (marks and lease), the request is
// GRANTED once every region has it, a region that failed is named and Retry finishes only it,
// and revoke and expiry take the account out of every region.
import type { AccessRequest } from '../../../src/domain/access-request';
import { canPull, managedAccounts, parsePolicy } from '../../../src/domain/policy';
import { repositoryRules, rulesOf } from '../../../src/domain/repository-rules';
import { ErrorCode } from '../../../src/errors';
import { decide } from '../../../src/service/decide';
import { deny } from '../../../src/service/deny';
import { listAccess } from '../../../src/service/list-access';
import { awaitVerdicts } from '../../../src/service/policy-changes/await-verdicts';
import { revoke } from '../../../src/service/revoke';
import { submitRequest } from '../../../src/service/submit-request';
import { sweepOnce } from '../../../src/service/sweep';
import { inMemoryDeps } from '../../support/in-memory-ports';

const REPO = 'common-images';
const A = '222233334444';
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-south-1'];
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TIMES = { pendingLapseMs: 7 * DAY, nudgeFirstMs: 15 * 60_000, reminderLeadMs: DAY };
const CARD = { channel: 'C0APPROVALS', ts: '1700000000.000001' };
type World = ReturnType<typeof inMemoryDeps>;

function world(regions: readonly string[] = REGIONS) {
  const rules = repositoryRules(rulesOf([{ match: REPO, settings: { regions: [...regions] } }], { durations: { maxMs: undefined, required: false } }));
  return inMemoryDeps({ rules });
}

/** The policy in a region, parsed (the bot's own region is eu-west-1). */
const policyIn = (w: World, region: string) => parsePolicy(w.deps.registryIn(region) === w.registry ? w.registry.policies.get(REPO) : w.regional.get(region)?.policies.get(REPO));
const pullsIn = (w: World, region: string) => canPull(policyIn(w, region), A);

/** Asks, as the requester does, and approves, as an approver clicks. */
async function asked(w: World, extra: { durationMs?: number } = {}): Promise<AccessRequest> {
  const submitted = await submitRequest(w.deps, { requester: 'U0RITA', repository: REPO, account: A, ...extra });
  if (submitted.code !== 'submitted') throw new Error(`not submitted: ${submitted.code}`);
  return submitted.request;
}
const approve = (w: World, request: AccessRequest) => decide(w.deps, { requestId: request.id, user: 'U0APPROVER', decision: 'approve', card: request.card ?? CARD });

describe('a grant of a repository in several regions', () => {
  it('is written and verified in every region, each in its own place, and granted once all have it', async () => {
    const w = world();
    const request = await asked(w);
    expect(request.regions).toEqual(REGIONS);
    const outcome = await approve(w, request);
    expect(outcome).toMatchObject({ code: 'settled', request: { state: 'GRANTED' } });
    expect(REGIONS.map((region) => pullsIn(w, region))).toEqual([true, true, true]);
    // One write per region, each to its own registry: the regions are kept apart.
    expect([w.registry.writes.length, ...['us-east-1', 'ap-south-1'].map((region) => w.regional.get(region)?.writes.length)]).toEqual([1, 1, 1]);
    const stored = w.store.requests.get(request.id);
    expect(Object.fromEntries(Object.entries(stored?.regionVerdicts ?? {}).map(([region, v]) => [region, v.state]))).toEqual({ 'eu-west-1': 'GRANTED', 'us-east-1': 'GRANTED', 'ap-south-1': 'GRANTED' });
    // The history names each region's verdict, then the request's own.
    expect(stored?.history?.filter((e) => e.kind === 'granted').map((e) => e.region ?? 'all')).toEqual(expect.arrayContaining(['eu-west-1', 'us-east-1', 'ap-south-1', 'all']));
    // The request's own verdict is announced once, after the last region's.
    expect(w.notifier.told.filter((t) => t.id === request.id && t.part === 'card').map((t) => t.state)).toEqual(['GRANTED']);
  });

  it('fails naming the region that could not be written, stays granted in the others, and Retry finishes only that region', async () => {
    const w = world();
    const request = await asked(w);
    w.deps.registryIn('ap-south-1');
    w.regional.get('ap-south-1')?.nextWrites.push('rejected');
    const failed = await approve(w, request);
    expect(failed).toMatchObject({ code: 'settled', request: { state: 'FAILED', partlyGranted: true, failure: { code: ErrorCode.PolicyRejected } } });
    const detail = failed.code === 'settled' ? (failed.request.failure?.detail ?? '') : '';
    expect(detail).toContain('in ap-south-1');
    expect(detail).toContain('granted in eu-west-1, us-east-1');
    expect(REGIONS.map((region) => pullsIn(w, region))).toEqual([true, true, false]);
    // A partly granted request is revoked, not denied: a denial would leave it in two regions.
    expect(await deny(w.deps, { requestId: request.id, user: 'U0APPROVER', card: CARD })).toMatchObject({ code: 'already-decided' });

    const writesBefore = [w.registry.writes.length, w.regional.get('us-east-1')?.writes.length];
    const retried = await approve(w, request);
    expect(retried).toMatchObject({ code: 'settled', request: { state: 'GRANTED' } });
    expect(REGIONS.map((region) => pullsIn(w, region))).toEqual([true, true, true]);
    // Only the failed region was written again.
    expect([w.registry.writes.length, w.regional.get('us-east-1')?.writes.length]).toEqual(writesBefore);
    expect(w.regional.get('ap-south-1')?.writes).toHaveLength(2);
  });

  it('is revoked out of every region, the partly granted one too', async () => {
    const w = world();
    const request = await asked(w);
    w.deps.registryIn('ap-south-1');
    w.regional.get('ap-south-1')?.nextWrites.push('rejected');
    await approve(w, request);
    expect(await revoke(w.deps, { repository: REPO, account: A, user: 'U0APPROVER' })).toMatchObject({ code: 'settled', requests: [{ state: 'REVOKED' }] });
    expect(REGIONS.map((region) => managedAccounts(policyIn(w, region)))).toEqual([[], [], []]);
    expect(w.store.requests.get(request.id)?.regionVerdicts?.['eu-west-1']?.state).toBe('ENDED');
  });

  it('expires out of every region', async () => {
    const w = world();
    const request = await asked(w, { durationMs: DAY });
    await approve(w, request);
    expect(REGIONS.map((region) => pullsIn(w, region))).toEqual([true, true, true]);
    w.clock.at += DAY + 1;
    expect((await sweepOnce(w.deps, TIMES)).expired).toBe(1);
    expect(w.store.requests.get(request.id)?.state).toBe('EXPIRED');
    expect(REGIONS.map((region) => pullsIn(w, region))).toEqual([false, false, false]);
  });

  it('ends a partly granted request at its time, out of the regions that granted it, without a reminder', async () => {
    const w = world();
    const request = await asked(w, { durationMs: DAY });
    w.deps.registryIn('ap-south-1');
    w.regional.get('ap-south-1')?.nextWrites.push('rejected');
    expect(await approve(w, request)).toMatchObject({ code: 'settled', request: { state: 'FAILED', partlyGranted: true, expiresAt: expect.any(String) } });
    w.clock.at += DAY - HOUR;
    await sweepOnce(w.deps, TIMES);
    expect(w.notifier.told.filter((t) => t.part === 'reminder')).toEqual([]);
    w.clock.at += HOUR + 1;
    expect((await sweepOnce(w.deps, TIMES)).expired).toBe(1);
    expect(w.store.requests.get(request.id)?.state).toBe('EXPIRED');
    expect(REGIONS.map((region) => pullsIn(w, region))).toEqual([false, false, false]);
  });

  it('is listed with its regions', async () => {
    const w = world();
    await approve(w, await asked(w));
    expect(await listAccess(w.deps, REPO)).toMatchObject({ code: 'listed', repositories: [{ pullers: [{ account: A, regions: REGIONS }] }] });
  });

  it('finishes the request’s own verdict when the last region’s holder stopped before recording it', async () => {
    const w = world(['eu-west-1', 'us-east-1']);
    const request = await asked(w);
    await approve(w, request);
    // As a holder that died between the region's verdict and the request's own leaves it.
    const stored = w.store.requests.get(request.id) as AccessRequest;
    w.store.requests.set(request.id, { ...stored, state: 'APPROVED', owed: [] });
    const outcome = await awaitVerdicts(w.deps, REPO, [w.store.requests.get(request.id) as AccessRequest]);
    expect(outcome).toMatchObject({ kind: 'recorded', requests: [{ state: 'GRANTED' }] });
  });
});
