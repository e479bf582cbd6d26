// AWS SDK clients with the standard settings chain (region, credentials, AWS_ENDPOINT_URL_*),
// each call bounded so the whole critical section stays well inside a repository lease.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';

export interface AwsClients {
  readonly ecr: ECRClient;
  readonly dynamo: DynamoDBClient;
}

export function createAwsClients(options: {
  region: string;
  leaseMs: number;
  /** For an in-process bot in a local world; deployments use AWS_ENDPOINT_URL_* or nothing. */
  endpoints?: { ecr: string; dynamodb: string };
  credentials?: { accessKeyId: string; secretAccessKey: string };
}): AwsClients {
  // Three attempts of at most callTimeout each, plus backoff, stay well inside the default
  // 60 s lease, so a write can never land after the lease that fenced it has run out.
  const callTimeout = Math.max(1000, Math.min(5000, Math.floor(options.leaseMs / 12)));
  const common = {
    region: options.region,
    maxAttempts: 3,
    // Without throwOnRequestTimeout the SDK only warns and a hung call waits forever.
    requestHandler: { requestTimeout: callTimeout, connectionTimeout: callTimeout, throwOnRequestTimeout: true },
    ...(options.credentials && { credentials: options.credentials }),
  };
  return {
    ecr: new ECRClient({ ...common, ...(options.endpoints && { endpoint: options.endpoints.ecr }) }),
    dynamo: new DynamoDBClient({ ...common, ...(options.endpoints && { endpoint: options.endpoints.dynamodb }) }),
  };
}
