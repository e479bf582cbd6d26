// Revoke on in-memory ports: who may take access away, and that the removal goes through the one
// policy path, verified by reading back, recorded with who and why, and announced.
import type { AccessRequest } from '../../../src/domain/access-request';
import { managedAccounts, parsePolicy } from '../../../src/domain/policy';
import { ErrorCode } from '../../../src/errors';
import { applyMarked } from '../../../src/service/policy-changes/holder';
import { planRevoke, revoke } from '../../../src/service/revoke';
import { managed, policy, ROOT } from '../../support/policy-texts';
import { inMemoryDeps } from '../../support/in-memory-ports';

const REPOSITORY = 'common-images';

const CI_PUSH = { Sid: 'ciPush', Effect: 'Allow', Principal: { AWS: ROOT('999988887777') }, Action: ['ecr:PutImage', 'ecr:InitiateLayerUpload'] };

function granted(id: string, account: string, overrides: Partial<AccessRequest> = {}): AccessRequest {
  return {
    id,
    repository: REPOSITORY,
    account,
    requester: 'U0REQUESTER',
    state: 'GRANTED',
    createdAt: '2026-12-01T08:00:00.000Z',
    card: { channel: 'C0APPROVALS', ts: `1700000000.${id.slice(-6)}` },
    decidedBy: 'U0APPROVER',
    grantedAt: '2026-12-01T08:01:00.000Z',
    attempts: 1,
    owed: [],
    ...overrides,
  };
}

function world(text: string | undefined, ...grants: AccessRequest[]) {
  const w = inMemoryDeps();
  if (text !== undefined) w.registry.policies.set(REPOSITORY, text);
  for (const grant of grants) w.store.requests.set(grant.id, grant);
  return w;
}

describe('revoking a grant', () => {
  it('takes the account out through the policy path, records who and why, and announces it', async () => {
    const w = world(policy(CI_PUSH, managed('222233334444', '333344445555')), granted('r-0000000001', '222233334444'));
    const outcome = await revoke(w.deps, { repository: REPOSITORY, account: '222233334444', user: 'U0APPROVER', reason: 'project ended' });
    expect(outcome).toMatchObject({ code: 'settled', requests: [{ state: 'REVOKED', ending: { kind: 'revoke', by: 'U0APPROVER', reason: 'project ended' } }] });
    const after = parsePolicy(w.registry.policies.get(REPOSITORY));
    expect(managedAccounts(after)).toEqual(['333344445555']);
    expect(after.statements[0]).toEqual(CI_PUSH);
    expect(w.registry.writes).toHaveLength(1);
    expect(w.notifier.parts('r-0000000001').sort()).toEqual(['card', 'dm', 'thread']);
    const record = w.store.requests.get('r-0000000001')!;
    expect(record.history?.map((e) => e.kind)).toEqual(['revoked']);
    expect(record.policyHash).not.toBe(record.policyHashBefore);
  });

  it('deletes the policy when the last account leaves and nothing else is in it', async () => {
    const w = world(policy(managed('222233334444')), granted('r-0000000001', '222233334444'));
    await revoke(w.deps, { repository: REPOSITORY, account: '222233334444', user: 'U0APPROVER' });
    expect(w.registry.writes).toEqual([{ repository: REPOSITORY, text: undefined }]);
    expect(w.registry.policies.has(REPOSITORY)).toBe(false);
  });

  it('lets the person who asked for the grant revoke it', async () => {
    const w = world(policy(managed('222233334444')), granted('r-0000000001', '222233334444'));
    expect(await revoke(w.deps, { repository: REPOSITORY, account: '222233334444', user: 'U0REQUESTER' })).toMatchObject({
      code: 'settled',
      requests: [{ state: 'REVOKED' }],
      keptBy: [],
    });
  });

  it('refuses anyone else, and changes nothing', async () => {
    const w = world(policy(managed('222233334444')), granted('r-0000000001', '222233334444'));
    expect(await revoke(w.deps, { repository: REPOSITORY, account: '222233334444', user: 'U0SOMEONE' })).toMatchObject({ code: 'not-allowed' });
    expect(w.registry.writes).toHaveLength(0);
    expect(w.store.requests.get('r-0000000001')!.state).toBe('GRANTED');
  });

  it('says which statement still lets the account pull once it left ours', async () => {
    const other = { Sid: 'legacyReaders', Effect: 'Allow', Principal: { AWS: ROOT('222233334444') }, Action: 'ecr:*' };
    const w = world(policy(other, managed('222233334444')), granted('r-0000000001', '222233334444'));
    const outcome = await revoke(w.deps, { repository: REPOSITORY, account: '222233334444', user: 'U0APPROVER' });
    expect(outcome).toMatchObject({ code: 'settled', requests: [{ state: 'REVOKED', stillPullsThrough: ['legacyReaders'] }] });
  });

  it('leaves the grant standing, and says why, when ECR refuses the removal', async () => {
    const w = world(policy(managed('222233334444', '333344445555')), granted('r-0000000001', '222233334444'));
    w.registry.nextWrites.push('rejected');
    const outcome = await revoke(w.deps, { repository: REPOSITORY, account: '222233334444', user: 'U0APPROVER' });
    expect(outcome).toMatchObject({ code: 'settled', requests: [{ state: 'GRANTED', endFailure: { code: ErrorCode.PolicyRejected } }] });
    expect(w.store.requests.get('r-0000000001')!.ending).toBeUndefined();
    expect(w.notifier.parts('r-0000000001')).toEqual(['thread']);
  });

  it("ends only the requester's own grant, and keeps the account in while another person's grant is live", async () => {
    const w = world(
      policy(managed('222233334444')),
      granted('r-0000000001', '222233334444', { requester: 'U0SAM', expiresAt: '2026-12-01T11:00:00.000Z' }),
      granted('r-0000000002', '222233334444', { requester: 'U0RITA', expiresAt: '2026-12-01T10:00:00.000Z' }),
    );
    const outcome = await revoke(w.deps, { repository: REPOSITORY, account: '222233334444', user: 'U0RITA' });
    expect(outcome).toMatchObject({ code: 'settled', requests: [{ id: 'r-0000000002', state: 'REVOKED' }], keptBy: [{ id: 'r-0000000001', requester: 'U0SAM' }] });
    expect(w.store.requests.get('r-0000000001')).toMatchObject({ state: 'GRANTED' });
    expect(w.store.requests.get('r-0000000001')!.ending).toBeUndefined();
    expect(managedAccounts(parsePolicy(w.registry.policies.get(REPOSITORY)))).toEqual(['222233334444']);
    expect(w.registry.writes).toHaveLength(0);
    // Sam hears nothing: his grant did not change.
    expect(w.notifier.parts('r-0000000001')).toEqual([]);
  });

  it('ends every live grant of the account when an approver revokes, and tells each requester', async () => {
    const w = world(
      policy(managed('222233334444')),
      granted('r-0000000001', '222233334444', { requester: 'U0SAM' }),
      granted('r-0000000002', '222233334444', { requester: 'U0RITA' }),
    );
    const outcome = await revoke(w.deps, { repository: REPOSITORY, account: '222233334444', user: 'U0APPROVER' });
    expect(outcome).toMatchObject({ code: 'settled', requests: [{ state: 'REVOKED' }, { state: 'REVOKED' }], keptBy: [] });
    expect(w.registry.policies.has(REPOSITORY)).toBe(false);
    expect(w.notifier.parts('r-0000000001').sort()).toEqual(['card', 'dm', 'thread']);
    expect(w.notifier.parts('r-0000000002').sort()).toEqual(['card', 'dm', 'thread']);
  });

  it('ends an approval not yet verified before it is ever granted, with no second record', async () => {
    const w = world(policy(managed('222233334444')), granted('r-0000000001', '222233334444', { state: 'APPROVED', grantedAt: undefined }));
    const outcome = await revoke(w.deps, { repository: REPOSITORY, account: '222233334444', user: 'U0REQUESTER' });
    expect(outcome).toMatchObject({ code: 'settled', requests: [{ id: 'r-0000000001', state: 'REVOKED' }] });
    expect(w.store.requests.size).toBe(1);
    expect(w.store.requests.get('r-0000000001')!.grantedAt).toBeUndefined();
    expect(w.registry.policies.has(REPOSITORY)).toBe(false);
    expect(w.notifier.parts('r-0000000001').sort()).toEqual(['card', 'dm', 'thread']);
  });

  it('takes the account out with the grant not yet ending when another of its grants already is', async () => {
    const ending = { kind: 'revoke' as const, by: 'U0APPROVER', at: '2026-12-01T08:59:00.000Z' };
    const w = world(policy(managed('222233334444')), granted('r-0000000001', '222233334444', { ending }), granted('r-0000000002', '222233334444'));
    const outcome = await revoke(w.deps, { repository: REPOSITORY, account: '222233334444', user: 'U0APPROVER' });
    expect(outcome).toMatchObject({ code: 'settled', requests: [{ id: 'r-0000000002', state: 'REVOKED' }] });
    expect(w.store.requests.get('r-0000000001')!.state).toBe('REVOKED');
    expect(w.registry.policies.has(REPOSITORY)).toBe(false);
  });

  it('is answered, with no record made, for a grant whose end is already under way', async () => {
    const ending = { kind: 'revoke' as const, by: 'U0APPROVER', at: '2026-12-01T08:59:00.000Z' };
    const w = world(policy(managed('222233334444')), granted('r-00000000ab', '222233334444', { ending }));
    expect(await revoke(w.deps, { repository: REPOSITORY, account: '222233334444', user: 'U0APPROVER' })).toMatchObject({ code: 'already-ending', request: { id: 'r-00000000ab' } });
    expect([...w.store.requests.keys()]).toEqual(['r-00000000ab']);
    expect(w.registry.writes).toHaveLength(0);
  });

  it('waits for the grants whose end it began, when another began one of them a moment before', async () => {
    const w = world(policy(managed('222233334444')), granted('r-00000000ab', '222233334444', { requester: 'U0SAM' }), granted('r-00000000cd', '222233334444'));
    const begin = w.store.beginEnding.bind(w.store);
    w.store.beginEnding = async (id, ending) => {
      // Sam revokes his own grant between this revoke's read and its write.
      if (id === 'r-00000000ab') await begin(id, { ...ending, by: 'U0SAM' });
      return begin(id, ending);
    };
    const outcome = await revoke(w.deps, { repository: REPOSITORY, account: '222233334444', user: 'U0APPROVER' });
    expect(outcome).toMatchObject({ code: 'settled', requests: [{ id: 'r-00000000cd', state: 'REVOKED' }] });
    expect(w.store.requests.get('r-00000000ab')).toMatchObject({ state: 'REVOKED', ending: { by: 'U0SAM' } });
  });

  it('shows on the card that the grant is being revoked while its verdict waits behind another holder, and the verdict once recorded', async () => {
    const w = world(policy(managed('222233334444')), granted('r-0000000001', '222233334444'));
    // Another process's job holds the repository past this revoke's wait.
    w.changes.locks.set(REPOSITORY, { holder: 'other-job', until: w.clock.now() + 10 * 60_000 });
    const outcome = await revoke(w.deps, { repository: REPOSITORY, account: '222233334444', user: 'U0APPROVER' });
    expect(outcome).toMatchObject({ code: 'pending' });
    expect(w.notifier.told.filter((t) => t.id === 'r-0000000001')).toEqual([{ part: 'card', id: 'r-0000000001', state: 'GRANTED' }]);
    expect(w.store.requests.get('r-0000000001')).toMatchObject({ state: 'GRANTED', ending: { kind: 'revoke', by: 'U0APPROVER' } });

    w.changes.locks.delete(REPOSITORY);
    await applyMarked({ ...w.deps, processId: 'other-process' }, { repository: REPOSITORY, region: w.deps.region });
    expect(w.notifier.told.filter((t) => t.id === 'r-0000000001' && t.part === 'card').map((t) => t.state)).toEqual(['GRANTED', 'REVOKED']);
  });

  it('ends the card on the verdict when it is recorded while the card is being shown as ending', async () => {
    const w = world(policy(managed('222233334444')), granted('r-0000000001', '222233334444'));
    w.changes.locks.set(REPOSITORY, { holder: 'other-job', until: w.clock.now() + 10 * 60_000 });
    const update = w.notifier.updateCard;
    w.notifier.updateCard = async (request) => {
      // The holder records and announces the verdict while Slack takes this update: it lands last.
      if (request.state === 'GRANTED' && request.ending) {
        w.changes.locks.delete(REPOSITORY);
        await applyMarked({ ...w.deps, processId: 'other-process' }, { repository: REPOSITORY, region: w.deps.region });
      }
      return update(request);
    };
    expect(await revoke(w.deps, { repository: REPOSITORY, account: '222233334444', user: 'U0APPROVER' })).toMatchObject({ code: 'pending' });
    expect(w.notifier.told.filter((t) => t.id === 'r-0000000001' && t.part === 'card').map((t) => t.state)).toEqual(['REVOKED', 'GRANTED', 'REVOKED']);
  });
});

describe('revoking an account added by hand', () => {
  it('lets an approver take it out, and records the removal', async () => {
    const w = world(policy(managed('222233334444')));
    const outcome = await revoke(w.deps, { repository: REPOSITORY, account: '222233334444', user: 'U0APPROVER', reason: 'unknown account' });
    expect(outcome).toMatchObject({ code: 'settled', requests: [{ state: 'REVOKED', origin: 'outside', requester: 'U0APPROVER' }] });
    expect(w.registry.policies.has(REPOSITORY)).toBe(false);
    const [record] = [...w.store.requests.values()];
    expect(w.notifier.parts(record!.id)).toEqual(['thread']);
  });

  it('records where the account came from, who found it and when, before the removal', async () => {
    const w = world(policy(managed('222233334444')));
    await revoke(w.deps, { repository: REPOSITORY, account: '222233334444', user: 'U0APPROVER' });
    const [record] = [...w.store.requests.values()];
    expect(record!.history).toEqual([
      { kind: 'drift', at: '2026-12-01T09:00:00.000Z', by: 'U0APPROVER', detail: 'found in the statement with no ecr-access grant; recorded to revoke it' },
      { kind: 'revoked', at: '2026-12-01T09:00:00.000Z', by: 'U0APPROVER', policyHashBefore: expect.any(String), policyHash: expect.any(String) },
    ]);
  });

  it("takes out only that account, leaving another account's grant standing", async () => {
    const w = world(policy(managed('222233334444', '333344445555')), granted('r-000000000a', '333344445555'));
    const outcome = await revoke(w.deps, { repository: REPOSITORY, account: '222233334444', user: 'U0APPROVER' });
    expect(outcome).toMatchObject({ code: 'settled', requests: [{ account: '222233334444', origin: 'outside', state: 'REVOKED' }] });
    expect(managedAccounts(parsePolicy(w.registry.policies.get(REPOSITORY)))).toEqual(['333344445555']);
    expect(w.store.requests.get('r-000000000a')).toMatchObject({ state: 'GRANTED' });
    expect(w.store.requests.get('r-000000000a')!.ending).toBeUndefined();
  });

  it("refuses the requester of another account's grant", async () => {
    const w = world(policy(managed('222233334444', '333344445555')), granted('r-000000000a', '333344445555'));
    expect(await revoke(w.deps, { repository: REPOSITORY, account: '222233334444', user: 'U0REQUESTER' })).toEqual({
      code: 'outside-needs-approver',
      repository: REPOSITORY,
      account: '222233334444',
    });
    expect(w.registry.writes).toHaveLength(0);
  });

  it('treats an account whose grant already ended as added by hand when it is back in the statement', async () => {
    const w = world(policy(managed('222233334444')), granted('r-000000000a', '222233334444', { state: 'EXPIRED', endedAt: '2026-12-01T08:30:00.000Z' }));
    const outcome = await revoke(w.deps, { repository: REPOSITORY, account: '222233334444', user: 'U0APPROVER' });
    expect(outcome).toMatchObject({ code: 'settled', requests: [{ origin: 'outside', state: 'REVOKED' }] });
    expect(w.store.requests.get('r-000000000a')!.state).toBe('EXPIRED');
    expect(w.registry.policies.has(REPOSITORY)).toBe(false);
  });

  it("refuses the requester of the account's grant that already ended", async () => {
    const w = world(policy(managed('222233334444')), granted('r-000000000a', '222233334444', { state: 'EXPIRED', endedAt: '2026-12-01T08:30:00.000Z' }));
    expect(await revoke(w.deps, { repository: REPOSITORY, account: '222233334444', user: 'U0REQUESTER' })).toMatchObject({ code: 'outside-needs-approver' });
    expect(w.registry.writes).toHaveLength(0);
  });

  it('refuses someone who is not an approver', async () => {
    const w = world(policy(managed('222233334444')));
    expect(await revoke(w.deps, { repository: REPOSITORY, account: '222233334444', user: 'U0SOMEONE' })).toEqual({
      code: 'outside-needs-approver',
      repository: REPOSITORY,
      account: '222233334444',
    });
    expect(w.store.requests.size).toBe(0);
  });

  it('says there is nothing to revoke for an account outside our statement, naming what lets it pull', async () => {
    const w = world(policy(CI_PUSH, { Sid: 'legacyReaders', Effect: 'Allow', Principal: { AWS: ROOT('444455556666') }, Action: 'ecr:*' }));
    expect(await revoke(w.deps, { repository: REPOSITORY, account: '444455556666', user: 'U0APPROVER' })).toEqual({
      code: 'no-access',
      repository: REPOSITORY,
      account: '444455556666',
      pullsThrough: ['legacyReaders'],
    });
    expect(w.registry.writes).toHaveLength(0);
  });
});

it('refuses a repository ecr-access does not share', async () => {
  const w = world(undefined);
  expect(await revoke(w.deps, { repository: 'secret-images', account: '222233334444', user: 'U0APPROVER' })).toMatchObject({ code: 'not-shareable' });
});

describe('planning a revoke, as the revoke command does before it offers the Revoke button', () => {
  const plan = (w: ReturnType<typeof world>, user: string, account = '222233334444') => planRevoke(w.deps, { repository: REPOSITORY, account, user });

  it("names the requester's own grants, and the other live grants that will keep the account in", async () => {
    const w = world(
      policy(managed('222233334444')),
      granted('r-0000000001', '222233334444', { requester: 'U0SAM' }),
      granted('r-0000000002', '222233334444', { requester: 'U0RITA' }),
    );
    const outcome = await plan(w, 'U0RITA');
    expect(outcome).toMatchObject({ code: 'end-grants', ending: [{ id: 'r-0000000002' }], live: [{ id: 'r-0000000001' }, { id: 'r-0000000002' }] });
  });

  it("names every live grant of the account for an approver", async () => {
    const w = world(policy(managed('222233334444')), granted('r-0000000001', '222233334444', { requester: 'U0SAM' }), granted('r-0000000002', '222233334444'));
    expect(await plan(w, 'U0APPROVER')).toMatchObject({ code: 'end-grants', ending: [{ id: 'r-0000000001' }, { id: 'r-0000000002' }] });
  });

  it('offers an approver the removal of an account added by hand', async () => {
    expect(await plan(world(policy(managed('222233334444'))), 'U0APPROVER')).toEqual({ code: 'end-outside' });
  });

  it('says there is nothing to revoke for an account with no grant that is not in the statement', async () => {
    expect(await plan(world(policy(managed('333344445555'))), 'U0APPROVER')).toMatchObject({ code: 'no-access', account: '222233334444' });
  });

  it('refuses someone who neither asked for the grant nor approves', async () => {
    const w = world(policy(managed('222233334444')), granted('r-0000000001', '222233334444'));
    expect(await plan(w, 'U0SOMEONE')).toMatchObject({ code: 'not-allowed', grant: { id: 'r-0000000001' } });
  });

  it('writes nothing, whatever it plans', async () => {
    const w = world(policy(managed('222233334444', '333344445555')), granted('r-0000000001', '222233334444'));
    const before = structuredClone([...w.store.requests.entries()]);
    await plan(w, 'U0APPROVER');
    await plan(w, 'U0APPROVER', '333344445555');
    expect([...w.store.requests.entries()]).toEqual(before);
    expect(w.registry.writes).toEqual([]);
    expect(w.notifier.told).toEqual([]);
  });
});
