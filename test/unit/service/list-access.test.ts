// Listing access on in-memory ports: who can pull according to the live policy, each explained by
// its grant or shown as added outside ecr-access, grants the policy no longer honours, open
// requests, and a policy that cannot be read reported for its repository alone.
import type { AccessRequest, RequestState } from '../../../src/domain/access-request';
import { READ_ONLY_ACTIONS } from '../../../src/domain/policy';
import { ErrorCode } from '../../../src/errors';
import { repositoryRules } from '../../../src/domain/repository-rules';
import { listAccess, type RepositoryAccess } from '../../../src/service/list-access';
import { managed, policy, ROOT } from '../../support/policy-texts';
import { inMemoryDeps } from '../../support/in-memory-ports';

const COMMON = 'common-images';
const BASE = 'base-images';
const ACCOUNT = '222233334444';
const OTHER = '333344445555';
const THIRD = '444455556666';

const PUBLIC = { Sid: 'public', Effect: 'Allow', Principal: '*', Action: [...READ_ONLY_ACTIONS] };

let ids = 0;
function record(account: string, state: RequestState, overrides: Partial<AccessRequest> = {}): AccessRequest {
  const id = `r-${String(++ids).padStart(10, '0')}`;
  return {
    id,
    repository: COMMON,
    account,
    requester: 'U0REQUESTER',
    state,
    createdAt: '2026-11-20T09:00:00.000Z',
    card: { channel: 'C0APPROVALS', ts: `1700000000.${id.slice(-6)}` },
    attempts: state === 'PENDING' ? 0 : 1,
    owed: [],
    ...(state === 'GRANTED' && { grantedAt: '2026-11-20T09:05:00.000Z' }),
    ...overrides,
  };
}

function world(policies: Record<string, string>, records: AccessRequest[] = [], overrides: Parameters<typeof inMemoryDeps>[0] = {}) {
  const w = inMemoryDeps({ repositories: [COMMON, BASE], ...overrides });
  for (const [repository, text] of Object.entries(policies)) w.registry.policies.set(repository, text);
  for (const r of records) w.store.requests.set(r.id, r);
  return w;
}

type World = ReturnType<typeof world>;

/** What the listing says about one repository. */
async function accessTo(w: World, repository: string): Promise<RepositoryAccess> {
  const outcome = await listAccess(w.deps, repository);
  if (outcome.code !== 'listed') throw new Error(`not listed: ${JSON.stringify(outcome)}`);
  expect(outcome.repositories).toHaveLength(1);
  return outcome.repositories[0]!;
}

const nobody = (repository: string): RepositoryAccess => ({ repository, everyone: false, pullers: [], ous: [], removedOutside: [], open: [] });

describe('who can pull', () => {
  it('explains each puller by its grant and shows an account added outside ecr-access without one', async () => {
    const grant = record(ACCOUNT, 'GRANTED');
    const w = world({ [COMMON]: policy(managed(OTHER, ACCOUNT)) }, [grant]);
    expect(await accessTo(w, COMMON)).toStrictEqual({
      repository: COMMON,
      everyone: false,
      pullers: [{ account: ACCOUNT, grant }, { account: OTHER }],
      ous: [],
      removedOutside: [],
      open: [],
    });
  });

  it('shows a grant the live policy no longer honours as removed outside ecr-access', async () => {
    const gone = record(ACCOUNT, 'GRANTED');
    const kept = record(OTHER, 'GRANTED');
    const w = world({ [COMMON]: policy(managed(OTHER)) }, [gone, kept]);
    expect(await accessTo(w, COMMON)).toStrictEqual({
      repository: COMMON,
      everyone: false,
      pullers: [{ account: OTHER, grant: kept }],
      ous: [],
      removedOutside: [gone],
      open: [],
    });
  });

  it('shows every grant as removed outside when the repository has no policy at all', async () => {
    const grants = [record(ACCOUNT, 'GRANTED'), record(OTHER, 'GRANTED')];
    const w = world({}, grants);
    expect(await accessTo(w, COMMON)).toStrictEqual({ ...nobody(COMMON), removedOutside: grants });
  });

  it('counts an account a Deny keeps from pulling as no puller, and its grant as removed outside', async () => {
    const grant = record(ACCOUNT, 'GRANTED');
    const deny = { Sid: 'blockPulls', Effect: 'Deny', Principal: { AWS: ROOT(ACCOUNT) }, Action: 'ecr:BatchGetImage' };
    const w = world({ [COMMON]: policy(managed(ACCOUNT, OTHER), deny) }, [grant]);
    const access = await accessTo(w, COMMON);
    expect(access.pullers).toStrictEqual([{ account: OTHER }]);
    expect(access.removedOutside).toStrictEqual([grant]);
  });

  it('lists accounts that pull through statements other than ours, in account order', async () => {
    const legacy = { Sid: 'legacyReaders', Effect: 'Allow', Principal: { AWS: [ROOT(THIRD), ACCOUNT] }, Action: 'ecr:*' };
    const w = world({ [COMMON]: policy(legacy, managed(OTHER)) });
    expect((await accessTo(w, COMMON)).pullers).toStrictEqual([{ account: ACCOUNT }, { account: OTHER }, { account: THIRD }]);
  });

  it('does not let records that are not granted explain a puller or count as removed', async () => {
    const records = (['DENIED', 'REVOKED', 'EXPIRED'] as const).flatMap((state) => [record(ACCOUNT, state), record(THIRD, state)]);
    const w = world({ [COMMON]: policy(managed(ACCOUNT)) }, records);
    expect(await accessTo(w, COMMON)).toStrictEqual({ ...nobody(COMMON), pullers: [{ account: ACCOUNT }] });
  });

  it('explains a puller by its latest grant', async () => {
    const grants = [
      record(ACCOUNT, 'GRANTED', { grantedAt: '2026-11-10T09:00:00.000Z' }),
      record(ACCOUNT, 'GRANTED', { grantedAt: '2026-11-25T09:00:00.000Z' }),
      record(ACCOUNT, 'GRANTED', { grantedAt: '2026-11-01T09:00:00.000Z' }),
    ];
    const w = world({ [COMMON]: policy(managed(ACCOUNT)) }, grants);
    expect((await accessTo(w, COMMON)).pullers).toStrictEqual([{ account: ACCOUNT, grant: grants[1] }]);
  });

  it.each([
    ['first', 0],
    ['last', 1],
  ])('explains a puller by its grant over a record with no time of grant, that record coming %s', async (_, at) => {
    // The record a revoke makes for an account added by hand has no grantedAt.
    const grant = record(ACCOUNT, 'GRANTED');
    const outside = record(ACCOUNT, 'GRANTED', { origin: 'outside' });
    delete outside.grantedAt;
    const records = at === 0 ? [outside, grant] : [grant, outside];
    const w = world({ [COMMON]: policy(managed(ACCOUNT)) }, records);
    expect((await accessTo(w, COMMON)).pullers).toStrictEqual([{ account: ACCOUNT, grant }]);
  });

  it('shows an account added by hand as added outside while ecr-access removes it', async () => {
    const outside = record(ACCOUNT, 'GRANTED', { origin: 'outside', ending: { kind: 'revoke', by: 'U0APPROVER', at: '2026-11-26T09:00:00.000Z' } });
    delete outside.grantedAt;
    const w = world({ [COMMON]: policy(managed(ACCOUNT)) }, [outside]);
    expect(await accessTo(w, COMMON)).toStrictEqual({ ...nobody(COMMON), pullers: [{ account: ACCOUNT }] });
  });

  it('does not call a grant ecr-access is removing a removal outside, once its account has left the policy', async () => {
    const ending = record(ACCOUNT, 'GRANTED', { ending: { kind: 'expire', by: 'ecr-access', at: '2026-11-26T09:00:00.000Z' } });
    const gone = record(OTHER, 'GRANTED');
    const w = world({ [COMMON]: policy(managed(THIRD)) }, [ending, gone]);
    expect((await accessTo(w, COMMON)).removedOutside).toStrictEqual([gone]);
  });

  it('shows an account removed outside once, by its latest grant', async () => {
    const grants = [
      record(ACCOUNT, 'GRANTED', { grantedAt: '2026-11-25T09:00:00.000Z' }),
      record(ACCOUNT, 'GRANTED', { grantedAt: '2026-11-01T09:00:00.000Z' }),
      record(ACCOUNT, 'GRANTED', { grantedAt: '2026-11-10T09:00:00.000Z' }),
    ];
    const w = world({ [COMMON]: policy(managed(OTHER)) }, grants);
    expect((await accessTo(w, COMMON)).removedOutside).toStrictEqual([grants[0]]);
  });
});

describe('a policy that lets everyone pull (Principal "*")', () => {
  it('says so, lists the accounts it also names, and counts no grant as removed', async () => {
    const named = record(OTHER, 'GRANTED');
    const unnamed = record(ACCOUNT, 'GRANTED');
    const w = world({ [COMMON]: policy(managed(OTHER), PUBLIC) }, [named, unnamed]);
    expect(await accessTo(w, COMMON)).toStrictEqual({
      repository: COMMON,
      everyone: true,
      pullers: [{ account: OTHER, grant: named }],
      ous: [],
      removedOutside: [],
      open: [],
    });
  });

  it('says so when the only statement names everyone', async () => {
    const w = world({ [COMMON]: policy(PUBLIC) });
    expect(await accessTo(w, COMMON)).toStrictEqual({ ...nobody(COMMON), everyone: true });
  });
});

describe('open requests', () => {
  it('lists pending, approved and failed requests, oldest first, and no others', async () => {
    const failed = record(THIRD, 'FAILED', { createdAt: '2026-11-29T09:00:00.000Z' });
    const pending = record(ACCOUNT, 'PENDING', { createdAt: '2026-11-30T09:00:00.000Z' });
    const approved = record(OTHER, 'APPROVED', { createdAt: '2026-11-28T09:00:00.000Z' });
    const closed = (['GRANTED', 'DENIED', 'REVOKED', 'EXPIRED'] as const).map((state) => record('555566667777', state, { createdAt: '2026-11-27T09:00:00.000Z' }));
    const w = world({ [COMMON]: policy(managed('555566667777')) }, [pending, ...closed, failed, approved]);
    expect((await accessTo(w, COMMON)).open).toStrictEqual([approved, failed, pending]);
  });
});

describe('a policy that cannot be read', () => {
  it('is reported for its repository, which still lists its open requests, while the others are listed', async () => {
    const pending = record(ACCOUNT, 'PENDING');
    const grant = record(OTHER, 'GRANTED');
    const baseGrant = record(THIRD, 'GRANTED', { repository: BASE });
    const w = world({ [COMMON]: '{ not json', [BASE]: policy(managed(THIRD)) }, [pending, grant, baseGrant]);
    expect(await listAccess(w.deps)).toStrictEqual({
      code: 'listed',
      repositories: [
        {
          repository: COMMON,
          problem: { code: ErrorCode.InvalidPolicy, detail: 'The repository policy is not valid JSON.' },
          everyone: false,
          pullers: [],
          ous: [],
      removedOutside: [],
          open: [pending],
        },
        { repository: BASE, everyone: false, pullers: [{ account: THIRD, grant: baseGrant }], ous: [], removedOutside: [], open: [] },
      ],
    });
  });

  it('is reported with what the registry answered', async () => {
    const w = world({ [COMMON]: policy(managed(ACCOUNT)) });
    w.registry.nextReads.push('fail');
    expect(await accessTo(w, COMMON)).toStrictEqual({
      ...nobody(COMMON),
      problem: { code: ErrorCode.Registry, detail: 'GetRepositoryPolicy on common-images: ServerException' },
    });
  });

  it('is reported as a registry problem when the failure is not one ecr-access knows', async () => {
    const w = world({});
    jest.spyOn(w.deps.registry, 'getPolicy').mockRejectedValue(new Error('socket hang up'));
    expect((await accessTo(w, COMMON)).problem).toStrictEqual({ code: ErrorCode.Registry, detail: 'socket hang up' });
  });

  it('is reported in words even when what failed is not an Error', async () => {
    const w = world({});
    jest.spyOn(w.deps.registry, 'getPolicy').mockRejectedValue('throttled');
    expect((await accessTo(w, COMMON)).problem).toStrictEqual({ code: ErrorCode.Registry, detail: 'throttled' });
  });

  it('is logged as a warning naming the repository', async () => {
    const w = world({ [COMMON]: '{ not json' });
    await listAccess(w.deps, COMMON);
    const warnings = w.logs.map((line) => JSON.parse(line) as { level: string }).filter((entry) => entry.level === 'warn');
    expect(warnings).toEqual([expect.objectContaining({ message: 'could not read a repository policy for list', repository: COMMON })]);
  });

  it('leaves no warning when every policy can be read', async () => {
    const w = world({ [COMMON]: policy(managed(ACCOUNT)) });
    await listAccess(w.deps);
    expect(w.logs.filter((line) => (JSON.parse(line) as { level: string }).level === 'warn')).toEqual([]);
  });
});

describe('which repositories are listed', () => {
  it('lists the named repositories as given, then those a pattern matches in the registry, sorted, and no other', async () => {
    const rule = (match: string) => ({ match, approvals: 1 as const, durations: {} });
    const w = world({}, [], { rules: repositoryRules([rule('team-*'), rule(COMMON)]) });
    for (const name of ['team-b', 'team-a', 'team-a/debug', 'secret-images']) w.registry.created.add(name);
    const outcome = await listAccess(w.deps);
    expect(outcome.code === 'listed' && outcome.repositories.map((r) => r.repository)).toEqual([COMMON, 'team-a', 'team-b']);
  });

  it('asks the registry for nothing when the rules only name repositories', async () => {
    const w = world({});
    const listing = jest.spyOn(w.deps.registry, 'repositoryNames');
    await listAccess(w.deps);
    expect(listing).not.toHaveBeenCalled();
  });

  it('lists every shared repository, in the order configured, when none is named', async () => {
    const w = world({ [BASE]: policy(managed(ACCOUNT)) }, [], { repositories: [COMMON, BASE, 'app-images'] });
    expect(await listAccess(w.deps)).toStrictEqual({
      code: 'listed',
      repositories: [nobody(COMMON), { ...nobody(BASE), pullers: [{ account: ACCOUNT }] }, nobody('app-images')],
    });
  });

  it('lists only the repository named', async () => {
    const w = world({ [COMMON]: policy(managed(OTHER)), [BASE]: policy(managed(ACCOUNT)) });
    expect(await listAccess(w.deps, BASE)).toStrictEqual({ code: 'listed', repositories: [{ ...nobody(BASE), pullers: [{ account: ACCOUNT }] }] });
  });

  it('refuses a repository ecr-access does not share, naming the ones it does, and reads nothing', async () => {
    const w = world({});
    const getPolicy = jest.spyOn(w.deps.registry, 'getPolicy');
    expect(await listAccess(w.deps, 'secret-images')).toEqual({ code: 'not-shareable', repository: 'secret-images', repositories: [COMMON, BASE] });
    expect(getPolicy).not.toHaveBeenCalled();
  });

  it('lists many repositories, each with its own policy, in the order configured', async () => {
    const names = Array.from({ length: 40 }, (_, i) => `team-${String(i).padStart(2, '0')}`).reverse();
    const account = (i: number) => String(100_000_000_000 + i);
    const w = world(Object.fromEntries(names.map((name, i) => [name, policy(managed(account(i)))])), [], { repositories: names });
    const outcome = await listAccess(w.deps);
    if (outcome.code !== 'listed') throw new Error('not listed');
    expect(outcome.repositories.map((r) => [r.repository, r.pullers.map((p) => p.account)])).toEqual(names.map((name, i) => [name, [account(i)]]));
  });
});
