// A process that only talks to DynamoDB, for the clock tests: started under faketime, it says
// how far ahead of AWS's (here, the local DynamoDB's) it found its clock, and whether it trusts it.
//   node --import tsx test/support/clock-probe.ts <DynamoDB URL> <table> <clock margin in ms>
// Its one line on stdout is a ClockProbeReport; its log goes to stderr.
import { createAwsClients } from '../../src/aws/clients';
import { awsClockCheck } from '../../src/aws/clock-check';
import { dynamoTable } from '../../src/aws/dynamo';
import { createLogger } from '../../src/logger';

/** So many reads: the estimate is led by the quickest. */
const CALLS = 5;

export interface ClockProbeReport {
  /** How far ahead of the DynamoDB's clock the probe found its own, give or take `withinMs`. */
  readonly aheadMs: number;
  readonly withinMs: number;
  readonly trusted: boolean;
}

async function probe(dynamodb: string, table: string, marginMs: number): Promise<ClockProbeReport> {
  const clients = createAwsClients({
    region: 'us-east-1',
    // Never called: the probe reads DynamoDB only.
    endpoints: { ecr: 'http://127.0.0.1:9', dynamodb },
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const check = awsClockCheck(clients.awsClock, { marginMs, logger: createLogger({ write: (line) => process.stderr.write(`${line}\n`) }) });
    const items = dynamoTable(clients.dynamo, table);
    for (let call = 0; call < CALLS; call++) await items.get(`clock-probe-${call}`);
    const estimate = clients.awsClock.estimate();
    if (!estimate) throw new Error('DynamoDB answered without a Date header');
    return { ...estimate, trusted: check.trusted() };
  } finally {
    clients.destroy();
  }
}

const [dynamodb = '', table = '', marginMs = ''] = process.argv.slice(2);
probe(dynamodb, table, Number(marginMs)).then(
  (report) => process.stdout.write(`${JSON.stringify(report)}\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
