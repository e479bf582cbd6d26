// The function's IAM statements for the Slack secrets: read exactly the two parameters, and
// decrypt only where the key's own policy does not already allow it.
import { botIamStatements, ecrResourcePatterns, ssmParameterArn } from '../../../deploy/stack';

const BASE = {
  repositories: ['common-images'],
  region: 'eu-west-1',
  functionName: 'ecr-access-prod-slack',
  secretParameters: ['/ecr-access/prod/slack-bot-token', '/ecr-access/prod/slack-signing-secret'],
};

type Statement = { Action: string[]; Resource: unknown; Condition?: unknown };
const statementsFor = (prefix: string, statements: unknown[]) =>
  (statements as Statement[]).filter((s) => s.Action.some((action) => action.startsWith(prefix)));

describe('botIamStatements', () => {
  it('reads the two secret parameters with one GetParameters, and nothing else in SSM', () => {
    expect(statementsFor('ssm:', botIamStatements(BASE))).toEqual([
      { Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: BASE.secretParameters.map(ssmParameterArn) },
    ]);
  });

  it("writes a replicated repository's policy in the regions its rule names, and only that repository there", () => {
    const ecr = statementsFor('ecr:', botIamStatements({ ...BASE, repositories: ['common-images', 'team-*'], replicated: { 'us-east-1': ['common-images'] } }));
    const arnIn = (region: unknown, name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:', region, ':', { Ref: 'AWS::AccountId' }, `:repository/${name}`]] });
    expect(ecr.map((s) => s.Resource)).toEqual([
      [arnIn({ Ref: 'AWS::Region' }, 'common-images'), arnIn({ Ref: 'AWS::Region' }, 'team-*')],
      [arnIn('us-east-1', 'common-images')],
      [arnIn({ Ref: 'AWS::Region' }, '*')],
    ]);
  });

  it('needs no KMS statement for the AWS managed key, whose own policy lets the account decrypt through SSM', () => {
    expect(statementsFor('kms:', botIamStatements(BASE))).toEqual([]);
  });

  it('decrypts with a customer managed key only through SSM in the stack region', () => {
    const key = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(statementsFor('kms:', botIamStatements({ ...BASE, secretsKmsKey: key }))).toEqual([
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: key,
        Condition: {
          StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['ssm.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] } },
        },
      },
    ]);
  });

  it('builds a parameter ARN with one slash after "parameter", for a path or a plain name', () => {
    const tail = (name: string) => (ssmParameterArn(name)['Fn::Join'] as [string, unknown[]])[1].at(-1);
    expect(tail('/ecr-access/prod/slack-bot-token')).toBe(':parameter/ecr-access/prod/slack-bot-token');
    expect(tail('slack-bot-token')).toBe(':parameter/slack-bot-token');
  });

  it('reads nothing of AWS Organizations unless owners are read there', () => {
    expect(statementsFor('organizations:', botIamStatements(BASE))).toEqual([]);
    expect(statementsFor('sts:', botIamStatements(BASE))).toEqual([]);
  });

  it('assumes only the role named to read AWS Organizations, and reads it no other way', () => {
    const roleArn = 'arn:aws:iam::111122223333:role/ecr-access-organizations-read';
    const statements = botIamStatements({ ...BASE, organizations: { roleArn } });
    expect(statementsFor('sts:', statements)).toEqual([{ Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [roleArn] }]);
    expect(statementsFor('organizations:', statements)).toEqual([]);
  });

  it('reads the Organizations reads (owners, and OUs for OU grants) with its own role when no role is named', () => {
    expect(statementsFor('organizations:', botIamStatements({ ...BASE, organizations: {} }))).toEqual([
      { Effect: 'Allow', Action: ['organizations:DescribeAccount', 'organizations:DescribeOrganization', 'organizations:DescribeOrganizationalUnit', 'organizations:ListAccountsForParent', 'organizations:ListOrganizationalUnitsForParent', 'organizations:ListParents'], Resource: ['*'] },
    ]);
  });
});

describe("the role's ECR statements for a settings file's rules", () => {
  const arnOf = (pattern: string) => ({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:repository/${pattern}`]],
  });

  it('names names exactly and patterns as one wildcard ARN each, however many repositories they match', () => {
    expect(statementsFor('ecr:', botIamStatements({ ...BASE, repositories: ['common-images', 'team-*', 'shared/*'] }))).toEqual([
      {
        Effect: 'Allow',
        Action: ['ecr:DescribeRepositories', 'ecr:GetRepositoryPolicy', 'ecr:SetRepositoryPolicy', 'ecr:DeleteRepositoryPolicy'],
        Resource: ['common-images', 'shared/*', 'team-*'].map(arnOf),
      },
      // Finding the repositories a pattern matches lists the registry: names and settings only.
      { Effect: 'Allow', Action: ['ecr:DescribeRepositories'], Resource: [arnOf('*')] },
    ]);
  });

  it('lists nothing when the rules only name repositories', () => {
    const ecr = statementsFor('ecr:', botIamStatements({ ...BASE, repositories: ['common-images', 'team/base'] }));
    expect(ecr).toHaveLength(1);
    expect(ecr[0]?.Resource).toEqual(['common-images', 'team/base'].map(arnOf));
  });

  it('ends a pattern at its first `*`, which in IAM matches `/` too, and drops names a pattern covers', () => {
    expect(ecrResourcePatterns(['shared/*/images', 'team-*', 'team-a', 'base'], 'eu-west-1')).toEqual(['base', 'shared/*', 'team-*']);
  });
});
