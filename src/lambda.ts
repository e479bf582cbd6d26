// The Lambda entry point (API Gateway HTTP API, payload 2.0): Slack's requests are acknowledged
// at once and their slow half runs in an asynchronous invocation of this same function.
// Config and the app are built once per container, when the module loads. The AWS clients are
// made once too, but each by the first call that needs it: a container that only answers Slack
// never loads the ECR or DynamoDB SDK, and one that only runs jobs never loads Lambda's.
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { AwsLambdaReceiver } from '@slack/bolt';
import { createEcrAccess, type SlackCallLimits } from './app';
import { onFirstUse } from './aws/clients';
import { loadLambdaConfig } from './config';
import { lambdaHandler } from './lambda/handler';
import { invokeDefer } from './lambda/invoke-defer';
import { createLogger } from './logger';
import { boltLogger } from './slack/bolt-logger';

/** A job's Slack calls share the function's timeout, so each gives up sooner than on a server. */
export const LAMBDA_SLACK_CALL_LIMITS: SlackCallLimits = {
  retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 1000 },
  timeout: 5000,
};

const config = loadLambdaConfig();
const logger = createLogger({ level: config.logLevel, secrets: [config.slack.botToken, config.slack.signingSecret] });

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

const receiver = new AwsLambdaReceiver({ signingSecret: config.slack.signingSecret, logger: boltLogger(logger) });

const { runJob } = createEcrAccess(config, {
  receiver,
  logger,
  defer: () => invokeDefer(lambda, config.functionName, logger),
  slackCallLimits: LAMBDA_SLACK_CALL_LIMITS,
});

export const handler = lambdaHandler({ receive: receiver.toHandler(), runJob, logger });
