// Grants for Lambda on in-memory ports: the account's functions are in the Lambda statement
// exactly when one of its live grants asked for Lambda, decided and verified on the one policy
// path with the pull statement, and ended by revoke and expiry like any grant.
import type { AccessRequest } from '../../../src/domain/access-request';
import { canPull, inLambdaStatement, LAMBDA_SID, lambdaAccounts, managedAccounts, parsePolicy } from '../../../src/domain/policy';
import { listAccess } from '../../../src/service/list-access';
import { awaitVerdicts } from '../../../src/service/policy-changes/await-verdicts';
import { revoke } from '../../../src/service/revoke';
import { submitRequest } from '../../../src/service/submit-request';
import { sweepOnce } from '../../../src/service/sweep';
import { approvedRequest, inMemoryDeps } from '../../support/in-memory-ports';

const REPO = 'common-images';
const A = '222233334444';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TIMES = { pendingLapseMs: 7 * DAY, nudgeFirstMs: 15 * 60_000, reminderLeadMs: DAY };
type World = ReturnType<typeof inMemoryDeps>;
const idOf = (n: number) => `r-${String(n).padStart(10, '0')}`;

async function granted(w: World, n: number, overrides: Partial<AccessRequest> = {}): Promise<AccessRequest> {
  const request = { ...(await approvedRequest(w.store, idOf(n), A)), ...overrides };
  w.store.requests.set(request.id, request);
  const outcome = await awaitVerdicts(w.deps, REPO, [request]);
  if (outcome.kind !== 'recorded') throw new Error(`not recorded: ${outcome.kind}`);
  return outcome.requests[0] as AccessRequest;
}

const live = (w: World) => parsePolicy(w.registry.policies.get(REPO));
const state = (w: World, n: number) => w.store.requests.get(idOf(n))?.state;

describe('a grant for Lambda', () => {
  it('puts the account in both statements in one write, and is granted once both are read back', async () => {
    const w = inMemoryDeps();
    const grant = await granted(w, 1, { requester: 'U0RITA', lambda: true });
    expect(grant.state).toBe('GRANTED');
    expect(w.registry.writes).toHaveLength(1);
    expect([canPull(live(w), A), lambdaAccounts(live(w))]).toEqual([true, [A]]);
    expect(JSON.parse(grant.verifiedPolicy ?? '{}').Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['crossAccountAllowRead', LAMBDA_SID]);
  });

  it('is asked for as a request, and shown in list as pull also for Lambda', async () => {
    const w = inMemoryDeps();
    const submitted = await submitRequest(w.deps, { requester: 'U0RITA', repository: REPO, account: A, lambda: true });
    expect(submitted).toMatchObject({ code: 'submitted', request: { lambda: true } });
    await granted(w, 2, { lambda: true });
    const listed = await listAccess(w.deps, REPO);
    expect(listed).toMatchObject({ code: 'listed', repositories: [{ pullers: [{ account: A, lambda: true }] }] });
  });

  it('may be asked for by an account that pulls already, but not from Lambda; not again once it does', async () => {
    const w = inMemoryDeps();
    await granted(w, 1);
    expect(await submitRequest(w.deps, { requester: 'U0RITA', repository: REPO, account: A })).toMatchObject({ code: 'can-already-pull' });
    expect(await submitRequest(w.deps, { requester: 'U0RITA', repository: REPO, account: A, lambda: true })).toMatchObject({ code: 'submitted' });
    for (const r of [...w.store.requests.values()]) if (r.state === 'PENDING') w.store.requests.delete(r.id);
    await granted(w, 3, { lambda: true });
    expect(await submitRequest(w.deps, { requester: 'U0RITA', repository: REPO, account: A, lambda: true })).toMatchObject({ code: 'can-already-pull' });
  });

  it('is revoked out of both statements, the Lambda statement deleted with its last account', async () => {
    const w = inMemoryDeps();
    await granted(w, 1, { lambda: true });
    expect(await revoke(w.deps, { repository: REPO, account: A, user: 'U0APPROVER' })).toMatchObject({ code: 'settled', requests: [{ state: 'REVOKED' }] });
    expect(w.registry.policies.has(REPO)).toBe(false);
  });

  it('takes only the Lambda entry out when it ends beside a live grant without Lambda, which keeps the account pulling', async () => {
    const w = inMemoryDeps();
    await granted(w, 1);
    await granted(w, 2, { lambda: true, requester: 'U0RITA' });
    expect(await revoke(w.deps, { repository: REPO, account: A, user: 'U0RITA' })).toMatchObject({ code: 'settled', requests: [{ id: idOf(2), state: 'REVOKED' }] });
    expect([state(w, 1), canPull(live(w), A), inLambdaStatement(live(w), A)]).toEqual(['GRANTED', true, false]);
    expect(live(w).statements.map((s) => s.Sid)).toEqual(['crossAccountAllowRead']);
  });

  it('keeps the Lambda entry when a grant without Lambda ends beside it', async () => {
    const w = inMemoryDeps();
    await granted(w, 1, { requester: 'U0RITA' });
    await granted(w, 2, { lambda: true });
    expect(await revoke(w.deps, { repository: REPO, account: A, user: 'U0RITA' })).toMatchObject({ code: 'settled', requests: [{ id: idOf(1), state: 'REVOKED' }] });
    expect([state(w, 2), canPull(live(w), A), inLambdaStatement(live(w), A)]).toEqual(['GRANTED', true, true]);
  });

  it('expires out of both statements at its end', async () => {
    const w = inMemoryDeps();
    const grant = await granted(w, 1, { lambda: true, durationMs: DAY });
    w.clock.at = Date.parse(grant.expiresAt as string);
    expect((await sweepOnce(w.deps, TIMES)).expired).toBe(1);
    expect([state(w, 1), w.registry.policies.has(REPO)]).toEqual(['EXPIRED', false]);
  });

  it('puts back a Lambda entry someone took out by hand, when it is asked for again, and reports the loss as drift meanwhile', async () => {
    const w = inMemoryDeps();
    await granted(w, 1, { lambda: true });
    const policy = live(w);
    w.registry.policies.set(REPO, JSON.stringify({ Version: '2012-10-17', Statement: policy.statements.filter((s) => s.Sid !== LAMBDA_SID) }));
    await sweepOnce(w.deps, TIMES);
    expect(w.notifier.drifts).toEqual([{ repository: REPO, drift: { appeared: [], disappeared: [A] } }]);
    expect(managedAccounts(live(w))).toEqual([A]);
  });

  it('reports an account in the Lambda statement with no grant for Lambda as drift, and an approver may revoke it', async () => {
    const w = inMemoryDeps();
    await granted(w, 1);
    const policy = live(w);
    const lambda = { Sid: LAMBDA_SID, Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Condition: { StringLike: { 'aws:sourceARN': `arn:aws:lambda:eu-west-1:${A}:function:*` } } };
    w.registry.policies.set(REPO, JSON.stringify({ Version: '2012-10-17', Statement: [...policy.statements, lambda] }));
    await sweepOnce(w.deps, TIMES);
    expect(w.notifier.drifts).toEqual([{ repository: REPO, drift: { appeared: [A], disappeared: [] } }]);
    // The approver's revoke ends the grant and takes the account out of both statements.
    expect(await revoke(w.deps, { repository: REPO, account: A, user: 'U0APPROVER' })).toMatchObject({ code: 'settled', requests: [{ state: 'REVOKED' }] });
    expect(w.registry.policies.has(REPO)).toBe(false);
  });
});
