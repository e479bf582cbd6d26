// `npm run create-table`: creates the configured table at the configured endpoint; running it
// again is harmless.
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { tableDefinition } from './aws/table-schema';

export async function createTable(client: DynamoDBClient, table: string): Promise<'created' | 'exists'> {
  try {
    await client.send(new CreateTableCommand(tableDefinition(table)));
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceInUseException') return 'exists';
    throw error;
  }
  await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: table });
  return 'created';
}

if (require.main === module) {
  const table = process.env.ECR_ACCESS_TABLE;
  const region = process.env.AWS_REGION;
  if (!table || !region) {
    process.stderr.write('Set ECR_ACCESS_TABLE and AWS_REGION (and AWS_ENDPOINT_URL_DYNAMODB for a local DynamoDB).\n');
    process.exit(1);
  }
  createTable(new DynamoDBClient({ region }), table).then(
    (result) => process.stdout.write(`Table ${table} ${result === 'created' ? 'created' : 'already exists'}.\n`),
    (error: unknown) => {
      process.stderr.write(`Could not create table ${table}: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
