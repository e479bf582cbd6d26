/**
 * Fuzzing the policy rules with text ECR will never send and some it might: whatever comes in,
 * the only failure is an EcrAccessError with a code from ErrorCode, and a grant that succeeds
 * leaves every statement ecr-access does not own meaning what it meant.
 */
import fc from 'fast-check';
import {
  LAMBDA_SID,
  MANAGED_SID,
  OU_SID,
  READ_ONLY_ACTIONS,
  applyToPolicy,
  canPull,
  inLambdaStatement,
  lambdaAccounts,
  inOuStatement,
  ouCanPull,
  ouPaths,
  canonicalStatement,
  grantPull,
  parsePolicy,
  pullers,
  verifyGrant,
  type RepositoryPolicy,
} from '../../../src/domain/policy';
import { EcrAccessError, ErrorCode } from '../../../src/errors';
import { runs } from './property-runs';

const RUNS = runs(10_000);
const CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

// ---- generators -----------------------------------------------------------------------------

const junk = fc.jsonValue({ maxDepth: 2, depthSize: 'small' });

/** Mostly the plausible value, sometimes anything at all: most documents get past the schema. */
function mostly<T>(plausible: fc.Arbitrary<T>): fc.Arbitrary<T | unknown> {
  return fc.oneof({ weight: 40, arbitrary: plausible }, { weight: 1, arbitrary: junk });
}

const account = fc.oneof(
  fc.constantFrom('222233334444', '333344445555', '000000000000'),
  fc.integer({ min: 0, max: 999_999_999_999 }).map((n) => String(n).padStart(12, '0')),
);

const ouId = fc.oneof(fc.constantFrom('ou-ab12-11111111', 'ou-ab12-22222222'), fc.stringMatching(/^ou-[0-9a-z]{4}-[0-9a-z]{8}$/));
/** An OU's org path, as the OU statement lists it (without its trailing `*`). */
const orgPath = fc.array(ouId, { minLength: 1, maxLength: 3 }).map((ous) => `o-abc123defg/r-ab12/${ous.map((ou) => `${ou}/`).join('')}`);

const principalName = fc.oneof(
  account,
  account.map((id) => `arn:aws:iam::${id}:root`),
  account.map((id) => `arn:aws-cn:iam::${id}:root`),
  account.map((id) => `arn:aws:iam::${id}:role/ci`),
  fc.constantFrom('*', '', 'arn:aws:iam::*:root', 'arn:aws:iam::22223333444:root'),
  fc.string({ maxLength: 20 }),
);

function stringOrList(item: fc.Arbitrary<string>): fc.Arbitrary<string | string[]> {
  return fc.oneof(item, fc.array(item, { maxLength: 4 }));
}

const principal = fc.oneof(
  fc.constant('*'),
  stringOrList(principalName).map((AWS) => ({ AWS })),
  fc.record({ AWS: stringOrList(principalName), Service: stringOrList(fc.constantFrom('codebuild.amazonaws.com', 'lambda.amazonaws.com', 'x')) }, { requiredKeys: [] }),
  fc.dictionary(fc.string({ maxLength: 8 }), stringOrList(principalName), { maxKeys: 3 }),
);

const action = fc.oneof(
  fc.constantFrom(...READ_ONLY_ACTIONS, 'ecr:*', '*', 'ecr:Batch*', 'ecr:Get*', 'ecr:List*', 'ecr:Describe*', 'ecr:PutImage', 'ecr:?atch*', ''),
  fc.integer({ min: 1, max: 60 }).map((stars) => `ecr:${'*'.repeat(stars)}x`), // a backtracking regex would hang here
  fc.string({ maxLength: 24 }),
);

const statementLike = fc
  .record(
    {
      Sid: mostly(fc.oneof(fc.constant(MANAGED_SID), fc.constant(LAMBDA_SID), fc.constant(OU_SID), fc.string({ maxLength: 10 }))),
      Effect: mostly(fc.constantFrom('Allow', 'Deny')),
      Principal: mostly(principal),
      NotPrincipal: mostly(principal),
      Action: mostly(stringOrList(action)),
      NotAction: mostly(stringOrList(action)),
      Condition: mostly(
        fc.oneof(
          fc.dictionary(fc.string({ maxLength: 12 }), junk, { maxKeys: 3 }),
          // The Lambda statement's condition, with any part of it wrong.
          fc.record({ StringLike: fc.dictionary(fc.constantFrom('aws:sourceARN', 'AWS:SourceArn', 'aws:SourceAccount'), stringOrList(fc.oneof(account.map((id) => `arn:aws:lambda:eu-west-1:${id}:function:*`), fc.string({ maxLength: 30 }))), { maxKeys: 2 }) }),
          // The OU statement's condition, with any part of it wrong.
          fc.dictionary(
            fc.constantFrom('ForAnyValue:StringLike', 'StringLike', 'ForAllValues:StringLike'),
            fc.dictionary(fc.constantFrom('aws:PrincipalOrgPaths', 'AWS:PrincipalOrgPaths', 'aws:PrincipalOrgID'), stringOrList(fc.oneof(orgPath.map((path) => `${path}*`), orgPath, fc.string({ maxLength: 30 }))), { maxKeys: 2 }),
            { maxKeys: 2 },
          ),
        ),
      ),
      Resource: fc.oneof(fc.constant('*'), junk),
      extra: fc.dictionary(fc.string({ maxLength: 8 }), junk, { maxKeys: 1 }),
    },
    { requiredKeys: ['Effect'] },
  )
  .map(({ extra, ...statement }) => ({ ...extra, ...statement }));

/** Policy-shaped documents: the right skeleton, with any part of it wrong or unexpected. */
const documentLike = fc
  .record(
    {
      Version: mostly(fc.constantFrom('2012-10-17', '2008-10-17')),
      Id: fc.string({ maxLength: 10 }),
      Statement: fc.oneof(
        { weight: 4, arbitrary: fc.array(statementLike, { maxLength: 4 }) },
        { weight: 2, arbitrary: statementLike },
        { weight: 1, arbitrary: junk },
      ),
      extra: fc.dictionary(fc.string({ maxLength: 8 }), junk, { maxKeys: 1 }),
    },
    { requiredKeys: [] },
  )
  .map(({ extra, ...document }) => ({ ...extra, ...document }));

/**
 * Large documents, built from counts so that generating them stays cheap: many statements,
 * a crowded managed statement, long Sids, and values nested around the depth parsePolicy allows
 * and far past the depth at which JSON.stringify would overflow the stack.
 */
const DEEP = 'deep-value-goes-here';

const hugeDocument = fc
  .record({
    statements: fc.integer({ min: 0, max: 15 }),
    managedAccounts: fc.oneof(
      { weight: 39, arbitrary: fc.integer({ min: 0, max: 20 }) },
      { weight: 1, arbitrary: fc.integer({ min: 280, max: 330 }) }, // costly: ~1 run in 40
    ),
    sidLength: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 100 }) }, { weight: 1, arbitrary: fc.integer({ min: 9_000, max: 11_000 }) }),
    depth: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 80 }) }, { weight: 1, arbitrary: fc.integer({ min: 2_000, max: 6_000 }) }),
    asObject: fc.boolean(),
  })
  .map(({ statements, managedAccounts, sidLength, depth, asObject }) => {
    const Statement: unknown[] = Array.from({ length: statements }, (_, i) => ({
      Sid: `S${i}`,
      Effect: i % 7 === 0 ? 'Deny' : 'Allow',
      Principal: { AWS: `arn:aws:iam::${String(100_000_000_000 + i)}:root` },
      Action: i % 3 === 0 ? 'ecr:*' : ['ecr:BatchGetImage', 'ecr:PutImage'],
    }));
    Statement.push({ Sid: 'x'.repeat(sidLength), Effect: 'Allow', Principal: '*', Action: 'ecr:PutImage', Condition: { Deep: DEEP } });
    if (managedAccounts > 0) {
      const AWS = Array.from({ length: managedAccounts }, (_, i) => String(300_000_000_000 + i * 7));
      Statement.push({ Sid: MANAGED_SID, Effect: 'Allow', Principal: { AWS }, Action: [...READ_ONLY_ACTIONS] });
    }
    const text = JSON.stringify({ Version: '2012-10-17', Statement: asObject && Statement.length === 1 ? Statement[0] : Statement });
    // Written as text: JSON.stringify itself overflows the stack on the deepest of these.
    const half = Math.floor(depth / 2);
    const nested = ['{"k":['.repeat(half), '"deep"', ']}'.repeat(half)].join('');
    return text.replace(JSON.stringify(DEEP), nested);
  });

/** Text that is almost JSON: a real document with a few characters cut or pasted in. */
const damagedText = fc
  .tuple(documentLike, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 3 }))
  .map(([document, edits]) => {
    let text = JSON.stringify(document);
    for (const [at, cut, paste] of edits) {
      const from = at % (text.length + 1);
      text = text.slice(0, from) + paste + text.slice(from + cut);
    }
    return text;
  });

const requested = fc.array(account, { minLength: 1, maxLength: 3 });
const requestedOus = fc.array(orgPath, { maxLength: 2 });

// ---- the checks ------------------------------------------------------------------------------

function expectEcrAccessError(error: unknown): void {
  if (!(error instanceof EcrAccessError)) throw error; // a TypeError etc.: report it as it is
  expect(CODES.has(error.code)).toBe(true);
}

const otherMeanings = (policy: RepositoryPolicy): string[] =>
  policy.statements.filter((s) => s.Sid !== MANAGED_SID).map(canonicalStatement).sort();
const notOurs = (policy: RepositoryPolicy): string[] =>
  policy.statements.filter((s) => s.Sid !== MANAGED_SID && s.Sid !== LAMBDA_SID && s.Sid !== OU_SID).map(canonicalStatement).sort();
const ouOf = (path: string) => path.split('/').at(-2) as string;

/** Feeds text through every policy rule; fails on any throw that is not an EcrAccessError. */
function exercise(text: string | undefined, accounts: readonly string[], ous: readonly string[] = []): void {
  let policy: RepositoryPolicy;
  try {
    policy = parsePolicy(text);
  } catch (error) {
    expectEcrAccessError(error);
    return;
  }
  for (const who of [...accounts, '*']) canPull(policy, who);
  pullers(policy);
  for (const who of accounts) inLambdaStatement(policy, who);
  // Both statements at once, as a grant for Lambda writes them: nothing else changes.
  try {
    lambdaAccounts(policy);
    const both = applyToPolicy(policy, accounts, [], { put: accounts, take: [], region: 'eu-west-1' });
    expect(notOurs(parsePolicy(both.text))).toEqual(notOurs(policy));
    expect(accounts.every((who) => inLambdaStatement(parsePolicy(both.text), who))).toBe(true);
  } catch (error) {
    expectEcrAccessError(error);
  }
  // OUs put in the OU statement, beside the accounts: nothing ecr-access does not own changes, and each OU can pull unless a Deny says otherwise.
  for (const path of ous) {
    ouCanPull(policy, path);
    inOuStatement(policy, ouOf(path));
    canPull(policy, accounts[0] ?? '222233334444', path);
  }
  try {
    ouPaths(policy);
    const withOus = applyToPolicy(policy, accounts, [], undefined, { put: ous, take: [] });
    const after = parsePolicy(withOus.text);
    expect(notOurs(after)).toEqual(notOurs(policy));
    expect(ous.every((path) => inOuStatement(after, ouOf(path)))).toBe(true);
    // Taken out again, the OU statement is as it was, or gone when it held only these.
    const taken = applyToPolicy(after, [], [], undefined, { put: [], take: ous.map(ouOf) });
    expect(ous.some((path) => taken.text !== undefined && inOuStatement(parsePolicy(taken.text), ouOf(path)))).toBe(false);
  } catch (error) {
    expectEcrAccessError(error);
  }
  let written: string;
  try {
    written = grantPull(policy, accounts).text;
  } catch (error) {
    expectEcrAccessError(error);
    return;
  }
  const after = parsePolicy(written);
  expect(otherMeanings(after)).toEqual(otherMeanings(policy));
  expect(verifyGrant(policy, after, accounts)).toEqual({ granted: accounts, missing: [], changedStatements: [] });
}

// ---- properties -----------------------------------------------------------------------------

describe('policy rules under fuzzing', () => {
  it('fail only with an EcrAccessError on arbitrary strings', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 60 }), damagedText);
    fc.assert(
      fc.property(text, requested, (t, accounts) => exercise(t, accounts)),
      RUNS,
    );
  });

  it('fail only with an EcrAccessError on arbitrary JSON', () => {
    const json = fc.oneof(
      fc.jsonValue(),
      fc.record({ Version: junk, Statement: fc.jsonValue({ maxDepth: 4 }) }, { requiredKeys: ['Statement'] }),
    );
    fc.assert(
      fc.property(json, requested, (value, accounts) => exercise(JSON.stringify(value), accounts)),
      RUNS,
    );
  });

  it('fail only with an EcrAccessError on policy-shaped documents, and keep other statements when they grant', () => {
    fc.assert(
      fc.property(documentLike, requested, requestedOus, (document, accounts, ous) => exercise(JSON.stringify(document), accounts, ous)),
      RUNS,
    );
  });

  it('fail only with an EcrAccessError on huge documents, and keep other statements when they grant', () => {
    fc.assert(
      fc.property(hugeDocument, requested, (text, accounts) => exercise(text, accounts)),
      RUNS,
    );
  });
});
