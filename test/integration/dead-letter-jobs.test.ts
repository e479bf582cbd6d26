// No job is dropped silently on Lambda: a job whose invocation fails both tries lands in the
// dead-letter queue (a local SQS) as Lambda's on-failure destination puts it there, with its
// payload; the sweep counts it; a replay runs it again through the same use case once the fault is
// gone, or, when it is too late to answer where it was asked, tells its user by DM. The function
// is the real handler, its DynamoDB behind a proxy that fails the job's write.
import { SANDBOX, startLocalWorld, type LocalWorld } from '../../sandbox/local-world';
import { startSqsEmulator, type SqsEmulator } from '../../sandbox/sqs-emulator';
import { startSsmEmulator, type SsmEmulator } from '../../sandbox/ssm-emulator';
import { jobEvent } from '../../src/lambda/job-event';
import { JOB_RUNS_AGAIN } from '../../src/slack/messages';
import { startDynamoFaults, type DynamoFaults } from '../support/dynamo-faults';
import { type HttpApiGateway, type HttpApiHandler, startHttpApiGateway } from '../support/http-api';
import { type InvocationRecord, startLambdaService, type LambdaService } from '../support/lambda-service';

const FUNCTION_NAME = 'ecr-access-test-slack';
const TOKEN_PARAMETER = '/ecr-access/test/slack-bot-token';
const SIGNING_SECRET_PARAMETER = '/ecr-access/test/slack-signing-secret';
const ACCOUNT = '222233334444';
const MINUTE = 60_000;

let world: LocalWorld;
let faults: DynamoFaults;
let ssm: SsmEmulator;
let sqs: SqsEmulator;
let queueUrl: string;
let lambda: LambdaService;
let handler: HttpApiHandler;
let gateway: HttpApiGateway;
const savedEnv = { ...process.env };

beforeAll(async () => {
  world = await startLocalWorld({ repositories: ['common-images'] });
  faults = await startDynamoFaults(world.dynamoUrl);
  ssm = await startSsmEmulator({ region: SANDBOX.region });
  ssm.putParameter({ name: TOKEN_PARAMETER, value: SANDBOX.botToken });
  ssm.putParameter({ name: SIGNING_SECRET_PARAMETER, value: SANDBOX.signingSecret });
  sqs = await startSqsEmulator({ region: SANDBOX.region });
  queueUrl = sqs.createQueue('ecr-access-test-jobs');
  lambda = await startLambdaService({
    functionName: FUNCTION_NAME,
    handler: (event, context) => handler(event as never, context),
    onFailure: (record) => sqs.send(queueUrl, JSON.stringify(record)),
  });
  const env: NodeJS.ProcessEnv = {
    ...savedEnv,
    ...world.env,
    SLACK_BOT_TOKEN_PARAMETER: TOKEN_PARAMETER,
    SLACK_SIGNING_SECRET_PARAMETER: SIGNING_SECRET_PARAMETER,
    AWS_ENDPOINT_URL_SSM: ssm.url,
    AWS_ENDPOINT_URL_DYNAMODB: faults.url,
    AWS_ENDPOINT_URL_LAMBDA: lambda.url,
    AWS_ENDPOINT_URL_SQS: sqs.url,
    ECR_ACCESS_DEAD_LETTER_QUEUE: queueUrl,
    ECR_ACCESS_STAGE: 'test',
    AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
    LOG_LEVEL: 'error',
  };
  delete env.SLACK_BOT_TOKEN;
  delete env.SLACK_SIGNING_SECRET;
  process.env = env;
  ({ handler } = (await import('../../src/lambda')) as { handler: HttpApiHandler });
  gateway = await startHttpApiGateway((event, context) => handler(event, context));
  world.slack.setBotUrl(gateway.url);
}, 60_000);

afterAll(async () => {
  process.env = { ...savedEnv };
  await gateway?.close();
  await lambda?.close();
  await sqs?.close();
  await ssm?.close();
  await faults?.close();
  await world?.close();
});

/** Every JSON line the function writes to stdout while `work` runs (metric lines are written at every level). */
async function linesWrittenBy(work: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await work();
  } finally {
    spy.mockRestore();
  }
  return written.flatMap((chunk) => chunk.split('\n')).filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

const waiting = () => sqs.bodies(queueUrl).map((body) => JSON.parse(body) as InvocationRecord);
const cardFor = (account: string) => world.slack.messages(SANDBOX.approvalChannel).find((m) => JSON.stringify(m.blocks).includes(account));

describe('a job that fails both tries', () => {
  let responseUrl: string;

  it('goes to the dead-letter queue with its payload, after its user was told it will run again', async () => {
    faults.failWhen('PutItem', ACCOUNT);
    const command = await world.slack.slashCommand({ user: SANDBOX.requester, channel: SANDBOX.approvalChannel, text: `request common-images ${ACCOUNT} dashboards` });
    responseUrl = command.responseUrl;
    expect(command.status).toBe(200);

    await lambda.drain();

    expect(lambda.tries).toEqual([2]);
    expect(waiting()).toEqual([
      expect.objectContaining({
        requestContext: expect.objectContaining({ condition: 'RetriesExhausted', approximateInvokeCount: 2 }),
        requestPayload: { ecrAccessJob: expect.objectContaining({ kind: 'request', account: ACCOUNT, user: SANDBOX.requester, responseUrl }), at: expect.any(Number) },
      }),
    ]);
    expect(world.slack.responses.filter((r) => r.url === responseUrl).map((r) => r.body.text)).toEqual([JOB_RUNS_AGAIN, JOB_RUNS_AGAIN]);
    expect(cardFor(ACCOUNT)).toBeUndefined();
  });

  it('is counted by the sweep in its metric line', async () => {
    faults.clear();
    const lines = await linesWrittenBy(() => handler({ 'ecr-access': 'sweep' } as never, {}));
    expect(lines.filter((line) => line.message === 'swept')).toEqual([expect.objectContaining({ level: 'metric', WaitingJobs: 1, SweepFailures: 0, Stage: 'test' })]);
  });

  it('runs again through its use case when replayed, answers where it was asked, and leaves the queue', async () => {
    const report = await handler({ 'ecr-access': 'replay' } as never, {});

    expect(report).toEqual({ replayed: 1, toldNotDone: 0, failed: 0, discarded: 0 });
    expect(cardFor(ACCOUNT)).toBeDefined();
    expect(world.slack.responses.filter((r) => r.url === responseUrl).map((r) => String(r.body.text)).at(-1)).toContain('is with the approvers');
    expect(waiting()).toEqual([]);
  });

  it('is run once only: a second replay finds nothing to do', async () => {
    const cards = world.slack.messages(SANDBOX.approvalChannel).length;
    await expect(handler({ 'ecr-access': 'replay' } as never, {})).resolves.toEqual({ replayed: 0, toldNotDone: 0, failed: 0, discarded: 0 });
    expect(world.slack.messages(SANDBOX.approvalChannel)).toHaveLength(cards);
  });
});

describe('a waiting job that can no longer be answered where it was asked', () => {
  it('is not run again: its user is told by DM that it was not done, and it leaves the queue', async () => {
    const account = '333344445555';
    const responseUrl = world.slack.newResponseUrl({ user: SANDBOX.other, channel: SANDBOX.approvalChannel });
    const job = { kind: 'request' as const, user: SANDBOX.other, repository: 'common-images', account, responseUrl };
    sqs.send(queueUrl, JSON.stringify({ requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 2 }, requestPayload: jobEvent(job, Date.now() - 31 * MINUTE) }));

    const report = await handler({ 'ecr-access': 'replay' } as never, {});

    expect(report).toEqual({ replayed: 0, toldNotDone: 1, failed: 0, discarded: 0 });
    const dm = world.slack.dms(SANDBOX.other).map((m) => m.text).join('\n');
    expect(dm).toContain(`could not finish your request for \`${account}\` to pull from \`common-images\``);
    expect(dm).toContain('/ecr-access list common-images');
    expect(cardFor(account)).toBeUndefined();
    expect(world.slack.responses.filter((r) => r.url === responseUrl)).toEqual([]);
    expect(waiting()).toEqual([]);
  });
});

describe('a waiting Home tab publish', () => {
  it('is discarded when too old, without a DM: opening the tab publishes it again', async () => {
    const job = { kind: 'home' as const, user: SANDBOX.other };
    sqs.send(queueUrl, JSON.stringify({ requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 2 }, requestPayload: jobEvent(job, Date.now() - 31 * MINUTE) }));
    const dms = world.slack.dms(SANDBOX.other).length;

    await expect(handler({ 'ecr-access': 'replay' } as never, {})).resolves.toEqual({ replayed: 0, toldNotDone: 0, failed: 0, discarded: 1 });
    expect(world.slack.dms(SANDBOX.other)).toHaveLength(dms);
    expect(waiting()).toEqual([]);
  });
});

describe('a record that holds no job', () => {
  it('is discarded: a failed sweep pass is run again by its schedule anyway', async () => {
    sqs.send(queueUrl, JSON.stringify({ requestContext: { condition: 'RetriesExhausted' }, requestPayload: { 'ecr-access': 'sweep' } }));
    await expect(handler({ 'ecr-access': 'replay' } as never, {})).resolves.toEqual({ replayed: 0, toldNotDone: 0, failed: 0, discarded: 1 });
    expect(waiting()).toEqual([]);
  });
});
