// The names the stack gives what it creates, built as serverless.yml and the framework build them
// (test/integration/package.test.ts holds each to the generated template), with the longest name
// AWS takes for each. Names CloudFormation makes up itself (the schedule's rule, the deployment
// bucket, the HTTP API's ID) it also keeps within their limits, so they are not here.

/** serverless.yml's `service`. */
const SERVICE = 'ecr-access';

export interface StackNames {
  /** The CloudFormation stack. */
  readonly stack: string;
  /** The function (serverless.yml, functions.slack.name). */
  readonly functionName: string;
  /** The function's role, which the framework names after the stage and the region. */
  readonly role: string;
  /** The role's one inline policy. */
  readonly rolePolicy: string;
  /** The function's log group. */
  readonly logGroup: string;
  /** The HTTP API (the framework's name for it: stage first). */
  readonly httpApi: string;
  /** Where the jobs that failed every try wait (serverless.yml, DeadLetterQueue). */
  readonly deadLetterQueue: string;
}

export function stackNames(stage: string, region: string): StackNames {
  const functionName = `${SERVICE}-${stage}-slack`;
  return {
    stack: `${SERVICE}-${stage}`,
    functionName,
    role: `${SERVICE}-${stage}-${region}-lambdaRole`,
    rolePolicy: `${SERVICE}-${stage}-lambda`,
    logGroup: `/aws/lambda/${functionName}`,
    httpApi: `${stage}-${SERVICE}`,
    deadLetterQueue: `${SERVICE}-${stage}-jobs`,
  };
}

/** A name the stack sets, what it names (in a deployer's words) and the longest AWS takes. */
export interface NameLimit {
  readonly what: string;
  readonly name: string;
  readonly limit: number;
}

/**
 * Every name the stack sets that has a limit shorter than a stage name could make it. The HTTP API's
 * name has no documented limit, and the table's name is checked with the other settings.
 */
export function nameLimits(names: StackNames): NameLimit[] {
  return [
    // CloudFormation CreateStack: up to 128 characters.
    { what: 'the CloudFormation stack', name: names.stack, limit: 128 },
    // Lambda CreateFunction: a function name alone is up to 64 characters.
    { what: 'the function', name: names.functionName, limit: 64 },
    // IAM CreateRole: up to 64; PutRolePolicy: a policy name up to 128.
    { what: "the function's role", name: names.role, limit: 64 },
    { what: "the role's policy", name: names.rolePolicy, limit: 128 },
    // CloudWatch Logs CreateLogGroup: up to 512.
    { what: "the function's log group", name: names.logGroup, limit: 512 },
  ];
}
