// A stage's deployment settings: deploy/stages/<stage>.yml in the deployer's fork (copied from
// deploy/stages/example.yml), then any --param="name=value" for one run, and --region. Checked
// before the framework builds anything, so a missing or wrong setting stops `npm run package`
// or `npm run deploy` with one message that names each one, says what it is and how to give it;
// so does the example's placeholder left in a copy, and a stack over one of AWS's limits
// (deploy/limits.ts), which CloudFormation would otherwise find halfway through a deploy.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import * as z from 'zod';
import { TableName } from '../src/aws/table-schema';
import { readAccountsFile } from '../src/accounts-file';
import { approverProblemsIn, AwsRegion, listItems, MAX_REPOSITORIES, RoleArn, SsmParameterName } from '../src/config';
import { RepositoryName } from '../src/domain/repository';
import { DurationText } from '../src/domain/duration';
import { SlackBotId, SlackChannelId, SlackUserGroupId, SlackUserId } from '../src/domain/slack-id';
import { LogLevel } from '../src/logger';
import { readSettingsFile, type Settings } from '../src/settings-file';
import { limitProblems } from './limits';

const ROOT = join(__dirname, '..');
const STAGES_DIR = join(ROOT, 'deploy', 'stages');
const EXAMPLE_FILE = join(STAGES_DIR, 'example.yml');

/** Every setting, with what it is: the words of the message that asks for a missing one. */
const SETTINGS = {
  region: 'the AWS region to deploy to, where the shared repositories are, like eu-west-1 (--region overrides it)',
  repositories: 'the ECR repositories in this account and region that people may ask to pull from, like [common-images, team/base-images]',
  approvalChannel: 'the ID of the Slack channel where request cards are posted, like C012ABCDEF (at the bottom of the channel details)',
  approvers: 'the Slack user IDs of the approvers, like [U012ABCDEF, U034GHIJKL] (profile → ⋯ → Copy member ID)',
  approverGroup: 'the ID of a Slack user group whose members approve, like S012ABCDEF',
  approvals: '1, or 2 for the two-person rule: two different approvers, neither the requester, approve each request (default 1)',
  slackBotId: 'the bot_id that auth.test returns for the bot token, like B012ABCDEF',
  slackBotUserId: 'the user_id that auth.test returns for the bot token, like U012ABCDEF',
  ssmPrefix: 'the SSM path of the SecureString parameters slack-bot-token and slack-signing-secret (default /ecr-access/<stage>)',
  secretsKmsKey: 'the ARN of the customer managed KMS key that encrypts those parameters, if it is not the AWS managed key aws/ssm',
  tableName: 'the DynamoDB table (default ecr-access-<stage>)',
  tableDeletionProtection: 'false to let the table be deleted, for a throwaway stage; by default (true) nobody can delete it, not even by hand, until it is set to false and deployed',
  logLevel: 'debug, info (the default), warn or error',
  sweepMinutes: 'how often the sweep runs, in whole minutes from 1 to 60 (default 5)',
  maxGrant: 'the longest time a request may ask for, in hours or days like 30d (default: any, up to 365d)',
  requireGrantEnd: 'true when every request must say how long it is for with --for (default false)',
  pendingLapse: 'how long a request may wait for a decision before it lapses, like 7d (the default)',
  nudgeAfterMinutes: 'when the approvers are first reminded of an undecided request, in minutes (default 15; each reminder then waits twice as long)',
  reminder: 'how long before a time-bound grant ends its requester is reminded, like 24h (the default)',
  settingsFile:
    'instead of repositories, the settings file with a rule for each repository name or pattern (README.md, "Per-repository rules"), its path from the project root, like deploy/stages/prod.settings.yml',
  // Who owns each account (README.md, "Who owns the account").
  accounts: 'where the bot finds who owns an account: organizations (AWS Organizations), or the path of a YAML accounts file from the project root, like deploy/accounts/prod.yml (default: nowhere, and no owner is shown)',
  organizationsRoleArn: 'the ARN of the role the bot assumes to read AWS Organizations, usually in the management account, like arn:aws:iam::111122223333:role/ecr-access-organizations-read (default: the function\'s own role reads it)',
  organizationOnly: 'true to refuse requests for accounts outside the organization (or missing from the accounts file) before any approver sees them (default false)',
  // Operations (README.md, "Operating ecr-access").
  alarmTopic: 'the ARN of an SNS topic the alarms notify, like arn:aws:sns:eu-west-1:111122223333:on-call (default: alarms notify nobody)',
  throttleBurst: 'how many requests the endpoint takes at once before it answers 429, a whole number from 1 to 5000 (default 20)',
  throttleRate: 'how many requests a second the endpoint takes, steadily, from 1 to 10000 (default 10)',
  reservedConcurrency: 'how many instances of the function may run at once, reserved for it alone, a whole number from 5 to 1000 (default 50)',
} as const;

type SettingName = keyof typeof SETTINGS;

/** What the stack is built from: every value as the function's environment or IAM takes it. */
export interface DeploySettings {
  /** The stage's name, as deployed (`--stage`). */
  readonly stage: string;
  readonly region: string;
  /** Comma-separated: the names of ECR_ACCESS_REPOSITORIES, or the names and patterns (`team-*`) of the settings file's rules. */
  readonly repositories: string;
  /** Every other region a settings file's rule names (`regions:`), with the names and patterns of those rules: the role may write their policies there too. */
  readonly replicated: Readonly<Record<string, readonly string[]>>;
  /** The settings file's absolute path, which packaging copies into the bundle; empty when the stage lists its repositories. */
  readonly settingsFile: string;
  readonly approvalChannel: string;
  /** Comma-separated, possibly empty. */
  readonly approvers: string;
  /** Empty when not set. */
  readonly approverGroup: string;
  /** As ECR_ACCESS_APPROVALS. */
  readonly approvals: '1' | '2';
  readonly slackBotId: string;
  readonly slackBotUserId: string;
  readonly slackBotTokenParameter: string;
  readonly slackSigningSecretParameter: string;
  /** Empty when the parameters use the AWS managed key. */
  readonly secretsKmsKey: string;
  readonly tableName: string;
  readonly tableDeletionProtection: boolean;
  readonly logLevel: string;
  /** As ECR_ACCESS_SWEEP_MINUTES. */
  readonly sweepMinutes: number;
  /** The EventBridge schedule expression for it: `rate(1 minute)`, `rate(5 minutes)`. */
  readonly sweepRate: string;
  /** As ECR_ACCESS_MAX_GRANT (`30d`); empty when not set. */
  readonly maxGrant: string;
  /** As ECR_ACCESS_REQUIRE_GRANT_END. */
  readonly requireGrantEnd: 'true' | 'false';
  /** As ECR_ACCESS_PENDING_LAPSE, ECR_ACCESS_NUDGE_AFTER_MINUTES and ECR_ACCESS_REMINDER. */
  readonly pendingLapse: string;
  readonly nudgeAfterMinutes: number;
  readonly reminder: string;
  /** Where owners are looked up: nowhere (empty), AWS Organizations, or the accounts file at `accountsFile`. */
  readonly accounts: '' | 'organizations' | 'file';
  /** The stage's accounts file, absolute; empty when there is none. Packaging copies it into the bundle. */
  readonly accountsFile: string;
  /** Empty when the function's own role reads Organizations. */
  readonly organizationsRoleArn: string;
  /** As ECR_ACCESS_ORGANIZATION_ONLY. */
  readonly organizationOnly: 'true' | 'false';
  /** The alarms' actions: the alarm topic, or none. */
  readonly alarmActions: readonly string[];
  readonly throttleBurst: number;
  readonly throttleRate: number;
  readonly reservedConcurrency: number;
  /** One sweep period in seconds, and three: the sweep alarms' periods. */
  readonly sweepPeriodSeconds: number;
  readonly sweepSilenceSeconds: number;
  /** Announcements owed in every one of `owedPeriods` periods of `owedPeriodSeconds` (15 minutes, or one sweep period when longer). */
  readonly owedPeriodSeconds: number;
  readonly owedPeriods: number;
}

/** @public deploy/variables.js tells it from other errors. */
export class DeploySettingsError extends Error {
  override readonly name = 'DeploySettingsError';
}

const missingOr = (name: SettingName, kind: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? `is missing: ${SETTINGS[name]}` : `must be ${kind}: ${SETTINGS[name]}`;

const text = (name: SettingName) => z.string({ error: missingOr(name, 'text') }).trim();

/**
 * The IDs deploy/stages/example.yml shows, which are nobody's: a copy of it left unedited would
 * deploy a bot that posts to no channel and asks nobody (test/unit/deploy/settings.test.ts finds
 * every ID in the example here). The KMS key is the one AWS's own documentation shows.
 */
const PLACEHOLDERS = [
  'C012ABCDEF',
  'U012ABCDEF',
  'U034GHIJKL',
  'S012ABCDEF',
  'B012ABCDEF',
  'U056MNOPQR',
  '1234abcd-12ab-34cd-56ef-1234567890ab',
  'arn:aws:iam::111122223333:role/ecr-access-organizations-read',
];

const isPlaceholder = (value: string) => PLACEHOLDERS.some((placeholder) => value === placeholder || value.endsWith(`/${placeholder}`));

/** Refuses the example's placeholder as a value of `name`. */
const yours = (name: SettingName) => ({
  error: (issue: { input?: unknown }) => `is still the example's ${String(issue.input)}, a placeholder that is nobody's: give ${SETTINGS[name]}`,
});

/** A YAML list or a comma-separated string (as --param gives it), as a list without blanks or repeats. */
const asList = (value: string | readonly string[]): string[] => [...new Set(listItems(value))];

const list = (name: SettingName) =>
  z.union([z.string(), z.array(z.string())], { error: missingOr(name, 'a list or comma-separated text') }).transform(asList);

/** true or false, from YAML or as --param text. */
const flag = (name: SettingName) =>
  z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')], { error: `must be ${SETTINGS[name]}` });

/** A duration as the bot's settings take it (`12h`, `7d`), checked here so a deploy fails before the function would. */
const duration = (name: SettingName) =>
  z
    .string({ error: missingOr(name, 'text') })
    .trim()
    .refine((value) => DurationText.safeParse(value).success, { message: `must be ${SETTINGS[name]}` });

const SnsTopicArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, { message: `must be ${SETTINGS.alarmTopic}` });

/** A whole number from `min` to `max`, as a setting takes it (YAML gives a number, --param a string). */
const wholeNumber = (name: SettingName, min: number, max: number) =>
  z.coerce
    .number({ message: `must be ${SETTINGS[name]}` })
    .int({ message: `must be ${SETTINGS[name]}` })
    .min(min, { message: `must be ${SETTINGS[name]}` })
    .max(max, { message: `must be ${SETTINGS[name]}` });

const KmsKeyArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, { message: 'must be a KMS key ARN like arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab (not an alias)' });

const SsmPrefix = z
  .string()
  .regex(/^(\/[A-Za-z0-9_.-]+)+$/, { message: 'must be an SSM path like /ecr-access/prod: it starts with / and has no / at the end' })
  .pipe(SsmParameterName);

/** `organizations`, or an accounts file (from the project root) that the function will be able to read: its problems are listed now. */
const AccountsSetting = z.string().transform((value, ctx): string => {
  if (value === 'organizations') return value;
  const path = isAbsolute(value) ? value : resolve(ROOT, value);
  const read = readAccountsFile(path);
  if ('problems' in read) {
    for (const problem of read.problems) ctx.addIssue({ code: 'custom', message: problem.replace(path, value) });
    return z.NEVER;
  }
  return path;
});

function settingsSchema(stage: string) {
  return z
    .object({
      region: text('region').pipe(AwsRegion),
      repositories: list('repositories')
        .pipe(
          z
            .array(RepositoryName)
            .min(1, { message: `is missing: ${SETTINGS.repositories}` })
            .max(MAX_REPOSITORIES, {
              error: (issue) =>
                `lists ${(issue.input as unknown[]).length} repositories, and the bot shares at most ${MAX_REPOSITORIES} this way: each sweep pass reads every one. Past that, share them by pattern in a settingsFile (README.md, "Per-repository rules")`,
            }),
        )
        .optional(),
      settingsFile: text('settingsFile').transform((path, ctx) => {
        const read = readSettingsFile(resolve(ROOT, path));
        if ('problems' in read) for (const problem of read.problems) ctx.addIssue({ code: 'custom', message: `(${path}) ${problem}` });
        // The stack's IAM and bundle follow where owners come from, so on Lambda that is a stage setting.
        else if (read.settings.accounts !== undefined) {
          ctx.addIssue({
            code: 'custom',
            message: `(${path}) sets accounts: on Lambda, where owners come from is a stage setting, as the role's permissions and the bundle depend on it. Move accounts (and organizationsRoleArn) from the settings file to the stage settings`,
          });
        }
        // A file with mistakes still has its sound rules checked below, so one message lists all.
        const rules = 'settings' in read ? read.settings.rules : read.partial?.rules;
        return { path: resolve(ROOT, path), given: path, ...(rules && { rules }) };
      }).optional(),
      approvalChannel: text('approvalChannel').pipe(SlackChannelId).refine((id) => !isPlaceholder(id), yours('approvalChannel')),
      approvers: list('approvers')
        .pipe(z.array(SlackUserId.refine((id) => !isPlaceholder(id), { message: "is the example's placeholder, nobody's: give your approvers' user IDs" })))
        .default([]),
      approverGroup: text('approverGroup').pipe(SlackUserGroupId).refine((id) => !isPlaceholder(id), yours('approverGroup')).optional(),
      approvals: z.coerce.string().pipe(z.enum(['1', '2'], { message: `must be ${SETTINGS.approvals}` })).default('1'),
      slackBotId: text('slackBotId').pipe(SlackBotId).refine((id) => !isPlaceholder(id), yours('slackBotId')),
      slackBotUserId: text('slackBotUserId').pipe(SlackUserId).refine((id) => !isPlaceholder(id), yours('slackBotUserId')),
      ssmPrefix: text('ssmPrefix').pipe(SsmPrefix).default(`/ecr-access/${stage}`),
      secretsKmsKey: text('secretsKmsKey').pipe(KmsKeyArn).refine((arn) => !isPlaceholder(arn), yours('secretsKmsKey')).optional(),
      tableName: text('tableName').pipe(TableName).default(`ecr-access-${stage}`),
      tableDeletionProtection: flag('tableDeletionProtection').default(true),
      logLevel: z.enum(LogLevel.options, { message: `must be ${SETTINGS.logLevel}` }).default('info'),
      sweepMinutes: z.coerce
        .number({ message: `must be ${SETTINGS.sweepMinutes}` })
        .int({ message: `must be ${SETTINGS.sweepMinutes}` })
        .min(1, { message: `must be ${SETTINGS.sweepMinutes}` })
        .max(60, { message: `must be ${SETTINGS.sweepMinutes}` })
        .default(5),
      maxGrant: duration('maxGrant').optional(),
      requireGrantEnd: flag('requireGrantEnd').default(false),
      pendingLapse: duration('pendingLapse').default('7d'),
      nudgeAfterMinutes: z.coerce
        .number({ message: `must be ${SETTINGS.nudgeAfterMinutes}` })
        .int({ message: `must be ${SETTINGS.nudgeAfterMinutes}` })
        .min(1, { message: `must be ${SETTINGS.nudgeAfterMinutes}` })
        .max(10_080, { message: `must be ${SETTINGS.nudgeAfterMinutes}` })
        .default(15),
      reminder: duration('reminder').default('24h'),
      alarmTopic: text('alarmTopic').pipe(SnsTopicArn).optional(),
      throttleBurst: wholeNumber('throttleBurst', 1, 5000).default(20),
      throttleRate: z.coerce
        .number({ message: `must be ${SETTINGS.throttleRate}` })
        .min(1, { message: `must be ${SETTINGS.throttleRate}` })
        .max(10_000, { message: `must be ${SETTINGS.throttleRate}` })
        .default(10),
      reservedConcurrency: wholeNumber('reservedConcurrency', 5, 1000).default(50),
      accounts: text('accounts').pipe(AccountsSetting).optional(),
      organizationsRoleArn: text('organizationsRoleArn').pipe(RoleArn).refine((arn) => !isPlaceholder(arn), yours('organizationsRoleArn')).optional(),
      organizationOnly: flag('organizationOnly').default(false),
    })
    .refine((s) => s.organizationsRoleArn === undefined || s.accounts === 'organizations', {
      message: 'is the role to assume to read AWS Organizations: set accounts: organizations too, or leave it out',
      path: ['organizationsRoleArn'],
      when: () => true,
    })
    .refine((s) => s.accounts !== undefined || !(s.settingsFile?.rules ?? []).some((rule) => rule.settings.organizationOnly === true), {
      message: `has a rule with organizationOnly: true, so the bot must know the organization: set accounts, ${SETTINGS.accounts}`,
      path: ['settingsFile'],
      when: () => true,
    })
    .refine((s) => s.organizationOnly !== true || s.accounts !== undefined, {
      message: `refuses accounts outside the organization, so the bot must know the organization: set accounts, ${SETTINGS.accounts}`,
      path: ['organizationOnly'],
      when: () => true,
    })
    .refine((s) => (s.repositories === undefined) !== (s.settingsFile === undefined), {
      error: (issue) =>
        (issue.input as { repositories?: unknown } | undefined)?.repositories === undefined
          ? `is missing: ${SETTINGS.repositories}; or give settingsFile, ${SETTINGS.settingsFile}`
          : 'and settingsFile are both set: keep one, the list or the settings file',
      path: ['repositories'],
      when: () => true,
    })
    // A settings file's rules may name approvers of their own: those that do not borrow these.
    .refine((s) => (Array.isArray(s.approvers) && s.approvers.length > 0) || typeof s.approverGroup === 'string' || everyRuleNamesApprovers(s.settingsFile), {
      message: `and approverGroup are both missing: set one or both, so that somebody can approve. approvers are ${SETTINGS.approvers}; approverGroup is ${SETTINGS.approverGroup}`,
      path: ['approvers'],
      when: () => true,
    })
    // A settings file's rules are checked one by one, with the approvers each has (approverProblemsIn, below).
    .refine((s) => s.approvals !== '2' || s.settingsFile !== undefined || (Array.isArray(s.approvers) && s.approvers.length >= 2) || typeof s.approverGroup === 'string', {
      message: 'is 2, but approvers names fewer than two and there is no approverGroup: no request could ever be approved. Name at least two approvers, or a group, or set approvals to 1',
      path: ['approvals'],
      when: () => true,
    })
    .superRefine((s, ctx) => {
      if (s.settingsFile?.rules === undefined || !(Array.isArray(s.approvers) || s.approvers === undefined)) return;
      const defaults = { ECR_ACCESS_APPROVERS: (s.approvers ?? []).join(','), ECR_ACCESS_APPROVER_GROUP: typeof s.approverGroup === 'string' ? s.approverGroup : undefined, ECR_ACCESS_APPROVALS: String(s.approvals) };
      for (const problem of approverProblemsIn({ rules: s.settingsFile.rules }, defaults)) {
        if (problem.includes('names no approvers')) continue; // said once, at approvers, above
        ctx.addIssue({ code: 'custom', path: ['settingsFile'], message: `(${s.settingsFile.given}) ${problem}` });
      }
    }, { when: () => true })
    .refine((s) => !s.secretsKmsKey || typeof s.region !== 'string' || s.secretsKmsKey.split(':')[3] === s.region, {
      message: 'must be a key in the region the stack is deployed to: SSM there can only use a key of its own region',
      path: ['secretsKmsKey'],
      when: () => true,
    });
}

/** Whether every rule of a settings file (read, or not given) names its own approvers. */
function everyRuleNamesApprovers(file: { rules?: Settings['rules'] } | undefined): boolean {
  return file?.rules?.every((rule) => rule.settings.approvers !== undefined || rule.settings.approverGroups !== undefined) ?? false;
}

/** `--param="name=value"` as the framework hands it over: one string or a list of them. */
function fromParams(params: unknown): { values: Record<string, string>; problems: string[] } {
  const values: Record<string, string> = {};
  const problems: string[] = [];
  for (const param of [params ?? []].flat()) {
    const [, name, value] = /^([^=]+)=(.*)$/s.exec(String(param)) ?? [];
    if (name !== undefined && value !== undefined) values[name.trim()] = value;
    else problems.push(`--param="${String(param)}" is not name=value`);
  }
  return { values, problems };
}

/** The settings in a stage's file, none if it has no file; an unreadable file stops here, alone. */
function fromFile(stage: string, file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  const unreadable = (problem: string) => new DeploySettingsError(`ecr-access cannot be deployed to stage "${stage}": ${relative(ROOT, file)} ${problem}.`);
  let parsed: unknown;
  try {
    parsed = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw unreadable(`is not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw unreadable('must hold one setting per line, like "region: eu-west-1"');
  return parsed as Record<string, unknown>;
}

/** The file a stage's settings are read from. */
function stageFile(stage: string, dir = STAGES_DIR): string {
  return join(dir, `${stage}.yml`);
}

/**
 * The stage's settings, or one DeploySettingsError listing every problem, how to give the
 * missing ones, and where. `dir` is for tests; deployments use deploy/stages/.
 * @public deploy/variables.js hands these to serverless.yml.
 */
export function loadStageSettings(input: { stage: string; region?: unknown; params?: unknown; dir?: string }): DeploySettings {
  const { stage } = input;
  if (!/^[A-Za-z0-9-]+$/.test(stage)) {
    throw new DeploySettingsError(`The stage "${stage}" is not a stage name: use letters, digits and hyphens, like prod.`);
  }
  const file = stageFile(stage, input.dir);
  const shownFile = relative(ROOT, file);
  const inParams = fromParams(input.params);
  // A blank value is no value, so that `approverGroup:` left empty in the file means "not set".
  const given: Record<string, unknown> = Object.fromEntries(
    Object.entries({
      ...fromFile(stage, file),
      ...inParams.values,
      ...(typeof input.region === 'string' && { region: input.region }),
    }).filter(([, value]) => value !== null && !(typeof value === 'string' && value.trim() === '')),
  );
  const unknown = Object.keys(given).filter((name) => !(name in SETTINGS));
  const parsed = settingsSchema(stage).safeParse(given);
  const problems = [
    ...inParams.problems,
    ...unknown.map((name) => `${name} is not a setting; the settings are ${Object.keys(SETTINGS).join(', ')}`),
    ...(parsed.success
      ? []
      : parsed.error.issues.map((issue) => {
          const [name, item] = issue.path;
          const items = typeof item === 'number' ? asList(given[String(name)] as string | string[]) : [];
          return typeof item === 'number' ? `${String(name)} has ${JSON.stringify(items[item])}: ${issue.message}` : `${String(name ?? 'settings')} ${issue.message}`;
        })),
  ];
  const how = existsSync(file)
    ? `Fix them in ${shownFile}, or give one for a single run as --param="name=value".`
    : `${shownFile} does not exist: copy ${relative(ROOT, EXAMPLE_FILE)} to it, fill it in and commit it in your fork (README.md, "Deploy to AWS Lambda", step 3), or give each setting for a single run as --param="name=value".`;
  const lines = (list: readonly string[]) => [...new Set(list)].map((p) => `  - ${p}`).join('\n');
  if (problems.length > 0 || !parsed.success) {
    throw new DeploySettingsError(
      `ecr-access cannot be deployed to stage "${stage}"; its settings are missing or wrong:\n${lines(problems)}\n${how}\n` +
        "(The stack's names and sizes are checked against AWS's limits once these are right.)",
    );
  }
  const settings = deploySettings(stage, parsed.data);
  const overLimits = limitProblems(stage, settings);
  if (overLimits.length > 0) {
    throw new DeploySettingsError(`ecr-access cannot be deployed to stage "${stage}"; the stack would be over AWS's limits:\n${lines(overLimits)}\n${how}`);
  }
  return settings;
}

/** The rules that name other regions than the stack's, by region. */
function replicatedIn(region: string, rules: Settings['rules']): Record<string, string[]> {
  const others = [...new Set(rules.flatMap((rule) => rule.settings.regions ?? []))].filter((other) => other !== region);
  return Object.fromEntries(others.map((other) => [other, rules.filter((rule) => rule.settings.regions?.includes(other)).map((rule) => rule.match)]));
}

function deploySettings(stage: string, s: z.infer<ReturnType<typeof settingsSchema>>): DeploySettings {
  return {
    stage,
    region: s.region,
    repositories: (s.repositories ?? s.settingsFile?.rules?.map((rule) => rule.match) ?? []).join(','),
    replicated: replicatedIn(s.region, s.settingsFile?.rules ?? []),
    settingsFile: s.settingsFile?.path ?? '',
    approvalChannel: s.approvalChannel,
    approvers: s.approvers.join(','),
    approverGroup: s.approverGroup ?? '',
    approvals: s.approvals,
    slackBotId: s.slackBotId,
    slackBotUserId: s.slackBotUserId,
    slackBotTokenParameter: `${s.ssmPrefix}/slack-bot-token`,
    slackSigningSecretParameter: `${s.ssmPrefix}/slack-signing-secret`,
    secretsKmsKey: s.secretsKmsKey ?? '',
    tableName: s.tableName,
    tableDeletionProtection: s.tableDeletionProtection,
    logLevel: s.logLevel,
    sweepMinutes: s.sweepMinutes,
    sweepRate: `rate(${s.sweepMinutes} ${s.sweepMinutes === 1 ? 'minute' : 'minutes'})`,
    maxGrant: s.maxGrant ?? '',
    requireGrantEnd: s.requireGrantEnd ? 'true' : 'false',
    pendingLapse: s.pendingLapse,
    nudgeAfterMinutes: s.nudgeAfterMinutes,
    reminder: s.reminder,
    accounts: s.accounts === undefined ? '' : s.accounts === 'organizations' ? 'organizations' : 'file',
    accountsFile: s.accounts !== undefined && s.accounts !== 'organizations' ? s.accounts : '',
    organizationsRoleArn: s.organizationsRoleArn ?? '',
    organizationOnly: s.organizationOnly ? 'true' : 'false',
    ...operations(s),
  };
}

/** How the stage is watched and guarded: alarm actions and periods, the endpoint's throttle, the function's reserved concurrency. */
function operations(s: { alarmTopic?: string | undefined; throttleBurst: number; throttleRate: number; reservedConcurrency: number; sweepMinutes: number }) {
  const sweepPeriodSeconds = s.sweepMinutes * 60;
  // The sweep tells owed announcements again each pass, so each period must hold a pass.
  const owedPeriodSeconds = Math.max(5 * 60, sweepPeriodSeconds);
  return {
    alarmActions: s.alarmTopic ? [s.alarmTopic] : [],
    throttleBurst: s.throttleBurst,
    throttleRate: s.throttleRate,
    reservedConcurrency: s.reservedConcurrency,
    sweepPeriodSeconds,
    sweepSilenceSeconds: 3 * sweepPeriodSeconds,
    owedPeriodSeconds,
    owedPeriods: Math.max(1, Math.ceil((15 * 60) / owedPeriodSeconds)),
  };
}
