// Each process measures its clock against AWS's from the Date of AWS's answers, through every
// client createAwsClients makes, error answers included; a process whose clock is set wrong
// (started under faketime) finds out from its first DynamoDB calls and, past half the clock
// margin, does not trust it.
import { createAwsClients } from '../../src/aws/clients';
import { dynamoTable } from '../../src/aws/dynamo';
import { ecrRegistry } from '../../src/aws/ecr-registry';
import { KEY } from '../../src/aws/table-schema';
import { createTable } from '../../src/create-table';
import { startEcrEmulator, type EcrEmulator } from '../../sandbox/ecr-emulator';
import { startDynalite, type LocalDynamo } from '../support/dynamodb-local';
import { faketimeProblem, runWithClockAhead } from '../support/faketime';
import { describeNeeding } from '../support/needs-installed';
import type { ClockProbeReport } from '../support/clock-probe';

const TABLE = 'ecr-access';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

let dynamo: LocalDynamo;
let ecr: EcrEmulator;
beforeAll(async () => {
  [dynamo, ecr] = await Promise.all([startDynalite(), startEcrEmulator()]);
  const setup = createAwsClients({ region: 'us-east-1', endpoints: { ecr: ecr.url, dynamodb: dynamo.url }, credentials: CREDENTIALS });
  await createTable(await setup.dynamo(), TABLE);
  setup.destroy();
});
afterAll(async () => {
  await Promise.all([dynamo.close(), ecr.close()]);
});

describe('the clients createAwsClients makes', () => {
  /** Fresh clients, so what their clock learnt came from the one call a test makes. */
  const freshClients = () => createAwsClients({ region: 'us-east-1', endpoints: { ecr: ecr.url, dynamodb: dynamo.url }, credentials: CREDENTIALS });

  it('learn AWS’s clock from a DynamoDB answer', async () => {
    const clients = freshClients();
    expect(clients.awsClock.estimate()).toBeUndefined();
    await dynamoTable(clients.dynamo, TABLE).get('nobody');
    // This machine's clock is DynamoDB's.
    expect(Math.abs(clients.awsClock.offsetMs()!)).toBeLessThan(1000);
    clients.destroy();
  });

  it('learn it from a DynamoDB error answer too', async () => {
    const clients = freshClients();
    const written = await dynamoTable(clients.dynamo, TABLE).put({ [KEY]: 'nobody' }, { expression: 'attribute_exists(never)' });
    expect(written).toBe(false);
    expect(clients.awsClock.estimate()).toBeDefined();
    clients.destroy();
  });

  it('learn it from an ECR error answer through the client that reads', async () => {
    const clients = freshClients();
    expect(await ecrRegistry({ reads: clients.ecr, writes: clients.ecrWrites }).describeRepository('no-such-repository')).toBeUndefined();
    expect(clients.awsClock.estimate()).toBeDefined();
    clients.destroy();
  });

  it('learn it from an ECR error answer through the client that writes', async () => {
    const clients = freshClients();
    await expect(ecrRegistry({ reads: clients.ecr, writes: clients.ecrWrites }).setPolicy('no-such-repository', '{"Version":"2012-10-17","Statement":[]}', async () => true)).rejects.toThrow();
    expect(clients.awsClock.estimate()).toBeDefined();
    clients.destroy();
  });
});

describeNeeding('a process whose clock is set wrong', faketimeProblem(), () => {
  const MARGIN_MS = 60_000;

  /** The probe's report from a process started with its clock `aheadSeconds` ahead of this machine's, which is DynamoDB's. */
  async function probeWithClockAhead(aheadSeconds: number): Promise<ClockProbeReport> {
    const run = await runWithClockAhead(aheadSeconds, 'test/support/clock-probe.ts', [dynamo.url, TABLE, String(MARGIN_MS)]);
    if (run.code !== 0) throw new Error(`the probe exited with ${run.code}:\n${run.stderr}`);
    return JSON.parse(run.stdout) as ClockProbeReport;
  }

  it.each([
    [0, 'trusts'],
    [45, 'does not trust'],
    [120, 'does not trust'],
    [-45, 'does not trust'],
  ])('measures a clock %i s ahead of AWS’s to the second, and with a margin of 60 s %s it', async (aheadSeconds, verdict) => {
    const report = await probeWithClockAhead(aheadSeconds);
    // The Date header counts whole seconds; the round trips here take a few milliseconds.
    expect(Math.abs(report.aheadMs - aheadSeconds * 1000)).toBeLessThan(1000);
    expect(report.trusted).toBe(verdict === 'trusts');
  });
});
