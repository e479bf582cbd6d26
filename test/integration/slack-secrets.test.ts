// The Slack secrets read from SSM Parameter Store: by the reader itself, with the real SDK over
// HTTP against a local SSM (sandbox/ssm-emulator.ts), and by `npm start` when its environment
// names the parameters instead of giving the values. (The Lambda handler: lambda.test.ts.)
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { SSMClient } from '@aws-sdk/client-ssm';
import { startLocalWorld, SANDBOX, type LocalWorld } from '../../sandbox/local-world';
import { startSsmEmulator, type SsmEmulator } from '../../sandbox/ssm-emulator';
import { readSlackSecrets } from '../../src/aws/slack-secrets';
import type { SlackSecretSources } from '../../src/config';
import { ErrorCode, isEcrAccessError } from '../../src/errors';

const ROOT = join(__dirname, '..', '..');
const REGION = 'eu-west-1';
const TOKEN_PARAMETER = '/ecr-access/prod/slack-bot-token';
const SIGNING_SECRET_PARAMETER = '/ecr-access/prod/slack-signing-secret';
const TOKEN = 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx';
const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const IN_SSM: SlackSecretSources = { botToken: { parameter: TOKEN_PARAMETER }, signingSecret: { parameter: SIGNING_SECRET_PARAMETER } };

let ssm: SsmEmulator;
let client: SSMClient;

beforeEach(async () => {
  ssm = await startSsmEmulator({ region: REGION });
  ssm.putParameter({ name: TOKEN_PARAMETER, value: TOKEN });
  ssm.putParameter({ name: SIGNING_SECRET_PARAMETER, value: SIGNING_SECRET });
  client = new SSMClient({ region: REGION, endpoint: ssm.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
});

afterEach(async () => {
  client.destroy();
  await ssm.close();
});

async function refusal(sources: SlackSecretSources = IN_SSM): Promise<string> {
  const outcome = await readSlackSecrets(sources, { region: REGION, ssm: client }).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (isEcrAccessError(outcome, ErrorCode.SecretsUnavailable)) return outcome.message;
  throw new Error(`expected the secrets to be refused, got ${String(outcome)}`);
}

describe('readSlackSecrets', () => {
  it('reads both secrets with one decrypting GetParameters call', async () => {
    await expect(readSlackSecrets(IN_SSM, { region: REGION, ssm: client })).resolves.toEqual({ botToken: TOKEN, signingSecret: SIGNING_SECRET });
    expect(ssm.calls).toEqual([{ action: 'GetParameters', names: [TOKEN_PARAMETER, SIGNING_SECRET_PARAMETER], withDecryption: true }]);
  });

  it('takes values the environment gives without asking SSM, and reads only the one named', async () => {
    await expect(readSlackSecrets({ botToken: { value: 'xoxb-from-env' }, signingSecret: { value: 'from-env' } }, { region: REGION, ssm: client })).resolves.toEqual({
      botToken: 'xoxb-from-env',
      signingSecret: 'from-env',
    });
    expect(ssm.calls).toEqual([]);
    await expect(
      readSlackSecrets({ botToken: { value: 'xoxb-from-env' }, signingSecret: { parameter: SIGNING_SECRET_PARAMETER } }, { region: REGION, ssm: client }),
    ).resolves.toEqual({ botToken: 'xoxb-from-env', signingSecret: SIGNING_SECRET });
    expect(ssm.calls.map((c) => c.names)).toEqual([[SIGNING_SECRET_PARAMETER]]);
  });

  it('trims a value stored with a trailing newline, as the environment’s are', async () => {
    ssm.putParameter({ name: SIGNING_SECRET_PARAMETER, value: `${SIGNING_SECRET}\n` });
    await expect(readSlackSecrets(IN_SSM, { region: REGION, ssm: client })).resolves.toMatchObject({ signingSecret: SIGNING_SECRET });
  });

  it('names every parameter that does not exist in one error, each with the command that creates it', async () => {
    ssm.deleteParameter(TOKEN_PARAMETER);
    ssm.deleteParameter(SIGNING_SECRET_PARAMETER);
    const message = await refusal();
    expect(message).toContain(`SLACK_BOT_TOKEN_PARAMETER names ${TOKEN_PARAMETER}, which does not exist in ${REGION}`);
    expect(message).toContain(`aws ssm put-parameter --region ${REGION} --name ${TOKEN_PARAMETER} --type SecureString --value "<the bot token>"`);
    expect(message).toContain(`SLACK_SIGNING_SECRET_PARAMETER names ${SIGNING_SECRET_PARAMETER}, which does not exist in ${REGION}`);
    expect(ssm.calls).toHaveLength(1);
  });

  it('refuses a secret stored as a plain String parameter, and says how to store it encrypted', async () => {
    ssm.putParameter({ name: SIGNING_SECRET_PARAMETER, value: SIGNING_SECRET, type: 'String' });
    const message = await refusal();
    expect(message).toContain(`${SIGNING_SECRET_PARAMETER} (SLACK_SIGNING_SECRET_PARAMETER) is a String parameter, stored unencrypted`);
    expect(message).toContain('--type SecureString');
    expect(message).not.toContain(SIGNING_SECRET);
  });

  it('refuses a parameter that does not hold a bot token, without repeating what it holds', async () => {
    ssm.putParameter({ name: TOKEN_PARAMETER, value: 'xapp-1-an-app-level-token' });
    const message = await refusal();
    expect(message).toContain(`the value of ${TOKEN_PARAMETER} (SLACK_BOT_TOKEN_PARAMETER) must be a bot token (xoxb-…)`);
    expect(message).not.toContain('xapp-1-an-app-level-token');
  });

  it('reads the app-level token of Socket Mode in place of the signing secret, and checks it is one', async () => {
    const appTokenParameter = '/ecr-access/prod/slack-app-token';
    const inSocketMode: SlackSecretSources = { botToken: { parameter: TOKEN_PARAMETER }, appToken: { parameter: appTokenParameter } };
    ssm.putParameter({ name: appTokenParameter, value: 'xapp-1-A0ECRACCESS-1234567890-0a1b2c3d4e5f' });
    await expect(readSlackSecrets(inSocketMode, { region: REGION, ssm: client })).resolves.toEqual({
      botToken: TOKEN,
      appToken: 'xapp-1-A0ECRACCESS-1234567890-0a1b2c3d4e5f',
    });
    ssm.putParameter({ name: appTokenParameter, value: TOKEN });
    const message = await refusal(inSocketMode);
    expect(message).toContain(`the value of ${appTokenParameter} (SLACK_APP_TOKEN_PARAMETER) must be an app-level token (xapp-…)`);
    expect(message).not.toContain(TOKEN);
  });

  it('says which parameters and which permissions when SSM refuses access', async () => {
    ssm.denyReading([SIGNING_SECRET_PARAMETER]);
    const message = await refusal();
    expect(message).toContain('AccessDeniedException');
    expect(message).toContain(`must allow ssm:GetParameters on ${TOKEN_PARAMETER} and ${SIGNING_SECRET_PARAMETER}, and kms:Decrypt on the key that encrypts them`);
  });
});

describe('npm start with the Slack secrets in SSM', () => {
  const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_NO_WARNINGS: '1' };
  let world: LocalWorld;

  beforeAll(async () => {
    world = await startLocalWorld();
  });
  afterAll(async () => world.close());

  /** The local world's environment, with the secrets named in SSM instead of given. */
  function envWithParameters(): NodeJS.ProcessEnv {
    const { SLACK_BOT_TOKEN: _token, SLACK_SIGNING_SECRET: _secret, ...rest } = world.env;
    ssm.putParameter({ name: TOKEN_PARAMETER, value: SANDBOX.botToken });
    ssm.putParameter({ name: SIGNING_SECRET_PARAMETER, value: SANDBOX.signingSecret });
    return {
      ...baseEnv,
      ...rest,
      SLACK_BOT_TOKEN_PARAMETER: TOKEN_PARAMETER,
      SLACK_SIGNING_SECRET_PARAMETER: SIGNING_SECRET_PARAMETER,
      AWS_ENDPOINT_URL_SSM: ssm.url,
    };
  }

  it('reads them once at start and serves signed slash commands with them', async () => {
    const child = spawn('npm', ['start', '--silent'], { cwd: ROOT, env: envWithParameters(), stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    try {
      const port = await new Promise<string>((resolve) => {
        createInterface({ input: child.stdout! }).on('line', (line) => {
          const found = /"ecr-access is listening","port":(\d+)/.exec(line)?.[1];
          if (found) resolve(found);
        });
      });
      world.slack.setBotUrl(`http://127.0.0.1:${port}/slack/events`);
      // Accepted only if signed with the secret read from SSM; the card is posted only with the token read from SSM.
      await world.slack.slashCommand({ user: SANDBOX.requester, channel: SANDBOX.approvalChannel, text: 'request common-images 222233334444' });
      const card = await world.slack.waitFor(() => world.slack.messages(SANDBOX.approvalChannel)[0], 15_000);
      expect(card.text).toContain('222233334444');
      expect(ssm.calls).toEqual([{ action: 'GetParameters', names: [TOKEN_PARAMETER, SIGNING_SECRET_PARAMETER], withDecryption: true }]);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
      await once(child, 'exit');
    }
  });

  it('stops with one message naming the missing parameter', async () => {
    const env = envWithParameters();
    ssm.deleteParameter(SIGNING_SECRET_PARAMETER);
    const failure = await promisify(execFile)('npm', ['start', '--silent'], { cwd: ROOT, env }).then(
      () => undefined,
      (error: { code?: number; stderr: string }) => error,
    );
    expect(failure?.code).not.toBe(0);
    expect(failure!.stderr.match(/the Slack secrets could not be read/g)).toHaveLength(1);
    expect(failure!.stderr).toContain(`SLACK_SIGNING_SECRET_PARAMETER names ${SIGNING_SECRET_PARAMETER}, which does not exist`);
  });
});
