// The Lambda entry point as API Gateway and Lambda drive it: signed HTTP API (v2) events from
// Slack are answered before any AWS work, and the work arrives later as an asynchronous Invoke
// of the same function (a local stand-in for Lambda's Invoke API hands it back to the handler).
// The Slack secrets are in neither the environment nor the code: the function reads them from a
// local SSM Parameter Store (sandbox/ssm-emulator.ts) when a container starts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleLambda } from '../../deploy/bundle';
import { canPull, parsePolicy } from '../../src/domain/policy';
import { SANDBOX, startLocalWorld, type LocalWorld } from '../../sandbox/local-world';
import { startSsmEmulator, type SsmEmulator } from '../../sandbox/ssm-emulator';
import { encodeInteractionPayload, encodeSlashCommand, slashCommandFields } from '../../sandbox/slack/payloads';
import { nowSeconds, signSlackRequest } from '../../sandbox/slack/signature';
import { APPROVE_ACTION } from '../../src/slack/blocks/request-card';
import { httpApiEvent, startHttpApiGateway, type HttpApiGateway, type HttpApiHandler } from '../support/http-api';
import { startLambdaService, type LambdaService } from '../support/lambda-service';

const FUNCTION_NAME = 'ecr-access-test-slack';
const ACCOUNT = '222233334444';
const TOKEN_PARAMETER = '/ecr-access/test/slack-bot-token';
const SIGNING_SECRET_PARAMETER = '/ecr-access/test/slack-signing-secret';

let world: LocalWorld;
let ssm: SsmEmulator;
let lambda: LambdaService;
let gateway: HttpApiGateway;
let handler: HttpApiHandler;
const savedEnv = { ...process.env };
let bundleDir: string;

beforeAll(async () => {
  // The packaged files, built apart from dist/ so other suites packaging at the same time are not disturbed.
  bundleDir = mkdtempSync(join(tmpdir(), 'ecr-access-bundle-'));
  await bundleLambda(bundleDir);
}, 120_000);

afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

/** The same handler twice: from the sources, and as packaged (handler file plus the SDK file it loads on first use). */
const ENTRIES: Array<[string, () => Promise<unknown>]> = [
  ['from the sources', () => import('../../src/lambda')],
  ['as packaged', async () => require(join(bundleDir, 'lambda', 'index.js')) as unknown],
];

/** The function's environment: the local world's settings, with the Slack secrets named in SSM instead of given. */
function functionEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...savedEnv,
    ...world.env,
    SLACK_BOT_TOKEN_PARAMETER: TOKEN_PARAMETER,
    SLACK_SIGNING_SECRET_PARAMETER: SIGNING_SECRET_PARAMETER,
    AWS_ENDPOINT_URL_SSM: ssm.url,
    LOG_LEVEL: 'error',
    AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
    ...extra,
  };
  delete env.SLACK_BOT_TOKEN;
  delete env.SLACK_SIGNING_SECRET;
  return env;
}

async function startSsm(): Promise<SsmEmulator> {
  const started = await startSsmEmulator({ region: SANDBOX.region });
  started.putParameter({ name: TOKEN_PARAMETER, value: SANDBOX.botToken });
  started.putParameter({ name: SIGNING_SECRET_PARAMETER, value: SANDBOX.signingSecret });
  return started;
}

const ecrCallsSoFar = () => world.ecr.calls.length;

/** The headers Slack adds when it sends a request again because it thinks the first one failed. */
const SLACK_RETRY = { 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' };

function signedCommandEvent(text: string, options: { timestamp?: number; headers?: Record<string, string> } = {}) {
  const responseUrl = world.slack.newResponseUrl({ user: SANDBOX.requester, channel: SANDBOX.approvalChannel });
  const rawBody = encodeSlashCommand(
    slashCommandFields({
      app: world.slack.identity,
      user: { id: SANDBOX.requester, name: 'alice' },
      channel: { id: SANDBOX.approvalChannel, name: 'ecr-approvals' },
      command: '/ecr-access',
      text,
      responseUrl,
    }),
  );
  return httpApiEvent({
    rawBody,
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      ...signSlackRequest(SANDBOX.signingSecret, rawBody, options.timestamp),
      ...options.headers,
    },
  });
}

describe.each(ENTRIES)('the Lambda handler %s', (_entry, load) => {
  beforeAll(async () => {
    world = await startLocalWorld({ repositories: ['common-images'] });
    // Every ECR call takes a second: an acknowledgement that waited for one would be late.
    world.ecr.setFaults({ latencyMs: 1000 });
    lambda = await startLambdaService({ functionName: FUNCTION_NAME, handler: (event, context) => handler(event as never, context) });
    ssm = await startSsm();
    process.env = functionEnvironment({ AWS_ENDPOINT_URL_LAMBDA: lambda.url });
    // Loaded after the environment is set: the module builds config, clients and app once, as on a cold start.
    ({ handler } = (await load()) as { handler: HttpApiHandler });
    gateway = await startHttpApiGateway((event, context) => handler(event, context));
    world.slack.setBotUrl(gateway.url);
  });

  afterAll(async () => {
    process.env = { ...savedEnv };
    await gateway?.close();
    await lambda?.close();
    await ssm?.close();
    await world?.close();
  });

  it('acknowledges a request before any ECR call and hands the work to an asynchronous invocation of itself', async () => {
    const before = ecrCallsSoFar();
    const reply = await handler(signedCommandEvent(`request common-images ${ACCOUNT}`), {});

    expect(reply).toMatchObject({ statusCode: 200 });
    expect(JSON.parse(reply!.body!).text).toContain('Checking your request');
    expect(ecrCallsSoFar()).toBe(before);
    expect(lambda.queued).toEqual([
      expect.objectContaining({
        functionName: FUNCTION_NAME,
        invocationType: 'Event',
        payload: { ecrAccessJob: expect.objectContaining({ kind: 'request', repository: 'common-images', account: ACCOUNT }), at: expect.any(Number) },
      }),
    ]);
    await lambda.drain();
    expect(ecrCallsSoFar()).toBeGreaterThan(before);
  });

  it('takes a request and its approval end to end: each answer comes first, the work through the async path', async () => {
    const account = '333344445555';
    const beforeCommand = ecrCallsSoFar();
    const command = await world.slack.slashCommand({
      user: SANDBOX.requester,
      channel: SANDBOX.approvalChannel,
      text: `request common-images ${account} dashboards`,
    });
    expect(command.status).toBe(200);
    expect(ecrCallsSoFar()).toBe(beforeCommand);
    expect(world.slack.messages(SANDBOX.approvalChannel).filter((m) => m.text.includes(account))).toEqual([]);

    await lambda.drain();
    const card = world.slack.messages(SANDBOX.approvalChannel).find((m) => JSON.stringify(m.blocks).includes(account));
    expect(card).toBeDefined();
    expect(world.slack.responses.filter((r) => r.url === command.responseUrl).map((r) => String(r.body.text))).toEqual([
      expect.stringContaining('is with the approvers'),
    ]);

    const beforeClick = ecrCallsSoFar();
    const click = await world.slack.clickButton({
      user: SANDBOX.approver,
      channel: SANDBOX.approvalChannel,
      messageTs: card!.ts,
      actionId: APPROVE_ACTION,
    });
    expect(click.status).toBe(200);
    expect(ecrCallsSoFar()).toBe(beforeClick);
    expect(world.ecr.countCalls('SetRepositoryPolicy')).toBe(0);
    expect(lambda.queued.map((i) => (i.payload as { ecrAccessJob: { kind: string } }).ecrAccessJob.kind)).toEqual(['decide']);

    await lambda.drain();
    expect(canPull(parsePolicy(world.ecr.policyText('common-images')), account)).toBe(true);
    expect(world.slack.dms(SANDBOX.requester).map((m) => m.text).join('\n')).toContain('can now pull from `common-images`');
    expect(world.slack.thread(SANDBOX.approvalChannel, card!.ts)).toHaveLength(2);
  });

  it('starts without calling auth.test, because the bot IDs come from config', () => {
    expect(world.slack.calls.map((c) => c.method)).not.toContain('auth.test');
  });

  it('read both Slack secrets, which its environment does not hold, with one decrypting SSM call for the whole container', () => {
    // Every signed request above was verified with the signing secret, and every Slack call made with the token, read here.
    expect(process.env.SLACK_BOT_TOKEN).toBeUndefined();
    expect(process.env.SLACK_SIGNING_SECRET).toBeUndefined();
    expect(ssm.calls).toEqual([{ action: 'GetParameters', names: [TOKEN_PARAMETER, SIGNING_SECRET_PARAMETER], withDecryption: true }]);
    expect(world.slack.calls.length).toBeGreaterThan(0);
  });

  it('treats an HTTP request carrying the internal job shape as an ordinary, unsigned Slack request', async () => {
    const forged = JSON.stringify({
      ecrAccessJob: { kind: 'list', user: SANDBOX.other, responseUrl: `${world.slack.url}/forged` },
    });
    const before = { ecr: ecrCallsSoFar(), invocations: lambda.invocations.length, responses: world.slack.responses.length };

    const reply = await handler(httpApiEvent({ rawBody: forged, headers: { 'Content-Type': 'application/json' } }), {});

    expect(reply).toMatchObject({ statusCode: 401 });
    expect(lambda.invocations).toHaveLength(before.invocations);
    expect(ecrCallsSoFar()).toBe(before.ecr);
    expect(world.slack.responses).toHaveLength(before.responses);
  });

  it('answers the challenge Slack sends when the Event Subscriptions request URL is set, and starts nothing', async () => {
    const rawBody = JSON.stringify({ token: 'unused', challenge: 'challenge-3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' });
    const invocations = lambda.invocations.length;
    const reply = await handler(httpApiEvent({ rawBody, headers: { 'Content-Type': 'application/json', ...signSlackRequest(SANDBOX.signingSecret, rawBody) } }), {});
    expect(reply).toMatchObject({ statusCode: 200 });
    expect(JSON.parse((reply as { body: string }).body)).toEqual({ challenge: 'challenge-3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
    expect(lambda.invocations).toHaveLength(invocations);
  });

  it('refuses a request whose signature does not match its body', async () => {
    const event = signedCommandEvent(`request common-images ${ACCOUNT}`);
    const tampered = { ...event, body: Buffer.from('command=%2Fecr-access&text=list', 'utf8').toString('base64') };
    const reply = await handler(tampered, {});
    expect(reply).toMatchObject({ statusCode: 401 });
    expect(lambda.queued).toEqual([]);
  });

  it('refuses a correctly signed request dated more than five minutes ahead, and starts nothing', async () => {
    const invocations = lambda.invocations.length;
    const reply = await handler(signedCommandEvent(`request common-images ${ACCOUNT}`, { timestamp: nowSeconds() + 6 * 60 }), {});
    expect(reply).toMatchObject({ statusCode: 401 });
    expect(lambda.invocations).toHaveLength(invocations);
  });

  it('acknowledges a Slack retry of a slash command without submitting it again', async () => {
    const invocations = lambda.invocations.length;
    const reply = await handler(signedCommandEvent('request common-images 555566667777', { headers: SLACK_RETRY }), {});
    expect(reply).toMatchObject({ statusCode: 200, body: '' });
    expect(lambda.invocations).toHaveLength(invocations);
  });

  it('acknowledges a Slack retry of a click without a second decision', async () => {
    const account = '666677778888';
    await world.slack.slashCommand({ user: SANDBOX.requester, channel: SANDBOX.approvalChannel, text: `request common-images ${account}` });
    await lambda.drain();
    const card = world.slack.messages(SANDBOX.approvalChannel).find((m) => JSON.stringify(m.blocks).includes(account))!;
    const click = await world.slack.clickButton({ user: SANDBOX.approver, channel: SANDBOX.approvalChannel, messageTs: card.ts, actionId: APPROVE_ACTION });
    expect(lambda.queued).toHaveLength(1);
    await lambda.drain();
    const invocations = lambda.invocations.length;
    const responses = world.slack.responses.length;

    const retry = await world.slack.postToBot(encodeInteractionPayload(click.payload), { headers: SLACK_RETRY });

    expect(retry.status).toBe(200);
    expect(lambda.invocations).toHaveLength(invocations);
    await lambda.drain();
    expect(world.slack.responses).toHaveLength(responses);
  });

  it('tells the user at once when Lambda will not take the job, and records nothing', async () => {
    lambda.refuseNext({ status: 403, type: 'AccessDeniedException', message: 'not authorized to perform: lambda:InvokeFunction' });
    const invocations = lambda.invocations.length;
    const reply = await handler(signedCommandEvent('request common-images 444455556666'), {});
    expect(reply).toMatchObject({ statusCode: 200 });
    expect(JSON.parse(reply!.body!).text).toContain('could not start that just now');
    expect(lambda.invocations).toHaveLength(invocations);
  });
});

/** A fresh container: the module loaded anew (its own config, secrets and app), as Lambda starts one. */
function freshContainer(load: () => unknown, env: NodeJS.ProcessEnv): HttpApiHandler {
  process.env = env;
  let loaded: { handler: HttpApiHandler } | undefined;
  jest.isolateModules(() => {
    loaded = load() as { handler: HttpApiHandler };
  });
  return loaded!.handler;
}

/** Every JSON line the function writes while `work` runs. */
async function linesWrittenBy(work: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await work().catch(() => undefined);
  } finally {
    spy.mockRestore();
  }
  return written.flatMap((chunk) => chunk.split('\n')).filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

function signedHelp(signingSecret: string) {
  const rawBody = encodeSlashCommand(
    slashCommandFields({
      app: world.slack.identity,
      user: { id: SANDBOX.requester, name: 'alice' },
      channel: { id: SANDBOX.approvalChannel, name: 'ecr-approvals' },
      command: '/ecr-access',
      text: 'help',
      responseUrl: world.slack.newResponseUrl({ user: SANDBOX.requester, channel: SANDBOX.approvalChannel }),
    }),
  );
  return httpApiEvent({ rawBody, headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...signSlackRequest(signingSecret, rawBody) } });
}

const FRESH_ENTRIES: Array<[string, () => unknown]> = [
  ['from the sources', () => require('../../src/lambda')],
  ['as packaged', () => require(join(bundleDir, 'lambda', 'index.js'))],
];

describe.each(FRESH_ENTRIES)('a new container of the Lambda handler %s', (_entry, load) => {
  beforeAll(async () => {
    world = await startLocalWorld({ repositories: ['common-images'] });
  });

  beforeEach(async () => {
    ssm = await startSsm();
  });

  afterEach(async () => {
    process.env = { ...savedEnv };
    await ssm?.close();
  });

  afterAll(async () => {
    await world?.close();
  });

  it('writes every log line of an invocation with its request ID, and cold_start only in the first', async () => {
    const handler = freshContainer(load, functionEnvironment({ LOG_LEVEL: 'debug' }));
    const first = await linesWrittenBy(() => handler(signedHelp(SANDBOX.signingSecret), { awsRequestId: 'req-first' }));
    const second = await linesWrittenBy(() => handler(signedHelp(SANDBOX.signingSecret), { awsRequestId: 'req-second' }));

    expect(first.length).toBeGreaterThan(0);
    expect(second.length).toBeGreaterThan(0);
    expect(first.map((line) => [line.function_request_id, line.cold_start])).toEqual(first.map(() => ['req-first', true]));
    expect(second.map((line) => [line.function_request_id, line.cold_start])).toEqual(second.map(() => ['req-second', false]));
  });

  it('masks the secrets it read from SSM in every line, wherever they turn up', async () => {
    const signingSecret = 'fresh-container-signing-secret-4f1c';
    ssm.putParameter({ name: SIGNING_SECRET_PARAMETER, value: signingSecret });
    const handler = freshContainer(load, functionEnvironment({ LOG_LEVEL: 'debug' }));
    // At debug level the receiver logs each event it is given, body and all.
    const body = JSON.stringify({ pasted: `my signing secret is ${signingSecret}` });
    const headers = { 'Content-Type': 'application/json', 'X-Slack-Request-Timestamp': String(nowSeconds()) };
    const lines = await linesWrittenBy(() => handler(httpApiEvent({ rawBody: body, headers }), { awsRequestId: 'req-mask' }));

    const text = JSON.stringify(lines);
    expect(text).toContain('[redacted]');
    expect(text).not.toContain(signingSecret);
  });

  it('refuses to serve with one error that names a missing parameter and how to create it, and serves once it exists', async () => {
    ssm.deleteParameter(SIGNING_SECRET_PARAMETER);
    const handler = freshContainer(load, functionEnvironment());
    let failure: unknown;
    const lines = await linesWrittenBy(async () => {
      failure = await handler(signedHelp(SANDBOX.signingSecret), { awsRequestId: 'req-missing' }).then(
        () => 'answered',
        (error: unknown) => error,
      );
    });

    expect(failure).toMatchObject({ code: 'ecr_access_secrets_unavailable' });
    const message = (failure as Error).message;
    expect(message).toContain(`SLACK_SIGNING_SECRET_PARAMETER names ${SIGNING_SECRET_PARAMETER}, which does not exist in ${SANDBOX.region}`);
    expect(message).toContain(`aws ssm put-parameter --region ${SANDBOX.region} --name ${SIGNING_SECRET_PARAMETER} --type SecureString`);
    expect(message).not.toContain(TOKEN_PARAMETER);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'error', function_request_id: 'req-missing', error: expect.objectContaining({ message }) }),
    ]);

    ssm.putParameter({ name: SIGNING_SECRET_PARAMETER, value: SANDBOX.signingSecret });
    await expect(handler(signedHelp(SANDBOX.signingSecret), { awsRequestId: 'req-created' })).resolves.toMatchObject({ statusCode: 200 });
  });

  it('keeps the secret it read for the life of the container, and a new container takes a rotated one', async () => {
    const warm = freshContainer(load, functionEnvironment());
    await expect(warm(signedHelp(SANDBOX.signingSecret), {})).resolves.toMatchObject({ statusCode: 200 });

    const rotated = 'rotated-signing-secret-9d2e';
    ssm.putParameter({ name: SIGNING_SECRET_PARAMETER, value: rotated });
    await expect(warm(signedHelp(SANDBOX.signingSecret), {})).resolves.toMatchObject({ statusCode: 200 });
    expect(ssm.calls).toHaveLength(1);

    const cold = freshContainer(load, functionEnvironment());
    await expect(cold(signedHelp(rotated), {})).resolves.toMatchObject({ statusCode: 200 });
    await expect(cold(signedHelp(SANDBOX.signingSecret), {})).resolves.toMatchObject({ statusCode: 401 });
    expect(ssm.calls).toHaveLength(2);
  });
});
