// The only reader of process.env: turns the environment into one validated Config, or one
// error that lists every problem at once.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import * as z from 'zod';
import { readAccountsFile } from './accounts-file';
import { TableName } from './aws/table-schema';
import type { Approvals } from './domain/access-request';
import { DurationText, type DurationRules } from './domain/duration';
import { RepositoryName } from './domain/repository';
import { type RepositoryRules, repositoryRules, rulesOf, rulesOfNames } from './domain/repository-rules';
import { SlackBotId, SlackChannelId, SlackUserGroupId, SlackUserId } from './domain/slack-id';
import { EcrAccessError, ErrorCode } from './errors';
import { LogLevel } from './logger';
import type { SweepTimes } from './service/sweep';
import { readSettingsFile, type Settings } from './settings-file';

/**
 * Most repositories in the flat list (ECR_ACCESS_REPOSITORIES, the stage's `repositories`): each
 * sweep pass reads every one. More are shared by patterns in the settings file.
 * @public deploy/settings.ts refuses a longer list before anything is deployed.
 */
export const MAX_REPOSITORIES = 400;

/** A list as settings give it: comma-separated text, or its items (from a YAML file); trimmed, blanks dropped. */
export function listItems(value: string | readonly string[]): string[] {
  return (typeof value === 'string' ? value.split(',') : value).map((item) => item.trim()).filter((item) => item.length > 0);
}

const commaList = z
  .string()
  .optional()
  .transform((value) => listItems(value ?? ''));

const RepositoryList = z
  .array(RepositoryName)
  .min(1, { message: 'is required: a comma-separated list of shareable repositories' })
  .max(MAX_REPOSITORIES, { message: `must list at most ${MAX_REPOSITORIES} repositories` });

/**
 * The repositories as a JSON list in a file: how the Lambda function gets them, from its bundle
 * (deploy/repository-file.ts), so that neither its environment nor its size grows with the list.
 * The path has been made absolute by the time this reads it (withFileFromCodeRoot).
 */
const RepositoryFile = z.string().transform((path, ctx): unknown => {
  const unreadable = (why: string) => {
    ctx.addIssue({ code: 'custom', message: `names ${path}, ${why}` });
    return z.NEVER;
  };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return unreadable(`which cannot be read (${(error as { code?: string }).code ?? String(error)})`);
  }
  try {
    return JSON.parse(text);
  } catch {
    return unreadable('which is not JSON: it must hold a list of repository names, like ["common-images", "team/base"]');
  }
});

/**
 * Who owns the accounts people ask for: `organizations` (AWS Organizations), or the path of a
 * YAML accounts file, checked here so its problems join the one start-up message.
 */
const AccountsSource = z.string().transform((value, ctx): { source: 'organizations' } | { source: 'file'; path: string } => {
  if (value === 'organizations') return { source: 'organizations' };
  const read = readAccountsFile(value);
  if ('problems' in read) {
    for (const problem of read.problems) ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
  return { source: 'file', path: value };
});

/** The role the bot assumes to read AWS Organizations, usually in the management account. */
export const RoleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, { message: 'must be an IAM role ARN, like arn:aws:iam::111122223333:role/ecr-access-organizations-read' });

/** What a bot token looks like, given in the environment or read from SSM. */
export const SlackBotToken = z.string().regex(/^xox[bp]-\S+$/, { message: 'must be a bot token (xoxb-…)' });
export const SlackSigningSecret = z.string().min(1, { message: 'is required' });
/** The app-level token that opens Socket Mode connections (apps.connections.open takes no other kind). */
export const SlackAppToken = z.string().regex(/^xapp-\S+$/, { message: 'must be an app-level token (xapp-…) with the connections:write scope' });

/** A name put-parameter accepts: `/a/b/c` or `name`, of A-Z a-z 0-9 _ . - and /, not starting with aws or ssm. */
export const SsmParameterName = z
  .string()
  .regex(/^(\/[A-Za-z0-9_.-]+)+$|^[A-Za-z0-9_.-]+$/, { message: 'must be an SSM parameter name such as /ecr-access/prod/slack-bot-token' })
  .refine((name) => !/^\/?(aws|ssm)/i.test(name), { message: 'must not start with aws or ssm, which AWS reserves' });

import { AwsRegion } from './domain/region';
export { AwsRegion };

const LambdaFunctionName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'must be a Lambda function name' });

const seconds = (min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a number of seconds' })
    .int({ message: 'must be a whole number of seconds' })
    .min(min, { message: `must be at least ${min} seconds` })
    .max(max, { message: `must be at most ${max} seconds` });

const EnvFields = z
  .object({
    // Each Slack secret is given as its value or as the SSM parameter holding it (eachSecretGivenOnce).
    SLACK_BOT_TOKEN: SlackBotToken.optional(),
    SLACK_BOT_TOKEN_PARAMETER: SsmParameterName.optional(),
    SLACK_SIGNING_SECRET: SlackSigningSecret.optional(),
    SLACK_SIGNING_SECRET_PARAMETER: SsmParameterName.optional(),
    // Set, the server connects to Slack over Socket Mode instead of taking HTTP requests (src/server.ts).
    SLACK_APP_TOKEN: SlackAppToken.optional(),
    SLACK_APP_TOKEN_PARAMETER: SsmParameterName.optional(),
    SLACK_API_URL: z.url({ message: 'must be a URL such as https://slack.com/api/' }).optional(),
    SLACK_BOT_ID: SlackBotId.optional(),
    SLACK_BOT_USER_ID: SlackUserId.optional(),
    ECR_ACCESS_TABLE: z.string({ message: 'is required (the DynamoDB table name)' }).pipe(TableName),
    ECR_ACCESS_APPROVAL_CHANNEL: z.string({ message: 'is required (the approvers’ channel ID, like C012ABCDEF)' }).pipe(SlackChannelId),
    ECR_ACCESS_APPROVERS: commaList.pipe(z.array(SlackUserId)),
    ECR_ACCESS_APPROVER_GROUP: SlackUserGroupId.optional(),
    // One of the three (oneRepositoryList).
    ECR_ACCESS_SETTINGS_FILE: z.string().optional(),
    ECR_ACCESS_REPOSITORIES: z.string().transform(listItems).pipe(RepositoryList).optional(),
    ECR_ACCESS_REPOSITORIES_FILE: RepositoryFile.pipe(
      z.array(z.string(), { message: 'must name a JSON file holding a list of repository names, like ["common-images", "team/base"]' }),
    )
      .transform(listItems)
      .pipe(RepositoryList)
      .optional(),
    // Who owns each account (the card, list, history and Home show it); unset, nobody is asked.
    ECR_ACCESS_ACCOUNTS: AccountsSource.optional(),
    ECR_ACCESS_ORGANIZATIONS_ROLE_ARN: RoleArn.optional(),
    ECR_ACCESS_ORGANIZATION_ONLY: z.enum(['true', 'false'], { message: 'must be true or false' }).default('false'),
    AWS_REGION: z.string({ message: 'is required (for example us-east-1)' }).pipe(AwsRegion),
    PORT: z.coerce.number().int().min(0, { message: 'must be a port number (0 picks a free one)' }).max(65535).default(3000),
    LOG_LEVEL: LogLevel.default('info'),
    ECR_ACCESS_WRITE_LANDING_SECONDS: seconds(1, 3600).default(360),
    // Read by the AWS SDK itself; here only to know whether the bot talks to AWS's ECR (unset) or a stand-in.
    AWS_ENDPOINT_URL_ECR: z.string().optional(),
    ECR_ACCESS_LEASE_SECONDS: seconds(2, 3600).default(420),
    // Each process trusts its clock within half of it of AWS's, measured from a Date header
    // that counts whole seconds: under 2 s, that half would be finer than the header.
    ECR_ACCESS_CLOCK_MARGIN_SECONDS: seconds(2, 3600).default(60),
    ECR_ACCESS_WAIT_SECONDS: seconds(1, 600).default(60),
    ECR_ACCESS_ANNOUNCE_RETRY_SECONDS: seconds(1, 3600).default(30),
    ECR_ACCESS_AWS_TIMEOUT_SECONDS: seconds(1, 30).default(5),
    // A grant's life: the longest time limit, whether one is required, and what the sweep does when.
    ECR_ACCESS_MAX_GRANT: DurationText.optional(),
    ECR_ACCESS_REQUIRE_GRANT_END: z.enum(['true', 'false'], { message: 'must be true or false' }).default('false'),
    // How many different approvers, neither the requester, must approve a request: 2 is the two-person rule.
    ECR_ACCESS_APPROVALS: z.enum(['1', '2'], { message: 'must be 1 or 2 (2: two different approvers must approve each request)' }).default('1'),
    ECR_ACCESS_PENDING_LAPSE: DurationText.prefault('7d'),
    ECR_ACCESS_NUDGE_AFTER_MINUTES: z.coerce.number({ message: 'must be a number of minutes' }).int().min(1).max(10_080).default(15),
    ECR_ACCESS_REMINDER: DurationText.prefault('24h'),
    ECR_ACCESS_SWEEP_MINUTES: z.coerce.number({ message: 'must be a number of minutes' }).int().min(1).max(60).default(5),
    // Names this installation in its metrics (their one dimension), so alarms can tell stages apart.
    ECR_ACCESS_STAGE: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, { message: 'must be a stage name: letters, digits and hyphens, like prod' }).default('default'),
    // Where Lambda puts the jobs that failed every try (an SQS queue URL); the sweep counts them and `npm run replay` runs them again.
    ECR_ACCESS_DEAD_LETTER_QUEUE: z.url({ message: 'must be the URL of an SQS queue, like https://sqs.eu-west-1.amazonaws.com/111122223333/ecr-access-prod-jobs' }).optional(),
    /** Set by Lambda itself; jobs are handed to this very function. */
    AWS_LAMBDA_FUNCTION_NAME: LambdaFunctionName.optional(),
  });

/**
 * On Lambda a cold start must not spend Slack's 3 s on auth.test, and jobs go to the function
 * itself, so what is optional for `npm start` is required there.
 */
const LambdaEnvFields = EnvFields.extend({
  SLACK_BOT_ID: z
    .string({ message: 'is required on Lambda, so a cold start skips auth.test (the bot_id auth.test returns, like B012ABCDEF)' })
    .pipe(SlackBotId),
  SLACK_BOT_USER_ID: z
    .string({ message: 'is required on Lambda, so a cold start skips auth.test (the user_id auth.test returns, like U012ABCDEF)' })
    .pipe(SlackUserId),
  AWS_LAMBDA_FUNCTION_NAME: z
    .string({ message: 'is required (Lambda sets it; outside Lambda, run the bot with npm start)' })
    .pipe(LambdaFunctionName),
  // Anyone allowed lambda:GetFunctionConfiguration reads a function's environment: it carries
  // only the names of the SSM parameters, and the function reads the values when it starts.
  SLACK_BOT_TOKEN: z.undefined({ message: inLambdaEnvironment('SLACK_BOT_TOKEN_PARAMETER') }).optional(),
  SLACK_SIGNING_SECRET: z.undefined({ message: inLambdaEnvironment('SLACK_SIGNING_SECRET_PARAMETER') }).optional(),
  SLACK_BOT_TOKEN_PARAMETER: z
    .string({ message: 'is required on Lambda: the name of the SSM SecureString parameter that holds the bot token' })
    .pipe(SsmParameterName),
  SLACK_SIGNING_SECRET_PARAMETER: z
    .string({ message: 'is required on Lambda: the name of the SSM SecureString parameter that holds the signing secret' })
    .pipe(SsmParameterName),
  // Lambda is invoked per request, over HTTP; a Socket Mode connection needs a process that stays up.
  SLACK_APP_TOKEN: z.undefined({ message: notOnLambda('SLACK_APP_TOKEN') }).optional(),
  SLACK_APP_TOKEN_PARAMETER: z.undefined({ message: notOnLambda('SLACK_APP_TOKEN_PARAMETER') }).optional(),
});

function notOnLambda(setting: string): string {
  return `must not be set on Lambda: ${setting} is for Socket Mode, which needs a process that stays connected to Slack, and Lambda takes Slack's requests over HTTP. Run the server (npm start, or dist/server/server.js) for Socket Mode`;
}

function inLambdaEnvironment(parameterSetting: string): string {
  return `must not be in a Lambda function's environment, where lambda:GetFunctionConfiguration shows it: store it in SSM as a SecureString and set ${parameterSetting} to the parameter's name`;
}

// Checked even when other settings are wrong (`when`), so the one start-up message lists it too;
// the values may then be unparsed, hence the defensive reads.
// With a settings file, its rules may name their own approvers: checked once it is read (approverProblemsIn).
const somebodyApproves = (env: { ECR_ACCESS_APPROVERS: unknown; ECR_ACCESS_APPROVER_GROUP?: unknown; ECR_ACCESS_SETTINGS_FILE?: unknown }) =>
  env.ECR_ACCESS_SETTINGS_FILE !== undefined ||
  (Array.isArray(env.ECR_ACCESS_APPROVERS) && env.ECR_ACCESS_APPROVERS.length > 0) ||
  (typeof env.ECR_ACCESS_APPROVER_GROUP === 'string' && env.ECR_ACCESS_APPROVER_GROUP.length > 0);
const nobodyApproves = {
  message: 'set ECR_ACCESS_APPROVERS, ECR_ACCESS_APPROVER_GROUP, or both: somebody must be able to approve',
  path: ['ECR_ACCESS_APPROVERS'],
  when: () => true,
};

// The two-person rule needs two approvers besides the requester: a group may have them, a list of fewer than two never does.
// With a settings file, each rule is checked with its own approvers once it is read (approverProblemsIn).
const twoCanApprove = (env: { ECR_ACCESS_APPROVALS?: unknown; ECR_ACCESS_APPROVERS: unknown; ECR_ACCESS_APPROVER_GROUP?: unknown; ECR_ACCESS_SETTINGS_FILE?: unknown }) =>
  env.ECR_ACCESS_APPROVALS !== '2' ||
  env.ECR_ACCESS_SETTINGS_FILE !== undefined ||
  (Array.isArray(env.ECR_ACCESS_APPROVERS) && env.ECR_ACCESS_APPROVERS.length >= 2) ||
  (typeof env.ECR_ACCESS_APPROVER_GROUP === 'string' && env.ECR_ACCESS_APPROVER_GROUP.length > 0);
const tooFewForTwo = {
  message: 'is 2, but ECR_ACCESS_APPROVERS names fewer than two approvers and no ECR_ACCESS_APPROVER_GROUP is set: no request could ever be approved. Name at least two approvers, or a group, or set it to 1',
  path: ['ECR_ACCESS_APPROVALS'],
  when: () => true,
};

// A lease must outlast the time a write it covers may still land (src/aws/repository-lease.ts).
const leaseOutlastsWrites = (env: { ECR_ACCESS_LEASE_SECONDS: unknown; ECR_ACCESS_WRITE_LANDING_SECONDS: unknown }) =>
  !(typeof env.ECR_ACCESS_LEASE_SECONDS === 'number' && typeof env.ECR_ACCESS_WRITE_LANDING_SECONDS === 'number') ||
  env.ECR_ACCESS_LEASE_SECONDS > env.ECR_ACCESS_WRITE_LANDING_SECONDS;
const leaseTooShort = {
  message: 'must be longer than ECR_ACCESS_WRITE_LANDING_SECONDS: a repository lease has to outlast every policy write it covers',
  path: ['ECR_ACCESS_LEASE_SECONDS'],
  when: () => true,
};

// The landing time is how long a signed write stays good (5 minutes at AWS) plus this margin.
const marginWithinLanding = (env: { ECR_ACCESS_CLOCK_MARGIN_SECONDS: unknown; ECR_ACCESS_WRITE_LANDING_SECONDS: unknown }) =>
  !(typeof env.ECR_ACCESS_CLOCK_MARGIN_SECONDS === 'number' && typeof env.ECR_ACCESS_WRITE_LANDING_SECONDS === 'number') ||
  env.ECR_ACCESS_CLOCK_MARGIN_SECONDS < env.ECR_ACCESS_WRITE_LANDING_SECONDS;
const marginTooLong = {
  message: 'must be less than ECR_ACCESS_WRITE_LANDING_SECONDS: the landing time is the time a signed write stays good plus this margin for clocks',
  path: ['ECR_ACCESS_CLOCK_MARGIN_SECONDS'],
  when: () => true,
};

// Against AWS, a signed write stays good for 5 minutes: a landing time shorter than that plus the
// margin would let a write that timed out land after the repository was let go, on a newer write.
const SIGNATURE_LIFETIME_SECONDS = 300;
const landingCoversSignatures = (env: { AWS_ENDPOINT_URL_ECR?: unknown; ECR_ACCESS_CLOCK_MARGIN_SECONDS: unknown; ECR_ACCESS_WRITE_LANDING_SECONDS: unknown }) =>
  env.AWS_ENDPOINT_URL_ECR !== undefined ||
  !(typeof env.ECR_ACCESS_CLOCK_MARGIN_SECONDS === 'number' && typeof env.ECR_ACCESS_WRITE_LANDING_SECONDS === 'number') ||
  env.ECR_ACCESS_WRITE_LANDING_SECONDS >= SIGNATURE_LIFETIME_SECONDS + env.ECR_ACCESS_CLOCK_MARGIN_SECONDS;
const landingTooShort = {
  message: `must be at least ${SIGNATURE_LIFETIME_SECONDS} plus ECR_ACCESS_CLOCK_MARGIN_SECONDS against AWS (360 by default): ECR takes a signed write for 5 minutes, so a write that timed out may still land that late. Lower it only against a stand-in for ECR (AWS_ENDPOINT_URL_ECR) that refuses older requests sooner`,
  path: ['ECR_ACCESS_WRITE_LANDING_SECONDS'],
  when: () => true,
};

// The repositories are given as a list, as a file holding it, or by the settings file: one of them.
const REPOSITORY_SOURCES = ['ECR_ACCESS_REPOSITORIES', 'ECR_ACCESS_REPOSITORIES_FILE', 'ECR_ACCESS_SETTINGS_FILE'] as const;
const sourcesGiven = (env: Record<string, unknown>) => REPOSITORY_SOURCES.filter((name) => env[name] !== undefined);
const oneRepositoryList = (env: Record<string, unknown>) => sourcesGiven(env).length === 1;
const repositoriesGivenOnce = {
  error: (issue: { input?: unknown }) => {
    const given = sourcesGiven((issue.input ?? {}) as Record<string, unknown>);
    return given.length === 0
      ? 'is required: a comma-separated list of shareable repositories (or ECR_ACCESS_REPOSITORIES_FILE, a JSON file that lists them, or ECR_ACCESS_SETTINGS_FILE, the settings file with a rule for each repository or pattern)'
      : !given.includes('ECR_ACCESS_REPOSITORIES')
        ? `is not set, and ${given.join(' and ')} both are: keep one, the file that lists the repositories or the settings file`
        : given.length === 2 && given.includes('ECR_ACCESS_REPOSITORIES_FILE')
          ? 'and ECR_ACCESS_REPOSITORIES_FILE are both set: keep one, the list or the file that holds it'
          : `and ${given.filter((name) => name !== 'ECR_ACCESS_REPOSITORIES').join(' and ')} are set too: keep one, the list, the file that holds it, or the settings file`;
  },
  path: ['ECR_ACCESS_REPOSITORIES'],
  when: () => true,
};
// A role to assume and a refusal of outsiders both need somewhere to look accounts up.
const ECR_ACCESS_ACCOUNTS_VALUES = 'ECR_ACCESS_ACCOUNTS=organizations (AWS Organizations) or ECR_ACCESS_ACCOUNTS=<path of a YAML accounts file>';
const roleWithOrganizations = (env: { ECR_ACCESS_ACCOUNTS?: unknown; ECR_ACCESS_ORGANIZATIONS_ROLE_ARN?: unknown }) =>
  env.ECR_ACCESS_ORGANIZATIONS_ROLE_ARN === undefined || (env.ECR_ACCESS_ACCOUNTS as { source?: unknown } | undefined)?.source === 'organizations';
const roleWithoutOrganizations = {
  message: 'is the role to assume to read AWS Organizations: set ECR_ACCESS_ACCOUNTS=organizations too, or leave it unset',
  path: ['ECR_ACCESS_ORGANIZATIONS_ROLE_ARN'],
  when: () => true,
};
const outsidersKnowable = (env: { ECR_ACCESS_ACCOUNTS?: unknown; ECR_ACCESS_ORGANIZATION_ONLY?: unknown }) =>
  env.ECR_ACCESS_ORGANIZATION_ONLY !== 'true' || env.ECR_ACCESS_ACCOUNTS !== undefined;
const organizationOnlyWithoutAccounts = {
  message: `refuses accounts outside the organization, so the bot must know the organization: set ${ECR_ACCESS_ACCOUNTS_VALUES}`,
  path: ['ECR_ACCESS_ORGANIZATION_ONLY'],
  when: () => true,
};

const isSet = (env: unknown, name: string) => typeof (env as Record<string, unknown>)[name] === 'string';
/** Set as its value or as the SSM parameter that holds it. */
const isGiven = (env: unknown, name: string) => isSet(env, name) || isSet(env, `${name}_PARAMETER`);
const asValueOrParameter = (name: string) => `(or ${name}_PARAMETER, the name of the SSM SecureString parameter that holds it)`;

/**
 * `npm start` takes each Slack secret as its value or as the SSM parameter that holds it: one,
 * not both. Beside the bot token it takes what says how Slack reaches it: the signing secret
 * that verifies HTTP requests, or the app-level token that opens a Socket Mode connection.
 */
function eachSecretGivenOnce<Schema extends z.ZodType>(schema: Schema): Schema {
  const givenOnce = (refined: Schema, name: string) =>
    refined.refine((env) => !(isSet(env, name) && isSet(env, `${name}_PARAMETER`)), {
      message: `and ${name}_PARAMETER are both set: keep one, the value or the SSM parameter that holds it`,
      path: [name],
      when: () => true,
    });
  return ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN']
    .reduce(givenOnce, schema)
    .refine((env) => isGiven(env, 'SLACK_BOT_TOKEN'), {
      message: `is required ${asValueOrParameter('SLACK_BOT_TOKEN')}`,
      path: ['SLACK_BOT_TOKEN'],
      when: () => true,
    })
    .refine((env) => isGiven(env, 'SLACK_SIGNING_SECRET') || isGiven(env, 'SLACK_APP_TOKEN'), {
      message: `is required ${asValueOrParameter('SLACK_SIGNING_SECRET')}; or set SLACK_APP_TOKEN instead, to connect over Socket Mode`,
      path: ['SLACK_SIGNING_SECRET'],
      when: () => true,
    })
    .refine((env) => !(isGiven(env, 'SLACK_SIGNING_SECRET') && isGiven(env, 'SLACK_APP_TOKEN')), {
      message:
        'and SLACK_SIGNING_SECRET are both set: SLACK_APP_TOKEN connects over Socket Mode, where no request is signed, and SLACK_SIGNING_SECRET verifies HTTP requests; keep the one for the way Slack reaches this bot',
      path: ['SLACK_APP_TOKEN'],
      when: () => true,
    }) as Schema;
}

const EnvSchema = {
  server: eachSecretGivenOnce(
    EnvFields.refine(somebodyApproves, nobodyApproves)
      .refine(twoCanApprove, tooFewForTwo)
      .refine(oneRepositoryList, repositoriesGivenOnce)
      .refine(leaseOutlastsWrites, leaseTooShort)
      .refine(marginWithinLanding, marginTooLong)
      .refine(landingCoversSignatures, landingTooShort)
      .refine(roleWithOrganizations, roleWithoutOrganizations)
      .refine(outsidersKnowable, organizationOnlyWithoutAccounts),
  ),
  lambda: LambdaEnvFields.refine(somebodyApproves, nobodyApproves)
    .refine(twoCanApprove, tooFewForTwo)
    .refine(oneRepositoryList, repositoriesGivenOnce)
    .refine(leaseOutlastsWrites, leaseTooShort)
    .refine(marginWithinLanding, marginTooLong)
    .refine(landingCoversSignatures, landingTooShort)
    .refine(roleWithOrganizations, roleWithoutOrganizations)
    .refine(outsidersKnowable, organizationOnlyWithoutAccounts),
};

type Runtime = keyof typeof EnvSchema;

/** Where a Slack secret comes from: the environment holds its value, or names the SSM parameter that does. */
type SecretSource = { readonly value: string } | { readonly parameter: string };

/**
 * The bot token, and the secret for the way Slack reaches the bot: the signing secret of HTTP
 * requests, or the app-level token of a Socket Mode connection, where Slack authenticates the
 * connection and signs nothing.
 */
export type SlackSecretSources = { readonly botToken: SecretSource } & ({ readonly signingSecret: SecretSource } | { readonly appToken: SecretSource });

/** The Slack secrets themselves, once read (src/aws/slack-secrets.ts): a value for each source. */
export type SlackSecrets<Sources extends SlackSecretSources = SlackSecretSources> = { readonly [Name in keyof Sources]: string };

export interface Config {
  readonly slack: {
    /** Read once at start; never logged (the logger masks them). */
    readonly secrets: SlackSecretSources;
    readonly apiUrl?: string;
    readonly botId?: string;
    readonly botUserId?: string;
  };
  readonly table: string;
  readonly approvalChannel: string;
  /** The deployment's approvers: those of every repository whose rule names none of its own. */
  readonly approvers: readonly string[];
  readonly approverGroup?: string;
  /** The repositories ecr-access shares, and each one's terms. */
  readonly rules: RepositoryRules;
  readonly region: string;
  readonly port: number;
  readonly logLevel: LogLevel;
  /** How long a repository lease lasts unless renewed. */
  readonly leaseMs: number;
  /** How long after it was sent a policy write may still reach ECR: AWS accepts a signed request for 5 minutes, plus a margin for clocks. */
  readonly writeLandingMs: number;
  /** How far two processes' clocks may disagree; each trusts its own only within half of it of AWS's. */
  readonly clockMarginMs: number;
  /** How long a job waits for its change while another holder has the repository. */
  readonly waitForChangeMs: number;
  /** How long an outcome's announcer may stay silent (it renews its claim every third of this) before another process finishes its announcement. */
  readonly announceRetryMs: number;
  /** The longest wait for one AWS call before it counts as failed (a policy write then as of unknown outcome). */
  readonly awsTimeoutMs: number;
  /** The Lambda function this runs in, which takes the jobs; absent outside Lambda. */
  readonly functionName?: string;
  /** The stage this installation is, as its metrics name it. */
  readonly stage: string;
  /** The SQS queue holding the jobs that failed every try, where there is one (a Lambda deployment). */
  readonly deadLetterQueue?: string;
  /** The time limits requests may ask for, where a repository's rule does not say otherwise. */
  readonly durations: DurationRules;
  /** How many different approvers, never the requester, must approve a request where a repository's rule does not say; 2 is the two-person rule. */
  readonly approvals: Approvals;
  /** When the sweep lets requests lapse, nudges approvers and reminds requesters. */
  readonly sweep: SweepTimes;
  /** How often the sweep runs (a timer in the server, an EventBridge schedule on Lambda). */
  readonly sweepEveryMs: number;
  /** Where the owner of an account is looked up (ECR_ACCESS_ACCOUNTS, or the settings file's `accounts`); absent, nobody is asked and no card shows one. */
  readonly accounts?: { readonly source: 'organizations'; readonly roleArn?: string } | { readonly source: 'file'; readonly path: string };
  /** Requests for accounts outside the organization (or missing from the accounts file) are refused before any card is posted. */
  readonly organizationOnly: boolean;
}

/** What the Lambda runtime can count on: loadLambdaConfig refuses to start without these. */
export type LambdaConfig = Config & {
  readonly functionName: string;
  readonly slack: Config['slack'] & {
    readonly botId: string;
    readonly botUserId: string;
    readonly secrets: { readonly botToken: SecretSource; readonly signingSecret: SecretSource };
  };
};

function blankToUndefined(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === undefined || v.trim() === '' ? undefined : v.trim()]));
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseConfig(env, 'server');
}

export function loadLambdaConfig(env: NodeJS.ProcessEnv = process.env): LambdaConfig {
  // The lambda schema requires the function name, both bot IDs and the signing secret's parameter, so they are present.
  return parseConfig(env, 'lambda') as LambdaConfig;
}

/**
 * A relative ECR_ACCESS_REPOSITORIES_FILE, ECR_ACCESS_SETTINGS_FILE or accounts file in
 * ECR_ACCESS_ACCOUNTS is taken from the function's code on Lambda (LAMBDA_TASK_ROOT, which Lambda
 * sets), and from the working directory elsewhere.
 */
function withFileFromCodeRoot(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const fromCodeRoot = (file: string | undefined) => (file === undefined || isAbsolute(file) ? file : resolve(env.LAMBDA_TASK_ROOT ?? process.cwd(), file));
  const accounts = env.ECR_ACCESS_ACCOUNTS === 'organizations' ? 'organizations' : fromCodeRoot(env.ECR_ACCESS_ACCOUNTS);
  return {
    ...env,
    ECR_ACCESS_REPOSITORIES_FILE: fromCodeRoot(env.ECR_ACCESS_REPOSITORIES_FILE),
    ECR_ACCESS_SETTINGS_FILE: fromCodeRoot(env.ECR_ACCESS_SETTINGS_FILE),
    ECR_ACCESS_ACCOUNTS: accounts,
  };
}

/**
 * Each rule of the settings file against the approvers it has, its own or the deployment's:
 * somebody must be able to approve, and under the two-person rule (its own `approvals`, or
 * ECR_ACCESS_APPROVALS) two different people. A rule's own `approvals: 2` beside its own single
 * approver is reported by the file's schema already.
 */
export function approverProblemsIn(settings: Pick<Settings, 'rules'>, env: Record<string, string | undefined>): string[] {
  const defaultUsers = new Set(listItems(env.ECR_ACCESS_APPROVERS ?? ''));
  const defaultGroup = env.ECR_ACCESS_APPROVER_GROUP !== undefined;
  return settings.rules.flatMap(({ match, settings: rule }) => {
    const own = rule.approvers !== undefined || rule.approverGroups !== undefined;
    if (!own && defaultUsers.size === 0 && !defaultGroup) {
      return [`repositories."${match}": names no approvers, and there are no default approvers (ECR_ACCESS_APPROVERS or ECR_ACCESS_APPROVER_GROUP; a stage's approvers or approverGroup): give it approvers or approverGroups, or set a default`];
    }
    if ((rule.approvals ?? (env.ECR_ACCESS_APPROVALS === '2' ? 2 : 1)) !== 2 || (own && rule.approvals === 2)) return [];
    const people = own ? new Set(rule.approvers ?? []).size : defaultUsers.size;
    const group = own ? (rule.approverGroups ?? []).length > 0 : defaultGroup;
    if (group || people >= 2) return [];
    return [
      own
        ? `repositories."${match}": needs two approvals (the default, ECR_ACCESS_APPROVALS or a stage's approvals, is 2), and its approvers name one person: name another, or an approverGroups entry, or give it approvals: 1`
        : `repositories."${match}": needs two approvals, and the default approvers (ECR_ACCESS_APPROVERS, or a stage's approvers) name fewer than two people, with no group: name at least two, or a group, or give it approvals: 1`,
    ];
  });
}

/**
 * Where the settings file says the owners are: one place, not the file and ECR_ACCESS_ACCOUNTS
 * both; an accounts file it names checked as ECR_ACCESS_ACCOUNTS's is; and a rule that refuses
 * outsiders needs one of the two.
 */
function accountsProblemsIn(settings: Settings, env: Record<string, string | undefined>): string[] {
  if (settings.accounts !== undefined && env.ECR_ACCESS_ACCOUNTS !== undefined) {
    return ['accounts: and ECR_ACCESS_ACCOUNTS are both set: keep one, the settings file\'s or the environment\'s'];
  }
  if (settings.accounts?.source === 'file') {
    const read = readAccountsFile(settings.accounts.path);
    if ('problems' in read) return read.problems.map((problem) => `accounts: ${problem}`);
  }
  if (settings.accounts === undefined && env.ECR_ACCESS_ACCOUNTS === undefined) {
    return settings.rules
      .filter((rule) => rule.settings.organizationOnly === true)
      .map((rule) => `repositories."${rule.match}".organizationOnly: refuses accounts outside the organization, so the bot must know the organization: set accounts: organizations (or the path of an accounts file) in the file, or ECR_ACCESS_ACCOUNTS`);
  }
  return [];
}

function parseConfig(env: NodeJS.ProcessEnv, runtime: Runtime): Config {
  const given = withFileFromCodeRoot(blankToUndefined(env));
  const parsed = EnvSchema[runtime].safeParse(given);
  // Read even when other settings are wrong, so the one message lists the file's problems too.
  const settingsFile = given.ECR_ACCESS_SETTINGS_FILE;
  const read = settingsFile === undefined ? undefined : readSettingsFile(settingsFile);
  const beyondFile = (settings: Settings) => [...approverProblemsIn(settings, given), ...accountsProblemsIn(settings, given)];
  const fileProblems = read === undefined ? [] : 'problems' in read ? [...read.problems, ...(read.partial ? beyondFile(read.partial) : [])] : beyondFile(read.settings);
  if (!parsed.success || fileProblems.length > 0) {
    const problems = [
      ...(parsed.error?.issues ?? []).map((issue) => `  - ${String(issue.path[0] ?? 'environment')} ${issue.message}`),
      ...fileProblems.map((problem) => `  - ECR_ACCESS_SETTINGS_FILE ${problem}`),
    ];
    throw new EcrAccessError(
      ErrorCode.InvalidConfig,
      `ecr-access cannot start; fix these settings:\n${[...new Set(problems)].join('\n')}`,
    );
  }
  const e = parsed.data;
  const settings = read !== undefined && 'settings' in read ? read.settings : undefined;
  const durations = { maxMs: e.ECR_ACCESS_MAX_GRANT, required: e.ECR_ACCESS_REQUIRE_GRANT_END === 'true' };
  const defaults = { durations, approvals: e.ECR_ACCESS_APPROVALS === '2' ? (2 as const) : (1 as const) };
  const rules = settings
    ? rulesOf(settings.rules, defaults)
    : // The schema has made sure exactly one source is set.
      rulesOfNames([...new Set(e.ECR_ACCESS_REPOSITORIES ?? e.ECR_ACCESS_REPOSITORIES_FILE ?? [])], defaults);
  return {
    slack: {
      secrets: {
        botToken: secretSource(e.SLACK_BOT_TOKEN, e.SLACK_BOT_TOKEN_PARAMETER),
        ...(e.SLACK_APP_TOKEN !== undefined || e.SLACK_APP_TOKEN_PARAMETER !== undefined
          ? { appToken: secretSource(e.SLACK_APP_TOKEN, e.SLACK_APP_TOKEN_PARAMETER) }
          : { signingSecret: secretSource(e.SLACK_SIGNING_SECRET, e.SLACK_SIGNING_SECRET_PARAMETER) }),
      },
      ...(e.SLACK_API_URL && { apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/` }),
      ...(e.SLACK_BOT_ID && { botId: e.SLACK_BOT_ID }),
      ...(e.SLACK_BOT_USER_ID && { botUserId: e.SLACK_BOT_USER_ID }),
    },
    table: e.ECR_ACCESS_TABLE,
    approvalChannel: e.ECR_ACCESS_APPROVAL_CHANNEL,
    approvers: e.ECR_ACCESS_APPROVERS,
    ...(e.ECR_ACCESS_APPROVER_GROUP && { approverGroup: e.ECR_ACCESS_APPROVER_GROUP }),
    rules: repositoryRules(rules),
    region: e.AWS_REGION,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    leaseMs: e.ECR_ACCESS_LEASE_SECONDS * 1000,
    writeLandingMs: e.ECR_ACCESS_WRITE_LANDING_SECONDS * 1000,
    clockMarginMs: e.ECR_ACCESS_CLOCK_MARGIN_SECONDS * 1000,
    waitForChangeMs: e.ECR_ACCESS_WAIT_SECONDS * 1000,
    announceRetryMs: e.ECR_ACCESS_ANNOUNCE_RETRY_SECONDS * 1000,
    awsTimeoutMs: e.ECR_ACCESS_AWS_TIMEOUT_SECONDS * 1000,
    ...(e.AWS_LAMBDA_FUNCTION_NAME && { functionName: e.AWS_LAMBDA_FUNCTION_NAME }),
    stage: e.ECR_ACCESS_STAGE,
    ...(e.ECR_ACCESS_DEAD_LETTER_QUEUE && { deadLetterQueue: e.ECR_ACCESS_DEAD_LETTER_QUEUE }),
    durations,
    approvals: defaults.approvals,
    sweep: { pendingLapseMs: e.ECR_ACCESS_PENDING_LAPSE, nudgeFirstMs: e.ECR_ACCESS_NUDGE_AFTER_MINUTES * 60_000, reminderLeadMs: e.ECR_ACCESS_REMINDER },
    sweepEveryMs: e.ECR_ACCESS_SWEEP_MINUTES * 60_000,
    ...(e.ECR_ACCESS_ACCOUNTS && {
      accounts:
        e.ECR_ACCESS_ACCOUNTS.source === 'organizations' && e.ECR_ACCESS_ORGANIZATIONS_ROLE_ARN
          ? { ...e.ECR_ACCESS_ACCOUNTS, roleArn: e.ECR_ACCESS_ORGANIZATIONS_ROLE_ARN }
          : e.ECR_ACCESS_ACCOUNTS,
    }),
    ...(settings?.accounts && { accounts: settings.accounts }),
    organizationOnly: e.ECR_ACCESS_ORGANIZATION_ONLY === 'true',
  };
}

// The schemas have made sure exactly one of the two is set.
function secretSource(value: string | undefined, parameter: string | undefined): SecretSource {
  if (parameter !== undefined) return { parameter };
  if (value !== undefined) return { value };
  throw new EcrAccessError(ErrorCode.InvalidConfig, 'a Slack secret is set neither as a value nor as an SSM parameter');
}
