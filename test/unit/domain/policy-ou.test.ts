// The OU statement ecr-access owns beside its pull statement: every account under a granted
// organizational unit may pull, by `aws:PrincipalOrgPaths`. Its shape, what it names, what "can
// pull" makes of it, and that writing it never touches a statement ecr-access does not own.
import fc from 'fast-check';
import { isUnder, OrgPath, OuId } from '../../../src/domain/organizational-unit';
import {
  applyToPolicy,
  canPull,
  deniedOuPull,
  grantPull,
  inOuStatement,
  MANAGED_SID,
  MAX_POLICY_LENGTH,
  otherStatementsChanged,
  ouCanPull,
  ouPaths,
  ouStatement,
  ouStatementPreview,
  OU_SID,
  parsePolicy,
  pullers,
  READ_ONLY_ACTIONS,
  type RepositoryPolicy,
  withOrganizationalUnits,
} from '../../../src/domain/policy';
import { EcrAccessError, ErrorCode } from '../../../src/errors';
import { runs } from './property-runs';

const ANALYTICS = 'o-abc123defg/r-ab12/ou-ab12-11111111/ou-ab12-22222222/';
const PLATFORM = 'o-abc123defg/r-ab12/ou-ab12-11111111/ou-ab12-33333333/';
const A = '222233334444';
const CI_PUSH = { Sid: 'ciPush', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: ['ecr:PutImage'] };
const policy = (...statements: unknown[]): RepositoryPolicy => parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }));
const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    if (error instanceof EcrAccessError) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('the OU statement', () => {
  it('lets anyone whose org path lies under a granted OU pull: Principal "*", the five actions, one ForAnyValue:StringLike on aws:PrincipalOrgPaths', () => {
    expect(ouStatement([PLATFORM, ANALYTICS, ANALYTICS])).toEqual({
      Sid: OU_SID,
      Effect: 'Allow',
      Principal: '*',
      Action: [...READ_ONLY_ACTIONS],
      Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${ANALYTICS}*`, `${PLATFORM}*`] } },
    });
    expect(JSON.parse(ouStatementPreview(ANALYTICS))).toEqual(ouStatement([ANALYTICS]));
  });

  it('names the OUs it lists, a hand-written one of the same shape included (a string value, {"AWS": "*"}, any case of the key)', () => {
    const handWritten = { ...ouStatement([]), Principal: { AWS: '*' }, Action: READ_ONLY_ACTIONS.map((a) => a.toUpperCase()), Condition: { 'ForAnyValue:StringLike': { 'AWS:PrincipalOrgPaths': `${PLATFORM}*` } } };
    expect(ouPaths(policy(CI_PUSH, ouStatement([PLATFORM, ANALYTICS])))).toEqual([ANALYTICS, PLATFORM]);
    expect(ouPaths(policy(handWritten))).toEqual([PLATFORM]);
    expect(ouPaths(policy(CI_PUSH))).toEqual([]);
    expect([inOuStatement(policy(handWritten), 'ou-ab12-33333333'), inOuStatement(policy(handWritten), 'ou-ab12-22222222')]).toEqual([true, false]);
    // The OU above is not the OU: only the last OU of an entry is the one it names.
    expect(inOuStatement(policy(handWritten), 'ou-ab12-11111111')).toBe(false);
    // Someone else's statement naming the OU is not ecr-access's.
    expect(inOuStatement(policy({ ...ouStatement([ANALYTICS]), Sid: 'theirs' }), 'ou-ab12-22222222')).toBe(false);
  });

  it.each([
    ['another action', { Action: [...READ_ONLY_ACTIONS, 'ecr:PutImage'] }, 'its Action list is not exactly the five read-only ECR actions'],
    ['Deny', { Effect: 'Deny' }, 'its Effect is Deny'],
    ['a principal other than everyone', { Principal: { AWS: `arn:aws:iam::${A}:root` } }, 'its Principal is not "*"'],
    ['another condition key', { Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgID': 'o-abc123defg' } } }, 'its Condition is not one ForAnyValue:StringLike on aws:PrincipalOrgPaths'],
    ['another operator', { Condition: { StringLike: { 'aws:PrincipalOrgPaths': `${ANALYTICS}*` } } }, 'its Condition is not one ForAnyValue:StringLike on aws:PrincipalOrgPaths'],
    ['a second condition', { Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': `${ANALYTICS}*` }, Bool: { 'aws:SecureTransport': 'true' } } }, 'its Condition is not one ForAnyValue:StringLike on aws:PrincipalOrgPaths'],
    ['the whole organization', { Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-abc123defg/*' } } }, 'its Condition names o-abc123defg/*, which is not every account under one organizational unit (o-…/r-…/ou-…/*)'],
    ['an OU without its accounts below', { Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ANALYTICS } } }, `its Condition names ${ANALYTICS}, which is not every account under one organizational unit (o-…/r-…/ou-…/*)`],
    ['no path at all', { Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [] } } }, 'its Condition lists no aws:PrincipalOrgPaths'],
    ['a Resource', { Resource: '*' }, 'it has Resource'],
  ])('is refused with the reason, never rewritten, with %s', (_, change, reason) => {
    const theirs = policy(CI_PUSH, { ...ouStatement([ANALYTICS]), ...change });
    const expected = `${ErrorCode.ForeignStatement}: The repository policy has a statement with Sid "${OU_SID}" that ecr-access did not write: ${reason}. ecr-access will not rewrite it; rename its Sid or reduce it to the shape ecr-access writes, then try again.`;
    expect(refusal(() => ouPaths(theirs))).toBe(expected);
    expect(refusal(() => applyToPolicy(theirs, [], [], undefined, { put: [PLATFORM], take: [] }))).toBe(expected);
  });

  it('keeps the entries it has as written, adds new ones, takes one out by its OU ID, and goes when left empty', () => {
    const added = withOrganizationalUnits(policy(CI_PUSH, ouStatement([ANALYTICS])), [PLATFORM], []);
    expect(added.statements[1]?.Condition).toEqual({ 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${ANALYTICS}*`, `${PLATFORM}*`] } });
    expect(ouPaths(withOrganizationalUnits(added, [], ['ou-ab12-22222222']))).toEqual([PLATFORM]);
    expect(withOrganizationalUnits(added, [], ['ou-ab12-22222222', 'ou-ab12-33333333']).statements).toEqual([CI_PUSH]);
    const same = policy(ouStatement([ANALYTICS]));
    expect(withOrganizationalUnits(same, [ANALYTICS], [])).toBe(same);
    // The OU is known by its ID: one put at a new path while it is listed keeps the entry it has.
    const moved = `o-abc123defg/r-ab12/ou-ab12-22222222/`;
    expect(withOrganizationalUnits(same, [moved], [])).toBe(same);
  });

  it('is written with the pull statement in one policy, and the policy goes when nothing is left', () => {
    const granted = applyToPolicy(policy(CI_PUSH), [A], [], undefined, { put: [ANALYTICS], take: [] });
    const after = parsePolicy(granted.text);
    expect([ouPaths(after), canPull(after, A), ouCanPull(after, ANALYTICS)]).toEqual([[ANALYTICS], true, true]);
    expect(applyToPolicy(after, [], [A], undefined, { put: [], take: ['ou-ab12-22222222'] })).toEqual({ text: JSON.stringify({ Version: '2012-10-17', Statement: [CI_PUSH] }), changed: true });
    expect(applyToPolicy(policy(ouStatement([ANALYTICS])), [], [], undefined, { put: [], take: ['ou-ab12-22222222'] })).toEqual({ text: undefined, changed: true });
  });

  it('is another statement to nobody: changing it is not a change to someone else’s statement', () => {
    expect(otherStatementsChanged(policy(CI_PUSH), policy(CI_PUSH, ouStatement([ANALYTICS])))).toEqual([]);
  });

  it('refuses an OU that would not fit, offering nothing it cannot do, and offers OU grants when accounts no longer fit', () => {
    const many = Array.from({ length: 303 }, (_, i) => String(100000000000 + i));
    const full = parsePolicy(applyToPolicy(policy(), many, []).text);
    expect(refusal(() => applyToPolicy(full, [], [], undefined, { put: [ANALYTICS], take: [] }))).toMatch(new RegExp(`^${ErrorCode.PolicyTooLarge}: Adding this organizational unit would make the repository policy`));
    const almost = parsePolicy(applyToPolicy(policy(), many.slice(0, 302), []).text);
    expect(refusal(() => grantPull(almost, [A, '999900001111']))).toContain('share with a whole organizational unit instead: `/ecr-access request <repository> ou-…`');
    expect(MAX_POLICY_LENGTH).toBe(10_240);
  });
});

describe('can pull, with org paths', () => {
  const granted = policy(CI_PUSH, ouStatement([ANALYTICS]));

  it('lets an account under a granted OU pull, at any depth, when its org path is known; not one beside it', () => {
    expect(canPull(granted, A, ANALYTICS)).toBe(true);
    expect(canPull(granted, A, `${ANALYTICS}ou-ab12-44444444/`)).toBe(true);
    expect(canPull(granted, A, PLATFORM)).toBe(false);
    // Without its org path, an account pulls only by an unconditional Allow: the OU statement is not one.
    expect(canPull(granted, A)).toBe(false);
    expect(pullers(granted)).toEqual({ accounts: [], everyone: false });
  });

  it('lets the OU pull once its path, or a path above it, is listed as …/*; not for a pattern that covers only some of it', () => {
    expect(ouCanPull(granted, ANALYTICS)).toBe(true);
    expect(ouCanPull(granted, `${ANALYTICS}ou-ab12-44444444/`)).toBe(true);
    expect(ouCanPull(granted, PLATFORM)).toBe(false);
    const some = policy({ ...ouStatement([]), Sid: 'theirs', Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': `${ANALYTICS}ou-ab12-4*` } } });
    expect(ouCanPull(some, ANALYTICS)).toBe(false);
  });

  it('is taken away by a Deny of everyone, and not by a Deny of one account', () => {
    const denyAll = { Sid: 'noPulls', Effect: 'Deny', Principal: '*', Action: 'ecr:BatchGetImage' };
    const denyOne = { ...denyAll, Principal: { AWS: A } };
    expect([ouCanPull(policy(ouStatement([ANALYTICS]), denyAll), ANALYTICS), deniedOuPull(policy(denyAll), ANALYTICS)]).toEqual([false, true]);
    expect([ouCanPull(policy(ouStatement([ANALYTICS]), denyOne), ANALYTICS), deniedOuPull(policy(denyOne), ANALYTICS)]).toEqual([true, false]);
    expect(canPull(policy(ouStatement([ANALYTICS]), denyOne), A, ANALYTICS)).toBe(false);
  });
});

describe('OU IDs and org paths', () => {
  it('accepts what AWS Organizations writes and refuses the rest with a message that shows the form', () => {
    expect(OuId.safeParse('ou-ab12-11111111').success).toBe(true);
    expect(OuId.safeParse('ou-AB12-11111111').error?.issues[0]?.message).toBe('an organizational unit ID looks like ou-ab12-11111111');
    expect(OuId.safeParse('ou-ab1-11111111').success).toBe(false);
    expect(OrgPath.safeParse(ANALYTICS).success).toBe(true);
    expect(OrgPath.safeParse('o-abc123defg/r-ab12/').success).toBe(false);
    expect(OrgPath.safeParse(ANALYTICS.slice(0, -1)).success).toBe(false);
  });

  it('places an account under an OU by its org path', () => {
    expect([isUnder(`${ANALYTICS}ou-ab12-44444444/`, ANALYTICS), isUnder(ANALYTICS, ANALYTICS), isUnder(PLATFORM, ANALYTICS)]).toEqual([true, true, false]);
  });
});

describe('the OU statement under any sequence of puts and takes', () => {
  const unit = fc.constantFrom('ou-ab12-11111111', 'ou-ab12-22222222', 'ou-cd34-33333333', 'ou-cd34-44444444');
  const path = (ou: string) => `o-abc123defg/r-ab12/${ou}/`;
  const step = fc.record({ put: fc.array(unit, { maxLength: 2 }), take: fc.array(unit, { maxLength: 2 }) });

  it('lists exactly the OUs put and not taken since, keeps every other statement, and lets exactly those OUs pull', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 8 }), fc.boolean(), (steps, withOthers) => {
        let current: RepositoryPolicy = withOthers ? policy(CI_PUSH, { Sid: MANAGED_SID, Effect: 'Allow', Principal: { AWS: A }, Action: [...READ_ONLY_ACTIONS] }) : policy();
        const expected = new Set<string>();
        for (const { put, take } of steps) {
          const update = applyToPolicy(current, [], [], undefined, { put: put.map(path), take });
          for (const ou of put) if (!take.includes(ou)) expected.add(ou);
          for (const ou of take) expected.delete(ou);
          current = update.text === undefined ? policy() : parsePolicy(update.text);
        }
        expect(ouPaths(current)).toEqual([...expected].sort().map(path));
        for (const ou of ['ou-ab12-11111111', 'ou-ab12-22222222', 'ou-cd34-33333333', 'ou-cd34-44444444']) {
          expect(ouCanPull(current, path(ou))).toBe(expected.has(ou));
          expect(inOuStatement(current, ou)).toBe(expected.has(ou));
        }
        expect(current.statements.filter((s) => s.Sid !== OU_SID)).toEqual(withOthers ? [CI_PUSH, { Sid: MANAGED_SID, Effect: 'Allow', Principal: { AWS: A }, Action: [...READ_ONLY_ACTIONS] }] : []);
      }),
      runs(500),
    );
  });
});
