// Builds one ecr-access app from config and a receiver; every runtime (HTTP server, Lambda,
// sandbox, tests) goes through here, so they all behave alike.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { App, type Receiver, webApi } from '@slack/bolt';
import { fileDirectory, readAccountsFile } from './accounts-file';
import { createAwsClients, type AwsClientSources } from './aws/clients';
import { awsClockCheck } from './aws/clock-check';
import { dynamoTable } from './aws/dynamo';
import { ecrRegistry, regionalRegistries } from './aws/ecr-registry';
import { organizationsDirectory } from './aws/organizations-directory';
import { dynamoHomeTurns } from './aws/home-turns';
import { dynamoChangeQueue } from './aws/repository-lease';
import { dynamoRequestStore } from './aws/request-store';
import type { Config } from './config';
import { EcrAccessError, ErrorCode } from './errors';
import type { Logger } from './logger';
import { measuredChangeQueue, measuredRegistry, measuredStore } from './measured-ports';
import { emfMetrics } from './metrics';
import { sleepFor } from './real-time';
import type { ServiceDeps } from './service/deps';
import type { AccountDirectory, Clock, OrganizationalUnits, WaitingJobs } from './service/ports';
import { slackApprovers } from './slack/approvers';
import { boltLogger } from './slack/bolt-logger';
import { jobRunner, type Defer, type RunJob } from './slack/jobs';
import { registerListeners } from './slack/listeners';
import { slackNotifier } from './slack/notifier';
import { pacedChat, slackPacer } from './slack/pacing';
import { homePublisher, type HomePublisher } from './slack/home-publisher';
import { slackReplies } from './slack/replies';
import { homeOf } from './service/home';
import { responder } from './slack/responder';
import { checkRequest } from './service/submit-request';
import { sharedRepositories } from './service/shared-repositories';

export interface EcrAccess {
  readonly app: App;
  readonly runJob: RunJob;
  readonly deps: ServiceDeps;
  /** The Home tabs' publisher: a runtime that ends with its work (a Lambda invocation) waits for it to settle. */
  readonly homes: HomePublisher;
}

/** How long one Slack Web API call may keep trying before the job gives up on it. */
export type SlackCallLimits = Required<Pick<webApi.WebClientOptions, 'retryConfig' | 'timeout'>> & {
  /** How long an announcement may wait for Slack's rate limit (its turn, then each Retry-After); past it, it stays owed. */
  rateLimitWaitMs: number;
};

// Bolt's default retries go on for half an hour; a Slack outage must not hold a job that long.
// A burst of approvals waits longer, for Slack's rate limit: 50 thread posts in one channel take
// about 45 s (src/slack/web-api-limits.ts), and a job that waits its turn still ends.
const SERVER_SLACK_CALL_LIMITS: SlackCallLimits = {
  retryConfig: { retries: 3, factor: 2, minTimeout: 250, maxTimeout: 3000 },
  timeout: 10_000,
  rateLimitWaitMs: 120_000,
};

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

function newRequestId(): string {
  const bytes = randomBytes(10);
  return `r-${[...bytes].map((b) => ID_ALPHABET[b % 36]).join('')}`;
}

const organizationsRole = (config: Config) => (config.accounts?.source === 'organizations' && config.accounts.roleArn ? { organizationsRoleArn: config.accounts.roleArn } : {});

/** Where owners are looked up, as configured, and with AWS Organizations its OUs (for OU grants); undefined when no accounts source is. */
function accountDirectory(config: Config, clients: AwsClientSources, runtime: { clock: Clock; logger: Logger }): { accounts: AccountDirectory; units?: OrganizationalUnits } | undefined {
  const source = config.accounts;
  if (source === undefined) return undefined;
  if (source.source === 'organizations') {
    // Clients handed in without one (a test's): an Organizations client of the standard settings chain.
    const organizations = clients.organizations ?? createAwsClients({ region: config.region, callTimeoutMs: config.awsTimeoutMs, ...organizationsRole(config) }).organizations;
    const directory = organizationsDirectory(organizations, runtime);
    return { accounts: directory, units: directory };
  }
  // Checked when the configuration was read; read again here in case the file changed since.
  const read = readAccountsFile(source.path);
  if ('problems' in read) throw new EcrAccessError(ErrorCode.InvalidConfig, `ecr-access cannot start; fix these settings:\n${read.problems.map((p) => `  - ECR_ACCESS_ACCOUNTS ${p}`).join('\n')}`);
  return { accounts: fileDirectory(read.accounts) };
}

export function createEcrAccess(
  config: Config,
  options: {
    /** Read by the runtime when it starts (src/aws/slack-secrets.ts), like the signing secret its receiver holds. */
    botToken: string;
    receiver: Receiver;
    logger: Logger;
    /** Given the job runner, returns how this runtime runs jobs after the acknowledgement. */
    defer: (run: RunJob) => Defer;
    /** Ready clients, or clients made on demand; by default the SDK packages load with the first job's calls. */
    clients?: AwsClientSources;
    slackCallLimits?: SlackCallLimits;
    /** The bot's time; the sandbox moves its own to show reminders and expiry. Real time by default. */
    clock?: Clock;
    /** The jobs that failed every try (Lambda's dead-letter queue), for the sweep to count. */
    waitingJobs?: WaitingJobs;
    /** This runtime runs a failed job again (Lambda's retry, then its dead-letter queue): the job runner throws its failure. */
    retriesJobs?: boolean;
  },
): EcrAccess {
  const { logger } = options;
  const { rateLimitWaitMs, ...callLimits } = options.slackCallLimits ?? SERVER_SLACK_CALL_LIMITS;
  const slackApiUrl = config.slack.apiUrl && { slackApiUrl: config.slack.apiUrl };
  const app = new App({
    token: options.botToken,
    receiver: options.receiver,
    ...(config.slack.botId && { botId: config.slack.botId }),
    ...(config.slack.botUserId && { botUserId: config.slack.botUserId }),
    tokenVerificationEnabled: false,
    // The bot keeps no conversation state; Bolt's default store would read and hold some for every event.
    convoStore: false,
    logger: boltLogger(logger),
    clientOptions: { ...slackApiUrl, ...callLimits },
  });
  // The announcements' own client answers a 429 at once, so the pacer waits out that one
  // allowance; Bolt's client would hold every call and give up after its few retries.
  const announcements = new webApi.WebClient(options.botToken, {
    ...slackApiUrl,
    ...callLimits,
    rejectRateLimitedCalls: true,
    logger: boltLogger(logger),
  });
  const clients = options.clients ?? createAwsClients({ region: config.region, callTimeoutMs: config.awsTimeoutMs, ...organizationsRole(config) });
  const clock = options.clock ?? { now: Date.now, sleep: sleepFor };
  const table = dynamoTable(clients.dynamo, config.table);
  const metrics = emfMetrics(logger, config.stage);
  const directory = accountDirectory(config, clients, { clock, logger });
  const accounts = directory?.accounts;
  const processId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  // Every post, DM and Home tab goes out through one pacer, in step with Slack's rate limits.
  const chat = pacedChat(announcements, slackPacer({ maxWaitMs: rateLimitWaitMs, clock }));
  const approvers = slackApprovers(app.client, {
    approvers: config.approvers,
    ...(config.approverGroup && { group: config.approverGroup }),
    rules: config.rules,
    logger,
  });
  // Reads what each Home shows through `deps`, made just below.
  const homes = homePublisher({
    read: (viewer) => homeOf(deps, viewer, approvers.forHomeTabs),
    publish: async (viewer, view) => {
      await chat.views.publish({ user_id: viewer, view });
    },
    approvers: () => approvers.everyone(),
    turns: dynamoHomeTurns(table, clock),
    owner: processId,
    clock,
    logger,
  });
  const registry = measuredRegistry(ecrRegistry({ reads: clients.ecr, writes: clients.ecrWrites }), metrics);
  const deps: ServiceDeps = {
    registry,
    registryIn: regionalRegistries(config.region, registry, (region) => {
      if (!clients.ecrIn) throw new EcrAccessError(ErrorCode.Registry, `This process reaches ECR in ${config.region} only, not ${region}.`);
      return measuredRegistry(ecrRegistry(clients.ecrIn(region)), metrics);
    }),
    store: measuredStore(dynamoRequestStore(table), metrics),
    changes: measuredChangeQueue(dynamoChangeQueue(table, { leaseMs: config.leaseMs, landingMs: config.writeLandingMs }, clock, logger), metrics),
    notifier: slackNotifier(chat, config.approvalChannel, config.region, accounts),
    homes,
    isApprover: approvers,
    clock,
    // Measures the wall clock, which `clock` reads in every runtime; the sandbox's adds the time a person moved it on, on purpose.
    clockCheck: awsClockCheck(clients.awsClock, { marginMs: config.clockMarginMs, logger }),
    newId: newRequestId,
    processId,
    region: config.region,
    logger,
    metrics,
    ...(options.waitingJobs && { waitingJobs: options.waitingJobs }),
    rules: config.rules,
    waitForChangeMs: config.waitForChangeMs,
    announceRetryMs: config.announceRetryMs,
    clockMarginMs: config.clockMarginMs,
    ...(accounts && { accounts }),
    ...(directory?.units && { units: directory.units }),
    organizationOnly: config.organizationOnly,
  };
  const runJob = jobRunner(deps, slackReplies(app.client, chat, responder(logger), logger), homes, { retried: options.retriesJobs === true });
  registerListeners(app, {
    defer: options.defer(runJob),
    rules: config.rules,
    repositories: () => sharedRepositories(deps),
    durations: config.durations,
    check: (request) => checkRequest(deps, request),
    clock,
  });
  app.error(async (error) => {
    logger.error('unhandled error in a listener', { error });
  });
  return { app, runJob, deps, homes };
}
