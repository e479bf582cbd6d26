// The CloudFormation pieces serverless.yml takes from code rather than restating: the table,
// built from the same schema the store and `npm run create-table` use, and the function's
// IAM statements, each scoped to exactly what the bot touches (its settings: deploy/settings.ts).
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { BY_DUE_INDEX, BY_REPOSITORY_INDEX, BY_REQUESTER_INDEX, tableDefinition } from '../src/aws/table-schema';
import { listItems } from '../src/config';

/** The logical ID of the table in the stack. */
const TABLE_RESOURCE = 'AccessTable';

/** What the bot does to ECR: read a repository, read its policy, write its policy. Nothing else. */
const ECR_ACTIONS = ['ecr:DescribeRepositories', 'ecr:GetRepositoryPolicy', 'ecr:SetRepositoryPolicy', 'ecr:DeleteRepositoryPolicy'];
/** Consistent reads (one item or a batch) and single-item conditional writes on the table. */
const TABLE_ITEM_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
/** Listing a repository's requests, a person's requests (their Home tab) and the sweep's work list read an index each, never the table. */
const INDEX_ACTIONS = ['dynamodb:Query'];
/** Both Slack secrets in one call at a cold start (src/aws/slack-secrets.ts). */
const SECRET_ACTIONS = ['ssm:GetParameters'];

type Intrinsic = Record<string, unknown>;
const ref = (name: string): Intrinsic => ({ Ref: name });
const join = (parts: unknown[]): Intrinsic => ({ 'Fn::Join': ['', parts] });
// Fn::Join rather than Fn::Sub: the framework would read `${AWS::Region}` as one of its own variables.
const arn = (service: string, resource: string): Intrinsic =>
  join(['arn:', ref('AWS::Partition'), `:${service}:`, ref('AWS::Region'), ':', ref('AWS::AccountId'), `:${resource}`]);

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
export function accessTableResource(tableName: string): Record<string, unknown> {
  return {
    Type: 'AWS::DynamoDB::Table',
    // The grant history outlives the stack: removing or replacing it keeps the table.
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      ...tableProperties(tableDefinition(tableName)),
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

/** @public deploy/variables.js hands these to serverless.yml. */
export function botIamStatements(input: {
  repositories: readonly string[];
  functionName: string;
  /** The SSM parameters holding the Slack secrets. */
  secretParameters: readonly string[];
  /** The customer managed key that encrypts them; none for the AWS managed key aws/ssm. */
  secretsKmsKey?: string | undefined;
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
            Resource: [input.secretsKmsKey],
            Condition: { StringEquals: { 'kms:ViaService': join(['ssm.', ref('AWS::Region'), '.', ref('AWS::URLSuffix')]) } },
          },
        ]
      : []),
    { Effect: 'Allow', Action: ECR_ACTIONS, Resource: input.repositories.map((name) => arn('ecr', `repository/${name}`)) },
    { Effect: 'Allow', Action: TABLE_ITEM_ACTIONS, Resource: [tableArn] },
    { Effect: 'Allow', Action: INDEX_ACTIONS, Resource: [BY_REPOSITORY_INDEX, BY_DUE_INDEX, BY_REQUESTER_INDEX].map((index) => join([tableArn, `/index/${index}`])) },
    // Jobs run in an asynchronous invocation of this same function, and only this one.
    { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [arn('lambda', `function:${input.functionName}`)] },
  ];
}

/**
 * The comma-separated repositories parameter, as the bot's config reads it.
 * @public deploy/variables.js reads the settings with it.
 */
export function repositoryList(value: string): string[] {
  return [...new Set(listItems(value))];
}
