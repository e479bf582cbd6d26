// What the Lambda runtime demands of its environment beyond what `npm start` does.
import { loadConfig, loadLambdaConfig } from '../../../src/config';
import { isEcrAccessError, ErrorCode } from '../../../src/errors';

const SERVER_ENV = {
  SLACK_BOT_TOKEN: 'xoxb-test',
  SLACK_SIGNING_SECRET: 'secret',
  ECR_ACCESS_TABLE: 'ecr-access',
  ECR_ACCESS_APPROVAL_CHANNEL: 'C0APPROVALS',
  ECR_ACCESS_APPROVERS: 'U0APPROVER',
  ECR_ACCESS_REPOSITORIES: 'common-images',
  AWS_REGION: 'eu-west-1',
};

function problems(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    if (isEcrAccessError(error, ErrorCode.InvalidConfig)) return error.message;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

describe('loadLambdaConfig', () => {
  it('requires the bot IDs, so a cold start skips auth.test, and the function name, to hand jobs to', () => {
    expect(() => loadConfig(SERVER_ENV)).not.toThrow();
    const message = problems(() => loadLambdaConfig(SERVER_ENV));
    expect(message).toMatch(/SLACK_BOT_ID is required on Lambda/);
    expect(message).toMatch(/SLACK_BOT_USER_ID is required on Lambda/);
    expect(message).toMatch(/AWS_LAMBDA_FUNCTION_NAME is required/);
  });

  it('lists the Lambda problems together with every other one', () => {
    const message = problems(() => loadLambdaConfig({ ...SERVER_ENV, ECR_ACCESS_TABLE: 't!', SLACK_BOT_ID: 'U0WRONG' }));
    expect(message).toMatch(/ECR_ACCESS_TABLE must be a DynamoDB table name/);
    expect(message).toMatch(/SLACK_BOT_TOKEN must not be in a Lambda function's environment/);
    expect(message).toMatch(/SLACK_BOT_ID Slack bot IDs look like B012ABCDEF/);
    expect(message).toMatch(/AWS_LAMBDA_FUNCTION_NAME is required/);
  });

  it('carries the function name, bot IDs and secret parameters into the config', () => {
    const { SLACK_BOT_TOKEN: _token, SLACK_SIGNING_SECRET: _secret, ...withoutSecrets } = SERVER_ENV;
    const config = loadLambdaConfig({
      ...withoutSecrets,
      SLACK_BOT_TOKEN_PARAMETER: '/ecr-access/prod/slack-bot-token',
      SLACK_SIGNING_SECRET_PARAMETER: '/ecr-access/prod/slack-signing-secret',
      SLACK_BOT_ID: 'B0BOT',
      SLACK_BOT_USER_ID: 'U0BOT',
      AWS_LAMBDA_FUNCTION_NAME: 'ecr-access-prod-slack',
    });
    expect(config).toMatchObject({
      functionName: 'ecr-access-prod-slack',
      slack: { botId: 'B0BOT', botUserId: 'U0BOT', secrets: { botToken: { parameter: '/ecr-access/prod/slack-bot-token' } } },
    });
  });
});
