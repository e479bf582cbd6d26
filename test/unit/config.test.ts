/**
 * The environment into one validated Config, or one error that names every problem at once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, loadLambdaConfig } from '../../src/config';
import { EcrAccessError, ErrorCode } from '../../src/errors';

function validEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    SLACK_BOT_TOKEN: 'xoxb-1234-5678-abcdef',
    SLACK_SIGNING_SECRET: '8f742231b10e8888abcd99yyyzzz85a5',
    ECR_ACCESS_TABLE: 'ecr-access',
    ECR_ACCESS_APPROVAL_CHANNEL: 'C012ABCDEF',
    ECR_ACCESS_APPROVERS: 'U012ABCDEF,U034GHIJKL',
    ECR_ACCESS_REPOSITORIES: 'common-images,team/base',
    AWS_REGION: 'us-east-1',
    ...overrides,
  };
}

function refusal(env: NodeJS.ProcessEnv, load: (env: NodeJS.ProcessEnv) => unknown = loadConfig): EcrAccessError {
  try {
    load(env);
  } catch (error) {
    if (error instanceof EcrAccessError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to refuse this environment');
}

describe('loadConfig', () => {
  it('loads a complete, valid environment', () => {
    expect(loadConfig(validEnv())).toEqual({
      slack: { secrets: { botToken: { value: 'xoxb-1234-5678-abcdef' }, signingSecret: { value: '8f742231b10e8888abcd99yyyzzz85a5' } } },
      table: 'ecr-access',
      approvalChannel: 'C012ABCDEF',
      approvers: ['U012ABCDEF', 'U034GHIJKL'],
      rules: expect.objectContaining({ all: [{ match: 'common-images', approvals: 1, durations: { required: false } }, { match: 'team/base', approvals: 1, durations: { required: false } }] }),
      region: 'us-east-1',
      port: 3000,
      logLevel: 'info',
      leaseMs: 420_000,
      writeLandingMs: 360_000,
      clockMarginMs: 60_000,
      waitForChangeMs: 60_000,
      announceRetryMs: 30_000,
      awsTimeoutMs: 5_000,
      durations: { maxMs: undefined, required: false },
      approvals: 1,
      sweep: { pendingLapseMs: 7 * 86_400_000, nudgeFirstMs: 15 * 60_000, reminderLeadMs: 24 * 3_600_000 },
      sweepEveryMs: 5 * 60_000,
      organizationOnly: false,
      stage: 'default',
    });
  });

  it('names the stage in the metrics, and knows the dead-letter queue where there is one', () => {
    const queue = 'https://sqs.us-east-1.amazonaws.com/111122223333/ecr-access-prod-jobs';
    expect(loadConfig(validEnv({ ECR_ACCESS_STAGE: 'prod', ECR_ACCESS_DEAD_LETTER_QUEUE: queue }))).toMatchObject({ stage: 'prod', deadLetterQueue: queue });
    expect(() => loadConfig(validEnv({ ECR_ACCESS_STAGE: 'prod/eu' }))).toThrow(/ECR_ACCESS_STAGE must be a stage name/);
    expect(() => loadConfig(validEnv({ ECR_ACCESS_DEAD_LETTER_QUEUE: 'ecr-access-prod-jobs' }))).toThrow(/ECR_ACCESS_DEAD_LETTER_QUEUE must be the URL of an SQS queue/);
  });

  it('reads the optional settings', () => {
    const config = loadConfig(
      validEnv({
        SLACK_API_URL: 'http://localhost:9999/api',
        SLACK_BOT_ID: 'B012ABCDEF',
        SLACK_BOT_USER_ID: 'U0BOTUSER',
        ECR_ACCESS_APPROVER_GROUP: 'S012ABCDEF',
        PORT: '8080',
        LOG_LEVEL: 'debug',
        ECR_ACCESS_LEASE_SECONDS: '5',
        // Short times against a stand-in for ECR that refuses older requests sooner.
        AWS_ENDPOINT_URL_ECR: 'http://localhost:4566',
        ECR_ACCESS_WRITE_LANDING_SECONDS: '3',
        ECR_ACCESS_CLOCK_MARGIN_SECONDS: '2',
        ECR_ACCESS_WAIT_SECONDS: '10',
        ECR_ACCESS_ANNOUNCE_RETRY_SECONDS: '2',
      }),
    );
    expect(config).toMatchObject({
      slack: { apiUrl: 'http://localhost:9999/api/', botId: 'B012ABCDEF', botUserId: 'U0BOTUSER' },
      approverGroup: 'S012ABCDEF',
      port: 8080,
      logLevel: 'debug',
      leaseMs: 5_000,
      writeLandingMs: 3_000,
      clockMarginMs: 2_000,
      waitForChangeMs: 10_000,
      announceRetryMs: 2_000,
    });
  });

  it('refuses, against AWS, a landing time shorter than the 5 minutes a signed write stays good plus the clock margin', () => {
    const { message } = refusal(validEnv({ ECR_ACCESS_WRITE_LANDING_SECONDS: '300', ECR_ACCESS_CLOCK_MARGIN_SECONDS: '10' }));
    expect(message).toContain('ECR_ACCESS_WRITE_LANDING_SECONDS must be at least 300 plus ECR_ACCESS_CLOCK_MARGIN_SECONDS against AWS');
    expect(loadConfig(validEnv({ ECR_ACCESS_WRITE_LANDING_SECONDS: '310', ECR_ACCESS_CLOCK_MARGIN_SECONDS: '10' })).writeLandingMs).toBe(310_000);
    expect(loadConfig(validEnv({ ECR_ACCESS_WRITE_LANDING_SECONDS: '300', ECR_ACCESS_CLOCK_MARGIN_SECONDS: '10', AWS_ENDPOINT_URL_ECR: 'http://localhost:4566' })).writeLandingMs).toBe(300_000);
  });

  it('reads comma-separated lists with spaces and empty items, without duplicates', () => {
    const config = loadConfig(validEnv({ ECR_ACCESS_REPOSITORIES: ' common-images , ,team/base,common-images,', ECR_ACCESS_APPROVERS: 'U012ABCDEF , ' }));
    expect(config.rules.all.map((rule) => rule.match)).toEqual(['common-images', 'team/base']);
    expect(config.approvers).toEqual(['U012ABCDEF']);
  });

  it('refuses with InvalidConfig', () => {
    expect(refusal({}).code).toBe(ErrorCode.InvalidConfig);
  });

  it('reports every problem in one error', () => {
    const { message } = refusal({ SLACK_BOT_TOKEN: 'not-a-token', AWS_REGION: 'Virginia' });
    for (const name of [
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'ECR_ACCESS_TABLE',
      'ECR_ACCESS_APPROVAL_CHANNEL',
      'ECR_ACCESS_REPOSITORIES',
      'AWS_REGION',
    ]) {
      expect(message).toContain(name);
    }
  });

  it('says what each problem is', () => {
    const { message } = refusal(validEnv({ SLACK_BOT_TOKEN: 'hunter2', ECR_ACCESS_APPROVAL_CHANNEL: '#platform' }));
    expect(message).toContain('SLACK_BOT_TOKEN must be a bot token');
    expect(message).toContain('ECR_ACCESS_APPROVAL_CHANNEL must be a channel ID like C012ABCDEF, not a #name');
  });

  it('does not repeat a secret it refuses in the message', () => {
    expect(refusal(validEnv({ SLACK_BOT_TOKEN: 'hunter2-secret-value' })).message).not.toContain('hunter2-secret-value');
  });

  describe('Slack secrets', () => {
    it('takes the name of the SSM parameter that holds a secret instead of its value', () => {
      const config = loadConfig(
        validEnv({
          SLACK_BOT_TOKEN: undefined,
          SLACK_BOT_TOKEN_PARAMETER: '/ecr-access/prod/slack-bot-token',
          SLACK_SIGNING_SECRET: undefined,
          SLACK_SIGNING_SECRET_PARAMETER: 'ecr-access-signing-secret',
        }),
      );
      expect(config.slack.secrets).toEqual({
        botToken: { parameter: '/ecr-access/prod/slack-bot-token' },
        signingSecret: { parameter: 'ecr-access-signing-secret' },
      });
    });

    it('asks for a missing secret as its value or as its parameter', () => {
      const { message } = refusal(validEnv({ SLACK_SIGNING_SECRET: undefined }));
      expect(message).toContain('SLACK_SIGNING_SECRET is required (or SLACK_SIGNING_SECRET_PARAMETER, the name of the SSM SecureString parameter that holds it)');
    });

    it('refuses a secret given both as a value and as a parameter', () => {
      const { message } = refusal(validEnv({ SLACK_BOT_TOKEN_PARAMETER: '/ecr-access/prod/slack-bot-token' }));
      expect(message).toContain('SLACK_BOT_TOKEN and SLACK_BOT_TOKEN_PARAMETER are both set: keep one');
    });

    it.each(['/ecr-access/prod/', 'ecr access', '/aws/reserved', 'ssm-name', 'arn:aws:ssm:us-east-1:123456789012:parameter/x'])(
      'refuses the parameter name %j, which SSM would refuse',
      (name) => {
        expect(refusal(validEnv({ SLACK_BOT_TOKEN: undefined, SLACK_BOT_TOKEN_PARAMETER: name })).message).toContain('SLACK_BOT_TOKEN_PARAMETER must');
      },
    );
  });

  describe('Socket Mode', () => {
    const APP_TOKEN = 'xapp-1-A0ECRACCESS-1234567890-0a1b2c3d4e5f';
    const socketModeEnv = (overrides: Record<string, string | undefined> = {}) => validEnv({ SLACK_SIGNING_SECRET: undefined, SLACK_APP_TOKEN: APP_TOKEN, ...overrides });

    it('takes an app-level token instead of the signing secret', () => {
      expect(loadConfig(socketModeEnv()).slack.secrets).toEqual({ botToken: { value: 'xoxb-1234-5678-abcdef' }, appToken: { value: APP_TOKEN } });
    });

    it('takes the name of the SSM parameter that holds the app-level token instead', () => {
      const config = loadConfig(socketModeEnv({ SLACK_APP_TOKEN: undefined, SLACK_APP_TOKEN_PARAMETER: '/ecr-access/prod/slack-app-token' }));
      expect(config.slack.secrets).toEqual({ botToken: { value: 'xoxb-1234-5678-abcdef' }, appToken: { parameter: '/ecr-access/prod/slack-app-token' } });
    });

    it('refuses a token of another kind, without repeating it', () => {
      const { message } = refusal(socketModeEnv({ SLACK_APP_TOKEN: 'xoxb-9999-8888-notanapptoken' }));
      expect(message).toContain('SLACK_APP_TOKEN must be an app-level token (xapp-…) with the connections:write scope');
      expect(message).not.toContain('xoxb-9999-8888-notanapptoken');
    });

    it('refuses the app-level token beside the signing secret, which only HTTP requests use', () => {
      const { message } = refusal(validEnv({ SLACK_APP_TOKEN: APP_TOKEN }));
      expect(message).toContain('SLACK_APP_TOKEN and SLACK_SIGNING_SECRET are both set');
      expect(message).not.toContain(APP_TOKEN);
    });

    it('refuses the app-level token given both as a value and as a parameter', () => {
      const { message } = refusal(socketModeEnv({ SLACK_APP_TOKEN_PARAMETER: '/ecr-access/prod/slack-app-token' }));
      expect(message).toContain('SLACK_APP_TOKEN and SLACK_APP_TOKEN_PARAMETER are both set: keep one');
    });

    it('asks for the signing secret, or the app-level token for Socket Mode, when neither is set', () => {
      const { message } = refusal(validEnv({ SLACK_SIGNING_SECRET: undefined }));
      expect(message).toContain('SLACK_SIGNING_SECRET is required');
      expect(message).toContain('or set SLACK_APP_TOKEN instead, to connect over Socket Mode');
    });
  });

  describe('approvers', () => {
    it('requires approvers or an approver group', () => {
      const { message } = refusal(validEnv({ ECR_ACCESS_APPROVERS: undefined }));
      expect(message).toContain('ECR_ACCESS_APPROVERS');
      expect(message).toContain('ECR_ACCESS_APPROVER_GROUP');
    });

    it('accepts an approver group alone', () => {
      const config = loadConfig(validEnv({ ECR_ACCESS_APPROVERS: undefined, ECR_ACCESS_APPROVER_GROUP: 'S012ABCDEF' }));
      expect(config).toMatchObject({ approvers: [], approverGroup: 'S012ABCDEF' });
    });

    it('refuses approvers that are not Slack user IDs', () => {
      expect(refusal(validEnv({ ECR_ACCESS_APPROVERS: 'U012ABCDEF,@alice' })).message).toMatch(/ECR_ACCESS_APPROVERS Slack user IDs look like/);
    });

    it('refuses an approver group that is not a user group ID', () => {
      expect(refusal(validEnv({ ECR_ACCESS_APPROVER_GROUP: 'platform-team' })).message).toContain('ECR_ACCESS_APPROVER_GROUP');
    });
  });

  describe('the two-person rule', () => {
    it('asks one approval by default, and two where ECR_ACCESS_APPROVALS is 2', () => {
      expect(loadConfig(validEnv()).approvals).toBe(1);
      expect(loadConfig(validEnv({ ECR_ACCESS_APPROVALS: '2' })).approvals).toBe(2);
    });

    it('refuses a count other than 1 or 2', () => {
      expect(refusal(validEnv({ ECR_ACCESS_APPROVALS: '3' })).message).toMatch(/ECR_ACCESS_APPROVALS must be 1 or 2/);
    });

    it('refuses two approvals with fewer than two approvers and no group, in the same error as other problems', () => {
      const { message } = refusal(validEnv({ ECR_ACCESS_APPROVALS: '2', ECR_ACCESS_APPROVERS: 'U012ABCDEF', AWS_REGION: undefined }));
      expect(message).toMatch(/ECR_ACCESS_APPROVALS is 2, but ECR_ACCESS_APPROVERS names fewer than two approvers/);
      expect(message).toContain('AWS_REGION');
      expect(refusal(validEnv({ ECR_ACCESS_APPROVALS: '2', ECR_ACCESS_APPROVERS: 'U012ABCDEF' }), loadLambdaConfig).message).toContain('ECR_ACCESS_APPROVALS is 2');
      expect(loadConfig(validEnv({ ECR_ACCESS_APPROVALS: '2', ECR_ACCESS_APPROVERS: 'U012ABCDEF', ECR_ACCESS_APPROVER_GROUP: 'S012ABCDEF' })).approvals).toBe(2);
    });
  });

  describe('repositories', () => {
    it('requires at least one', () => {
      expect(refusal(validEnv({ ECR_ACCESS_REPOSITORIES: ' , ' })).message).toContain('ECR_ACCESS_REPOSITORIES is required');
    });

    it('refuses a name ECR would refuse', () => {
      const { message } = refusal(validEnv({ ECR_ACCESS_REPOSITORIES: 'common-images,Team/Base' }));
      expect(message).toContain('ECR_ACCESS_REPOSITORIES');
      expect(message).toContain('lowercase letters and digits');
    });

    it('takes as many as an approval can check, and says so past that', () => {
      const names = (n: number) => Array.from({ length: n }, (_, i) => `team-${i}/images`).join(',');
      expect(loadConfig(validEnv({ ECR_ACCESS_REPOSITORIES: names(400) })).rules.all.map((rule) => rule.match)).toHaveLength(400);
      expect(refusal(validEnv({ ECR_ACCESS_REPOSITORIES: names(401) })).message).toContain('ECR_ACCESS_REPOSITORIES must list at most 400 repositories');
    });
  });

  describe('repositories from a file', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'ecr-access-config-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    /** The environment with the repositories in a file of `dir` holding `content`, instead of the list. */
    const fromFile = (content: string, overrides: Record<string, string | undefined> = {}) => {
      writeFileSync(join(dir, 'repositories.json'), content);
      return validEnv({ ECR_ACCESS_REPOSITORIES: undefined, ECR_ACCESS_REPOSITORIES_FILE: join(dir, 'repositories.json'), ...overrides });
    };

    it('reads a JSON list of names instead of the comma-separated list, without duplicates', () => {
      expect(loadConfig(fromFile('["common-images", "team/base", "common-images"]')).rules.all.map((rule) => rule.match)).toEqual(['common-images', 'team/base']);
    });

    it("takes a relative path from the function's code on Lambda", () => {
      fromFile('["common-images"]');
      const env = validEnv({
        ECR_ACCESS_REPOSITORIES: undefined,
        ECR_ACCESS_REPOSITORIES_FILE: 'repositories.json',
        LAMBDA_TASK_ROOT: dir,
        SLACK_BOT_TOKEN: undefined,
        SLACK_SIGNING_SECRET: undefined,
        SLACK_BOT_TOKEN_PARAMETER: '/ecr-access/prod/slack-bot-token',
        SLACK_SIGNING_SECRET_PARAMETER: '/ecr-access/prod/slack-signing-secret',
        SLACK_BOT_ID: 'B012ABCDEF',
        SLACK_BOT_USER_ID: 'U0BOTUSER',
        AWS_LAMBDA_FUNCTION_NAME: 'ecr-access-bot',
      });
      expect(loadLambdaConfig(env).rules.all.map((rule) => rule.match)).toEqual(['common-images']);
    });

    it('holds the names in the file to the rules of the list', () => {
      const tooMany = JSON.stringify(Array.from({ length: 401 }, (_, i) => `team-${i}/images`));
      expect(refusal(fromFile(tooMany)).message).toContain('ECR_ACCESS_REPOSITORIES_FILE must list at most 400 repositories');
      expect(refusal(fromFile('["common-images", "Team/Base"]')).message).toContain('ECR_ACCESS_REPOSITORIES_FILE a repository name is lowercase letters and digits');
      expect(refusal(fromFile('[]')).message).toContain('ECR_ACCESS_REPOSITORIES_FILE is required');
    });

    it('says what is wrong with a file that is not there, alongside every other problem', () => {
      const missing = join(dir, 'missing.json');
      const { message } = refusal(validEnv({ ECR_ACCESS_REPOSITORIES: undefined, ECR_ACCESS_REPOSITORIES_FILE: missing, AWS_REGION: 'Virginia' }));
      expect(message).toContain(`ECR_ACCESS_REPOSITORIES_FILE names ${missing}, which cannot be read (ENOENT)`);
      expect(message).toContain('AWS_REGION must be an AWS region');
    });

    it('says what is wrong with a file that is not JSON, or JSON that is not a list of names', () => {
      expect(refusal(fromFile('common-images,team/base')).message).toContain(
        `ECR_ACCESS_REPOSITORIES_FILE names ${join(dir, 'repositories.json')}, which is not JSON: it must hold a list of repository names`,
      );
      expect(refusal(fromFile('{"repositories": ["common-images"]}')).message).toContain(
        'ECR_ACCESS_REPOSITORIES_FILE must name a JSON file holding a list of repository names',
      );
    });

    it('refuses the list and the file together', () => {
      const { message } = refusal({ ...fromFile('["common-images"]'), ECR_ACCESS_REPOSITORIES: 'common-images' });
      expect(message).toContain('ECR_ACCESS_REPOSITORIES and ECR_ACCESS_REPOSITORIES_FILE are both set: keep one');
    });

    it('asks for the list, or the file, when neither is set', () => {
      const { message } = refusal(validEnv({ ECR_ACCESS_REPOSITORIES: undefined }));
      expect(message).toContain('ECR_ACCESS_REPOSITORIES is required: a comma-separated list of shareable repositories (or ECR_ACCESS_REPOSITORIES_FILE');
    });
  });

  describe('the settings file', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'ecr-access-settings-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    /** The environment with the settings file of `dir` holding `yaml`, instead of the repository list. */
    const withSettings = (yaml: string, overrides: Record<string, string | undefined> = {}) => {
      writeFileSync(join(dir, 'ecr-access.yml'), yaml);
      return validEnv({ ECR_ACCESS_REPOSITORIES: undefined, ECR_ACCESS_SETTINGS_FILE: join(dir, 'ecr-access.yml'), ...overrides });
    };
    const EXAMPLE = [
      'accounts: organizations',
      'repositories:',
      '  common-images: {}',
      '  "team-*":',
      '    approvers: [U012ABCDEF]',
      '    approverGroups: [S012ABCDEF]',
      '    approvals: 2',
      '    maxGrant: 30d',
      '    requireGrantEnd: true',
      '    organizationOnly: true',
      '',
    ].join('\n');

    it('reads the rules of the example, the environment giving the defaults they override', () => {
      const config = loadConfig(withSettings(EXAMPLE, { ECR_ACCESS_MAX_GRANT: '90d' }));
      expect(config.rules.ruleFor('common-images')).toEqual({ match: 'common-images', approvals: 1, durations: { maxMs: 90 * 86_400_000, required: false } });
      expect(config.rules.ruleFor('team-payments')).toEqual({
        match: 'team-*',
        approvers: { users: ['U012ABCDEF'], groups: ['S012ABCDEF'] },
        approvals: 2,
        durations: { maxMs: 30 * 86_400_000, required: true },
        organizationOnly: true,
      });
      expect(config.rules.ruleFor('secret-images')).toBeUndefined();
      expect(config.accounts).toEqual({ source: 'organizations' });
    });

    it('takes the accounts file from beside the settings file, and the Organizations role', () => {
      writeFileSync(join(dir, 'accounts.yml'), '"222233334444": { name: sales-dashboards }\n');
      expect(loadConfig(withSettings('accounts: accounts.yml\nrepositories: { common-images: {} }\n')).accounts).toEqual({ source: 'file', path: join(dir, 'accounts.yml') });
      const role = 'arn:aws:iam::111122223333:role/ecr-access-read-organization';
      expect(loadConfig(withSettings(`accounts: organizations\norganizationsRoleArn: ${role}\nrepositories: { common-images: {} }\n`)).accounts).toEqual({
        source: 'organizations',
        roleArn: role,
      });
    });

    it("takes a relative path from the function's code on Lambda, and from the working directory elsewhere", () => {
      withSettings('repositories: { common-images: {} }\n');
      const config = loadConfig(validEnv({ ECR_ACCESS_REPOSITORIES: undefined, ECR_ACCESS_SETTINGS_FILE: 'ecr-access.yml', LAMBDA_TASK_ROOT: dir }));
      expect(config.rules.all.map((rule) => rule.match)).toEqual(['common-images']);
    });

    it('lets rules with approvers of their own stand without deployment approvers', () => {
      const env = withSettings('repositories:\n  "team-*": { approvers: [U012ABCDEF] }\n', { ECR_ACCESS_APPROVERS: undefined });
      expect(loadConfig(env).rules.ruleFor('team-a')?.approvers).toEqual({ users: ['U012ABCDEF'], groups: [] });
    });

    it('refuses every mistake of the file and of the environment in one message, each named by its key', () => {
      const yaml = [
        'accounts: 12',
        'organizationsRoleArn: my-role',
        'colour: blue',
        'repositories:',
        '  common-images: {}',
        '  "team-*":',
        '    approvers: [alice]',
        '    approvals: 3',
        '    maxGrant: 2w',
        '    requireGrantEnd: sometimes',
        '  "team-*-api": {}',
        '  Bad_Name: {}',
        '',
      ].join('\n');
      const { message } = refusal(withSettings(yaml, { ECR_ACCESS_APPROVERS: undefined, AWS_REGION: 'mars' }));
      expect(message.split('\n')).toEqual([
        'ecr-access cannot start; fix these settings:',
        '  - AWS_REGION must be an AWS region such as us-east-1',
        '  - ECR_ACCESS_SETTINGS_FILE accounts: must be organizations, or the path of the accounts file',
        '  - ECR_ACCESS_SETTINGS_FILE organizationsRoleArn: must be an IAM role ARN, like arn:aws:iam::111122223333:role/ecr-access-read-organization',
        '  - ECR_ACCESS_SETTINGS_FILE repositories."team-*".approvers.0: Slack user IDs look like U012ABCDEF',
        '  - ECR_ACCESS_SETTINGS_FILE repositories."team-*".approvals: must be 1, or 2 for two different approvers, neither of them the requester',
        '  - ECR_ACCESS_SETTINGS_FILE repositories."team-*".maxGrant: a duration is a whole number of hours or days, like 12h or 7d',
        '  - ECR_ACCESS_SETTINGS_FILE repositories."team-*".requireGrantEnd: must be true or false',
        '  - ECR_ACCESS_SETTINGS_FILE repositories."Bad_Name": a repository name is lowercase letters and digits, separated by single . _ - or /, like common-images or team/base',
        '  - ECR_ACCESS_SETTINGS_FILE repositories."team-*-api": and "team-*" begin with the same literal prefix "team-", so neither is more specific for a name both match: lengthen one prefix, or merge them',
        '  - ECR_ACCESS_SETTINGS_FILE has no setting "colour": the file sets accounts, organizationsRoleArn and repositories',
        // The rules that are sound in themselves are checked against the environment too.
        '  - ECR_ACCESS_SETTINGS_FILE repositories."common-images": names no approvers, and there are no default approvers (ECR_ACCESS_APPROVERS or ECR_ACCESS_APPROVER_GROUP; a stage\'s approvers or approverGroup): give it approvers or approverGroups, or set a default',
        '  - ECR_ACCESS_SETTINGS_FILE repositories."team-*-api": names no approvers, and there are no default approvers (ECR_ACCESS_APPROVERS or ECR_ACCESS_APPROVER_GROUP; a stage\'s approvers or approverGroup): give it approvers or approverGroups, or set a default',
      ]);
    });

    it('checks the accounts file a file with other mistakes names, in the same message', () => {
      writeFileSync(join(dir, 'accounts.yml'), '"2222": { name: short }\n');
      const { message } = refusal(withSettings('accounts: accounts.yml\ncolour: blue\nrepositories: { common-images: {} }\n'));
      expect(message).toContain('ECR_ACCESS_SETTINGS_FILE has no setting "colour"');
      expect(message).toMatch(/ECR_ACCESS_SETTINGS_FILE accounts: .*2222/);
    });

    it('refuses rules nobody can approve, when the environment names no approvers', () => {
      const { message } = refusal(withSettings('repositories: { common-images: {} }\n', { ECR_ACCESS_APPROVERS: undefined }));
      expect(message).toContain(
        'ECR_ACCESS_SETTINGS_FILE repositories."common-images": names no approvers, and there are no default approvers (ECR_ACCESS_APPROVERS or ECR_ACCESS_APPROVER_GROUP',
      );
    });

    it('takes ECR_ACCESS_APPROVALS as the count of every rule that does not set approvals', () => {
      const yaml = ['repositories:', '  common-images: {}', '  "team-*":', '    approvers: [U012ABCDEF]', '    approvals: 1', ''].join('\n');
      const { rules } = loadConfig(withSettings(yaml, { ECR_ACCESS_APPROVALS: '2' }));
      expect(rules.ruleFor('common-images')?.approvals).toBe(2);
      expect(rules.ruleFor('team-a')?.approvals).toBe(1);
      expect(loadConfig(withSettings(yaml)).rules.ruleFor('common-images')?.approvals).toBe(1);
    });

    it('refuses a rule left needing two approvals with fewer than two people who could give them', () => {
      const yaml = ['repositories:', '  common-images: {}', '  "team-*":', '    approvers: [U012ABCDEF]', '  "shared/*":', '    approverGroups: [S012ABCDEF]', ''].join('\n');
      const { message } = refusal(withSettings(yaml, { ECR_ACCESS_APPROVALS: '2', ECR_ACCESS_APPROVERS: 'U012ABCDEF' }));
      expect(message.split('\n').slice(1)).toEqual([
        '  - ECR_ACCESS_SETTINGS_FILE repositories."common-images": needs two approvals, and the default approvers (ECR_ACCESS_APPROVERS, or a stage\'s approvers) name fewer than two people, with no group: name at least two, or a group, or give it approvals: 1',
        '  - ECR_ACCESS_SETTINGS_FILE repositories."team-*": needs two approvals (the default, ECR_ACCESS_APPROVALS or a stage\'s approvals, is 2), and its approvers name one person: name another, or an approverGroups entry, or give it approvals: 1',
      ]);
    });

    it('refuses a file that is not YAML, or is missing', () => {
      expect(refusal(withSettings('repositories: [unclosed\n')).message).toContain('which cannot be read as YAML');
      expect(refusal(validEnv({ ECR_ACCESS_REPOSITORIES: undefined, ECR_ACCESS_SETTINGS_FILE: join(dir, 'none.yml') })).message).toContain('(ENOENT)');
    });

    it('refuses a settings file beside the repository list, in one line', () => {
      writeFileSync(join(dir, 'ecr-access.yml'), 'repositories: { common-images: {} }\n');
      const { message } = refusal(validEnv({ ECR_ACCESS_SETTINGS_FILE: join(dir, 'ecr-access.yml') }));
      expect(message).toContain('ECR_ACCESS_REPOSITORIES and ECR_ACCESS_SETTINGS_FILE are set too: keep one, the list, the file that holds it, or the settings file');
    });

    it('refuses the file and ECR_ACCESS_ACCOUNTS both naming where owners are, a bad accounts file it names, and refusing outsiders with neither', () => {
      const both = refusal(withSettings('accounts: organizations\nrepositories: { common-images: {} }\n', { ECR_ACCESS_ACCOUNTS: 'organizations' }));
      expect(both.message).toContain("ECR_ACCESS_SETTINGS_FILE accounts: and ECR_ACCESS_ACCOUNTS are both set: keep one");
      writeFileSync(join(dir, 'accounts.yml'), '"2222": { name: short }\n');
      expect(refusal(withSettings('accounts: accounts.yml\nrepositories: { common-images: {} }\n')).message).toContain('ECR_ACCESS_SETTINGS_FILE accounts: ');
      const outsiders = refusal(withSettings('repositories:\n  common-images: { organizationOnly: true }\n'));
      expect(outsiders.message).toContain('ECR_ACCESS_SETTINGS_FILE repositories."common-images".organizationOnly: refuses accounts outside the organization');
    });
  });

  describe('account owners', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'ecr-access-accounts-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const accountsFile = (content: string) => {
      writeFileSync(join(dir, 'accounts.yml'), content);
      return join(dir, 'accounts.yml');
    };

    it('looks nobody up and refuses nobody by default', () => {
      const config = loadConfig(validEnv());
      expect(config.accounts).toBeUndefined();
      expect(config.organizationOnly).toBe(false);
    });

    it('reads AWS Organizations, with the role to assume, and refusing outsiders', () => {
      const config = loadConfig(
        validEnv({
          ECR_ACCESS_ACCOUNTS: 'organizations',
          ECR_ACCESS_ORGANIZATIONS_ROLE_ARN: 'arn:aws:iam::111122223333:role/ecr-access-organizations-read',
          ECR_ACCESS_ORGANIZATION_ONLY: 'true',
        }),
      );
      expect(config.accounts).toEqual({ source: 'organizations', roleArn: 'arn:aws:iam::111122223333:role/ecr-access-organizations-read' });
      expect(config.organizationOnly).toBe(true);
    });

    it('reads an accounts file, an ID with a leading zero kept as written', () => {
      const path = accountsFile('012345678901:\n  name: legacy\n222233334444:\n  name: analytics-prod\n  team: Data Platform\n');
      expect(loadConfig(validEnv({ ECR_ACCESS_ACCOUNTS: path })).accounts).toEqual({ source: 'file', path });
    });

    it('lists every problem of the accounts file and the other account settings in the one message', () => {
      const path = accountsFile('22223333444:\n  name: short\n333344445555:\n  team: no name\n444455556666:\n  name: x\n  colour: blue\n');
      const { message } = refusal(validEnv({ ECR_ACCESS_ACCOUNTS: path, ECR_ACCESS_ORGANIZATIONS_ROLE_ARN: 'arn:aws:iam::111122223333:role/read', ECR_ACCESS_ORGANIZATION_ONLY: 'yes' }));
      expect(message).toContain(`ECR_ACCESS_ACCOUNTS names ${path}, whose entry at 22223333444 has a key that is not a 12-digit account ID`);
      expect(message).toContain(`ECR_ACCESS_ACCOUNTS names ${path}, whose entry at 333344445555.name needs a name`);
      expect(message).toContain(`ECR_ACCESS_ACCOUNTS names ${path}, whose entry at 444455556666 may hold only name and team, not colour`);
      expect(message).toContain('ECR_ACCESS_ORGANIZATION_ONLY must be true or false');
    });

    it('refuses an accounts file that cannot be read or is not YAML', () => {
      const missing = join(dir, 'missing.yml');
      expect(refusal(validEnv({ ECR_ACCESS_ACCOUNTS: missing })).message).toContain(`ECR_ACCESS_ACCOUNTS names ${missing}, which cannot be read (ENOENT)`);
      expect(refusal(validEnv({ ECR_ACCESS_ACCOUNTS: accountsFile('a: [b\n') })).message).toMatch(/ECR_ACCESS_ACCOUNTS names .*accounts\.yml, which is not YAML/);
    });

    it('refuses a role without Organizations, and refusing outsiders without an organization to know them by', () => {
      const { message } = refusal(validEnv({ ECR_ACCESS_ORGANIZATIONS_ROLE_ARN: 'arn:aws:iam::111122223333:role/read', ECR_ACCESS_ORGANIZATION_ONLY: 'true' }));
      expect(message).toContain('ECR_ACCESS_ORGANIZATIONS_ROLE_ARN is the role to assume to read AWS Organizations: set ECR_ACCESS_ACCOUNTS=organizations too');
      expect(message).toContain('ECR_ACCESS_ORGANIZATION_ONLY refuses accounts outside the organization, so the bot must know the organization');
      expect(refusal(validEnv({ ECR_ACCESS_ACCOUNTS: 'organizations', ECR_ACCESS_ORGANIZATIONS_ROLE_ARN: 'role/read' })).message).toContain(
        'ECR_ACCESS_ORGANIZATIONS_ROLE_ARN must be an IAM role ARN',
      );
    });
  });

  describe('blank values', () => {
    it.each(['SLACK_SIGNING_SECRET', 'ECR_ACCESS_TABLE', 'AWS_REGION', 'SLACK_BOT_TOKEN'])('treats a blank %s as missing', (name) => {
      expect(refusal(validEnv({ [name]: '   ' })).message).toMatch(new RegExp(`${name} is required`));
    });

    it('treats blank optional settings as unset', () => {
      const config = loadConfig(validEnv({ SLACK_API_URL: '', PORT: ' ', LOG_LEVEL: '', ECR_ACCESS_APPROVER_GROUP: '  ' }));
      expect(config.slack.apiUrl).toBeUndefined();
      expect(config).toMatchObject({ port: 3000, logLevel: 'info' });
      expect(config).not.toHaveProperty('approverGroup');
    });
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', 'eighty'],
    ['LOG_LEVEL', 'verbose'],
    ['ECR_ACCESS_LEASE_SECONDS', '1'],
    ['ECR_ACCESS_LEASE_SECONDS', '2.5'],
    ['SLACK_API_URL', 'slack'],
    ['ECR_ACCESS_WRITE_LANDING_SECONDS', '0'],
    ['ECR_ACCESS_WAIT_SECONDS', 'soon'],
    ['ECR_ACCESS_CLOCK_MARGIN_SECONDS', '1'],
    ['ECR_ACCESS_CLOCK_MARGIN_SECONDS', 'a minute'],
  ])('refuses %s=%s', (name, value) => {
    expect(refusal(validEnv({ [name]: value })).message).toContain(name);
  });

  it('refuses a lease that would not outlast the writes it covers', () => {
    const { message } = refusal(validEnv({ ECR_ACCESS_LEASE_SECONDS: '300', ECR_ACCESS_WRITE_LANDING_SECONDS: '360' }));
    expect(message).toMatch(/ECR_ACCESS_LEASE_SECONDS must be longer than ECR_ACCESS_WRITE_LANDING_SECONDS/);
  });

  it('refuses a clock margin that is not less than the landing time it is part of', () => {
    const { message } = refusal(validEnv({ ECR_ACCESS_CLOCK_MARGIN_SECONDS: '360' }));
    expect(message).toContain('ECR_ACCESS_CLOCK_MARGIN_SECONDS must be less than ECR_ACCESS_WRITE_LANDING_SECONDS');
  });

  it('refuses the default clock margin beside a shorter landing time, naming the margin to set', () => {
    const { message } = refusal(validEnv({ ECR_ACCESS_WRITE_LANDING_SECONDS: '6', ECR_ACCESS_LEASE_SECONDS: '8' }));
    expect(message).toContain('ECR_ACCESS_CLOCK_MARGIN_SECONDS must be less than ECR_ACCESS_WRITE_LANDING_SECONDS');
  });
});

describe('loadLambdaConfig', () => {
  it('requires the function name and both bot IDs, all named in one error', () => {
    const { message } = refusal(validEnv(), loadLambdaConfig);
    for (const name of ['SLACK_BOT_ID', 'SLACK_BOT_USER_ID', 'AWS_LAMBDA_FUNCTION_NAME']) expect(message).toContain(name);
  });

  it('loads once they are set', () => {
    const config = loadLambdaConfig(
      validEnv({
        SLACK_BOT_TOKEN: undefined,
        SLACK_SIGNING_SECRET: undefined,
        SLACK_BOT_TOKEN_PARAMETER: '/ecr-access/prod/slack-bot-token',
        SLACK_SIGNING_SECRET_PARAMETER: '/ecr-access/prod/slack-signing-secret',
        SLACK_BOT_ID: 'B012ABCDEF',
        SLACK_BOT_USER_ID: 'U0BOTUSER',
        AWS_LAMBDA_FUNCTION_NAME: 'ecr-access-bot',
      }),
    );
    expect(config).toMatchObject({
      functionName: 'ecr-access-bot',
      slack: {
        botId: 'B012ABCDEF',
        botUserId: 'U0BOTUSER',
        secrets: { botToken: { parameter: '/ecr-access/prod/slack-bot-token' }, signingSecret: { parameter: '/ecr-access/prod/slack-signing-secret' } },
      },
    });
  });

  it('refuses the Slack secrets in its environment and asks for their SSM parameters instead, without repeating them', () => {
    const { message } = refusal(
      validEnv({ SLACK_BOT_ID: 'B012ABCDEF', SLACK_BOT_USER_ID: 'U0BOTUSER', AWS_LAMBDA_FUNCTION_NAME: 'ecr-access-bot' }),
      loadLambdaConfig,
    );
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']) {
      expect(message).toContain(`${name} must not be in a Lambda function's environment`);
      expect(message).toContain(`set ${name}_PARAMETER to the parameter's name`);
      expect(message).toContain(`${name}_PARAMETER is required on Lambda`);
    }
    expect(message).not.toContain(validEnv().SLACK_BOT_TOKEN);
    expect(message).not.toContain(validEnv().SLACK_SIGNING_SECRET);
  });

  it.each(['SLACK_APP_TOKEN', 'SLACK_APP_TOKEN_PARAMETER'])('refuses %s: Socket Mode needs a process that stays connected', (name) => {
    const { message } = refusal(
      validEnv({
        SLACK_BOT_TOKEN: undefined,
        SLACK_SIGNING_SECRET: undefined,
        SLACK_BOT_TOKEN_PARAMETER: '/ecr-access/prod/slack-bot-token',
        SLACK_SIGNING_SECRET_PARAMETER: '/ecr-access/prod/slack-signing-secret',
        SLACK_BOT_ID: 'B012ABCDEF',
        SLACK_BOT_USER_ID: 'U0BOTUSER',
        AWS_LAMBDA_FUNCTION_NAME: 'ecr-access-bot',
        [name]: name === 'SLACK_APP_TOKEN' ? 'xapp-1-A0ECRACCESS-1234567890-0a1b2c3d4e5f' : '/ecr-access/prod/slack-app-token',
      }),
      loadLambdaConfig,
    );
    expect(message).toContain(`${name} must not be set on Lambda`);
    expect(message).not.toContain('xapp-1-A0ECRACCESS');
  });
});
