/**
 * The membership rule: an account is in ecr-access's statement exactly when one of its grants is
 * live, decided from all of its requests at once; and each request's outcome from the policy as
 * read back. Examples first, then properties over any mix of requests.
 */
import fc from 'fast-check';
import type { AccessRequest, Ending, RequestState } from '../../../src/domain/access-request';
import { awaitsVerdict, byMark, isLive, lambdaMembership, Mark, membership, outcomes, type ReadBack } from '../../../src/domain/membership';
import { ErrorCode } from '../../../src/errors';
import { runs } from './property-runs';

const ACCOUNT = '222233334444';
const REVOKE: Ending = { kind: 'revoke', by: 'U0RITA', at: '2026-12-01T09:00:00.000Z' };
const EXPIRE: Ending = { kind: 'expire', by: 'ecr-access', at: '2026-12-01T09:00:00.000Z' };

let next = 0;
function request(state: RequestState, overrides: Partial<AccessRequest> = {}): AccessRequest {
  next += 1;
  return {
    id: `r-${String(next).padStart(10, '0')}`,
    repository: 'common-images',
    account: ACCOUNT,
    requester: 'U0RITA',
    state,
    createdAt: '2026-12-01T08:00:00.000Z',
    attempts: 0,
    owed: [],
    ...overrides,
  };
}

const read = (overrides: Partial<ReadBack> = {}): ReadBack => ({ inStatement: true, canPull: true, inLambda: false, blocked: false, ...overrides });
const states = (decided: Map<string, { state: string }>) => Object.fromEntries([...decided].map(([id, o]) => [id, o.state]));

describe('a live grant', () => {
  it.each([
    ['APPROVED', {}, true],
    ['GRANTED', {}, true],
    ['GRANTED', { ending: REVOKE }, false],
    ['APPROVED', { ending: REVOKE }, false],
    ['PENDING', {}, false],
    ['FAILED', {}, false],
    ['DENIED', {}, false],
    ['REVOKED', {}, false],
    ['EXPIRED', {}, false],
  ] as const)('is %s %j: %s', (state, overrides, live) => {
    expect(isLive(request(state, overrides))).toBe(live);
  });

  it.each([
    ['APPROVED', {}, true],
    ['APPROVED', { ending: REVOKE }, true],
    ['GRANTED', { ending: EXPIRE }, true],
    ['GRANTED', {}, false],
    ['REVOKED', { ending: REVOKE }, false],
    ['FAILED', {}, false],
  ] as const)('a %s request %j awaits its verdict: %s', (state, overrides, awaits) => {
    expect(awaitsVerdict(request(state, overrides))).toBe(awaits);
  });
});

describe('membership', () => {
  it('is in while any grant of the account is live, whatever else is ending', () => {
    expect(membership([request('GRANTED', { ending: REVOKE }), request('APPROVED')], false)).toBe('in');
    expect(membership([request('GRANTED'), request('GRANTED', { ending: EXPIRE })], false)).toBe('in');
  });

  it('is out once no grant is live and one is ending', () => {
    expect(membership([request('GRANTED', { ending: REVOKE }), request('REVOKED')], false)).toBe('out');
    expect(membership([request('APPROVED', { ending: REVOKE })], false)).toBe('out');
  });

  it('is out when the only live grants are approvals a Deny makes useless, and in when a verified grant stays', () => {
    expect(membership([request('APPROVED')], true)).toBe('out');
    expect(membership([request('APPROVED'), request('GRANTED')], true)).toBe('in');
  });

  it('leaves the account as it is when nothing of it awaits a verdict', () => {
    expect(membership([], false)).toBe('as-is');
    expect(membership([request('DENIED'), request('FAILED'), request('EXPIRED')], false)).toBe('as-is');
  });
});

describe('outcomes', () => {
  it('grants an approval only when the account can pull', () => {
    const approval = request('APPROVED');
    expect(states(outcomes([approval], read()))).toEqual({ [approval.id]: 'GRANTED' });
    expect(states(outcomes([approval], read({ canPull: false })))).toEqual({});
  });

  it('says in plain words why an approval failed', () => {
    const approval = request('APPROVED', { account: '333344445555' });
    expect(outcomes([approval], read({ inStatement: false, canPull: false })).get(approval.id)).toEqual({
      state: 'FAILED',
      failure: { code: ErrorCode.ChangedConcurrently, detail: '333344445555 was not in the policy read back after the write: it was changed again at the same moment' },
    });
    expect(outcomes([approval], read({ inStatement: false, canPull: false, blocked: true })).get(approval.id)).toEqual({
      state: 'FAILED',
      failure: {
        code: ErrorCode.DeniedByPolicy,
        detail: 'A Deny statement in the repository policy takes pull access away from 333344445555; ecr-access does not edit Deny statements. Change that statement by hand first.',
      },
    });
  });

  it('leaves an approval undecided while the account is in the statement and cannot pull, and nothing else explains it', () => {
    const approval = request('APPROVED');
    expect(outcomes([approval], read({ canPull: false, blocked: true })).size).toBe(0);
    // A grant that keeps the account in, and a request that awaits nothing, do not change that when they are not live grants.
    expect(outcomes([approval, request('GRANTED', { ending: REVOKE }), request('DENIED')], read({ canPull: false })).has(approval.id)).toBe(false);
  });

  it('keeps a granted approval granted though another grant is live beside it', () => {
    const approval = request('APPROVED');
    const grant = request('GRANTED');
    expect(outcomes([approval, grant], read()).get(approval.id)).toEqual({ state: 'GRANTED' });
  });

  it('fails an approval only once the account is out of the statement, saying why', () => {
    const approval = request('APPROVED');
    const refusal = { code: ErrorCode.PolicyTooLarge, detail: 'too large' };
    expect(outcomes([approval], read({ inStatement: false, canPull: false, refusal })).get(approval.id)).toEqual({ state: 'FAILED', failure: refusal });
    expect(outcomes([approval], read({ inStatement: false, canPull: false })).get(approval.id)).toMatchObject({ state: 'FAILED', failure: { code: ErrorCode.ChangedConcurrently } });
    expect(outcomes([approval], read({ inStatement: false, canPull: false, blocked: true })).get(approval.id)).toMatchObject({ state: 'FAILED', failure: { code: ErrorCode.DeniedByPolicy } });
  });

  it('fails an approval a Deny makes useless while a verified grant explains the entry', () => {
    const approval = request('APPROVED');
    const grant = request('GRANTED');
    expect(states(outcomes([approval, grant], read({ canPull: false, blocked: true })))).toEqual({ [approval.id]: 'FAILED' });
  });

  it('ends a grant once the account is out, or while another live grant keeps it in, naming that grant', () => {
    const ending = request('GRANTED', { ending: REVOKE });
    const sams = request('GRANTED', { requester: 'U0SAM', expiresAt: '2026-12-02T00:00:00.000Z' });
    expect(outcomes([ending], read({ inStatement: false, canPull: false })).get(ending.id)).toEqual({ state: 'ENDED', ending: REVOKE, keptBy: [], outside: false });
    expect(outcomes([ending, sams], read()).get(ending.id)).toEqual({
      state: 'ENDED',
      ending: REVOKE,
      keptBy: [{ id: sams.id, requester: 'U0SAM', expiresAt: '2026-12-02T00:00:00.000Z' }],
      outside: false,
    });
    expect(outcomes([ending], read()).size).toBe(0);
  });

  it('counts an approval granted in the same read-back among the grants that keep the account in', () => {
    const ending = request('GRANTED', { ending: EXPIRE });
    const extension = request('APPROVED');
    const decided = outcomes([ending, extension], read());
    expect(decided.get(ending.id)).toMatchObject({ state: 'ENDED', keptBy: [{ id: extension.id }] });
    expect(decided.get(extension.id)).toEqual({ state: 'GRANTED' });
  });

  it('does not count an approval that failed in the same read-back as keeping the account in', () => {
    const ending = request('GRANTED', { ending: REVOKE });
    const approval = request('APPROVED');
    const refusal = { code: ErrorCode.PolicyRejected, detail: 'refused' };
    const decided = outcomes([ending, approval], read({ canPull: false, refusal }));
    expect(decided.get(ending.id)).toEqual({ state: 'REMOVAL_REFUSED', failure: refusal });
    expect(decided.has(approval.id)).toBe(false);
  });

  it('says a removal was refused when the account is still in and nothing explains it', () => {
    const ending = request('GRANTED', { ending: REVOKE });
    const refusal = { code: ErrorCode.NotShareable, detail: 'no longer shared' };
    expect(outcomes([ending], read({ refusal })).get(ending.id)).toEqual({ state: 'REMOVAL_REFUSED', failure: refusal });
  });

  it('ends an approval revoked before it was verified, never granting it', () => {
    const approval = request('APPROVED', { ending: REVOKE });
    expect(outcomes([approval], read()).size).toBe(0);
    expect(outcomes([approval], read({ inStatement: false, canPull: false })).get(approval.id)).toMatchObject({ state: 'ENDED' });
  });

  it('says an account added by hand is ended from outside', () => {
    const outside = request('GRANTED', { origin: 'outside', ending: REVOKE });
    expect(outcomes([outside], read({ inStatement: false, canPull: false })).get(outside.id)).toMatchObject({ state: 'ENDED', outside: true });
  });

  it('leaves requests that await nothing alone', () => {
    expect(outcomes([request('DENIED'), request('GRANTED'), request('FAILED'), request('PENDING')], read()).size).toBe(0);
  });
});

describe('a mark', () => {
  it('holds an account, the request that marked it, and a token', () => {
    expect(Mark.safeParse({ account: ACCOUNT, requestId: 'r-0000000001', token: 'a1b2c3' }).success).toBe(true);
  });

  it.each([
    ['an account that is not 12 digits', { account: '22223333444', requestId: 'r-0000000001', token: 'a1' }],
    ['a request ID ecr-access did not make', { account: ACCOUNT, requestId: 'r-ABC', token: 'a1' }],
    ['no token', { account: ACCOUNT, requestId: 'r-0000000001' }],
    ['a token with a separator in it', { account: ACCOUNT, requestId: 'r-0000000001', token: 'a:b' }],
  ])('is refused with %s', (_, value) => {
    expect(Mark.safeParse(value).success).toBe(false);
  });

  it('compares by account first, then request, then token, and finds a mark equal to itself', () => {
    const mark = (account: string, requestId: string, token: string) => ({ account, requestId, token });
    expect(byMark(mark(ACCOUNT, 'r-0000000002', 'z'), mark('333344445555', 'r-0000000001', 'a'))).toBe(-1);
    expect(byMark(mark('333344445555', 'r-0000000001', 'a'), mark(ACCOUNT, 'r-0000000002', 'z'))).toBe(1);
    expect(byMark(mark(ACCOUNT, 'r-0000000001', 'z'), mark(ACCOUNT, 'r-0000000002', 'a'))).toBe(-1);
    expect(byMark(mark(ACCOUNT, 'r-0000000002', 'a'), mark(ACCOUNT, 'r-0000000001', 'z'))).toBe(1);
    expect(byMark(mark(ACCOUNT, 'r-0000000001', 'a'), mark(ACCOUNT, 'r-0000000001', 'b'))).toBe(-1);
    expect(byMark(mark(ACCOUNT, 'r-0000000001', 'b'), mark(ACCOUNT, 'r-0000000001', 'a'))).toBe(1);
    expect(byMark(mark(ACCOUNT, 'r-0000000001', 'a'), mark(ACCOUNT, 'r-0000000001', 'a'))).toBe(0);
  });

  it('sorts by account, then request, then token', () => {
    const marks = [
      { account: '333344445555', requestId: 'r-0000000001', token: 'a' },
      { account: ACCOUNT, requestId: 'r-0000000002', token: 'a' },
      { account: ACCOUNT, requestId: 'r-0000000001', token: 'b' },
      { account: ACCOUNT, requestId: 'r-0000000001', token: 'a' },
    ];
    expect([...marks].sort(byMark)).toEqual([marks[3], marks[2], marks[1], marks[0]]);
  });
});

// ---- properties -----------------------------------------------------------------------------

const anyRequest = fc
  .record({
    state: fc.constantFrom<RequestState>('PENDING', 'APPROVED', 'GRANTED', 'FAILED', 'DENIED', 'REVOKED', 'EXPIRED'),
    ending: fc.option(fc.constantFrom(REVOKE, EXPIRE), { nil: undefined }),
    requester: fc.constantFrom('U0RITA', 'U0SAM'),
    lambda: fc.boolean(),
  })
  .map(({ ending, lambda, ...rest }) =>
    request(rest.state, { requester: rest.requester, ...(lambda && { lambda: true as const }), ...(ending && (rest.state === 'APPROVED' || rest.state === 'GRANTED') && { ending }) }),
  );

const anyRead: fc.Arbitrary<ReadBack> = fc
  .record({ inStatement: fc.boolean(), canPull: fc.boolean(), inLambda: fc.boolean(), blocked: fc.boolean(), refused: fc.boolean() })
  .map(({ refused, ...r }) => ({ ...r, ...(refused && { refusal: { code: ErrorCode.PolicyRejected, detail: 'refused' } }) }));

/** A read-back consistent with having made both statements say what the two memberships wanted. */
const obeyed = (wanted: ReturnType<typeof membership>, lambda: ReturnType<typeof lambdaMembership>, blocked: boolean): ReadBack => ({
  inStatement: wanted === 'in',
  canPull: wanted === 'in' && !blocked,
  inLambda: lambda === 'in',
  blocked,
});

describe('membership and outcomes, for any mix of one account\'s requests', () => {
  it('never grant a request while the account cannot pull', () => {
    fc.assert(
      fc.property(fc.array(anyRequest, { maxLength: 6 }), anyRead, (requests, r) => {
        const decided = outcomes(requests, r);
        return r.canPull || [...decided.values()].every((o) => o.state !== 'GRANTED');
      }),
      runs(2000),
    );
  });

  it('never fail or end a request while the account is in the statement, unless a grant that stays live explains it', () => {
    fc.assert(
      fc.property(fc.array(anyRequest, { maxLength: 6 }), anyRead, (requests, r) => {
        const decided = outcomes(requests, r);
        const staysLive = requests.some((q) => (q.state === 'GRANTED' && !q.ending) || decided.get(q.id)?.state === 'GRANTED');
        return [...decided.values()].every((o) => (o.state !== 'FAILED' && o.state !== 'ENDED') || !r.inStatement || staysLive);
      }),
      runs(2000),
    );
  });

  it('decide only requests that await a verdict', () => {
    fc.assert(
      fc.property(fc.array(anyRequest, { maxLength: 6 }), anyRead, (requests, r) => {
        const decided = outcomes(requests, r);
        return requests.every((q) => awaitsVerdict(q) || !decided.has(q.id));
      }),
      runs(2000),
    );
  });

  it('never grant a request for Lambda too while the Lambda statement does not name the account', () => {
    fc.assert(
      fc.property(fc.array(anyRequest, { maxLength: 6 }), anyRead, (requests, r) => {
        const decided = outcomes(requests, r);
        return requests.every((q) => !q.lambda || r.inLambda || decided.get(q.id)?.state !== 'GRANTED');
      }),
      runs(2000),
    );
  });

  it('never end a request while the Lambda statement names the account, unless a Lambda grant that stays live explains it', () => {
    fc.assert(
      fc.property(fc.array(anyRequest, { maxLength: 6 }), anyRead, (requests, r) => {
        const decided = outcomes(requests, r);
        const staysLive = requests.some((q) => q.lambda && ((q.state === 'GRANTED' && !q.ending) || decided.get(q.id)?.state === 'GRANTED'));
        return [...decided.values()].every((o) => o.state !== 'ENDED' || !r.inLambda || staysLive);
      }),
      runs(2000),
    );
  });

  it('leave nothing awaiting a verdict once both statements say what membership wanted and the account pulls as it can', () => {
    fc.assert(
      fc.property(fc.array(anyRequest, { maxLength: 6 }), fc.boolean(), (requests, blocked) => {
        const wanted = membership(requests, blocked);
        if (wanted === 'as-is') return requests.every((q) => !awaitsVerdict(q));
        const decided = outcomes(requests, obeyed(wanted, lambdaMembership(requests, blocked), blocked));
        return requests.every((q) => !awaitsVerdict(q) || decided.has(q.id));
      }),
      runs(2000),
    );
  });

  it('do not depend on the order the requests are read in', () => {
    fc.assert(
      fc.property(fc.array(anyRequest, { maxLength: 6 }), anyRead, fc.boolean(), (requests, r, blocked) => {
        const reversed = [...requests].reverse();
        const byId = (m: Map<string, unknown>) => JSON.stringify([...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, o]) => [id, o && typeof o === 'object' && 'keptBy' in o ? { ...o, keptBy: [...(o.keptBy as Array<{ id: string }>)].sort((x, y) => (x.id < y.id ? -1 : 1)) } : o]));
        return membership(requests, blocked) === membership(reversed, blocked) && byId(outcomes(requests, r)) === byId(outcomes(reversed, r));
      }),
      runs(1000),
    );
  });
});
