// AWS's limits on what the stack creates, checked against a stage's settings before anything is
// packaged, so a deploy cannot fail halfway on one: IAM's on the function role's inline policies,
// Lambda's on the function's environment, and each service's on the names the stack sets. Each is
// measured as AWS measures it, on the text CloudFormation resolves in the stage's region.
import { functionEnvironment } from './function-environment';
import { nameLimits, stackNames } from './names';
import { type Referenced, renderIn } from './rendering';
import { botIamStatementsFor, ecrResourcePatterns, REPOSITORY_ARNS_BUDGET } from './stack';
import type { DeploySettings } from './settings';
import { listItems } from '../src/config';

/**
 * IAM: all of a role's inline policies together, in characters; IAM does not count whitespace.
 * The same in every region and partition, but the ARNs in the policy are not: a longer region
 * name or partition makes every ARN longer.
 */
const ROLE_POLICY_LIMIT = 10_240;
/** Lambda: the environment's keys and values, as Lambda measures them: one JSON object, in bytes. */
const ENVIRONMENT_LIMIT = 4_096;

type Statement = Record<string, unknown>;

/**
 * The statements the framework puts in the function's role beside the bot's: writing the
 * function's own log group, and sending a job that failed every try to the dead-letter queue.
 */
function frameworkStatements(stage: string): Statement[] {
  const logGroups = `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/ecr-access-${stage}*`;
  return [
    { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:TagResource'], Resource: [{ 'Fn::Sub': `${logGroups}:*` }] },
    { Effect: 'Allow', Action: ['logs:PutLogEvents'], Resource: [{ 'Fn::Sub': `${logGroups}:*:*` }] },
  ];
}

const DESTINATION_STATEMENT: Statement = { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } };

/** The function role's inline policies as the stack declares them (the framework makes one). */
export function rolePolicyDocuments(stage: string, settings: DeploySettings): Statement[] {
  const { functionName } = stackNames(stage, settings.region);
  return [{ Version: '2012-10-17', Statement: [...frameworkStatements(stage), ...botIamStatementsFor(settings, functionName), DESTINATION_STATEMENT] }];
}

/** The stack's resources its role and environment refer to, as named for a stage. */
export const referencedBy = (stage: string, settings: DeploySettings): Referenced => ({
  AccessTable: settings.tableName,
  DeadLetterQueue: stackNames(stage, settings.region).deadLetterQueue,
});

/** What IAM counts of policy documents: their characters once resolved, whitespace left out. */
export function rolePolicySize(documents: readonly unknown[], region: string, referenced: Partial<Referenced>): number {
  const render = renderIn(region, referenced);
  return documents.reduce<number>((sum, document) => sum + JSON.stringify(render(document)).replace(/\s/g, '').length, 0);
}

/** What Lambda counts of an environment: its variables as one JSON object, in UTF-8 bytes. */
export function environmentSize(environment: Record<string, unknown>, region: string, referenced: Partial<Referenced>): number {
  return Buffer.byteLength(JSON.stringify(renderIn(region, referenced)(environment)));
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * Everything about the stack these settings would make that AWS would refuse, each as one line
 * that says what to change; none when it fits.
 */
export function limitProblems(stage: string, settings: DeploySettings): string[] {
  const { region } = settings;
  const problems: string[] = [];

  for (const { what, name, limit } of nameLimits(stackNames(stage, region))) {
    if (name.length <= limit) continue;
    const longestStage = stage.length - (name.length - limit);
    problems.push(
      `${what} would be named ${name}, ${name.length} characters, and AWS takes at most ${limit}: ` +
        (longestStage > 0 ? `use a stage name of at most ${longestStage} characters in ${region}` : 'use a shorter stage name'),
    );
  }

  const policy = rolePolicySize(rolePolicyDocuments(stage, settings), region, referencedBy(stage, settings));
  if (policy > ROLE_POLICY_LIMIT) {
    const repositories = ecrResourcePatterns(listItems(settings.repositories), region);
    problems.push(
      `the function's role would hold ${count(policy)} characters of inline policy in ${region}, and IAM takes at most ${count(ROLE_POLICY_LIMIT)} ` +
        `(whitespace not counted); its ${count(repositories.length)} repository ARNs take at most ${count(REPOSITORY_ARNS_BUDGET)} of them, so shorten ` +
        'what else it names: the stage name, tableName, ssmPrefix',
    );
  }

  const environment = functionEnvironment(settings);
  const bytes = environmentSize(environment, region, referencedBy(stage, settings));
  if (bytes > ENVIRONMENT_LIMIT) {
    const [largest] = Object.entries(environment)
      .map(([name, value]) => [name, Buffer.byteLength(JSON.stringify(renderIn(region, referencedBy(stage, settings))(value)))] as const)
      .sort((a, b) => b[1] - a[1]);
    problems.push(
      `the function's environment would be ${count(bytes)} bytes, and Lambda takes at most ${count(ENVIRONMENT_LIMIT)} (its keys and values, as JSON); ` +
        `the largest is ${largest?.[0]}, ${count(largest?.[1] ?? 0)} bytes` +
        (largest?.[0] === 'ECR_ACCESS_APPROVERS' ? ': name fewer approvers, and give the others an approverGroup' : ''),
    );
  }
  return problems;
}
