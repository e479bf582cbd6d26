/**
 * Properties of the policy merge over realistic repository policies: other teams' statements
 * with wildcards, Conditions and Denies, a hand-made or bot-written managed statement, and
 * accounts written as bare IDs or root ARNs.
 */
import fc from 'fast-check';
import {
  MANAGED_SID,
  MAX_POLICY_LENGTH,
  READ_ONLY_ACTIONS,
  canPull,
  canonicalStatement,
  grantPull,
  managedAccounts,
  managedStatement,
  parsePolicy,
  serializePolicy,
  verifyGrant,
  type Grant,
  type RepositoryPolicy,
} from '../../../src/domain/policy';
import { EcrAccessError, ErrorCode } from '../../../src/errors';
import { reformatLikeEcr } from '../../support/ecr-reformat';
import { runs } from './property-runs';

// ---- generators -----------------------------------------------------------------------------

type Json = Record<string, unknown>;

/** A few accounts recur so that requests meet accounts the policy already names. */
const account = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('222233334444', '333344445555', '444455556666', '111122223333', '000000000001') },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 999_999_999_999 }).map((n) => String(n).padStart(12, '0')) },
);

const accountRef = fc.tuple(account, fc.boolean()).map(([id, bare]) => (bare ? id : `arn:aws:iam::${id}:root`));

const otherPrincipalName = fc.oneof(
  accountRef,
  account.map((id) => `arn:aws:iam::${id}:role/ci`),
  account.map((id) => `arn:aws:iam::${id}:user/deploy`),
  fc.constant('*'),
);

/** A string or a list; a one-element list and a string are one value to ECR. */
function stringOrList<T extends string>(item: fc.Arbitrary<T>, maxLength = 4): fc.Arbitrary<string | string[]> {
  return fc.oneof(item, fc.array(item, { minLength: 1, maxLength }));
}

const principal: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: stringOrList(otherPrincipalName).map((AWS) => ({ AWS })) },
  { weight: 1, arbitrary: fc.constant('*') },
  { weight: 1, arbitrary: fc.constantFrom('codebuild.amazonaws.com', 'lambda.amazonaws.com').map((Service) => ({ Service })) },
  { weight: 1, arbitrary: fc.tuple(stringOrList(accountRef), fc.constant('codebuild.amazonaws.com')).map(([AWS, Service]) => ({ AWS, Service })) },
);

const action = fc.constantFrom(
  ...READ_ONLY_ACTIONS,
  'ecr:*',
  '*',
  'ecr:Batch*',
  'ecr:Get*',
  'ecr:Describe*',
  'ecr:List*',
  'ecr:?atchGetImage',
  'ECR:BATCHGETIMAGE',
  'ecr:PutImage',
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:DeleteRepository',
  'ecr:SetRepositoryPolicy',
);

const condition = fc.constantFrom<Json>(
  { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
  { Bool: { 'aws:SecureTransport': 'false' } },
  { StringLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/ci-*', 'arn:aws:iam::*:role/build'] } },
  {},
);

const otherSid = fc.stringMatching(/^[A-Za-z0-9]{1,16}$/).filter((sid) => sid !== MANAGED_SID);

/** A statement some other team wrote; ecr-access must keep it exactly as it is. */
const otherStatement: fc.Arbitrary<Json> = fc
  .record(
    {
      Sid: otherSid,
      Effect: fc.oneof({ weight: 3, arbitrary: fc.constant('Allow') }, { weight: 1, arbitrary: fc.constant('Deny') }),
      who: fc.oneof({ weight: 6, arbitrary: principal.map((Principal) => ({ Principal })) }, { weight: 1, arbitrary: principal.map((NotPrincipal) => ({ NotPrincipal })) }),
      what: fc.oneof({ weight: 6, arbitrary: stringOrList(action, 6).map((Action) => ({ Action })) }, { weight: 1, arbitrary: stringOrList(action, 3).map((NotAction) => ({ NotAction })) }),
      Condition: condition,
      Resource: fc.constant('*'),
    },
    { requiredKeys: ['Effect', 'who', 'what'] },
  )
  .map(({ who, what, ...rest }) => ({ ...rest, ...who, ...what }));

/** An action name in the case its writer chose: IAM reads every one as the same action. */
const anyCase = (action: string) => fc.constantFrom(action, action.toUpperCase(), action.toLowerCase());

/** The managed statement as ecr-access or a platform engineer wrote it: adoptable. */
const adoptableManaged: fc.Arbitrary<Json> = fc
  .tuple(
    fc.array(accountRef, { maxLength: 8 }),
    fc.boolean(),
    fc.shuffledSubarray([...READ_ONLY_ACTIONS], { minLength: 5, maxLength: 5 }).chain((actions) => fc.tuple(...actions.map(anyCase))),
  )
  .map(([refs, asString, Action]) => ({
    Sid: MANAGED_SID,
    Effect: 'Allow',
    Principal: { AWS: asString && refs.length === 1 ? refs[0] : refs },
    Action,
  }));

/** A statement under the managed Sid that ecr-access must refuse to rewrite. */
const foreignManaged: fc.Arbitrary<Json> = fc.oneof(
  adoptableManaged.map((s) => ({ ...s, Effect: 'Deny' })),
  adoptableManaged.map((s) => ({ ...s, Action: [...(s.Action as string[]), 'ecr:PutImage'] })),
  adoptableManaged.map((s) => ({ ...s, Condition: { Bool: { 'aws:SecureTransport': 'true' } } })),
  adoptableManaged.map((s) => ({ ...s, Principal: '*' })),
  adoptableManaged.map((s) => ({ ...s, Principal: { Service: 'codebuild.amazonaws.com' } })),
);

/** A big managed statement, so that some merges meet ECR's size limit. */
const crowdedManaged: fc.Arbitrary<Json> = fc
  .integer({ min: 250, max: 320 })
  .map((count) => ({
    Sid: MANAGED_SID,
    Effect: 'Allow',
    Principal: { AWS: Array.from({ length: count }, (_, i) => `arn:aws:iam::${String(500_000_000_000 + i * 104_729)}:root`) },
    Action: [...READ_ONLY_ACTIONS],
  }));

interface PolicyCase {
  readonly text: string;
  readonly foreign: boolean;
}

const policyCase: fc.Arbitrary<PolicyCase> = fc
  .record({
    others: fc.array(otherStatement, { maxLength: 5 }),
    managed: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 3, arbitrary: adoptableManaged.map((statement) => ({ statement, foreign: false })) },
      { weight: 1, arbitrary: crowdedManaged.map((statement) => ({ statement, foreign: false })) },
      { weight: 1, arbitrary: foreignManaged.map((statement) => ({ statement, foreign: true })) },
    ),
    at: fc.nat(),
    header: fc.constantFrom<Json>({ Version: '2012-10-17' }, { Version: '2008-10-17', Id: 'shared' }, {}),
    asObject: fc.boolean(),
    ecrFormatted: fc.boolean(),
  })
  .map(({ others, managed, at, header, asObject, ecrFormatted }) => {
    const statements = [...others];
    if (managed) statements.splice(at % (others.length + 1), 0, managed.statement);
    const Statement = asObject && statements.length === 1 ? statements[0] : statements;
    const text = JSON.stringify({ ...header, Statement });
    return { text: ecrFormatted ? reformatLikeEcr(text) : text, foreign: managed?.foreign ?? false };
  });

const requested = fc.array(account, { minLength: 1, maxLength: 4 });

const reformatting = fc.record({ statementAsObject: fc.boolean(), indent: fc.constantFrom(2, 3, 4) });

// ---- oracles --------------------------------------------------------------------------------

const ALLOWED_REFUSALS = [ErrorCode.DeniedByPolicy, ErrorCode.PolicyTooLarge, ErrorCode.ForeignStatement];

/** The grant, or the code of an allowed refusal; anything else fails the property. */
function tryGrant(policy: RepositoryPolicy, accounts: readonly string[]): Grant | ErrorCode {
  try {
    return grantPull(policy, accounts);
  } catch (error) {
    if (error instanceof EcrAccessError && ALLOWED_REFUSALS.includes(error.code)) return error.code;
    throw error;
  }
}

const others = (policy: RepositoryPolicy) => policy.statements.filter((s) => s.Sid !== MANAGED_SID);

/** Canonical forms of the other statements, as a sorted multiset. */
const otherMeanings = (policy: RepositoryPolicy): string[] => others(policy).map(canonicalStatement).sort();

/** What a whole policy means, whatever its text. */
const meaning = (policy: RepositoryPolicy): string =>
  JSON.stringify({ header: policy.header, statements: policy.statements.map(canonicalStatement).sort() });

const hasDeny = (policy: RepositoryPolicy) => policy.statements.some((s) => s.Effect === 'Deny');

// ---- properties -----------------------------------------------------------------------------

describe('grantPull over realistic policies', () => {
  it('is idempotent: granting the result again writes nothing and yields the same text', () => {
    fc.assert(
      fc.property(policyCase, requested, ({ text }, accounts) => {
        const first = tryGrant(parsePolicy(text), accounts);
        if (typeof first === 'string') return;
        const again = grantPull(parsePolicy(first.text), accounts);
        expect(again.changed).toBe(false);
        expect(again.text).toBe(first.text);
      }),
    );
  });

  it('is idempotent across the reformatted text ECR hands back', () => {
    fc.assert(
      fc.property(policyCase, requested, reformatting, ({ text }, accounts, how) => {
        const first = tryGrant(parsePolicy(text), accounts);
        if (typeof first === 'string') return;
        expect(grantPull(parsePolicy(reformatLikeEcr(first.text, how)), accounts).changed).toBe(false);
      }),
    );
  });

  it('keeps every other statement: the same meanings, and the same text in the same order', () => {
    fc.assert(
      fc.property(policyCase, requested, ({ text }, accounts) => {
        const before = parsePolicy(text);
        const grant = tryGrant(before, accounts);
        if (typeof grant === 'string') return;
        const after = parsePolicy(grant.text);
        expect(otherMeanings(after)).toEqual(otherMeanings(before));
        expect(JSON.stringify(others(after))).toBe(JSON.stringify(others(before)));
      }),
    );
  });

  it('lets every requested account pull afterwards, or refuses for a reason the policy gives', () => {
    fc.assert(
      fc.property(policyCase, requested, ({ text, foreign }, accounts) => {
        const before = parsePolicy(text);
        const grant = tryGrant(before, accounts);
        if (foreign) {
          expect(grant).toBe(ErrorCode.ForeignStatement);
          return;
        }
        if (grant === ErrorCode.DeniedByPolicy) {
          expect(hasDeny(before)).toBe(true);
          return;
        }
        if (grant === ErrorCode.PolicyTooLarge) return; // its own property below
        expect(grant).not.toBe(ErrorCode.ForeignStatement);
        if (typeof grant === 'string') return;
        const after = parsePolicy(grant.text);
        expect(accounts.filter((a) => !canPull(after, a))).toEqual([]);
      }),
    );
  });

  it('adds exactly the accounts its statement did not name before, whatever else lets them pull', () => {
    fc.assert(
      fc.property(policyCase, requested, ({ text }, accounts) => {
        const before = parsePolicy(text);
        const grant = tryGrant(before, accounts);
        if (typeof grant === 'string') return;
        const named = managedAccounts(before);
        const missing = [...new Set(accounts)].filter((a) => !named.includes(a)).sort();
        expect(grant.added).toEqual(missing);
        expect(grant.changed).toBe(missing.length > 0);
      }),
    );
  });

  it('merges in any order: A then B, B then A and [A, B] mean the same policy', () => {
    fc.assert(
      fc.property(policyCase, requested, requested, ({ text }, first, second) => {
        const start = parsePolicy(text);
        const inTurn = (a: readonly string[], b: readonly string[]): Grant | ErrorCode => {
          const one = tryGrant(start, a);
          return typeof one === 'string' ? one : tryGrant(parsePolicy(one.text), b);
        };
        const outcomes = [inTurn(first, second), inTurn(second, first), tryGrant(start, [...first, ...second])];
        const refused = outcomes.filter((o) => typeof o === 'string');
        if (refused.length > 0) {
          // Which refusal comes first may depend on the order, but every order is refused.
          expect(refused).toHaveLength(outcomes.length);
          return;
        }
        const meanings = (outcomes as Grant[]).map((g) => meaning(parsePolicy(g.text)));
        expect(meanings[1]).toBe(meanings[0]);
        expect(meanings[2]).toBe(meanings[0]);
      }),
    );
  });

  it('verifies against any ECR-style reformatting: nothing missing, nothing changed', () => {
    fc.assert(
      fc.property(policyCase, requested, reformatting, ({ text }, accounts, how) => {
        const before = parsePolicy(text);
        const grant = tryGrant(before, accounts);
        if (typeof grant === 'string') return;
        const verification = verifyGrant(before, parsePolicy(reformatLikeEcr(grant.text, how)), accounts);
        expect(verification).toEqual({ granted: accounts, missing: [], changedStatements: [] });
      }),
    );
  });

  it('never writes more than 10,240 characters, and refuses with PolicyTooLarge only when the merge would', () => {
    fc.assert(
      fc.property(policyCase, requested, ({ text }, accounts) => {
        const before = parsePolicy(text);
        const grant = tryGrant(before, accounts);
        if (typeof grant !== 'string') {
          if (grant.changed) expect(grant.text.length).toBeLessThanOrEqual(MAX_POLICY_LENGTH);
          return;
        }
        if (grant !== ErrorCode.PolicyTooLarge) return;
        // The merge it refused, built independently: the managed statement with every account.
        const wanted = [...managedAccounts(before), ...accounts];
        const index = before.statements.findIndex((s) => s.Sid === MANAGED_SID);
        const statements = index === -1 ? [...before.statements, managedStatement(wanted)] : before.statements.map((s, i) => (i === index ? managedStatement(wanted) : s));
        expect(serializePolicy({ header: before.header, statements }).length).toBeGreaterThan(MAX_POLICY_LENGTH);
      }),
    );
  });
});

describe('canPull over arbitrary wildcard actions', () => {
  /** IAM's wildcard rule written the obvious way, as a reference for short patterns. */
  const reference = (pattern: string, action: string): boolean =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'is').test(action);

  const randomPattern = fc
    .array(fc.constantFrom('*', '?', 'e', 'c', 'r', ':', 'B', 'a', 't', 'g', 'G', 'L', 'I', 'm', 's', 'D', 'x', '.'), { maxLength: 14 })
    .map((chars) => chars.join(''));

  /** A read-only action with stretches replaced by wildcards or other text: often still matching. */
  const mutatedAction = fc
    .tuple(
      fc.constantFrom(...READ_ONLY_ACTIONS),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 6 }), fc.constantFrom('*', '?', '**', '', 'X', 'b')), { maxLength: 4 }),
      fc.boolean(),
    )
    .map(([action, edits, upper]) => {
      let text = upper ? action.toUpperCase() : action;
      for (const [at, length, replacement] of edits) {
        const from = at % (text.length + 1);
        text = text.slice(0, from) + replacement + text.slice(from + length);
      }
      return text;
    });

  const pattern = fc.oneof(randomPattern, mutatedAction).filter((p) => p.split('*').length <= 7);

  it('counts a pattern towards an action exactly when IAM wildcard matching says it covers it', () => {
    fc.assert(
      fc.property(pattern, fc.constantFrom(...READ_ONLY_ACTIONS), (p, target) => {
        // The other four actions are granted plainly, so only the pattern decides the fifth.
        const actions = [p, ...READ_ONLY_ACTIONS.filter((a) => a !== target)];
        const policy = parsePolicy(JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: actions }] }));
        expect(canPull(policy, '222233334444')).toBe(reference(p, target));
      }),
      runs(3000),
    );
  });
});

describe('parsePolicy over policies with a key written twice', () => {
  /**
   * Compact JSON in which the `target`-th object (in document order) that has members repeats
   * its first member: valid JSON that JSON.parse alone reads without complaint. Also says how
   * many objects have members, so that a target can be chosen among them.
   */
  function withFirstKeyTwice(value: unknown, target: number): { text: string; objects: number } {
    let objects = 0;
    const write = (v: unknown): string => {
      if (Array.isArray(v)) return `[${v.map(write).join(',')}]`;
      if (typeof v !== 'object' || v === null) return JSON.stringify(v);
      const members = Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${write(x)}`);
      if (members.length > 0 && objects++ === target) members.push(members[0] as string);
      return `{${members.join(',')}}`;
    };
    return { text: write(value), objects };
  }

  it('refuses every one of them with InvalidPolicy, wherever the repeated key is', () => {
    fc.assert(
      fc.property(policyCase, fc.nat(), ({ text }, at) => {
        const value: unknown = JSON.parse(text);
        const { objects } = withFirstKeyTwice(value, -1);
        const doubled = withFirstKeyTwice(value, at % objects).text;
        expect(() => parsePolicy(doubled)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidPolicy }));
      }),
    );
  });
});
