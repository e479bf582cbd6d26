// The Lambda entry point as API Gateway and Lambda drive it: signed HTTP API (v2) events from
// Slack are answered before any AWS work, and the work arrives later as an asynchronous Invoke
// of the same function (a local stand-in for Lambda's Invoke API hands it back to the handler).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleLambda } from '../../deploy/bundle';
import { canPull, parsePolicy } from '../../src/domain/policy';
import { SANDBOX, startLocalWorld, type LocalWorld } from '../../sandbox/local-world';
import { encodeInteractionPayload, encodeSlashCommand, slashCommandFields } from '../../sandbox/slack/payloads';
import { nowSeconds, signSlackRequest } from '../../sandbox/slack/signature';
import { APPROVE_ACTION } from '../../src/slack/blocks/request-card';
import { httpApiEvent, startHttpApiGateway, type HttpApiGateway, type HttpApiHandler } from '../support/http-api';
import { startLambdaService, type LambdaService } from '../support/lambda-service';

const FUNCTION_NAME = 'ecr-access-test-slack';
const ACCOUNT = '222233334444';

let world: LocalWorld;
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
    Object.assign(process.env, world.env, {
      LOG_LEVEL: 'error',
      AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
      AWS_ENDPOINT_URL_LAMBDA: lambda.url,
    });
    // Loaded after the environment is set: the module builds config, clients and app once, as on a cold start.
    ({ handler } = (await load()) as { handler: HttpApiHandler });
    gateway = await startHttpApiGateway((event, context) => handler(event, context));
    world.slack.setBotUrl(gateway.url);
  });

  afterAll(async () => {
    process.env = { ...savedEnv };
    await gateway?.close();
    await lambda?.close();
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
        payload: { ecrAccessJob: expect.objectContaining({ kind: 'request', repository: 'common-images', account: ACCOUNT }) },
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
