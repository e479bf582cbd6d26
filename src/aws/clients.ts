// AWS SDK clients with the standard settings chain (region, credentials, AWS_ENDPOINT_URL_*),
// each call bounded so the whole critical section stays well inside a repository lease.
// Only types are imported here: an SDK package takes tens of milliseconds to load, and the
// Lambda's HTTP path never makes an ECR or DynamoDB call, so each loads with its first call.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { type AnswerMiddleware, awsClock, type AwsClock } from './aws-clock';

export interface AwsClients {
  readonly ecr: ECRClient;
  readonly dynamo: DynamoDBClient;
}

/** A client ready to use, or how to make it when a call first needs it. */
export type ClientSource<Client> = Client | (() => Promise<Client>);

export interface AwsClientSources {
  readonly ecr: ClientSource<ECRClient>;
  /** For policy writes only: one attempt per call (see ecr-registry.ts for why). */
  readonly ecrWrites: ClientSource<ECRClient>;
  readonly dynamo: ClientSource<DynamoDBClient>;
  /** For looking up who owns an account, when the accounts come from AWS Organizations. */
  readonly organizations?: ClientSource<OrganizationsClient>;
  /** The ECR clients of another region, for repositories replicated to it; absent, only the bot's own region can be reached. */
  readonly ecrIn?: (region: string) => RegionalEcr;
  /** What these clients' answers tell of AWS's clock. */
  readonly awsClock: AwsClock;
}

/** One region's ECR clients: for reads, and for policy writes (one attempt per call). */
interface RegionalEcr {
  readonly reads: ClientSource<ECRClient>;
  readonly writes: ClientSource<ECRClient>;
}

/** Each client made, with its SDK package loaded, by the first call that needs it; the same one after. */
export interface AwsClientsOnDemand {
  readonly ecr: () => Promise<ECRClient>;
  readonly ecrWrites: () => Promise<ECRClient>;
  readonly dynamo: () => Promise<DynamoDBClient>;
  /** With the credentials of the role named at creation, if any. */
  readonly organizations: () => Promise<OrganizationsClient>;
  /** Another region's ECR clients, made once per region. */
  readonly ecrIn: (region: string) => RegionalEcr;
  /** Learns AWS's clock from every answer of every one of these clients. */
  readonly awsClock: AwsClock;
  /** Closes the connections of the clients made so far, and of any still being made. */
  destroy(): void;
}

/** Runs `make` the first time it is asked for and answers that same promise every time after. */
export function onFirstUse<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

/** The client itself, made now if it is made on demand. */
export function clientFrom<Client extends object>(source: ClientSource<Client>): Promise<Client> {
  // An SDK client is an object, never a function, so a function here is always the way to make one.
  return typeof source === 'function' ? source() : Promise.resolve(source);
}

/** What this module does with a client it makes: one more middleware, and closing it. */
interface SdkClient {
  readonly middlewareStack: { add(middleware: AnswerMiddleware, options: typeof CLOCK_MIDDLEWARE): void };
  destroy(): void;
}

/**
 * Where the clock middleware sits. @smithy/core's MiddlewareStack (client/middleware-stack)
 * orders by step, initialize → serialize → build → finalizeRequest (retries, then signing) →
 * deserialize, then by priority within a step, high → normal → low; the deserializer is the
 * deserialize step's one middleware, at normal priority. Low priority there is the last
 * middleware before the HTTP handler: it sees each attempt's raw HTTP response, error responses
 * too (only the deserializer turns them into exceptions), and times the round trip with nothing
 * else inside it.
 */
const CLOCK_MIDDLEWARE = { step: 'deserialize', priority: 'low', name: 'ecrAccessAwsClock', override: true } as const;

export function createAwsClients(options: {
  region: string;
  /** Longest wait for one AWS call; default 5 s. */
  callTimeoutMs?: number;
  /** For an in-process bot in a local world; deployments use AWS_ENDPOINT_URL_* or nothing. */
  endpoints?: { ecr: string; dynamodb: string; organizations?: string; sts?: string };
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** The role the Organizations client assumes (usually in the management account); without it, the bot's own credentials. */
  organizationsRoleArn?: string;
}): AwsClientsOnDemand {
  // Every call is bounded, so a holder never waits long on one; a policy write that times out
  // is handled as one whose outcome is unknown (src/aws/repository-lease.ts).
  const callTimeout = options.callTimeoutMs ?? 5000;
  const common = {
    region: options.region,
    maxAttempts: 3,
    // Without throwOnRequestTimeout the SDK only warns and a hung call waits forever.
    requestHandler: { requestTimeout: callTimeout, connectionTimeout: callTimeout, throwOnRequestTimeout: true },
    ...(options.credentials && { credentials: options.credentials }),
  };
  let destroyed = false;
  const clock = awsClock();
  const made: Array<{ destroy(): void }> = [];
  const keep = <Client extends SdkClient>(client: Client): Client => {
    client.middlewareStack.add(clock.middleware, CLOCK_MIDDLEWARE);
    made.push(client);
    if (destroyed) client.destroy();
    return client;
  };
  const ecrClients = (region: string): RegionalEcr => ({
    reads: onFirstUse(async () => {
      const { ECRClient } = await import('@aws-sdk/client-ecr');
      return keep(new ECRClient({ ...common, region, ...(options.endpoints && { endpoint: options.endpoints.ecr }) }));
    }),
    writes: onFirstUse(async () => {
      const { ECRClient } = await import('@aws-sdk/client-ecr');
      return keep(new ECRClient({ ...common, region, maxAttempts: 1, ...(options.endpoints && { endpoint: options.endpoints.ecr }) }));
    }),
  });
  const home = ecrClients(options.region);
  const regions = new Map<string, RegionalEcr>([[options.region, home]]);
  return {
    ecr: home.reads as () => Promise<ECRClient>,
    ecrWrites: home.writes as () => Promise<ECRClient>,
    ecrIn(region) {
      const made = regions.get(region) ?? ecrClients(region);
      regions.set(region, made);
      return made;
    },
    dynamo: onFirstUse(async () => {
      const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
      return keep(new DynamoDBClient({ ...common, ...(options.endpoints && { endpoint: options.endpoints.dynamodb }) }));
    }),
    organizations: onFirstUse(async () => {
      const { OrganizationsClient } = await import('@aws-sdk/client-organizations');
      const roleArn = options.organizationsRoleArn;
      // The role's credentials are asked of STS with the bot's own, and renewed before they expire.
      const assumed = roleArn && {
        credentials: (await import('@aws-sdk/credential-providers')).fromTemporaryCredentials({
          params: { RoleArn: roleArn, RoleSessionName: 'ecr-access' },
          // An in-process bot passes every endpoint, and must not fall through to the real STS.
          clientConfig: { region: options.region, ...(options.endpoints?.sts && { endpoint: options.endpoints.sts }) },
          ...(options.credentials && { masterCredentials: options.credentials }),
        }),
      };
      return keep(new OrganizationsClient({ ...common, ...assumed, ...(options.endpoints?.organizations && { endpoint: options.endpoints.organizations }) }));
    }),
    awsClock: clock,
    destroy() {
      destroyed = true;
      for (const client of made) client.destroy();
    },
  };
}
