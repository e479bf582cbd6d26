// Submitting a request on in-memory ports: each refusal answers its own code and leaves no trace,
// an account that can pull already is refused unless it extends a live time-bound grant, and an
// accepted request is recorded, put in front of the approvers, and forgotten if they cannot see it.
import { repositoryRules } from '../../../src/domain/repository-rules';
import type { AccessRequest } from '../../../src/domain/access-request';
import { DAY_MS, HOUR_MS } from '../../../src/domain/duration';
import { READ_ONLY_ACTIONS } from '../../../src/domain/policy';
import { EcrAccessError, ErrorCode } from '../../../src/errors';
import { checkRequest, type NewRequest, submitRequest } from '../../../src/service/submit-request';
import { managed, policy, ROOT } from '../../support/policy-texts';
import { InMemoryAccountDirectory, inMemoryDeps } from '../../support/in-memory-ports';

const REPOSITORY = 'common-images';
const REQUESTER = 'U0REQUESTER';
const ACCOUNT = '222233334444';
const OTHER = '333344445555';
const THIRD = '444455556666';
/** The account that holds the repositories, as the in-memory registry describes them. */
const OWN_REGISTRY = '123456789012';

const CI_PUSH = { Sid: 'ciPush', Effect: 'Allow', Principal: { AWS: ROOT('999988887777') }, Action: ['ecr:PutImage', 'ecr:InitiateLayerUpload'] };

/** What the approvers are shown as the statement after approval. */
const preview = (...accounts: string[]) => JSON.stringify(managed(...accounts), null, 2);

const ask = (overrides: Partial<NewRequest> = {}): NewRequest => ({ requester: REQUESTER, repository: REPOSITORY, account: ACCOUNT, ...overrides });

function record(id: string, account: string, overrides: Partial<AccessRequest> = {}): AccessRequest {
  return {
    id,
    repository: REPOSITORY,
    account,
    requester: 'U0EARLIER',
    state: 'GRANTED',
    createdAt: '2026-11-20T09:00:00.000Z',
    card: { channel: 'C0APPROVALS', ts: `1700000000.${id.slice(-6)}` },
    decidedBy: 'U0APPROVER',
    grantedAt: '2026-11-20T09:05:00.000Z',
    attempts: 1,
    owed: [],
    ...overrides,
  };
}

/** A time-bound grant that is live on the fake clock (2026-12-01T09:00Z). */
const liveUntil = (id: string, account: string, expiresAt: string) => record(id, account, { durationMs: 30 * DAY_MS, expiresAt });

function world(text: string | undefined, records: AccessRequest[] = [], overrides: Parameters<typeof inMemoryDeps>[0] = {}) {
  const w = inMemoryDeps({ newId: () => 'r-00000000aa', ...overrides });
  if (text !== undefined) w.registry.policies.set(REPOSITORY, text);
  for (const r of records) w.store.requests.set(r.id, r);
  return w;
}

type World = ReturnType<typeof world>;

/** A refusal records nothing, tells nobody and writes no policy. */
function expectNothingDone(w: World, records: AccessRequest[] = []) {
  expect([...w.store.requests.values()]).toEqual(records);
  expect(w.notifier.told).toEqual([]);
  expect(w.registry.writes).toEqual([]);
}

function loggedErrors(w: World): unknown[] {
  return w.logs.map((line) => JSON.parse(line) as { level: string }).filter((entry) => entry.level === 'error');
}

describe('submitting a request', () => {
  it('records a pending request, posts it to the approvers, and answers it with its card', async () => {
    const w = world(policy(CI_PUSH, managed(OTHER)));
    w.clock.at = Date.parse('2026-12-01T10:30:00Z');
    const outcome = await submitRequest(w.deps, ask({ reason: 'nightly builds', durationMs: 7 * DAY_MS }));
    const expected: AccessRequest = {
      id: 'r-00000000aa',
      repository: REPOSITORY,
      account: ACCOUNT,
      requester: REQUESTER,
      reason: 'nightly builds',
      state: 'PENDING',
      createdAt: '2026-12-01T10:30:00.000Z',
      attempts: 0,
      owed: [],
      durationMs: 7 * DAY_MS,
      history: [{ kind: 'requested', at: '2026-12-01T10:30:00.000Z', by: REQUESTER }],
      card: { channel: 'C0APPROVALS', ts: '1700000000.000001' },
    };
    expect(outcome).toStrictEqual({ code: 'submitted', request: expected });
    expect(w.store.requests.get('r-00000000aa')).toStrictEqual(expected);
    expect(w.store.requests.size).toBe(1);
    expect(w.notifier.told).toEqual([{ part: 'post', id: 'r-00000000aa', state: 'PENDING' }]);
  });

  it('writes no policy: access is only given once approved', async () => {
    const w = world(policy(managed(OTHER)));
    await submitRequest(w.deps, ask());
    expect(w.registry.writes).toEqual([]);
    expect(w.registry.policies.get(REPOSITORY)).toBe(policy(managed(OTHER)));
  });

  it('shows the approvers what approval merges: the account alone, which stays true whatever else the policy gains or loses meanwhile', async () => {
    const w = world(policy(CI_PUSH, managed(THIRD, OTHER)));
    const post = jest.spyOn(w.deps.notifier, 'postRequestCard');
    await submitRequest(w.deps, ask());
    expect(post).toHaveBeenCalledTimes(1);
    expect(post.mock.calls[0]![1]).toBe(preview(ACCOUNT));
  });

  it('shows a statement of the account alone when the repository has no policy yet', async () => {
    const w = world(undefined);
    const post = jest.spyOn(w.deps.notifier, 'postRequestCard');
    await submitRequest(w.deps, ask());
    expect(post.mock.calls[0]![1]).toBe(preview(ACCOUNT));
  });

  it("tells the card how many approvals the request's repository asks for now", async () => {
    const w = world(undefined, [], { approvals: 2 });
    const post = jest.spyOn(w.deps.notifier, 'postRequestCard');
    await submitRequest(w.deps, ask());
    expect(post.mock.calls[0]![2]).toBe(2);
  });

  it('keeps no reason and no time limit when none were given', async () => {
    const w = world(undefined);
    const outcome = await submitRequest(w.deps, ask());
    expect(outcome.code).toBe('submitted');
    const stored = w.store.requests.get('r-00000000aa')!;
    expect(Object.keys(stored).sort()).toEqual(['account', 'attempts', 'card', 'createdAt', 'history', 'id', 'owed', 'repository', 'requester', 'state']);
  });

  it('keeps no reason when the reason given is empty', async () => {
    const w = world(undefined);
    await submitRequest(w.deps, ask({ reason: '' }));
    expect(w.store.requests.get('r-00000000aa')).not.toHaveProperty('reason');
  });
});

describe('refusing a request before anything is recorded', () => {
  it('refuses a repository ecr-access does not share, naming the ones it does', async () => {
    const w = world(undefined, [], { repositories: ['common-images', 'base-images'] });
    expect(await submitRequest(w.deps, ask({ repository: 'secret-images' }))).toEqual({
      code: 'not-shareable',
      repository: 'secret-images',
      repositories: ['common-images', 'base-images'],
    });
    expectNothingDone(w);
  });

  it('says the repository is not shared before looking at the time limit', async () => {
    const w = world(undefined, [], { durations: { required: true } });
    expect(await submitRequest(w.deps, ask({ repository: 'secret-images' }))).toMatchObject({ code: 'not-shareable' });
  });

  it('refuses a time limit longer than this deployment allows', async () => {
    const w = world(undefined, [], { durations: { maxMs: 7 * DAY_MS } });
    expect(await submitRequest(w.deps, ask({ durationMs: 7 * DAY_MS + HOUR_MS }))).toEqual({
      code: 'duration-refused',
      problems: ['access here lasts at most 7 days, not 169 hours: ask for 7 days or less'],
    });
    expectNothingDone(w);
  });

  it('accepts a time limit of exactly the longest allowed', async () => {
    const w = world(undefined, [], { durations: { maxMs: 7 * DAY_MS } });
    expect(await submitRequest(w.deps, ask({ durationMs: 7 * DAY_MS }))).toMatchObject({ code: 'submitted', request: { durationMs: 7 * DAY_MS } });
  });

  it('refuses a request without a time limit where every grant must end', async () => {
    const w = world(undefined, [], { durations: { required: true } });
    expect(await submitRequest(w.deps, ask())).toEqual({
      code: 'duration-refused',
      problems: ['every request here needs a time limit: add --for, like --for 12h or --for 7d'],
    });
    expectNothingDone(w);
  });

  it('checks the time limit before asking the registry anything', async () => {
    const w = world(undefined, [], { durations: { required: true } });
    const describeRepository = jest.spyOn(w.deps.registry, 'describeRepository').mockResolvedValue(undefined);
    expect(await submitRequest(w.deps, ask())).toMatchObject({ code: 'duration-refused' });
    expect(describeRepository).not.toHaveBeenCalled();
  });

  it('says so when the repository does not exist in the registry', async () => {
    const w = world(undefined);
    jest.spyOn(w.deps.registry, 'describeRepository').mockResolvedValue(undefined);
    expect(await submitRequest(w.deps, ask())).toEqual({ code: 'repository-missing', repository: REPOSITORY });
    expectNothingDone(w);
  });

  it('refuses access for the account that holds the registry, before reading its policy', async () => {
    const w = world('not json');
    expect(await submitRequest(w.deps, ask({ account: OWN_REGISTRY }))).toEqual({ code: 'own-registry', account: OWN_REGISTRY });
    expectNothingDone(w);
  });

  it('treats the account of another registry as any other account', async () => {
    const w = world(undefined);
    jest.spyOn(w.deps.registry, 'describeRepository').mockResolvedValue({ registryId: OTHER });
    expect(await submitRequest(w.deps, ask({ account: OWN_REGISTRY }))).toMatchObject({ code: 'submitted' });
  });
});

describe('an account that can pull already', () => {
  it('is refused when our statement names it', async () => {
    const w = world(policy(managed(ACCOUNT, OTHER)));
    expect(await submitRequest(w.deps, ask())).toEqual({ code: 'can-already-pull', repository: REPOSITORY, account: ACCOUNT });
    expectNothingDone(w);
  });

  it('is refused when another statement lets it pull', async () => {
    const legacy = { Sid: 'legacyReaders', Effect: 'Allow', Principal: { AWS: ROOT(ACCOUNT) }, Action: 'ecr:*' };
    const w = world(policy(legacy));
    expect(await submitRequest(w.deps, ask())).toEqual({ code: 'can-already-pull', repository: REPOSITORY, account: ACCOUNT });
  });

  it('is refused when the policy lets everyone pull (Principal "*")', async () => {
    const w = world(policy({ Sid: 'public', Effect: 'Allow', Principal: '*', Action: [...READ_ONLY_ACTIONS] }));
    expect(await submitRequest(w.deps, ask())).toEqual({ code: 'can-already-pull', repository: REPOSITORY, account: ACCOUNT });
  });

  it('is refused when its grant has no end', async () => {
    const grant = record('r-0000000001', ACCOUNT);
    const w = world(policy(managed(ACCOUNT)), [grant]);
    expect(await submitRequest(w.deps, ask({ durationMs: DAY_MS }))).toEqual({ code: 'can-already-pull', repository: REPOSITORY, account: ACCOUNT });
    expectNothingDone(w, [grant]);
  });

  it('is refused when one of its live grants has no end, even if another is time-bound', async () => {
    const grants = [liveUntil('r-0000000001', ACCOUNT, '2026-12-20T09:00:00.000Z'), record('r-0000000002', ACCOUNT)];
    const w = world(policy(managed(ACCOUNT)), grants);
    expect(await submitRequest(w.deps, ask({ durationMs: DAY_MS }))).toMatchObject({ code: 'can-already-pull' });
    expectNothingDone(w, grants);
  });

  it('is refused when the removal of its time-bound grant is under way', async () => {
    const ending = { kind: 'revoke' as const, by: 'U0APPROVER', at: '2026-12-01T08:59:00.000Z' };
    const grant = { ...liveUntil('r-0000000001', ACCOUNT, '2026-12-20T09:00:00.000Z'), ending };
    const w = world(policy(managed(ACCOUNT)), [grant]);
    expect(await submitRequest(w.deps, ask({ durationMs: DAY_MS }))).toMatchObject({ code: 'can-already-pull' });
    expectNothingDone(w, [grant]);
  });

  it('is refused when its time-bound grant ended and it pulls by other means', async () => {
    const ended = record('r-0000000001', ACCOUNT, { state: 'EXPIRED', durationMs: DAY_MS, expiresAt: '2026-11-30T09:00:00.000Z', endedAt: '2026-11-30T09:00:00.000Z' });
    const w = world(policy(managed(ACCOUNT)), [ended]);
    expect(await submitRequest(w.deps, ask({ durationMs: DAY_MS }))).toMatchObject({ code: 'can-already-pull' });
  });

  it('is refused when only another account holds a live time-bound grant', async () => {
    const w = world(policy(managed(ACCOUNT, OTHER)), [liveUntil('r-0000000001', OTHER, '2026-12-20T09:00:00.000Z')]);
    expect(await submitRequest(w.deps, ask({ durationMs: DAY_MS }))).toMatchObject({ code: 'can-already-pull' });
  });

  it('is refused even when the policy could not take a new account', async () => {
    const notOurs = { ...managed(ACCOUNT), Resource: '*' };
    const w = world(policy(notOurs));
    expect(await submitRequest(w.deps, ask())).toMatchObject({ code: 'can-already-pull' });
  });

  it('is refused before an open request of the same account is looked at', async () => {
    const open = record('r-0000000001', ACCOUNT, { state: 'APPROVED' });
    const w = world(policy(managed(ACCOUNT)), [open]);
    expect(await submitRequest(w.deps, ask())).toMatchObject({ code: 'can-already-pull' });
  });
});

describe('extending a live time-bound grant', () => {
  it('records a request that names the grant it extends, and shows the statement it is already in', async () => {
    const grant = liveUntil('r-0000000001', ACCOUNT, '2026-12-20T09:00:00.000Z');
    const w = world(policy(managed(ACCOUNT, OTHER)), [grant]);
    const post = jest.spyOn(w.deps.notifier, 'postRequestCard');
    const outcome = await submitRequest(w.deps, ask({ durationMs: 14 * DAY_MS }));
    expect(outcome).toMatchObject({ code: 'submitted', request: { id: 'r-00000000aa', state: 'PENDING', extends: 'r-0000000001', durationMs: 14 * DAY_MS } });
    expect(post.mock.calls[0]![1]).toBe(preview(ACCOUNT));
    expect(w.store.requests.get('r-0000000001')).toStrictEqual(grant);
    expect(w.registry.writes).toEqual([]);
  });

  it('extends the grant that lasts longest when several are live', async () => {
    const grants = [
      liveUntil('r-0000000001', ACCOUNT, '2026-12-10T09:00:00.000Z'),
      liveUntil('r-0000000002', ACCOUNT, '2026-12-30T09:00:00.000Z'),
      liveUntil('r-0000000003', ACCOUNT, '2026-12-05T09:00:00.000Z'),
    ];
    const w = world(policy(managed(ACCOUNT)), grants);
    expect(await submitRequest(w.deps, ask({ durationMs: DAY_MS }))).toMatchObject({ code: 'submitted', request: { extends: 'r-0000000002' } });
  });

  it('extends the longest-lasting grant when it was recorded first', async () => {
    const grants = [liveUntil('r-0000000001', ACCOUNT, '2026-12-30T09:00:00.000Z'), liveUntil('r-0000000002', ACCOUNT, '2026-12-10T09:00:00.000Z')];
    const w = world(policy(managed(ACCOUNT)), grants);
    expect(await submitRequest(w.deps, ask({ durationMs: DAY_MS }))).toMatchObject({ code: 'submitted', request: { extends: 'r-0000000001' } });
  });

  it('does not name a grant in a request for an account that cannot pull', async () => {
    const w = world(policy(managed(OTHER)), [liveUntil('r-0000000001', OTHER, '2026-12-20T09:00:00.000Z')]);
    const outcome = await submitRequest(w.deps, ask({ durationMs: DAY_MS }));
    expect(outcome.code).toBe('submitted');
    expect(w.store.requests.get('r-00000000aa')).not.toHaveProperty('extends');
  });

  it('is refused when the policy could not take the account again', async () => {
    const notOurs = { ...managed(ACCOUNT), Resource: '*' };
    const grant = liveUntil('r-0000000001', ACCOUNT, '2026-12-20T09:00:00.000Z');
    const w = world(policy(notOurs), [grant]);
    expect(await submitRequest(w.deps, ask({ durationMs: DAY_MS }))).toMatchObject({
      code: 'policy-problem',
      repository: REPOSITORY,
      failure: { code: ErrorCode.ForeignStatement },
    });
    expectNothingDone(w, [grant]);
  });

  it('answers the extension already asked for while it is open', async () => {
    const grant = liveUntil('r-0000000001', ACCOUNT, '2026-12-20T09:00:00.000Z');
    const extension = record('r-0000000002', ACCOUNT, { state: 'PENDING', extends: 'r-0000000001', durationMs: DAY_MS });
    const w = world(policy(managed(ACCOUNT)), [grant, extension]);
    expect(await submitRequest(w.deps, ask({ durationMs: DAY_MS }))).toEqual({ code: 'already-open', existing: extension });
    expectNothingDone(w, [grant, extension]);
  });
});

describe('a policy ecr-access cannot work with', () => {
  it('is reported with its code and detail when it is not JSON', async () => {
    const w = world('{ not json');
    expect(await submitRequest(w.deps, ask())).toEqual({
      code: 'policy-problem',
      repository: REPOSITORY,
      failure: { code: ErrorCode.InvalidPolicy, detail: 'The repository policy is not valid JSON.' },
    });
    expectNothingDone(w);
  });

  it('is reported when a Deny would keep the account from pulling once added', async () => {
    const deny = { Sid: 'blockPulls', Effect: 'Deny', Principal: { AWS: ROOT(ACCOUNT) }, Action: 'ecr:BatchGetImage' };
    const w = world(policy(managed(OTHER), deny));
    expect(await submitRequest(w.deps, ask())).toEqual({
      code: 'policy-problem',
      repository: REPOSITORY,
      failure: { code: ErrorCode.DeniedByPolicy, detail: expect.stringContaining(ACCOUNT) },
    });
    expectNothingDone(w);
  });

  it('is reported when our statement was rewritten by hand into something else', async () => {
    const w = world(policy({ ...managed(OTHER), Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc' } } }));
    expect(await submitRequest(w.deps, ask())).toMatchObject({ code: 'policy-problem', failure: { code: ErrorCode.ForeignStatement } });
    expectNothingDone(w);
  });

  it('is reported when one more account would make it longer than ECR allows', async () => {
    // 303 accounts fill the policy to exactly ECR's 10,240 characters.
    const many = Array.from({ length: 303 }, (_, i) => String(100_000_000_000 + i));
    const w = world(policy(managed(...many)));
    expect(await submitRequest(w.deps, ask())).toMatchObject({ code: 'policy-problem', failure: { code: ErrorCode.PolicyTooLarge } });
    expectNothingDone(w);
  });

  it('is reported when it cannot be read', async () => {
    const w = world(policy(managed(OTHER)));
    w.registry.nextReads.push('fail');
    expect(await submitRequest(w.deps, ask())).toEqual({
      code: 'policy-problem',
      repository: REPOSITORY,
      failure: { code: ErrorCode.Registry, detail: 'GetRepositoryPolicy on common-images: ServerException' },
    });
    expectNothingDone(w);
  });

  it('comes before an open request of the same account', async () => {
    const open = record('r-0000000001', ACCOUNT, { state: 'FAILED' });
    const w = world('{ not json', [open]);
    expect(await submitRequest(w.deps, ask())).toMatchObject({ code: 'policy-problem' });
  });

  it('lets an unexpected failure of the registry through instead of calling it a policy problem', async () => {
    const w = world(undefined);
    jest.spyOn(w.deps.registry, 'getPolicy').mockRejectedValue(new Error('socket hang up'));
    await expect(submitRequest(w.deps, ask())).rejects.toThrow('socket hang up');
    expectNothingDone(w);
  });
});

describe('an open request for the same repository and account', () => {
  it.each(['PENDING', 'APPROVED', 'FAILED'] as const)('answers the %s request instead of recording another, and posts nothing', async (state) => {
    const open = record('r-0000000001', ACCOUNT, { state });
    const w = world(policy(managed(OTHER)), [open]);
    expect(await submitRequest(w.deps, ask())).toEqual({ code: 'already-open', existing: open });
    expectNothingDone(w, [open]);
  });

  it('does not hold back a request for another account', async () => {
    const w = world(policy(managed(OTHER)), [record('r-0000000001', OTHER, { state: 'PENDING' })]);
    expect(await submitRequest(w.deps, ask())).toMatchObject({ code: 'submitted' });
  });

  it('is still answered by the slot when the repository index has not caught up with it', async () => {
    const open = record('r-0000000001', ACCOUNT, { state: 'PENDING' });
    const w = world(policy(managed(OTHER)), [open]);
    jest.spyOn(w.store, 'listByRepository').mockResolvedValue([]);
    expect(await submitRequest(w.deps, ask())).toEqual({ code: 'already-open', existing: open });
    expectNothingDone(w, [open]);
  });
});

describe('checking a request without submitting it, as the request form does before it answers Slack', () => {
  it('answers what the card would show, and writes nothing', async () => {
    const w = world(policy(managed(OTHER)));
    expect(await checkRequest(w.deps, ask())).toEqual({ code: 'checked', preview: preview(ACCOUNT) });
    expectNothingDone(w);
  });

  it('finds an open request of the same account, so it can be shown on the form', async () => {
    const open = record('r-0000000001', ACCOUNT, { state: 'PENDING' });
    const w = world(policy(managed(OTHER)), [open]);
    expect(await checkRequest(w.deps, ask())).toEqual({ code: 'already-open', existing: open });
  });

  it('names the grant a request would extend', async () => {
    const grant = liveUntil('r-0000000001', ACCOUNT, '2026-12-20T09:00:00.000Z');
    const w = world(policy(managed(ACCOUNT)), [grant]);
    expect(await checkRequest(w.deps, ask({ durationMs: DAY_MS }))).toEqual({ code: 'checked', preview: preview(ACCOUNT), extending: grant });
  });
});

describe('a card that cannot be posted', () => {
  it('discards the request, logs why, and says what Slack answered', async () => {
    const w = world(undefined);
    jest.spyOn(w.deps.notifier, 'postRequestCard').mockRejectedValue(new EcrAccessError(ErrorCode.Slack, 'chat.postMessage: channel_not_found'));
    expect(await submitRequest(w.deps, ask())).toEqual({ code: 'card-not-posted', detail: 'chat.postMessage: channel_not_found' });
    expect(w.store.requests.size).toBe(0);
    expect(loggedErrors(w)).toEqual([
      expect.objectContaining({
        message: 'could not post the request card; request discarded',
        requestId: 'r-00000000aa',
        error: expect.objectContaining({ message: 'chat.postMessage: channel_not_found' }),
      }),
    ]);
  });

  it('says only that Slack failed when the failure is not one ecr-access knows', async () => {
    const w = world(undefined);
    jest.spyOn(w.deps.notifier, 'postRequestCard').mockRejectedValue(new TypeError('fetch failed'));
    expect(await submitRequest(w.deps, ask())).toEqual({ code: 'card-not-posted', detail: 'Slack error' });
    expect(w.store.requests.size).toBe(0);
  });

  it('frees the slot, so the same request can be asked again', async () => {
    let ids = 0;
    const w = world(undefined, [], { newId: () => `r-000000000${++ids}` });
    jest.spyOn(w.deps.notifier, 'postRequestCard').mockRejectedValueOnce(new EcrAccessError(ErrorCode.Slack, 'ratelimited'));
    expect(await submitRequest(w.deps, ask())).toMatchObject({ code: 'card-not-posted' });
    expect(await submitRequest(w.deps, ask())).toMatchObject({ code: 'submitted', request: { id: 'r-0000000002' } });
    expect([...w.store.requests.keys()]).toEqual(['r-0000000002']);
  });

  it('keeps the request when its posted card cannot be recorded on it, and logs which card it is', async () => {
    const w = world(undefined);
    jest.spyOn(w.deps.store, 'attachCard').mockRejectedValue(new EcrAccessError(ErrorCode.Store, 'DynamoDB: ProvisionedThroughputExceeded'));
    const outcome = await submitRequest(w.deps, ask());
    expect(outcome).toMatchObject({ code: 'submitted', request: { id: 'r-00000000aa', state: 'PENDING' } });
    expect(w.store.requests.get('r-00000000aa')).toMatchObject({ state: 'PENDING' });
    expect(w.store.requests.get('r-00000000aa')!.card).toBeUndefined();
    expect(loggedErrors(w)).toEqual([
      expect.objectContaining({
        message: 'posted the request card but could not record it on the request',
        requestId: 'r-00000000aa',
        card: expect.objectContaining({ channel: expect.any(String), ts: expect.any(String) }),
      }),
    ]);
  });

  it('logs nothing as an error when the card is posted', async () => {
    const w = world(undefined);
    await submitRequest(w.deps, ask());
    expect(loggedErrors(w)).toEqual([]);
  });
});

describe('requests for accounts outside the organization', () => {
  const organization = () => new InMemoryAccountDirectory({ [ACCOUNT]: { kind: 'member', name: 'analytics', ouPath: ['Root', 'Analytics'] } });

  it('refuses an outsider before anything is recorded, when only the organization may pull', async () => {
    const { deps, store, notifier } = inMemoryDeps({ accounts: organization(), organizationOnly: true });
    expect(await submitRequest(deps, ask({ account: OTHER }))).toEqual({ code: 'outside-organization', account: OTHER });
    expect(await store.listByRepository(REPOSITORY)).toEqual([]);
    expect(notifier.told).toEqual([]);
  });

  it('takes an outsider to the approvers when outsiders are not refused (the card flags it)', async () => {
    const { deps } = inMemoryDeps({ accounts: organization() });
    expect((await submitRequest(deps, ask({ account: OTHER }))).code).toBe('submitted');
  });

  it("follows the repository's rule over the deployment's setting, either way", async () => {
    const rule = (organizationOnly: boolean) => repositoryRules([{ match: REPOSITORY, approvals: 1, durations: {}, organizationOnly }]);
    const strict = inMemoryDeps({ accounts: organization(), rules: rule(true) });
    expect(await submitRequest(strict.deps, ask({ account: OTHER }))).toEqual({ code: 'outside-organization', account: OTHER });
    const lenient = inMemoryDeps({ accounts: organization(), organizationOnly: true, rules: rule(false) });
    expect((await submitRequest(lenient.deps, ask({ account: OTHER }))).code).toBe('submitted');
  });

  it('takes the request to the approvers when nobody can say whose the account is', async () => {
    const accounts = organization();
    accounts.failing = 'AWS Organizations is throttling the bot';
    const { deps } = inMemoryDeps({ accounts, organizationOnly: true });
    expect((await submitRequest(deps, ask({ account: OTHER }))).code).toBe('submitted');
  });
});
