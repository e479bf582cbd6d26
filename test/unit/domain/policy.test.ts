/**
 * The policy rules (DESIGN.md, "Policy rules"): what "can pull" means, how accounts are merged
 * into the one statement ecr-access owns, what it refuses to touch, and how a written policy
 * is proved against the text ECR hands back.
 */
import {
  EMPTY_POLICY,
  MANAGED_SID,
  MAX_POLICY_LENGTH,
  READ_ONLY_ACTIONS,
  applyToPolicy,
  canPull,
  deniedPull,
  grantPull,
  inManagedStatement,
  managedAccounts,
  listOf,
  parsePolicy,
  pullers,
  pullingStatements,
  revokePull,
  serializePolicy,
  verifyGrant,
  type RepositoryPolicy,
} from '../../../src/domain/policy';
import { EcrAccessError, ErrorCode } from '../../../src/errors';
import { reformatLikeEcr } from '../../support/ecr-reformat';

// ---- builders -------------------------------------------------------------------------------

const A = '222233334444';
const B = '333344445555';
const C = '444455556666';
const CI_ACCOUNT = '111122223333';
const READ = [...READ_ONLY_ACTIONS];

type StatementJson = Record<string, unknown>;

const root = (account: string): string => `arn:aws:iam::${account}:root`;

function policyText(...statements: StatementJson[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

function policyOf(...statements: StatementJson[]): RepositoryPolicy {
  return parsePolicy(policyText(...statements));
}

/** The statement platform teams write by hand today, and the one ecr-access writes. */
function readStatement(principals: string | string[], overrides: StatementJson = {}): StatementJson {
  return { Sid: MANAGED_SID, Effect: 'Allow', Principal: { AWS: principals }, Action: READ, ...overrides };
}

function allow(principal: unknown, action: unknown, overrides: StatementJson = {}): StatementJson {
  return { Sid: 'Shared', Effect: 'Allow', Principal: principal, Action: action, ...overrides };
}

function deny(principal: unknown, action: unknown, overrides: StatementJson = {}): StatementJson {
  return { Sid: 'NoPull', Effect: 'Deny', Principal: principal, Action: action, ...overrides };
}

const ciPush: StatementJson = {
  Sid: 'AllowCiPush',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${CI_ACCOUNT}:role/ci` },
  Action: [
    'ecr:BatchCheckLayerAvailability',
    'ecr:CompleteLayerUpload',
    'ecr:InitiateLayerUpload',
    'ecr:PutImage',
    'ecr:UploadLayerPart',
  ],
};

const orgRead: StatementJson = {
  Sid: 'OrgRead',
  Effect: 'Allow',
  Principal: '*',
  Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
  Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
};

function errorFrom(run: () => unknown): EcrAccessError {
  try {
    run();
  } catch (error) {
    if (error instanceof EcrAccessError) return error;
    throw error;
  }
  throw new Error('expected an EcrAccessError, but nothing was thrown');
}

function statementsOf(text: string): StatementJson[] {
  return (JSON.parse(text) as { Statement: StatementJson[] }).Statement;
}

function managedOf(text: string): StatementJson | undefined {
  return statementsOf(text).find((s) => s.Sid === MANAGED_SID);
}

/** Distinct, valid account IDs. */
function accounts(count: number, from = 100_000_000_000): string[] {
  return Array.from({ length: count }, (_, i) => String(from + i * 7919));
}

// ---- parsePolicy ----------------------------------------------------------------------------

describe('parsePolicy', () => {
  it.each([
    ['no policy text', undefined],
    ['empty text', ''],
    ['blank text', '  \n\t'],
  ])('reads %s as the empty policy', (_, text) => {
    expect(parsePolicy(text)).toEqual(EMPTY_POLICY);
  });

  it('reads a single statement object as a one-statement policy', () => {
    const policy = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: ciPush }));
    expect(policy.statements).toEqual([ciPush]);
  });

  it('keeps top-level fields other than Statement as written', () => {
    const policy = parsePolicy(JSON.stringify({ Version: '2008-10-17', Id: 'shared-images', Statement: [] }));
    expect(policy.header).toEqual({ Version: '2008-10-17', Id: 'shared-images' });
  });

  it('keeps statements exactly as written, fields it does not know included', () => {
    const written = { ...ciPush, Resource: '*', Custom: { nested: [1, 'two'] } };
    expect(parsePolicy(policyText(written)).statements[0]).toEqual(written);
  });

  it.each([
    ['text that is not JSON', '{"Statement": ['],
    ['JSON null', 'null'],
    ['a JSON list', '[]'],
    ['a JSON string', '"policy"'],
    ['a document without Statement', '{"Version":"2012-10-17"}'],
    ['a Statement that is a string', '{"Statement":"allow everything"}'],
    ['a statement that is not an object', '{"Statement":[42]}'],
    ['a statement without Effect', JSON.stringify({ Statement: [{ Principal: '*', Action: READ }] })],
    ['an Effect other than Allow or Deny', JSON.stringify({ Statement: [{ Effect: 'Maybe', Principal: '*', Action: READ }] })],
    ['a Principal that is a string other than *', JSON.stringify({ Statement: [allow(root(A), READ)] })],
    ['a Principal that is a list', JSON.stringify({ Statement: [allow([root(A)], READ)] })],
    ['a Principal.AWS that is a number', JSON.stringify({ Statement: [allow({ AWS: 222233334444 }, READ)] })],
    ['a Principal.AWS list holding a non-string', JSON.stringify({ Statement: [allow({ AWS: [root(A), null] }, READ)] })],
    ['an Action that is an object', JSON.stringify({ Statement: [allow('*', { ecr: 'BatchGetImage' })] })],
    ['a NotAction that is a number', JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', NotAction: 7 }] })],
    ['a Condition that is a list', JSON.stringify({ Statement: [allow('*', READ, { Condition: ['aws:SecureTransport'] })] })],
    ['a Sid that is not a string', JSON.stringify({ Statement: [allow('*', READ, { Sid: 1 })] })],
    ['a Version that is not a string', JSON.stringify({ Version: 2012, Statement: [] })],
    ['values nested far deeper than any policy', `{"Statement":[{"Effect":"Allow","Condition":{"x":${'['.repeat(5000)}${']'.repeat(5000)}}}]}`],
  ])('refuses %s with InvalidPolicy', (_, text) => {
    expect(errorFrom(() => parsePolicy(text)).code).toBe(ErrorCode.InvalidPolicy);
  });

  /** A one-statement document whose deepest value sits `depth` levels down (the document is level 1). */
  function nestedTo(depth: number): string {
    const lists = depth - 4; // document, Statement list, statement, Condition: four levels
    return `{"Statement":[{"Effect":"Allow","Condition":{"x":${'['.repeat(lists)}${']'.repeat(lists)}}}]}`;
  }

  it('reads values nested 64 levels deep, the most it allows', () => {
    expect(parsePolicy(nestedTo(64)).statements).toHaveLength(1);
  });

  it('refuses values nested 65 levels deep with InvalidPolicy', () => {
    expect(errorFrom(() => parsePolicy(nestedTo(65))).code).toBe(ErrorCode.InvalidPolicy);
  });

  it('keeps null values in fields it does not check', () => {
    const written = { ...ciPush, Custom: null, Condition: { StringEquals: { 'aws:PrincipalTag/team': null } } };
    expect(parsePolicy(policyText(written)).statements[0]).toEqual(written);
  });

  describe('with a key written twice in one object', () => {
    const statement = JSON.stringify(ciPush).slice(1, -1); // its members, without the braces

    it.each([
      ['at the top level', `{"Statement":[],"Statement":[{${statement}}]}`],
      ['in a statement', `{"Statement":[{${statement},"Effect":"Deny"}]}`],
      ['in a Principal', `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"${root(A)}","AWS":"${root(B)}"},"Action":"ecr:*"}]}`],
      ['deep inside a Condition', `{"Statement":[{${statement},"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1","aws:PrincipalOrgID":"o-2"}}}]}`],
      ['in an object inside a list', `{"Statement":[{${statement},"Custom":[{"k":1,"k":2}]}]}`],
      ['once plainly and once with an escape', `{"Statement":[{${statement},"\\u0045ffect":"Deny"}]}`],
    ])('refuses it %s with InvalidPolicy, since the policy means no one thing', (_, text) => {
      expect(JSON.parse(text)).toBeDefined(); // valid JSON: JSON.parse alone would keep the last value
      expect(errorFrom(() => parsePolicy(text)).code).toBe(ErrorCode.InvalidPolicy);
    });

    it('names the key', () => {
      const text = `{"Statement":[{${statement},"Effect":"Deny"}]}`;
      expect(errorFrom(() => parsePolicy(text)).message).toContain('"Effect" twice');
    });

    it('reads the same key in two different objects as no duplicate', () => {
      expect(parsePolicy(policyText(ciPush, orgRead)).statements).toHaveLength(2);
    });
  });

  it('says the document as a whole is wrong, naming no part, when it is not an object', () => {
    expect(errorFrom(() => parsePolicy('null')).message).toMatch(/^The repository policy is not a policy document ecr-access understands: \S/);
  });

  it('names the part of the document that is wrong', () => {
    const error = errorFrom(() => parsePolicy(JSON.stringify({ Statement: [ciPush, allow({ AWS: 7 }, READ)] })));
    expect(error.message).toMatch(/ at Statement\b/);
  });
});

describe('listOf', () => {
  it('reads a missing value as no values, a string as one, and a list as itself', () => {
    expect(listOf(undefined)).toEqual([]);
    expect(listOf('ecr:*')).toEqual(['ecr:*']);
    expect(listOf(['ecr:PutImage', 'ecr:ListImages'])).toEqual(['ecr:PutImage', 'ecr:ListImages']);
  });
});

describe('serializePolicy', () => {
  it('writes compact text that reads back as the same policy', () => {
    const policy = policyOf(ciPush, orgRead);
    const text = serializePolicy(policy);
    expect(text).not.toMatch(/\n| : /);
    expect(parsePolicy(text)).toEqual(policy);
  });

  it('writes a Version when the document had none', () => {
    expect(JSON.parse(serializePolicy(parsePolicy(JSON.stringify({ Statement: [ciPush] }))))).toMatchObject({
      Version: '2012-10-17',
    });
  });
});

// ---- canPull --------------------------------------------------------------------------------

describe('canPull', () => {
  it.each([
    ['its root ARN', { AWS: root(A) }],
    ['its bare account ID', { AWS: A }],
    ['a one-element list', { AWS: [root(A)] }],
    ['a list among other accounts', { AWS: [root(B), A, root(C)] }],
    ['the * principal', '*'],
    ['AWS *', { AWS: '*' }],
  ])('lets an account pull when an Allow names it through %s', (_, principal) => {
    expect(canPull(policyOf(allow(principal, READ)), A)).toBe(true);
  });

  it.each([
    ['ecr:*', ['ecr:*']],
    ['*', '*'],
    ['ecr:Batch* with the other three', ['ecr:Batch*', 'ecr:DescribeImages', 'ecr:GetDownloadUrlForLayer', 'ecr:ListImages']],
    ['ecr:Get*, ecr:Describe*, ecr:List* and ecr:Batch*', ['ecr:Get*', 'ecr:Describe*', 'ecr:List*', 'ecr:Batch*']],
    ['actions in another case', READ.map((a) => a.toUpperCase())],
    ['? wildcards', ['ecr:?atch*', 'ecr:DescribeImage?', 'ecr:GetDownloadUrlForLaye?', 'ecr:L?stImages']],
    ['NotAction leaving the read-only set in', { NotAction: ['ecr:DeleteRepository', 'ecr:PutImage'] }],
    ['a trailing * that matches nothing more', READ.map((a) => `${a}*`)],
    ['trailing stars that match nothing more', READ.map((a) => `${a}***`)],
    ['wildcards in another case', ['ECR:batch*', 'Ecr:Describe*', 'ecr:GET*', 'ECR:list?MAGES']],
    ['a * that matches nothing in the middle of a name', ['ecr:*BatchCheckLayerAvailability', 'ecr:Batch*GetImage', 'ecr:Describe*Images', 'ecr:*Get*Download*UrlForLayer', 'ecr:List*Images']],
    ['a * standing for the whole service prefix', ['ecr:BatchGetImage', 'ecr:BatchCheckLayerAvailability', 'ecr:DescribeImages', 'ecr:GetDownloadUrlForLayer', '*:ListImages']],
    ['NotAction with several patterns, none of them read-only', { NotAction: ['ecr:Put*', 'ecr:Delete*', 'iam:*', 'ecr:?nitiateLayerUpload'] }],
  ])('counts the read-only actions covered by %s', (_, actions) => {
    const statement = Array.isArray(actions) || typeof actions === 'string' ? allow({ AWS: A }, actions) : { Effect: 'Allow', Principal: { AWS: A }, ...actions };
    expect(canPull(policyOf(statement), A)).toBe(true);
  });

  it.each([
    ['one read-only action is missing', allow({ AWS: A }, READ.slice(1))],
    ['the wildcard covers only some actions', allow({ AWS: A }, ['ecr:Batch*', 'ecr:List*'])],
    ['NotAction excludes a read-only action', { Effect: 'Allow', Principal: { AWS: A }, NotAction: 'ecr:ListImages' }],
    ['the Allow has a Condition', allow({ AWS: A }, READ, { Condition: { Bool: { 'aws:SecureTransport': 'true' } } })],
    ['the Allow has an empty Condition', allow({ AWS: A }, READ, { Condition: {} })],
    ['the Allow names a role in the account, not the account', allow({ AWS: `arn:aws:iam::${A}:role/puller` }, READ)],
    ['the Allow names another account', allow({ AWS: B }, READ)],
    ['the Allow names a service', allow({ Service: 'codebuild.amazonaws.com' }, READ)],
    ['the Allow uses NotPrincipal', { Effect: 'Allow', NotPrincipal: { AWS: B }, Action: READ }],
    ['NotAction excludes a read-only action among other patterns', { Effect: 'Allow', Principal: { AWS: A }, NotAction: ['ecr:PutImage', 'ecr:List*'] }],
    ['the Allow names no action at all', { Effect: 'Allow', Principal: { AWS: A } }],
    ['the Allow names no principal at all', { Effect: 'Allow', Action: READ }],
    ['a pattern matches only the start of an action name', allow({ AWS: A }, ['ecr:Batch', 'ecr:DescribeImages', 'ecr:GetDownloadUrlForLayer', 'ecr:ListImages'])],
    ['a pattern runs on past the action name', allow({ AWS: A }, [...READ.slice(1), 'ecr:BatchCheckLayerAvailabilityX'])],
    ['a ? would have to stand for no character', allow({ AWS: A }, [...READ.slice(0, 4), 'ecr:List?Images'])],
    ['a ? is one character too many', allow({ AWS: A }, [...READ.slice(0, 4), 'ecr:ListImages?'])],
    ['the Allow names the account but also has a NotPrincipal', { Effect: 'Allow', Principal: { AWS: A }, NotPrincipal: { AWS: B }, Action: READ }],
  ])('does not let an account pull when %s', (_, statement) => {
    expect(canPull(policyOf(statement), A)).toBe(false);
  });

  it('does not let an account pull from a repository with no policy', () => {
    expect(canPull(EMPTY_POLICY, A)).toBe(false);
  });

  it('lets an account pull through two statements only if one of them covers every action', () => {
    const split = policyOf(allow({ AWS: A }, READ.slice(0, 2)), allow({ AWS: A }, READ.slice(2)));
    expect(canPull(split, A)).toBe(false);
  });

  it.each([
    ['naming the account', deny({ AWS: A }, 'ecr:BatchGetImage')],
    ['naming its root ARN in a list', deny({ AWS: [root(B), root(A)] }, 'ecr:ListImages')],
    ['naming everyone', deny('*', 'ecr:GetDownloadUrlForLayer')],
    ['through a wildcard action', deny({ AWS: A }, 'ecr:*')],
    ['under a Condition', deny({ AWS: A }, 'ecr:BatchGetImage', { Condition: { Bool: { 'aws:SecureTransport': 'false' } } })],
    ['to everyone but another account (NotPrincipal)', { Effect: 'Deny', NotPrincipal: { AWS: B }, Action: 'ecr:BatchGetImage' }],
    ['with NotAction that leaves a read-only action in', { Effect: 'Deny', Principal: '*', NotAction: 'ecr:BatchGetImage' }],
  ])('takes pull away with a Deny %s', (_, denial) => {
    expect(canPull(policyOf(readStatement([root(A)]), denial), A)).toBe(false);
  });

  it.each([
    ['names another account', deny({ AWS: B }, READ)],
    ['names one role in the account', deny({ AWS: `arn:aws:iam::${A}:role/ci` }, READ)],
    ['covers only write actions', deny('*', ['ecr:PutImage', 'ecr:DeleteRepository'])],
    ['spares the account through NotPrincipal', { Effect: 'Deny', NotPrincipal: { AWS: root(A) }, Action: READ }],
    ['names no action at all', { Sid: 'NoPull', Effect: 'Deny', Principal: '*' }],
    ['uses NotAction that leaves out every read-only action', { Sid: 'NoPull', Effect: 'Deny', Principal: '*', NotAction: ['ecr:Batch*', 'ecr:Describe*', 'ecr:Get*', 'ecr:List*'] }],
  ])('keeps pull access when the only Deny %s', (_, denial) => {
    expect(canPull(policyOf(readStatement([root(A)]), denial), A)).toBe(true);
  });

  it.each([`ecr:${'*'.repeat(40)}x`, `${'*?'.repeat(60)}z`, `ecr:${'*B'.repeat(30)}q`])(
    'decides a pathological wildcard pattern without hanging (%s)',
    (action) => {
      expect(canPull(policyOf(allow({ AWS: A }, [action, ...READ])), A)).toBe(true);
      expect(canPull(policyOf(allow({ AWS: A }, action)), A)).toBe(false);
    },
  );
});

describe('pullers', () => {
  it('lists the accounts that can pull, sorted, and leaves out those a Deny stops', () => {
    const policy = policyOf(readStatement([root(C), A, root(B)]), allow({ AWS: CI_ACCOUNT }, ['ecr:*']), deny({ AWS: B }, 'ecr:BatchGetImage'));
    expect(pullers(policy)).toEqual({ accounts: [CI_ACCOUNT, A, C].sort(), everyone: false });
  });

  it('says when everyone can pull', () => {
    expect(pullers(policyOf(allow('*', READ))).everyone).toBe(true);
  });

  it('lists an account named by its bare ID and by its root ARN once', () => {
    expect(pullers(policyOf(allow({ AWS: A }, READ), readStatement([root(A)])))).toEqual({ accounts: [A], everyone: false });
  });

  it('lists the named accounts as well when everyone can pull', () => {
    expect(pullers(policyOf(allow('*', READ), readStatement([root(B), root(A)])))).toEqual({ accounts: [A, B], everyone: true });
  });

  it('does not say everyone can pull when a Deny spares only some accounts', () => {
    const policy = policyOf(allow({ AWS: '*' }, 'ecr:*'), readStatement([root(A), root(B)]), { Effect: 'Deny', NotPrincipal: { AWS: root(A) }, Action: 'ecr:ListImages' });
    expect(pullers(policy)).toEqual({ accounts: [A], everyone: false });
  });

  it('does not list accounts that are only named in a conditional Allow', () => {
    expect(pullers(policyOf(allow({ AWS: A }, READ, { Condition: { Bool: { 'aws:SecureTransport': 'true' } } })))).toEqual({
      accounts: [],
      everyone: false,
    });
  });
});

describe('pullingStatements', () => {
  it('names, by Sid and in policy order, every Allow that lets the account pull, and no other statement', () => {
    const policy = policyOf(allow({ AWS: A }, 'ecr:*', { Sid: 'Everything' }), ciPush, orgRead, readStatement([root(B), root(A)]), deny({ AWS: B }, 'ecr:PutImage'));
    expect(pullingStatements(policy, A)).toEqual(['Everything', MANAGED_SID]);
  });

  it('names a statement without a Sid by its place, counting from 1', () => {
    const policy = policyOf(ciPush, { Effect: 'Allow', Principal: { AWS: root(A) }, Action: READ });
    expect(pullingStatements(policy, A)).toEqual(['statement 2']);
  });

  it('names a statement with an empty Sid by its place', () => {
    expect(pullingStatements(policyOf(allow('*', READ, { Sid: '' })), A)).toEqual(['statement 1']);
  });

  it('names nothing for an account that cannot pull', () => {
    expect(pullingStatements(policyOf(ciPush, readStatement([root(B)])), A)).toEqual([]);
  });

  it('names nothing when a Deny takes the access away, though an Allow names the account', () => {
    expect(pullingStatements(policyOf(readStatement([root(A)]), deny({ AWS: A }, 'ecr:BatchGetImage')), A)).toEqual([]);
  });
});

// ---- grantPull ------------------------------------------------------------------------------

describe('grantPull', () => {
  it('writes the managed statement into a repository that has no policy', () => {
    const grant = grantPull(EMPTY_POLICY, [A]);
    expect(grant).toMatchObject({ changed: true, added: [A] });
    expect(JSON.parse(grant.text)).toEqual({ Version: '2012-10-17', Statement: [readStatement([root(A)])] });
  });

  it('keeps every other statement exactly as it was', () => {
    const before = policyOf(ciPush, orgRead);
    const grant = grantPull(before, [A]);
    expect(statementsOf(grant.text).filter((s) => s.Sid !== MANAGED_SID)).toEqual([ciPush, orgRead]);
  });

  it('adds the managed statement after the statements already there', () => {
    const grant = grantPull(policyOf(ciPush), [A]);
    expect(statementsOf(grant.text).map((s) => s.Sid)).toEqual(['AllowCiPush', MANAGED_SID]);
  });

  it('keeps top-level fields such as Id', () => {
    const before = parsePolicy(JSON.stringify({ Version: '2012-10-17', Id: 'shared-images', Statement: [ciPush] }));
    expect(JSON.parse(grantPull(before, [A]).text)).toMatchObject({ Version: '2012-10-17', Id: 'shared-images' });
  });

  it('adopts a hand-made crossAccountAllowRead statement and adds the new account to it', () => {
    const handMade = {
      Sid: MANAGED_SID,
      Effect: 'Allow',
      Principal: { AWS: B },
      Action: [...READ].reverse(),
    };
    const grant = grantPull(policyOf(ciPush, handMade, orgRead), [A]);
    const statements = statementsOf(grant.text);
    expect(statements.map((s) => s.Sid)).toEqual(['AllowCiPush', MANAGED_SID, 'OrgRead']);
    expect(statements[1]).toEqual(readStatement([root(A), root(B)]));
  });

  it('adopts a managed statement whose actions are written in another case, and writes them as AWS spells them', () => {
    const shouting = readStatement([root(B)], { Action: READ.map((a) => a.toUpperCase()) });
    const grant = grantPull(policyOf(shouting), [A]);
    expect(managedOf(grant.text)).toEqual(readStatement([root(A), root(B)]));
  });

  it('adopts a managed statement that names one action twice, in two cases', () => {
    const repeated = readStatement([root(B)], { Action: [...READ, 'ECR:BATCHGETIMAGE'] });
    expect(managedOf(grantPull(policyOf(repeated), [A]).text)).toEqual(readStatement([root(A), root(B)]));
  });

  it('writes principals as sorted, de-duplicated root ARNs', () => {
    const handMade = readStatement([root(C), A, root(A), C]);
    const grant = grantPull(policyOf(handMade), [B, B]);
    expect(managedOf(grant.text)?.Principal).toEqual({ AWS: [root(A), root(B), root(C)] });
  });

  it('treats a bare account ID and its root ARN as one principal', () => {
    const grant = grantPull(policyOf(readStatement([A])), [A]);
    expect(grant.changed).toBe(false);
  });

  it('treats a string principal and a one-element list as one value', () => {
    expect(grantPull(policyOf(readStatement(root(A))), [A]).changed).toBe(false);
    expect(grantPull(policyOf(readStatement([root(A)])), [A]).changed).toBe(false);
  });

  it('writes nothing when every account is in the statement already', () => {
    const before = policyOf(ciPush, readStatement([root(A), root(B)]));
    const grant = grantPull(before, [B, A]);
    expect(grant).toEqual({ policy: before, text: serializePolicy(before), added: [], changed: false });
  });

  it('writes nothing when granting the policy it just wrote', () => {
    const first = grantPull(policyOf(ciPush), [A, B]);
    const second = grantPull(parsePolicy(first.text), [A, B]);
    expect(second).toMatchObject({ changed: false, text: first.text });
  });

  it('adds only the accounts not in the statement yet', () => {
    const grant = grantPull(policyOf(readStatement([root(A)])), [C, A, B]);
    expect(grant.added).toEqual([B, C]);
    expect(managedOf(grant.text)?.Principal).toEqual({ AWS: [root(A), root(B), root(C)] });
  });

  it.each([
    ['ecr:*', allow({ AWS: A }, 'ecr:*')],
    ['ecr:Batch* and the other three', allow({ AWS: [root(A)] }, ['ecr:Batch*', 'ecr:DescribeImages', 'ecr:GetDownloadUrlForLayer', 'ecr:ListImages'])],
    ['the * principal', allow('*', READ)],
    ['AWS *', allow({ AWS: '*' }, 'ecr:*')],
  ])('adds an account that can already pull through %s, so its end has an entry to take out', (_, statement) => {
    const grant = grantPull(policyOf(statement), [A]);
    expect(grant).toMatchObject({ changed: true, added: [A] });
    expect(managedOf(grant.text)?.Principal).toEqual({ AWS: [root(A)] });
    expect(parsePolicy(grant.text).statements[0]).toEqual(statement);
  });

  it('adds an account that a conditional Allow does not let pull', () => {
    const conditional = allow({ AWS: A }, READ, { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } });
    const grant = grantPull(policyOf(conditional), [A]);
    expect(grant.added).toEqual([A]);
    expect(canPull(parsePolicy(grant.text), A)).toBe(true);
  });

  it('lets every account it added pull, according to the text it writes', () => {
    const grant = grantPull(policyOf(ciPush, orgRead), [A, B, C]);
    expect([A, B, C].filter((a) => canPull(parsePolicy(grant.text), a))).toEqual([A, B, C]);
  });

  describe('with a Deny that takes pull away', () => {
    const denied = () => policyOf(ciPush, deny({ AWS: root(A) }, 'ecr:BatchGetImage'));

    it('refuses with DeniedByPolicy', () => {
      expect(errorFrom(() => grantPull(denied(), [A])).code).toBe(ErrorCode.DeniedByPolicy);
    });

    it('names the account the Deny stops', () => {
      expect(errorFrom(() => grantPull(denied(), [B, A])).message).toContain(A);
    });

    it('refuses even when the account is already in the managed statement', () => {
      const policy = policyOf(readStatement([root(A)]), deny('*', 'ecr:ListImages'));
      expect(errorFrom(() => grantPull(policy, [A])).code).toBe(ErrorCode.DeniedByPolicy);
    });

    it('names every account a Deny stops, in order', () => {
      const policy = policyOf(deny('*', 'ecr:ListImages'));
      expect(errorFrom(() => grantPull(policy, [B, A])).message).toContain(`${A}, ${B}`);
    });
  });

  it('hands back the policy exactly as it was when nothing is added, however its statement is written', () => {
    const handWritten = policyOf(readStatement([root(B), A]));
    expect(grantPull(handWritten, [A, B])).toEqual({ policy: handWritten, text: serializePolicy(handWritten), added: [], changed: false });
  });

  describe('with a statement under its Sid that it did not write', () => {
    it.each([
      ['Effect Deny', readStatement([root(B)], { Effect: 'Deny' })],
      ['an extra action', readStatement([root(B)], { Action: [...READ, 'ecr:PutImage'] })],
      ['a missing action', readStatement([root(B)], { Action: READ.slice(1) })],
      ['a wildcard action', readStatement([root(B)], { Action: 'ecr:*' })],
      ['NotAction', { Sid: MANAGED_SID, Effect: 'Allow', Principal: { AWS: root(B) }, NotAction: 'ecr:PutImage' }],
      ['a Condition', readStatement([root(B)], { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } })],
      ['a Resource', readStatement([root(B)], { Resource: '*' })],
      ['NotPrincipal', { Sid: MANAGED_SID, Effect: 'Allow', NotPrincipal: { AWS: root(B) }, Action: READ }],
      ['Principal *', readStatement([], { Principal: '*' })],
      ['Principal AWS *', readStatement('*')],
      ['a Service principal', readStatement([], { Principal: { Service: 'codebuild.amazonaws.com' } })],
      ['a Service principal beside the accounts', readStatement([], { Principal: { AWS: root(B), Service: 'codebuild.amazonaws.com' } })],
      ['a role principal', readStatement([root(B), `arn:aws:iam::${B}:role/ci`])],
      ['no Principal', { Sid: MANAGED_SID, Effect: 'Allow', Action: READ }],
      ['an account ID with a character after it', readStatement(['222233334444x'])],
      ['an action spelt with a look-alike letter (the Kelvin sign for k)', readStatement([root(B)], { Action: [...READ.slice(1), 'ecr:BatchChec\u212ALayerAvailability'] })],
    ])('refuses a managed-Sid statement with %s as ForeignStatement', (_, foreign) => {
      const before = policyOf(ciPush, foreign);
      const snapshot = JSON.stringify(before);
      expect(errorFrom(() => grantPull(before, [A])).code).toBe(ErrorCode.ForeignStatement);
      expect(JSON.stringify(before)).toBe(snapshot);
    });

    it('refuses two statements with its Sid as ForeignStatement', () => {
      const twice = policyOf(readStatement([root(B)]), readStatement([root(C)]));
      expect(errorFrom(() => grantPull(twice, [A])).code).toBe(ErrorCode.ForeignStatement);
    });

    it('names every field that makes it not ours, in the order written', () => {
      const statement = readStatement([root(B)], { Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } });
      expect(errorFrom(() => grantPull(policyOf(statement), [A])).message).toContain('did not write: it has Resource, Condition.');
    });

    it('says which statement it will not rewrite and why', () => {
      const error = errorFrom(() => grantPull(policyOf(readStatement([root(B)], { Effect: 'Deny' })), [A]));
      expect(error.message).toContain(MANAGED_SID);
      expect(error.message).toContain('Effect is Deny');
    });

    it('refuses a foreign-shaped statement under our Sid: five actions that are not the read-only five', () => {
      const pushing = readStatement([root(B)], { Action: [...READ.slice(0, 4), 'ecr:PutImage'] });
      const before = policyOf(pushing);
      expect(errorFrom(() => grantPull(before, [A])).code).toBe(ErrorCode.ForeignStatement);
      expect(before.statements[0]?.Action).toContain('ecr:PutImage');
    });

    it('refuses a statement under its Sid that has no Principal with a reason, not a TypeError', () => {
      const error = errorFrom(() => grantPull(policyOf({ Sid: MANAGED_SID, Effect: 'Allow', Action: READ }), [A]));
      expect(error.code).toBe(ErrorCode.ForeignStatement);
      expect(error.message).toContain('Principal');
    });

    it('reads the accounts of an adoptable managed statement sorted, once each', () => {
      expect(managedAccounts(policyOf(readStatement([root(C), A, root(A), B])))).toEqual([A, B, C]);
    });

    it('refuses to read its accounts as well', () => {
      expect(errorFrom(() => managedAccounts(policyOf(readStatement('*')))).code).toBe(ErrorCode.ForeignStatement);
    });
  });

  describe("against ECR's 10,240-character limit", () => {
    /** Grows one account at a time from no policy, as approvals would, until a grant is refused. */
    function fillToCapacity(): { policy: RepositoryPolicy; text: string; held: number; refusal: EcrAccessError } {
      let policy = EMPTY_POLICY;
      let text = serializePolicy(policy);
      for (const [held, account] of accounts(400).entries()) {
        try {
          ({ text } = grantPull(policy, [account]));
        } catch (error) {
          if (!(error instanceof EcrAccessError)) throw error;
          return { policy, text, held, refusal: error };
        }
        policy = parsePolicy(text);
      }
      throw new Error('400 accounts fit in one policy; the limit is not being checked');
    }

    // Filled on first use inside a test rather than while the file loads: setup that runs at
    // load time makes every mutant it reaches look module-level to Stryker.
    let filled: ReturnType<typeof fillToCapacity> | undefined;
    const full = () => (filled ??= fillToCapacity());

    it('holds at least 280 accounts in the managed statement', () => {
      expect(full().held).toBeGreaterThanOrEqual(280);
      expect(managedAccounts(full().policy)).toHaveLength(full().held);
      expect(full().text.length).toBeLessThanOrEqual(MAX_POLICY_LENGTH);
    });

    it('refuses the next account with PolicyTooLarge', () => {
      expect(full().refusal.code).toBe(ErrorCode.PolicyTooLarge);
    });

    it('says in the refusal how many accounts the policy already holds', () => {
      expect(full().refusal.message).toContain(`${full().held} accounts`);
      expect(full().refusal.message).toContain('10,240');
    });

    it('refuses the same number of accounts granted at once', () => {
      expect(errorFrom(() => grantPull(EMPTY_POLICY, accounts(full().held + 1))).code).toBe(ErrorCode.PolicyTooLarge);
      expect(grantPull(EMPTY_POLICY, accounts(full().held)).text.length).toBeLessThanOrEqual(MAX_POLICY_LENGTH);
    });

    it('writes a policy of exactly 10,240 characters', () => {
      const padded = (length: number) => policyOf({ ...ciPush, Sid: 'x'.repeat(length) });
      const unpadded = grantPull(padded(0), [A]).text.length;
      expect(grantPull(padded(MAX_POLICY_LENGTH - unpadded), [A]).text).toHaveLength(MAX_POLICY_LENGTH);
    });

    it('leaves room for fewer accounts when other statements take space', () => {
      const roomy = policyOf({ ...ciPush, Sid: 'x'.repeat(2000) });
      expect(errorFrom(() => grantPull(roomy, accounts(full().held))).code).toBe(ErrorCode.PolicyTooLarge);
    });

    it('still lets an account that can already pull through without writing', () => {
      const grant = grantPull(full().policy, [accounts(1)[0] as string]);
      expect(grant.changed).toBe(false);
    });
  });
});

// ---- revokePull, applyToPolicy, and reading the statement for verdicts ------------------------

describe('revokePull', () => {
  it('takes the accounts out, keeping every other statement', () => {
    const revoked = revokePull(policyOf(ciPush, readStatement([root(A), root(B)])), [A]);
    expect(revoked).toMatchObject({ removed: [A], changed: true });
    expect(managedAccounts(parsePolicy(revoked.text))).toEqual([B]);
    expect(parsePolicy(revoked.text).statements[0]).toEqual(ciPush);
  });

  it('hands back the policy as it was when no account it names is in the statement', () => {
    const before = policyOf(ciPush, readStatement([root(B)]));
    expect(revokePull(before, [A])).toEqual({ policy: before, text: serializePolicy(before), removed: [], changed: false });
  });

  it('deletes the policy when the statement was all there was', () => {
    expect(revokePull(policyOf(readStatement([root(A)])), [A])).toEqual({ policy: undefined, text: undefined, removed: [A], changed: true });
  });
});

describe('applyToPolicy', () => {
  it('says nothing changed when every account to put in is in and every one to take out is out', () => {
    const before = policyOf(readStatement([root(A)]));
    expect(applyToPolicy(before, [A], [B])).toEqual({ text: serializePolicy(before), changed: false });
  });

  it('puts in and takes out in one write', () => {
    const update = applyToPolicy(policyOf(readStatement([root(A)])), [B], [A]);
    expect(update.changed).toBe(true);
    expect(managedAccounts(parsePolicy(update.text))).toEqual([B]);
  });
});

describe('inManagedStatement and deniedPull', () => {
  it('find an account in the statement under ecr-access\'s Sid whatever its shape, and only there', () => {
    const foreign = policyOf(readStatement([root(A)], { Condition: { Bool: { 'aws:SecureTransport': 'true' } } }), allow({ AWS: root(B) }, READ));
    expect(inManagedStatement(foreign, A)).toBe(true);
    expect(inManagedStatement(foreign, B)).toBe(false);
    expect(inManagedStatement(policyOf(readStatement('*' as unknown as string[])), A)).toBe(false);
  });

  it('tell a Deny that would stop an account even inside the statement', () => {
    expect(deniedPull(policyOf(deny({ AWS: root(A) }, 'ecr:BatchGetImage')), A)).toBe(true);
    expect(deniedPull(policyOf(deny({ AWS: root(A) }, 'ecr:BatchGetImage')), B)).toBe(false);
    expect(deniedPull(EMPTY_POLICY, A)).toBe(false);
  });
});

// ---- verifyGrant ----------------------------------------------------------------------------

describe('verifyGrant', () => {
  const before = (): RepositoryPolicy =>
    policyOf({ ...ciPush, Principal: { AWS: [CI_ACCOUNT, `arn:aws:iam::${CI_ACCOUNT}:role/ci`] } }, orgRead);

  it('reports nothing missing or changed when the policy reads back as written', () => {
    const grant = grantPull(before(), [A]);
    expect(verifyGrant(before(), parsePolicy(grant.text), [A])).toEqual({ granted: [A], missing: [], changedStatements: [] });
  });

  it('survives the literal text ECR hands back for a one-account grant', () => {
    const ecrText = [
      '{',
      '  "Version" : "2012-10-17",',
      '  "Statement" : [ {',
      '    "Sid" : "AllowCiPush",',
      '    "Effect" : "Allow",',
      `    "Principal" : {`,
      `      "AWS" : [ "arn:aws:iam::${CI_ACCOUNT}:root", "arn:aws:iam::${CI_ACCOUNT}:role/ci" ]`,
      '    },',
      `    "Action" : [ ${(ciPush.Action as string[]).map((a) => JSON.stringify(a)).join(', ')} ]`,
      '  }, {',
      '    "Sid" : "OrgRead",',
      '    "Effect" : "Allow",',
      '    "Principal" : "*",',
      '    "Action" : [ "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer" ],',
      '    "Condition" : {',
      '      "StringEquals" : {',
      '        "aws:PrincipalOrgID" : "o-a1b2c3d4e5"',
      '      }',
      '    }',
      '  }, {',
      `    "Sid" : "${MANAGED_SID}",`,
      '    "Effect" : "Allow",',
      '    "Principal" : {',
      `      "AWS" : "arn:aws:iam::${A}:root"`,
      '    },',
      `    "Action" : [ ${READ.map((a) => JSON.stringify(a)).join(', ')} ]`,
      '  } ]',
      '}',
    ].join('\n');
    expect(verifyGrant(before(), parsePolicy(ecrText), [A])).toEqual({ granted: [A], missing: [], changedStatements: [] });
  });

  it.each([
    ['pretty-printed with reverse-sorted principals', {}],
    ['with a single statement as an object', { statementAsObject: true }],
    ['indented by four spaces', { indent: 4 }],
  ])('survives ECR reformatting the written policy (%s)', (_, how) => {
    for (const granted of [[A], [A, B, C]]) {
      const grant = grantPull(before(), granted);
      const readBack = parsePolicy(reformatLikeEcr(grant.text, how));
      expect(verifyGrant(before(), readBack, granted)).toEqual({ granted, missing: [], changedStatements: [] });
    }
  });

  it('survives ECR expanding bare account IDs and collapsing one-element lists', () => {
    const handMade = policyOf(allow({ AWS: [B] }, ['ecr:*']), readStatement([C]));
    const grant = grantPull(handMade, [A]);
    const readBack = parsePolicy(reformatLikeEcr(grant.text));
    expect(readBack.statements[0]?.Principal).toEqual({ AWS: root(B) });
    expect(verifyGrant(handMade, readBack, [A])).toEqual({ granted: [A], missing: [], changedStatements: [] });
  });

  it('survives ECR returning a one-statement policy as a Statement object', () => {
    const grant = grantPull(EMPTY_POLICY, [A]);
    const readBack = reformatLikeEcr(grant.text, { statementAsObject: true });
    expect(JSON.parse(readBack).Statement).toMatchObject({ Sid: MANAGED_SID });
    expect(verifyGrant(EMPTY_POLICY, parsePolicy(readBack), [A]).missing).toEqual([]);
  });

  it('detects another statement that was changed', () => {
    const grant = grantPull(before(), [A]);
    const tampered = statementsOf(grant.text).map((s) => (s.Sid === 'OrgRead' ? { ...s, Condition: undefined } : s));
    const verification = verifyGrant(before(), policyOf(...tampered), [A]);
    expect(verification.changedStatements).toHaveLength(2);
    expect(verification.changedStatements.join('\n')).toContain('o-a1b2c3d4e5');
  });

  /** The policy as written by a grant of A, with the CI statement's Principal replaced. */
  function ciPrincipalBecomes(Principal: unknown): RepositoryPolicy {
    const written = statementsOf(grantPull(before(), [A]).text);
    return policyOf(...written.map((s) => (s.Sid === 'AllowCiPush' ? { ...s, Principal } : s)));
  }

  it.each([
    ['another account', { AWS: [root(B), `arn:aws:iam::${CI_ACCOUNT}:role/ci`] }],
    ['everyone', '*'],
    ['another role in the same account', { AWS: [CI_ACCOUNT, `arn:aws:iam::${CI_ACCOUNT}:role/admin`] }],
    ['a service', { Service: 'codebuild.amazonaws.com' }],
  ])('reports a changed Principal in another statement: %s', (_, principal) => {
    const verification = verifyGrant(before(), ciPrincipalBecomes(principal), [A]);
    expect(verification.changedStatements).toEqual([expect.stringContaining('AllowCiPush'), expect.stringContaining('AllowCiPush')]);
  });

  it('does not report another statement whose accounts came back as root ARNs, reordered', () => {
    const readBack = ciPrincipalBecomes({ AWS: [`arn:aws:iam::${CI_ACCOUNT}:role/ci`, root(CI_ACCOUNT)] });
    expect(verifyGrant(before(), readBack, [A]).changedStatements).toEqual([]);
  });

  it('does not report another statement whose keys came back in another order, at any depth', () => {
    const written = allow({ AWS: root(B), Service: 'codebuild.amazonaws.com' }, READ, { Condition: { StringEquals: { 'aws:SourceAccount': B, 'aws:SourceArn': 'x' } } });
    const reordered = {
      Condition: { StringEquals: { 'aws:SourceArn': 'x', 'aws:SourceAccount': B } },
      Action: READ,
      Principal: { Service: 'codebuild.amazonaws.com', AWS: root(B) },
      Effect: 'Allow',
      Sid: 'Shared',
    };
    expect(verifyGrant(policyOf(written), policyOf(reordered), []).changedStatements).toEqual([]);
  });

  it('does not report another statement whose actions came back reordered, or one of them as a string', () => {
    const readBack = (Action: unknown) => policyOf(allow({ AWS: root(B) }, Action));
    expect(verifyGrant(readBack(['ecr:PutImage', 'ecr:ListImages']), readBack(['ecr:ListImages', 'ecr:PutImage']), []).changedStatements).toEqual([]);
    expect(verifyGrant(readBack(['ecr:PutImage']), readBack('ecr:PutImage'), []).changedStatements).toEqual([]);
  });

  it('reports another statement whose Condition changed', () => {
    const conditional = (orgId: string) => policyOf(allow('*', READ, { Condition: { StringEquals: { 'aws:PrincipalOrgID': orgId } } }));
    expect(verifyGrant(conditional('o-1'), conditional('o-2'), []).changedStatements).toHaveLength(2);
  });

  it('does not report another statement whose NotPrincipal accounts came back as root ARNs', () => {
    const denyAllBut = (AWS: unknown) => policyOf({ Sid: 'OnlyB', Effect: 'Deny', NotPrincipal: { AWS }, Action: 'ecr:PutImage' });
    expect(verifyGrant(denyAllBut([B, C]), denyAllBut([root(C), root(B)]), []).changedStatements).toEqual([]);
  });

  it('detects another statement that was removed', () => {
    const grant = grantPull(before(), [A]);
    const withoutCi = statementsOf(grant.text).filter((s) => s.Sid !== 'AllowCiPush');
    expect(verifyGrant(before(), policyOf(...withoutCi), [A]).changedStatements).toEqual([
      expect.stringContaining('AllowCiPush'),
    ]);
  });

  it('reports lost statements in the same order however the policy listed them', () => {
    const push = allow({ AWS: root(B) }, 'ecr:PutImage', { Sid: 'Push' });
    const remove = allow({ AWS: root(B) }, 'ecr:DeleteRepository', { Sid: 'Remove' });
    const lost = (...statements: StatementJson[]) => verifyGrant(policyOf(...statements), EMPTY_POLICY, []).changedStatements;
    expect(lost(push, remove)).toEqual(lost(remove, push));
    expect(lost(push, remove)).toHaveLength(2);
  });

  it('reports a Principal * that came back as an ARN with a * in place of the account', () => {
    const readBack = (AWS: string) => policyOf(allow({ AWS }, 'ecr:PutImage'));
    expect(verifyGrant(readBack('*'), readBack('arn:aws:iam::*:root'), []).changedStatements).toHaveLength(2);
  });

  it('detects a statement that was added', () => {
    const grant = grantPull(before(), [A]);
    const extra = deny('*', 'ecr:DeleteRepository');
    expect(verifyGrant(before(), policyOf(...statementsOf(grant.text), extra), [A]).changedStatements).toEqual([
      expect.stringContaining('ecr:DeleteRepository'),
    ]);
  });

  it('reports an account the policy read back does not let pull as missing', () => {
    const grant = grantPull(before(), [A, B]);
    const readBack = statementsOf(grant.text).map((s) => (s.Sid === MANAGED_SID ? readStatement([root(A)]) : s));
    expect(verifyGrant(before(), policyOf(...readBack), [A, B])).toEqual({ granted: [A], missing: [B], changedStatements: [] });
  });

  it('reports an account as missing when the policy read back lost the managed statement', () => {
    expect(verifyGrant(before(), before(), [A]).missing).toEqual([A]);
  });
});

describe('principals and statements that only look alike', () => {
  it('does not treat a root ARN in another partition as the same account', () => {
    const policy = parsePolicy(
      JSON.stringify({
        Statement: [
          { Sid: 'china', Effect: 'Allow', Principal: { AWS: 'arn:aws-cn:iam::222233334444:root' }, Action: ['ecr:*'] },
        ],
      }),
    );
    expect(canPull(policy, '222233334444')).toBe(false);
  });

  it('refuses to adopt a managed statement that names another partition', () => {
    const policy = parsePolicy(
      JSON.stringify({
        Statement: [
          { Sid: MANAGED_SID, Effect: 'Allow', Principal: { AWS: 'arn:aws-us-gov:iam::111122223333:root' }, Action: [...READ_ONLY_ACTIONS] },
        ],
      }),
    );
    expect(() => grantPull(policy, ['222233334444'])).toThrow(expect.objectContaining({ code: ErrorCode.ForeignStatement }));
  });

  it('reports losing one of two identical other statements', () => {
    const ci = { Sid: 'ci', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:role/ci' }, Action: 'ecr:PutImage' };
    const before = parsePolicy(JSON.stringify({ Statement: [ci, ci] }));
    const after = parsePolicy(JSON.stringify({ Statement: [ci] }));
    expect(verifyGrant(before, after, []).changedStatements).toHaveLength(1);
  });
});
