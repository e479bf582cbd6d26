// The whole outside world on this machine: DynamoDB (dynalite), the ECR, Organizations and STS
// emulators and the Slack simulator, wired together, with the environment a bot needs to talk
// to them. Used by the integration tests, `npm run sandbox` and the benchmarks alike.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import dynalite from 'dynalite';
import type { AwsClients } from '../src/aws/clients';
import { createTable } from '../src/create-table';
import { startEcrEmulator, type EcrEmulator } from './ecr-emulator';
import { startOrganizationsEmulator, type OrganizationSeed, type OrganizationsEmulator } from './organizations-emulator';
import { SANDBOX_ORGANIZATION } from './seed';
import { startSlackSimulator, type SlackSimulator, type SlackSimulatorOptions } from './slack-simulator';
import { startStsEmulator, type StsEmulator } from './sts-emulator';

export const SANDBOX = {
  signingSecret: 'sandbox-signing-secret-not-for-production',
  botToken: 'xoxb-sandbox-token-not-for-production',
  /** The app-level token a bot in Socket Mode opens its connections with. */
  appToken: 'xapp-1-A0ECRACCESS-1-sandbox-app-token-not-for-production',
  region: 'us-east-1',
  table: 'ecr-access',
  approvalChannel: 'C0APPROVALS',
  approver: 'U0APPROVER',
  requester: 'U0REQUESTER',
  other: 'U0OTHER',
  approverGroup: 'S0APPROVERS',
  /** The one role the STS emulator lets the bot assume: ECR_ACCESS_ORGANIZATIONS_ROLE_ARN's value in a test. */
  organizationsRole: 'arn:aws:iam::123456789012:role/ecr-access-organizations-read',
} as const;

export interface LocalWorldOptions {
  /** Repositories to create in the emulator and make shareable. */
  repositories?: readonly string[];
  /** Keep DynamoDB and ECR state in this folder, so it survives restarts. */
  dataDir?: string;
  /** Injected latency per ECR call and per Slack call. */
  ecrLatencyMs?: number;
  slackLatencyMs?: number;
  /** How long the ECR emulator accepts a signed request (default AWS's 5 minutes). */
  ecrSignatureLifetimeMs?: number;
  slack?: Partial<SlackSimulatorOptions>;
  /** Extra environment for the bot (overrides the defaults). */
  env?: Record<string, string>;
  /**
   * The Slack app in Socket Mode: the simulator sends commands and clicks over the bot's
   * connections, and the bot's environment has the app-level token instead of the signing secret.
   */
  socketMode?: boolean;
  /** The organization the Organizations emulator answers for; default the sandbox's (sandbox/seed.ts). */
  organization?: OrganizationSeed;
}

export interface LocalWorld {
  readonly ecr: EcrEmulator;
  /** Answers who owns an account; the bot asks it only with ECR_ACCESS_ACCOUNTS=organizations. */
  readonly organizations: OrganizationsEmulator;
  /** Issues the role's credentials; the bot asks it only with ECR_ACCESS_ORGANIZATIONS_ROLE_ARN. */
  readonly sts: StsEmulator;
  readonly slack: SlackSimulator;
  readonly dynamoUrl: string;
  /** dynalite's HTTP server, for tools that watch or slow its traffic in place. */
  readonly dynamoServer: Server;
  /** Environment for a bot process: config plus the SDK's endpoint and credential settings. */
  readonly env: Record<string, string>;
  /** SDK clients pointed at the local world, for an in-process bot or for assertions. */
  clients(options?: { maxAttempts?: number; requestTimeoutMs?: number }): AwsClients;
  close(): Promise<void>;
}

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export async function startLocalWorld(options: LocalWorldOptions = {}): Promise<LocalWorld> {
  const repositories = options.repositories ?? ['common-images'];
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });

  const dynamo: Server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.dataDir && { path: join(options.dataDir, 'dynamodb') }),
  });
  dynamo.listen(0, '127.0.0.1');
  await once(dynamo, 'listening');
  const dynamoUrl = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;

  const ecr = await startEcrEmulator({
    region: SANDBOX.region,
    ...(options.ecrLatencyMs !== undefined && { latencyMs: options.ecrLatencyMs }),
    ...(options.ecrSignatureLifetimeMs !== undefined && { signatureLifetimeMs: options.ecrSignatureLifetimeMs }),
    ...(options.dataDir && { stateFile: join(options.dataDir, 'ecr.json') }),
  });
  for (const repository of repositories) ecr.createRepository(repository);
  const organizations = await startOrganizationsEmulator({ seed: options.organization ?? SANDBOX_ORGANIZATION });
  const sts = await startStsEmulator({ roles: [SANDBOX.organizationsRole] });

  const slack = await startSlackSimulator({
    signingSecret: SANDBOX.signingSecret,
    botToken: SANDBOX.botToken,
    appToken: SANDBOX.appToken,
    ...(options.socketMode !== undefined && { socketMode: options.socketMode }),
    ...(options.slackLatencyMs !== undefined && { latencyMs: options.slackLatencyMs }),
    ...options.slack,
  });

  const clients = (c: { maxAttempts?: number; requestTimeoutMs?: number } = {}): AwsClients => {
    const common = {
      region: SANDBOX.region,
      credentials: CREDENTIALS,
      maxAttempts: c.maxAttempts ?? 3,
      ...(c.requestTimeoutMs !== undefined && {
        requestHandler: { requestTimeout: c.requestTimeoutMs, connectionTimeout: c.requestTimeoutMs },
      }),
    };
    return {
      ecr: new ECRClient({ ...common, endpoint: ecr.url }),
      dynamo: new DynamoDBClient({ ...common, endpoint: dynamoUrl }),
    };
  };
  const setup = clients();
  await createTable(setup.dynamo, SANDBOX.table);
  setup.dynamo.destroy();
  setup.ecr.destroy();

  const env: Record<string, string> = {
    SLACK_BOT_TOKEN: SANDBOX.botToken,
    ...(options.socketMode ? { SLACK_APP_TOKEN: SANDBOX.appToken } : { SLACK_SIGNING_SECRET: SANDBOX.signingSecret }),
    SLACK_API_URL: slack.apiUrl,
    SLACK_BOT_ID: slack.botId,
    SLACK_BOT_USER_ID: slack.botUserId,
    ECR_ACCESS_TABLE: SANDBOX.table,
    ECR_ACCESS_APPROVAL_CHANNEL: SANDBOX.approvalChannel,
    ECR_ACCESS_APPROVERS: SANDBOX.approver,
    ECR_ACCESS_REPOSITORIES: repositories.join(','),
    AWS_REGION: SANDBOX.region,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_ECR: ecr.url,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoUrl,
    AWS_ENDPOINT_URL_ORGANIZATIONS: organizations.url,
    AWS_ENDPOINT_URL_STS: sts.url,
    PORT: '0',
    ...options.env,
  };

  return {
    ecr,
    organizations,
    sts,
    slack,
    dynamoUrl,
    dynamoServer: dynamo,
    env,
    clients,
    async close() {
      await slack.close();
      await ecr.close();
      await organizations.close();
      await sts.close();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
    },
  };
}
