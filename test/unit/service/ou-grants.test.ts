// OU grants on in-memory ports: an organizational unit plays the account's part on the one
// policy path. Its path is in the OU statement exactly when one of its grants is live, verified
// on read-back; revoke and expiry take it out; list and drift know which accounts it covers.
import type { AccessRequest } from '../../../src/domain/access-request';
import type { OrganizationalUnit } from '../../../src/domain/organizational-unit';
import { canPull, inOuStatement, managedStatement, ouCanPull, ouPaths, ouStatement, OU_SID, parsePolicy, serializePolicy } from '../../../src/domain/policy';
import { listAccess } from '../../../src/service/list-access';
import { awaitVerdicts } from '../../../src/service/policy-changes/await-verdicts';
import { revoke } from '../../../src/service/revoke';
import { submitRequest } from '../../../src/service/submit-request';
import { sweepOnce } from '../../../src/service/sweep';
import { approvedRequest, InMemoryAccountDirectory, InMemoryOrganizationalUnits, inMemoryDeps } from '../../support/in-memory-ports';

const REPO = 'common-images';
const OU = 'ou-ab12-22222222';
const ORG_PATH = 'o-abc123defg/r-ab12/ou-ab12-11111111/ou-ab12-22222222/';
const ANALYTICS: OrganizationalUnit = { id: OU, names: ['Root', 'Engineering', 'Analytics'], orgPath: ORG_PATH, accounts: 2 };
const MEMBER = '222233334444';
const OUTSIDER = '999988887777';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TIMES = { pendingLapseMs: 7 * DAY, nudgeFirstMs: 15 * 60_000, reminderLeadMs: DAY };
const idOf = (n: number) => `r-${String(n).padStart(10, '0')}`;

function world(options: { organizations?: boolean } = {}) {
  const organizations = options.organizations ?? true;
  return inMemoryDeps({
    ...(organizations && {
      units: new InMemoryOrganizationalUnits({ [OU]: ANALYTICS }),
      accounts: new InMemoryAccountDirectory({ [MEMBER]: { kind: 'member', name: 'sales-dashboards', ouPath: ANALYTICS.names, orgPath: `${ORG_PATH}ou-ab12-44444444/` } }),
    }),
  });
}
type World = ReturnType<typeof world>;

async function grantedOu(w: World, n: number, overrides: Partial<AccessRequest> = {}): Promise<AccessRequest> {
  const request = { ...(await approvedRequest(w.store, idOf(n), OU)), orgPath: ORG_PATH, unit: { names: [...ANALYTICS.names], accounts: 2 }, ...overrides };
  w.store.requests.set(request.id, request);
  const outcome = await awaitVerdicts(w.deps, REPO, [request]);
  if (outcome.kind !== 'recorded') throw new Error(`not recorded: ${outcome.kind}`);
  return outcome.requests[0] as AccessRequest;
}

const live = (w: World) => parsePolicy(w.registry.policies.get(REPO));

describe('a request for an organizational unit', () => {
  it('is recorded with the OU’s org path, names and count of accounts, and its card shows the OU statement', async () => {
    const w = world();
    const outcome = await submitRequest(w.deps, { requester: 'U0RITA', repository: REPO, account: OU, reason: 'analytics', durationMs: 7 * DAY });
    expect(outcome).toMatchObject({ code: 'submitted', request: { account: OU, orgPath: ORG_PATH, unit: { names: ['Root', 'Engineering', 'Analytics'], accounts: 2 }, durationMs: 7 * DAY } });
    expect(JSON.parse(w.notifier.previews[0] ?? '{}')).toEqual(ouStatement([ORG_PATH]));
  });

  it('is refused, recording nothing, where Organizations is not configured', async () => {
    const w = world({ organizations: false });
    expect(await submitRequest(w.deps, { requester: 'U0RITA', repository: REPO, account: OU })).toEqual({ code: 'ou-needs-organizations', ou: OU });
    expect(w.store.requests.size).toBe(0);
  });

  it('is refused for an OU Organizations does not know, and while Organizations cannot say', async () => {
    const w = world();
    expect(await submitRequest(w.deps, { requester: 'U0RITA', repository: REPO, account: 'ou-ab12-99999999' })).toEqual({ code: 'ou-not-found', ou: 'ou-ab12-99999999' });
    (w.deps.units as InMemoryOrganizationalUnits).failing = 'AWS Organizations is throttling the bot';
    expect(await submitRequest(w.deps, { requester: 'U0RITA', repository: REPO, account: OU })).toEqual({ code: 'ou-unknown', ou: OU, reason: 'AWS Organizations is throttling the bot' });
    expect(w.store.requests.size).toBe(0);
  });

  it('is refused when the OU can pull already, and when a statement under the OU Sid is not ecr-access’s', async () => {
    const w = world();
    await grantedOu(w, 1);
    expect(await submitRequest(w.deps, { requester: 'U0RITA', repository: REPO, account: OU })).toEqual({ code: 'can-already-pull', repository: REPO, account: OU });
    w.registry.policies.set(REPO, serializePolicy({ header: {}, statements: [{ ...ouStatement([ORG_PATH]), Effect: 'Deny' }] }));
    expect(await submitRequest(w.deps, { requester: 'U0RITA', repository: 'common-images', account: 'ou-ab12-22222222' })).toMatchObject({
      code: 'policy-problem',
      failure: { code: 'ecr_access_foreign_statement' },
    });
  });
});

describe('an OU grant on the policy path', () => {
  it('puts the OU’s path in the OU statement in one write, and is granted once it is read back', async () => {
    const w = world();
    const grant = await grantedOu(w, 1);
    expect(grant.state).toBe('GRANTED');
    expect(w.registry.writes).toHaveLength(1);
    expect(live(w).statements).toEqual([ouStatement([ORG_PATH])]);
    expect(ouCanPull(live(w), ORG_PATH)).toBe(true);
  });

  it('writes an account and an OU marked together in one write, each in its statement', async () => {
    const w = world();
    const account = await approvedRequest(w.store, idOf(1), MEMBER);
    const ou = { ...(await approvedRequest(w.store, idOf(2), OU)), orgPath: ORG_PATH };
    w.store.requests.set(ou.id, ou);
    await w.changes.mark(REPO, { account: OU, requestId: ou.id });
    const outcome = await awaitVerdicts(w.deps, REPO, [account, ou]);
    expect(outcome).toMatchObject({ kind: 'recorded', requests: [{ state: 'GRANTED' }, { state: 'GRANTED' }] });
    expect(live(w).statements).toEqual([managedStatement([MEMBER]), ouStatement([ORG_PATH])]);
  });

  it('fails, leaving the OU out, when a Deny of everyone makes the grant useless', async () => {
    const w = world();
    w.registry.policies.set(REPO, serializePolicy({ header: {}, statements: [{ Sid: 'noPulls', Effect: 'Deny', Principal: '*', Action: 'ecr:*' }] }));
    const request = { ...(await approvedRequest(w.store, idOf(1), OU)), orgPath: ORG_PATH };
    w.store.requests.set(request.id, request);
    const outcome = await awaitVerdicts(w.deps, REPO, [request]);
    expect(outcome).toMatchObject({ kind: 'recorded', requests: [{ state: 'FAILED', failure: { code: 'ecr_access_denied_by_policy' } }] });
    expect(inOuStatement(live(w), OU)).toBe(false);
  });

  it('is revoked out of the OU statement, which goes with its last OU', async () => {
    const w = world();
    await grantedOu(w, 1);
    expect(await revoke(w.deps, { repository: REPO, account: OU, user: 'U0APPROVER' })).toMatchObject({ code: 'settled', requests: [{ state: 'REVOKED' }] });
    expect(w.registry.policies.has(REPO)).toBe(false);
  });

  it('stays while another live grant of the same OU remains, and leaves with the last', async () => {
    const w = world();
    await grantedOu(w, 1, { requester: 'U0RITA' });
    await grantedOu(w, 2);
    expect(await revoke(w.deps, { repository: REPO, account: OU, user: 'U0RITA' })).toMatchObject({ code: 'settled', requests: [{ id: idOf(1), state: 'REVOKED' }] });
    expect(ouPaths(live(w))).toEqual([ORG_PATH]);
    expect(await revoke(w.deps, { repository: REPO, account: OU, user: 'U0APPROVER' })).toMatchObject({ code: 'settled', requests: [{ id: idOf(2), state: 'REVOKED' }] });
    expect(w.registry.policies.has(REPO)).toBe(false);
  });

  it('expires out of the OU statement when its time is up, by the sweep', async () => {
    const w = world();
    const grant = await grantedOu(w, 1, { durationMs: HOUR });
    expect(grant.expiresAt).toBeDefined();
    w.clock.at = Date.parse(grant.expiresAt as string) + 1;
    await sweepOnce(w.deps, TIMES);
    expect(w.store.requests.get(idOf(1))?.state).toBe('EXPIRED');
    expect(w.registry.policies.has(REPO)).toBe(false);
  });
});

describe('an account an OU grant covers', () => {
  it('is told, and the approvers are told, that the OU grant lets it pull already; approving still gives it its own entry, which outlives the OU grant', async () => {
    const w = world();
    const ouGrant = await grantedOu(w, 1);
    // The OU statement alone: the account pulls by its org path, not by an unconditional Allow.
    expect([canPull(live(w), MEMBER), canPull(live(w), MEMBER, `${ORG_PATH}ou-ab12-44444444/`)]).toEqual([false, true]);
    const asked = await submitRequest(w.deps, { requester: 'U0RITA', repository: REPO, account: MEMBER });
    expect(asked).toMatchObject({ code: 'submitted', request: { coveredBy: { ou: OU, name: 'Analytics', requestId: ouGrant.id } } });

    for (const r of [...w.store.requests.values()]) if (r.state === 'PENDING') w.store.requests.delete(r.id);
    const own = await approvedRequest(w.store, idOf(3), MEMBER);
    expect(await awaitVerdicts(w.deps, REPO, [own])).toMatchObject({ kind: 'recorded', requests: [{ state: 'GRANTED' }] });
    await revoke(w.deps, { repository: REPO, account: OU, user: 'U0APPROVER' });
    expect(live(w).statements).toEqual([managedStatement([MEMBER])]);
    expect(canPull(live(w), MEMBER)).toBe(true);
  });

  it('is not said to be covered when it sits outside the OU', async () => {
    const w = world();
    await grantedOu(w, 1);
    const asked = await submitRequest(w.deps, { requester: 'U0RITA', repository: REPO, account: OUTSIDER });
    expect(asked).toMatchObject({ code: 'submitted' });
    expect(asked.code === 'submitted' ? asked.request : {}).not.toHaveProperty('coveredBy');
  });

  it('is listed as covered by the OU grant, not as added outside, when it is in the pull statement with no grant of its own; the OU is listed with its path and count', async () => {
    const w = world();
    const ouGrant = await grantedOu(w, 1);
    w.registry.policies.set(REPO, serializePolicy({ header: {}, statements: [managedStatement([MEMBER, OUTSIDER]), ouStatement([ORG_PATH])] }));
    const listed = await listAccess(w.deps, REPO);
    expect(listed).toMatchObject({
      code: 'listed',
      repositories: [
        {
          pullers: [{ account: MEMBER, coveredBy: { ou: OU, name: 'Analytics' } }, { account: OUTSIDER }],
          ous: [{ ou: OU, orgPath: ORG_PATH, grant: { id: ouGrant.id }, unit: ANALYTICS }],
          removedOutside: [],
        },
      ],
    });
    const outsider = listed.code === 'listed' ? listed.repositories[0]?.pullers[1] : undefined;
    expect(outsider).not.toHaveProperty('coveredBy');
  });

  it('is no drift for the sweep, while an account beside it and an OU entry with no grant are', async () => {
    const w = world();
    await grantedOu(w, 1);
    const other = 'ou-cd34-33333333';
    w.registry.policies.set(REPO, serializePolicy({ header: {}, statements: [managedStatement([MEMBER, OUTSIDER]), ouStatement([ORG_PATH, `o-abc123defg/r-ab12/${other}/`])] }));
    await sweepOnce(w.deps, TIMES);
    expect(w.notifier.drifts).toEqual([{ repository: REPO, drift: { appeared: [OUTSIDER, other], disappeared: [] } }]);
  });

  it('reports an OU grant whose entry was removed by hand as drift', async () => {
    const w = world();
    await grantedOu(w, 1);
    w.registry.policies.set(REPO, serializePolicy({ header: {}, statements: [managedStatement([OUTSIDER])] }));
    await sweepOnce(w.deps, TIMES);
    expect(w.notifier.drifts.at(-1)).toEqual({ repository: REPO, drift: { appeared: [OUTSIDER], disappeared: [OU] } });
    expect(live(w).statements.some((s) => s.Sid === OU_SID)).toBe(false);
  });
});
