// The Lambda statement ecr-access owns beside its pull statement: its shape, what it names, and
// that writing it never touches a statement ecr-access does not own.
import fc from 'fast-check';
import {
  applyToPolicy,
  canPull,
  inLambdaStatement,
  LAMBDA_ACTIONS,
  LAMBDA_SID,
  lambdaAccounts,
  lambdaStatement,
  MANAGED_SID,
  managedAccounts,
  MAX_POLICY_LENGTH,
  otherStatementsChanged,
  parsePolicy,
  READ_ONLY_ACTIONS,
  type RepositoryPolicy,
  statementPreview,
  withLambdaAccounts,
} from '../../../src/domain/policy';
import { EcrAccessError, ErrorCode } from '../../../src/errors';
import { runs } from './property-runs';

const REGION = 'eu-west-1';
const A = '222233334444';
const B = '333344445555';
const functions = (account: string, region = REGION) => `arn:aws:lambda:${region}:${account}:function:*`;
const CI_PUSH = { Sid: 'ciPush', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: ['ecr:PutImage'] };
const policy = (...statements: unknown[]): RepositoryPolicy => parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }));
const lambda = (...accounts: string[]) => lambdaStatement(accounts, REGION);
const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    if (error instanceof EcrAccessError) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('the Lambda statement', () => {
  it('is the statement AWS documents for cross-account Lambda images: the Lambda service, two actions, the accounts’ functions', () => {
    expect(lambdaStatement([B, A, A], REGION)).toEqual({
      Sid: LAMBDA_SID,
      Effect: 'Allow',
      Principal: { Service: 'lambda.amazonaws.com' },
      Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Condition: { StringLike: { 'aws:sourceARN': [functions(A), functions(B)] } },
    });
  });

  it('names the accounts whose functions may pull, a hand-written one of the same shape included', () => {
    const handWritten = { ...lambda(A), Action: ['ECR:BatchGetImage', 'ecr:getdownloadurlforlayer'], Condition: { StringLike: { 'AWS:SourceArn': functions(B, 'us-east-1') } } };
    expect(lambdaAccounts(policy(CI_PUSH, lambda(B, A)))).toEqual([A, B]);
    expect(lambdaAccounts(policy(handWritten))).toEqual([B]);
    expect(lambdaAccounts(policy(CI_PUSH))).toEqual([]);
    expect(lambdaAccounts(policy({ ...lambda(A), Condition: { StringLike: { 'aws:sourceARN': [functions(B), functions(A)] } } }))).toEqual([A, B]);
    // A statement of someone else's naming the account's functions is not ecr-access's.
    expect(inLambdaStatement(policy({ ...lambda(A), Sid: 'theirs' }), A)).toBe(false);
    expect(inLambdaStatement(policy(lambda(A)), A)).toBe(true);
    expect(inLambdaStatement(policy(lambda(A)), B)).toBe(false);
  });

  it.each([
    [{ ...lambda(A), Effect: 'Deny' }, 'its Effect is Deny'],
    [{ ...lambda(A), Principal: { Service: 'codebuild.amazonaws.com' } }, 'its Principal is not the service lambda.amazonaws.com'],
    [{ ...lambda(A), Principal: { AWS: `arn:aws:iam::${A}:root` } }, 'its Principal is not the service lambda.amazonaws.com'],
    [{ ...lambda(A), Action: ['ecr:BatchGetImage'] }, 'its Action list is not exactly ecr:BatchGetImage and ecr:GetDownloadUrlForLayer'],
    [{ ...lambda(A), Condition: { StringEquals: { 'aws:sourceARN': functions(A) } } }, 'its Condition is not one StringLike on aws:sourceARN'],
    [{ ...lambda(A), Condition: { StringLike: { 'aws:sourceARN': `arn:aws:lambda:${REGION}:${A}:function:build-*` } } }, 'which is not every function of one account'],
    [{ ...lambda(A), Resource: '*', NotResource: 'x' }, 'it has Resource, NotResource'],
    [{ ...lambda(A), Principal: { Service: 'lambda.amazonaws.com', AWS: `arn:aws:iam::${A}:root` } }, 'its Principal is not the service lambda.amazonaws.com'],
    [{ ...lambda(A), Action: [...LAMBDA_ACTIONS, 'ecr:ListImages'] }, 'its Action list is not exactly'],
    [{ ...lambda(A), Action: ['ecr:BatchGetImage', 'ecr:ListImages'] }, 'its Action list is not exactly'],
    [{ ...lambda(A), Condition: { StringLike: { 'aws:sourceARN': functions(A) }, Bool: { 'aws:SecureTransport': 'true' } } }, 'its Condition is not one StringLike on aws:sourceARN'],
    [{ ...lambda(A), Condition: { StringLike: { 'aws:sourceARN': functions(A), 'aws:SourceAccount': A } } }, 'its Condition is not one StringLike on aws:sourceARN'],
    [{ ...lambda(A), Condition: { StringLike: { 'aws:sourceARN': [functions(A), 7] } } }, 'its Condition is not one StringLike on aws:sourceARN'],
  ])('is refused, with the reason, in a shape ecr-access did not write: %j', (statement, why) => {
    expect(refusal(() => lambdaAccounts(policy(statement)))).toContain(why);
    expect(refusal(() => lambdaAccounts(policy(statement)))).toContain('reduce it to the shape ecr-access writes');
    expect(refusal(() => applyToPolicy(policy(statement), [A], [], { put: [A], take: [], region: REGION }))).toMatch(new RegExp(`^${ErrorCode.ForeignStatement}: .*will not rewrite it`));
  });

  it('is refused twice over', () => {
    expect(refusal(() => lambdaAccounts(policy(lambda(A), lambda(B))))).toContain(`2 statements with Sid "${LAMBDA_SID}"`);
  });

  it('does not let anyone pull, and is no other statement', () => {
    const both = policy(CI_PUSH, lambda(A));
    expect(canPull(both, A)).toBe(false);
    expect(otherStatementsChanged(policy(CI_PUSH), both)).toEqual([]);
    expect(otherStatementsChanged(policy(CI_PUSH, lambda(A)), policy(lambda(A)))).toHaveLength(1);
  });

  it('keeps the entries it has as written, names new ones in the repository’s region, and goes when left empty', () => {
    const east = { ...lambda(A), Condition: { StringLike: { 'aws:sourceARN': [functions(A, 'us-east-1')] } } };
    const added = withLambdaAccounts(policy(CI_PUSH, east), [B], [], REGION);
    expect(added.statements[1]?.Condition).toEqual({ StringLike: { 'aws:sourceARN': [functions(B), functions(A, 'us-east-1')] } });
    expect(withLambdaAccounts(added, [], [A, B], REGION).statements).toEqual([CI_PUSH]);
    const same = policy(lambda(A));
    expect(withLambdaAccounts(same, [A], [], REGION)).toBe(same);
  });

  it('is written with the pull statement in one policy, and the policy goes when nothing is left', () => {
    const granted = applyToPolicy(policy(CI_PUSH), [A], [], { put: [A], take: [], region: REGION });
    const after = parsePolicy(granted.text);
    expect([managedAccounts(after), lambdaAccounts(after), canPull(after, A)]).toEqual([[A], [A], true]);
    expect(applyToPolicy(after, [], [A], { put: [], take: [A], region: REGION })).toEqual({ text: JSON.stringify({ Version: '2012-10-17', Statement: [CI_PUSH] }), changed: true });
    const alone = parsePolicy(applyToPolicy(policy(), [A], [], { put: [A], take: [], region: REGION }).text);
    expect(applyToPolicy(alone, [], [A], { put: [], take: [A], region: REGION })).toEqual({ text: undefined, changed: true });
  });

  it('leaves no policy when the Lambda statement was all it had', () => {
    expect(applyToPolicy(policy(lambda(A)), [], [], { put: [], take: [A], region: REGION })).toEqual({ text: undefined, changed: true });
  });

  it('refuses only growth past the limit: a policy already over it may still lose or swap an entry', () => {
    const many = Array.from({ length: 320 }, (_, i) => `arn:aws:iam::${100000000000 + i}:root`);
    const over = policy({ Sid: MANAGED_SID, Effect: 'Allow', Principal: { AWS: many }, Action: [...READ_ONLY_ACTIONS] }, lambda(A));
    expect(JSON.stringify({ Version: '2012-10-17', Statement: over.statements }).length).toBeGreaterThan(MAX_POLICY_LENGTH);
    expect(applyToPolicy(over, [], [], { put: [], take: [A], region: REGION }).changed).toBe(true);
    expect(lambdaAccounts(parsePolicy(applyToPolicy(over, [], [], { put: [B], take: [A], region: REGION }).text))).toEqual([B]);
    expect(refusal(() => applyToPolicy(over, [], [], { put: [B], take: [], region: REGION }))).toMatch(new RegExp(`^${ErrorCode.PolicyTooLarge}: `));
  });

  it('counts toward the policy’s size: a grant that fits without it may not fit with it', () => {
    const many = Array.from({ length: 302 }, (_, i) => String(100000000000 + i));
    const full = parsePolicy(applyToPolicy(policy(), many, []).text);
    expect(applyToPolicy(full, [A], []).changed).toBe(true);
    expect(refusal(() => applyToPolicy(full, [A], [], { put: [A], take: [], region: REGION }))).toMatch(new RegExp(`^${ErrorCode.PolicyTooLarge}: `));
  });

  it('is shown on the card with the pull statement when a request asks for Lambda', () => {
    expect(JSON.parse(statementPreview(A, REGION))).toEqual([
      { Sid: MANAGED_SID, Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${A}:root`] }, Action: [...READ_ONLY_ACTIONS] },
      { ...lambda(A), Action: [...LAMBDA_ACTIONS] },
    ]);
    expect(JSON.parse(statementPreview(A))).toMatchObject({ Sid: MANAGED_SID });
  });
});

// ---- properties -----------------------------------------------------------------------------

const account: fc.Arbitrary<string> = fc.constantFrom(A, B, '444455556666', '555566667777');
const accounts = fc.uniqueArray(account, { maxLength: 3 });
const other = fc.constantFrom<unknown>(
  CI_PUSH,
  { Sid: 'lambdaFromCodeBuild', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'ecr:BatchGetImage' },
  { Effect: 'Deny', Principal: '*', Action: 'ecr:DeleteRepository' },
  { Sid: 'orgRead', Effect: 'Allow', Principal: '*', Action: [...READ_ONLY_ACTIONS], Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } },
);
const start = fc
  .record({ others: fc.array(other, { maxLength: 3 }), pulling: accounts, forLambda: accounts })
  .map(({ others, pulling, forLambda }) =>
    policy(...others, ...(pulling.length > 0 ? [{ Sid: MANAGED_SID, Effect: 'Allow', Principal: { AWS: pulling }, Action: [...READ_ONLY_ACTIONS] }] : []), ...(forLambda.length > 0 ? [lambda(...forLambda)] : [])),
  );
const notOurs = (p: RepositoryPolicy) => JSON.stringify(p.statements.filter((s) => s.Sid !== MANAGED_SID && s.Sid !== LAMBDA_SID));

describe('writing the Lambda statement, over policies with other statements', () => {
  it('names exactly what it was asked to, keeps every statement it does not own, and writes nothing the second time', () => {
    fc.assert(
      fc.property(start, accounts, accounts, (before, put, take) => {
        const update = applyToPolicy(before, [], [], { put, take, region: REGION });
        const after = parsePolicy(update.text);
        const expected = [...new Set([...lambdaAccounts(before), ...put])].filter((a) => !take.includes(a)).sort();
        expect(lambdaAccounts(after)).toEqual(expected);
        expect(notOurs(after)).toBe(notOurs(before));
        expect(managedAccounts(after)).toEqual(managedAccounts(before));
        expect(update.text === undefined || update.text.length <= MAX_POLICY_LENGTH).toBe(true);
        expect(applyToPolicy(after, [], [], { put, take, region: REGION }).changed).toBe(false);
      }),
      runs(1_000),
    );
  });
});
