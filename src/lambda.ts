// The Lambda entry point (API Gateway HTTP API, payload 2.0): Slack's requests are acknowledged
// at once and their slow half runs in an asynchronous invocation of this same function; an
// EventBridge schedule invokes it with { "ecr-access": "sweep" } for one pass of the sweep, and an
// operator with { "ecr-access": "replay" } to run again the jobs in its dead-letter queue.
// Config is read when the module loads. The Slack secrets are not in the environment, only the
// names of their SSM parameters: the first invocation of a container reads them (one call) and
// builds the app with them, and every invocation awaits that start, so even the first request is
// verified with the signing secret. Starting inside the first invocation gives its log lines
// that invocation's request ID too.
// The AWS clients are made once too, but each by the first call that needs it: a container that
// only answers Slack never loads the ECR or DynamoDB SDK, and one that only runs jobs never loads Lambda's.
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { AwsLambdaReceiver } from '@slack/bolt';
import { createEcrAccess, type SlackCallLimits } from './app';
import { onFirstUse } from './aws/clients';
import { sqsClientOnDemand, sqsDeadLetterQueue } from './aws/dead-letter-queue';
import { readSlackSecrets } from './aws/slack-secrets';
import { loadLambdaConfig } from './config';
import { EcrAccessError, ErrorCode } from './errors';
import { lambdaHandler, type LambdaHandler } from './lambda/handler';
import { invocations } from './lambda/invocations';
import { invokeDefer } from './lambda/invoke-defer';
import { replayer } from './lambda/replay';
import { createLogger } from './logger';
import { sweepOnce } from './service/sweep';
import { boltLogger } from './slack/bolt-logger';

/**
 * A job's Slack calls share the function's timeout (180 s, serverless.yml), so each gives up
 * sooner than on a server; an announcement still waiting for Slack's rate limit stays owed.
 */
export const LAMBDA_SLACK_CALL_LIMITS: SlackCallLimits = {
  retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 1000 },
  timeout: 5000,
  rateLimitWaitMs: 60_000,
};

/**
 * A replay starts no job after this long: a job may then still wait out another holder's lease
 * (60 s) and make its calls within the function's 180 s.
 */
const REPLAY_BUDGET_MS = 60_000;

const config = loadLambdaConfig();
const invocation = invocations();
const logger = createLogger({ level: config.logLevel, context: invocation.fields });

// The hand-over sits on the acknowledgement path, inside Slack's 3 s: fail fast, and the
// listener tells the user to try again.
const lambda = onFirstUse(async (): Promise<LambdaClient> => {
  const { LambdaClient } = await import('@aws-sdk/client-lambda');
  return new LambdaClient({
    region: config.region,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 1000, throwOnRequestTimeout: true },
  });
});

async function start(): Promise<LambdaHandler> {
  const secrets = await readSlackSecrets(config.slack.secrets, { region: config.region });
  logger.mask([secrets.botToken, secrets.signingSecret]);
  const receiver = new AwsLambdaReceiver({ signingSecret: secrets.signingSecret, logger: boltLogger(logger) });
  const deadLetters = config.deadLetterQueue === undefined ? undefined : sqsDeadLetterQueue(sqsClientOnDemand(config.region), config.deadLetterQueue);
  const ecrAccess = createEcrAccess(config, {
    botToken: secrets.botToken,
    receiver,
    logger,
    defer: () => invokeDefer(lambda, config.functionName, logger),
    slackCallLimits: LAMBDA_SLACK_CALL_LIMITS,
    retriesJobs: true,
    ...(deadLetters && { waitingJobs: deadLetters }),
  });
  const { runJob, deps, homes } = ecrAccess;
  // A pass's outcomes change Home tabs: they are published before the invocation ends.
  const sweep = async () => {
    const report = await sweepOnce(deps, config.sweep);
    await homes.settled();
    return report;
  };
  return lambdaHandler({
    receive: receiver.toHandler(),
    runJob,
    sweep,
    replay: deadLetters ? replayer(ecrAccess, deadLetters, REPLAY_BUDGET_MS) : noQueueToReplay,
    logger,
  });
}

/** A function deployed without a dead-letter queue (ECR_ACCESS_DEAD_LETTER_QUEUE unset) has nothing to replay. */
async function noQueueToReplay(): Promise<never> {
  throw new EcrAccessError(ErrorCode.InvalidConfig, 'ECR_ACCESS_DEAD_LETTER_QUEUE is not set: this function has no dead-letter queue to replay');
}

let started: Promise<LambdaHandler> | undefined;
const startOnce = () => (started ??= start());

export const handler: LambdaHandler = (event, context) =>
  invocation.run(context, async () => {
    let serve: LambdaHandler;
    try {
      serve = await startOnce();
    } catch (error) {
      // The next invocation tries again: the parameter may exist by then, or the role be fixed.
      started = undefined;
      logger.error('ecr-access cannot serve this invocation: the Slack secrets could not be read', { error });
      throw error;
    }
    return serve(event, context);
  });
