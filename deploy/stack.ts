// The CloudFormation pieces serverless.yml takes from code rather than restating: the table,
// built from the same schema the store and `npm run create-table` use, and the function's
// IAM statements, each scoped to exactly what the bot touches (its settings: deploy/settings.ts).
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { BY_DUE_INDEX, BY_REPOSITORY_INDEX, BY_REQUESTER_INDEX, tableDefinition } from '../src/aws/table-schema';
import { listItems } from '../src/config';
import { renderIn } from './rendering';
import { covers, repositoryPatterns } from './repository-arns';
import type { DeploySettings } from './settings';

/** The logical ID of the table in the stack. */
const TABLE_RESOURCE = 'AccessTable';

/** What the bot does to ECR: read a repository, read its policy, write its policy. Nothing else. */
const ECR_ACTIONS = ['ecr:DescribeRepositories', 'ecr:GetRepositoryPolicy', 'ecr:SetRepositoryPolicy', 'ecr:DeleteRepositoryPolicy'];
/**
 * Listing the registry's repositories (DescribeRepositories without names), which a pattern needs
 * to find the repositories it matches: authorized on every repository of the registry, and reading
 * names and settings only, never a policy or an image.
 */
const LIST_ACTIONS = ['ecr:DescribeRepositories'];
/** Consistent reads (one item or a batch) and single-item conditional writes on the table. */
const TABLE_ITEM_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
/** Listing a repository's requests, a person's requests (their Home tab) and the sweep's work list read an index each, never the table. */
const INDEX_ACTIONS = ['dynamodb:Query'];
/** Both Slack secrets in one call at a cold start (src/aws/slack-secrets.ts). */
const SECRET_ACTIONS = ['ssm:GetParameters'];
/** Who owns an account, and an OU's path and accounts for an OU grant, read from AWS Organizations (src/aws/organizations-directory.ts). */
const ORGANIZATIONS_ACTIONS = ['organizations:DescribeAccount', 'organizations:DescribeOrganization', 'organizations:DescribeOrganizationalUnit', 'organizations:ListAccountsForParent', 'organizations:ListOrganizationalUnitsForParent', 'organizations:ListParents'];

/** The logical ID of the dead-letter queue in the stack (serverless.yml). */
const DEAD_LETTER_QUEUE_RESOURCE = 'DeadLetterQueue';
/** The sweep counts the jobs waiting there; a replay takes and deletes them (src/aws/dead-letter-queue.ts). Lambda sends them on the function's behalf. */
const DEAD_LETTER_QUEUE_ACTIONS = ['sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:DeleteMessage'];

/**
 * The most characters the repositories' ARNs may take in the role's policy: half of IAM's 10,240
 * for all of a role's inline policies, whatever the count, which leaves the other statements
 * (about 1,500 characters today) room to grow. Past it, deploy/repository-arns.ts takes names
 * together by their shared beginnings.
 */
export const REPOSITORY_ARNS_BUDGET = 5_120;

type Intrinsic = Record<string, unknown>;
const ref = (name: string): Intrinsic => ({ Ref: name });
const join = (parts: unknown[]): Intrinsic => ({ 'Fn::Join': ['', parts] });
// Fn::Join rather than Fn::Sub: the framework would read `${AWS::Region}` as one of its own variables.
const arn = (service: string, resource: string, region?: string): Intrinsic =>
  join(['arn:', ref('AWS::Partition'), `:${service}:`, region ?? ref('AWS::Region'), ':', ref('AWS::AccountId'), `:${resource}`]);

/** The CloudFormation properties CreateTable's input maps onto one to one. */
const SAME_NAME = ['TableName', 'BillingMode', 'AttributeDefinitions', 'KeySchema', 'GlobalSecondaryIndexes'] as const;

function tableProperties(definition: CreateTableCommandInput): Record<string, unknown> {
  const unmapped = Object.keys(definition).filter((key) => !(SAME_NAME as readonly string[]).includes(key));
  if (unmapped.length > 0) {
    // A new table setting must be carried into the stack on purpose, not dropped on the way.
    throw new Error(`deploy/stack.ts does not map ${unmapped.join(', ')} from src/aws/table-schema.ts to CloudFormation yet`);
  }
  return Object.fromEntries(SAME_NAME.filter((key) => definition[key] !== undefined).map((key) => [key, definition[key]]));
}

/** @public deploy/variables.js hands it to serverless.yml. */
export function accessTableResource(tableName: string, deletionProtection = true): Record<string, unknown> {
  return {
    Type: 'AWS::DynamoDB::Table',
    // The grant history outlives the stack: removing or replacing it keeps the table.
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      ...tableProperties(tableDefinition(tableName)),
      // Nor can anyone delete it by hand (a DeleteTable in the console or the CLI) until this is
      // turned off; a throwaway stage turns it off with tableDeletionProtection: false.
      DeletionProtectionEnabled: deletionProtection,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      // A KMS key (the account's AWS managed key for DynamoDB) rather than the default AWS owned key.
      SSESpecification: { SSEEnabled: true },
      // No TimeToLiveSpecification: the store keeps every request as the audit trail.
    },
  };
}

/** A parameter's ARN: `/a/b` is `parameter/a/b`, and a name without a path `parameter/name`. */
export function ssmParameterArn(name: string): Intrinsic {
  return arn('ssm', `parameter${name.startsWith('/') ? '' : '/'}${name}`);
}

/**
 * What the role names in ECR: the repositories, and each rule's pattern as its literal prefix and
 * a wildcard (IAM's `*` matches `/` too, so a pattern with a `*` in its middle ends there), or patterns of the
 * names when there are too many to name one by one, measured as ARNs of `region`
 * (deploy/repository-arns.ts). However many repositories a pattern matches, its ARN is one.
 */
export function ecrResourcePatterns(matches: readonly string[], region: string): string[] {
  const render = renderIn(region);
  // An ARN in the policy: its JSON string and the comma after it.
  const size = (pattern: string) => JSON.stringify(render(repositoryArn(pattern))).length + 1;
  const asIam = matches.map((match) => (match.includes('*') ? `${match.slice(0, match.indexOf('*'))}*` : match));
  // A name a pattern already covers needs no ARN of its own.
  const wildcards = asIam.filter((match) => match.endsWith('*'));
  const needed = asIam.filter((match) => match.endsWith('*') || !covers(wildcards, match));
  return repositoryPatterns(needed, REPOSITORY_ARNS_BUDGET, size);
}

const repositoryArn = (pattern: string, region?: string) => arn('ecr', `repository/${pattern}`, region);

/** @public deploy/variables.js hands these to serverless.yml. */
export function botIamStatements(input: {
  /** Names and patterns (`team-*`), as the stage's repositories or its settings file give them. */
  repositories: readonly string[];
  /** The stack's region: how long each repository's ARN is decides how many fit. */
  region: string;
  functionName: string;
  /** The SSM parameters holding the Slack secrets. */
  secretParameters: readonly string[];
  /** The customer managed key that encrypts them; none for the AWS managed key aws/ssm. */
  secretsKmsKey?: string | undefined;
  /** Owners read from AWS Organizations: through the role named, or with the function's own role; none when not read there. */
  organizations?: { roleArn?: string | undefined } | undefined;
  /** Repositories replicated to other regions, by region: their policies there are written too. */
  replicated?: Readonly<Record<string, readonly string[]>> | undefined;
}): Intrinsic[] {
  if (input.repositories.length === 0) throw new Error('the repositories setting names no repository');
  if (input.secretParameters.length === 0) throw new Error('no SSM parameter holds the Slack secrets');
  const tableArn = { 'Fn::GetAtt': [TABLE_RESOURCE, 'Arn'] };
  return [
    { Effect: 'Allow', Action: SECRET_ACTIONS, Resource: input.secretParameters.map(ssmParameterArn) },
    // The AWS managed key's own policy lets every principal of the account decrypt through SSM,
    // so it needs no statement here. A customer managed key does: this one, for SSM in this region only.
    ...(input.secretsKmsKey
      ? [
          {
            Effect: 'Allow',
            Action: ['kms:Decrypt'],
            // A string, not a list of one: the framework's schema turns the list into the string.
            Resource: input.secretsKmsKey,
            Condition: { StringEquals: { 'kms:ViaService': join(['ssm.', ref('AWS::Region'), '.', ref('AWS::URLSuffix')]) } },
          },
        ]
      : []),
    { Effect: 'Allow', Action: ECR_ACTIONS, Resource: ecrResourcePatterns(input.repositories, input.region).map((pattern) => repositoryArn(pattern)) },
    // The same repositories' replicas, in the regions their rules name: only those, by name or pattern.
    ...Object.entries(input.replicated ?? {}).map(([region, matches]) => ({
      Effect: 'Allow',
      Action: ECR_ACTIONS,
      Resource: ecrResourcePatterns(matches, region).map((pattern) => repositoryArn(pattern, region)),
    })),
    ...(input.repositories.some((match) => match.includes('*')) ? [{ Effect: 'Allow', Action: LIST_ACTIONS, Resource: [repositoryArn('*')] }] : []),
    { Effect: 'Allow', Action: TABLE_ITEM_ACTIONS, Resource: [tableArn] },
    { Effect: 'Allow', Action: INDEX_ACTIONS, Resource: [BY_REPOSITORY_INDEX, BY_DUE_INDEX, BY_REQUESTER_INDEX].map((index) => join([tableArn, `/index/${index}`])) },
    // Jobs run in an asynchronous invocation of this same function, and only this one.
    { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [arn('lambda', `function:${input.functionName}`)] },
    // The jobs that failed every try, in the stack's own dead-letter queue.
    { Effect: 'Allow', Action: DEAD_LETTER_QUEUE_ACTIONS, Resource: [{ 'Fn::GetAtt': [DEAD_LETTER_QUEUE_RESOURCE, 'Arn'] }] },
    ...organizationsStatements(input.organizations),
  ];
}

/**
 * Reading who owns an account: assuming the one role named (whose own policy, in the management
 * account, allows the three reads: README.md), or the three reads themselves. Organizations names
 * its accounts and OUs under the organization's ID, which the stack does not know, so the reads
 * take every resource; they are reads of names only.
 */
function organizationsStatements(organizations: { roleArn?: string | undefined } | undefined): Intrinsic[] {
  if (!organizations) return [];
  if (organizations.roleArn) return [{ Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [organizations.roleArn] }];
  return [{ Effect: 'Allow', Action: ORGANIZATIONS_ACTIONS, Resource: ['*'] }];
}

/**
 * The bot's statements for a stage's checked settings.
 * @public deploy/variables.js hands them to serverless.yml.
 */
export function botIamStatementsFor(settings: DeploySettings, functionName: string): Intrinsic[] {
  return botIamStatements({
    repositories: [...new Set(listItems(settings.repositories))],
    region: settings.region,
    functionName,
    secretParameters: [settings.slackBotTokenParameter, settings.slackSigningSecretParameter],
    secretsKmsKey: settings.secretsKmsKey || undefined,
    organizations: settings.accounts === 'organizations' ? { roleArn: settings.organizationsRoleArn || undefined } : undefined,
    replicated: settings.replicated,
  });
}
