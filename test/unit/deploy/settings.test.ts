// A stage's deployment settings: its file, then --param and --region; every problem named in one
// message that says what each setting is and how to give it, the example's placeholders and a
// stack over AWS's limits included.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeploySettingsError, loadStageSettings } from '../../../deploy/settings';

const EXAMPLE_FILE = join(__dirname, '..', '..', '..', 'deploy', 'stages', 'example.yml');

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecr-access-stages-'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const COMPLETE = `
region: eu-west-1
repositories: [common-images, team/base-images]
approvalChannel: C0APPROVALS
approvers: [U0ALICE]
slackBotId: B0ECRACCESS
slackBotUserId: U0ECRACCESS
`;

function stage(name: string, yaml: string): void {
  writeFileSync(join(dir, `${name}.yml`), yaml);
}

function refusal(input: Parameters<typeof loadStageSettings>[0]): string {
  try {
    loadStageSettings({ dir, ...input });
  } catch (error) {
    if (error instanceof DeploySettingsError) return error.message;
    throw error;
  }
  throw new Error('the settings were accepted');
}

describe('loadStageSettings', () => {
  it('reads the stage file and fills in the defaults', () => {
    stage('prod', COMPLETE);
    expect(loadStageSettings({ stage: 'prod', dir })).toEqual({
      stage: 'prod',
      region: 'eu-west-1',
      repositories: 'common-images,team/base-images',
      replicated: {},
      approvalChannel: 'C0APPROVALS',
      approvers: 'U0ALICE',
      approverGroup: '',
      approvals: '1',
      slackBotId: 'B0ECRACCESS',
      slackBotUserId: 'U0ECRACCESS',
      slackBotTokenParameter: '/ecr-access/prod/slack-bot-token',
      slackSigningSecretParameter: '/ecr-access/prod/slack-signing-secret',
      secretsKmsKey: '',
      settingsFile: '',
      tableName: 'ecr-access-prod',
      tableDeletionProtection: true,
      logLevel: 'info',
      sweepMinutes: 5,
      sweepRate: 'rate(5 minutes)',
      maxGrant: '',
      requireGrantEnd: 'false',
      pendingLapse: '7d',
      nudgeAfterMinutes: 15,
      reminder: '24h',
      alarmActions: [],
      throttleBurst: 20,
      throttleRate: 10,
      reservedConcurrency: 50,
      sweepPeriodSeconds: 300,
      sweepSilenceSeconds: 900,
      owedPeriodSeconds: 300,
      owedPeriods: 3,
      accounts: '',
      accountsFile: '',
      organizationsRoleArn: '',
      organizationOnly: 'false',
    });
  });

  it('sends the alarms to the alarm topic when there is one, and refuses what is not an SNS topic ARN', () => {
    stage('watched', COMPLETE);
    const topic = 'arn:aws:sns:eu-west-1:111122223333:on-call';
    expect(loadStageSettings({ stage: 'watched', dir, params: [`alarmTopic=${topic}`] }).alarmActions).toEqual([topic]);
    expect(() => loadStageSettings({ stage: 'watched', dir, params: ['alarmTopic=on-call'] })).toThrow(/alarmTopic must be the ARN of an SNS topic/);
  });

  it('takes the throttle and the reserved concurrency within their bounds', () => {
    stage('guarded', COMPLETE);
    expect(loadStageSettings({ stage: 'guarded', dir, params: ['throttleBurst=100', 'throttleRate=2.5', 'reservedConcurrency=200'] })).toMatchObject({
      throttleBurst: 100,
      throttleRate: 2.5,
      reservedConcurrency: 200,
    });
    expect(() => loadStageSettings({ stage: 'guarded', dir, params: ['reservedConcurrency=2'] })).toThrow(/reservedConcurrency must be how many instances/);
    expect(() => loadStageSettings({ stage: 'guarded', dir, params: ['throttleBurst=0'] })).toThrow(/throttleBurst must be how many requests/);
  });

  it('times the alarms by the sweep: three of its periods of silence, and owed announcements over 15 minutes or one period', () => {
    stage('slow', COMPLETE);
    expect(loadStageSettings({ stage: 'slow', dir, params: ['sweepMinutes=1'] })).toMatchObject({ sweepSilenceSeconds: 180, owedPeriodSeconds: 300, owedPeriods: 3 });
    expect(loadStageSettings({ stage: 'slow', dir, params: ['sweepMinutes=10'] })).toMatchObject({ sweepSilenceSeconds: 1800, owedPeriodSeconds: 600, owedPeriods: 2 });
    expect(loadStageSettings({ stage: 'slow', dir, params: ['sweepMinutes=60'] })).toMatchObject({ sweepSilenceSeconds: 10_800, owedPeriodSeconds: 3600, owedPeriods: 1 });
  });

  it("takes a grant's life as the bot's settings do, and says how to write a duration it cannot read", () => {
    stage('lives', COMPLETE);
    expect(loadStageSettings({ stage: 'lives', dir, params: ['maxGrant=30d', 'requireGrantEnd=true', 'reminder=12h'] })).toMatchObject({
      maxGrant: '30d',
      requireGrantEnd: 'true',
      reminder: '12h',
    });
    expect(() => loadStageSettings({ stage: 'lives', dir, params: ['maxGrant=2w'] })).toThrow(/maxGrant must be the longest time a request may ask for/);
  });

  it('takes the two-person rule only where two approvers, or a group, can give it', () => {
    stage('careful', COMPLETE);
    expect(loadStageSettings({ stage: 'careful', dir, params: ['approvals=2', 'approverGroup=S0PLATFORM'] })).toMatchObject({ approvals: '2' });
    expect(() => loadStageSettings({ stage: 'careful', dir, params: ['approvals=2'] })).toThrow(/approvals is 2, but approvers names fewer than two/);
    expect(() => loadStageSettings({ stage: 'careful', dir, params: ['approvals=3'] })).toThrow(/approvals must be 1, or 2 for the two-person rule/);
  });

  it('turns sweepMinutes into the schedule expression EventBridge accepts, singular for one minute', () => {
    stage('sweepy', COMPLETE);
    expect(loadStageSettings({ stage: 'sweepy', dir, params: ['sweepMinutes=1'] })).toMatchObject({ sweepMinutes: 1, sweepRate: 'rate(1 minute)' });
    expect(loadStageSettings({ stage: 'sweepy', dir, params: ['sweepMinutes=15'] })).toMatchObject({ sweepMinutes: 15, sweepRate: 'rate(15 minutes)' });
    expect(() => loadStageSettings({ stage: 'sweepy', dir, params: ['sweepMinutes=0'] })).toThrow(/sweepMinutes must be how often the sweep runs/);
  });

  it('refuses the committed example only for its placeholder IDs, which are nobody\'s', () => {
    const message = refusal({ stage: 'example', dir: join(EXAMPLE_FILE, '..') });
    const problems = message.split('\n').filter((line) => line.startsWith('  - '));
    expect(problems).toEqual([
      expect.stringMatching(/^ {2}- approvalChannel is still the example's C012ABCDEF, a placeholder that is nobody's: give the ID of the Slack channel/),
      '  - approvers has "U012ABCDEF": is the example\'s placeholder, nobody\'s: give your approvers\' user IDs',
      '  - approvers has "U034GHIJKL": is the example\'s placeholder, nobody\'s: give your approvers\' user IDs',
      expect.stringMatching(/^ {2}- slackBotId is still the example's B012ABCDEF/),
      expect.stringMatching(/^ {2}- slackBotUserId is still the example's U056MNOPQR/),
    ]);
  });

  it('accepts the committed example once its placeholders are replaced', () => {
    const yours = ['approvalChannel=C0APPROVALS', 'approvers=U0ALICE', 'slackBotId=B0ECRACCESS', 'slackBotUserId=U0ECRACCESS'];
    expect(loadStageSettings({ stage: 'example', dir: join(EXAMPLE_FILE, '..'), params: yours })).toMatchObject({
      region: 'eu-west-1',
      repositories: 'common-images,team/base-images',
    });
  });

  it('refuses the placeholders the example shows in its comments too, once a copy uncomments them', () => {
    stage('copy', readFileSync(EXAMPLE_FILE, 'utf8').replace(/^# (approverGroup|secretsKmsKey): (\S+).*$/gm, '$1: $2'));
    const message = refusal({ stage: 'copy' });
    expect(message).toContain("- approverGroup is still the example's S012ABCDEF, a placeholder that is nobody's");
    expect(message).toMatch(/- secretsKmsKey is still the example's arn:aws:kms:eu-west-1:111122223333:key\/1234abcd-12ab-34cd-56ef-1234567890ab/);
  });

  it('reads owners from AWS Organizations through a role, refusing outsiders', () => {
    stage('prod', `${COMPLETE}\naccounts: organizations\norganizationsRoleArn: arn:aws:iam::999988887777:role/org-read\norganizationOnly: true\n`);
    expect(loadStageSettings({ stage: 'prod', dir })).toMatchObject({ accounts: 'organizations', accountsFile: '', organizationsRoleArn: 'arn:aws:iam::999988887777:role/org-read', organizationOnly: 'true' });
  });

  it('checks an accounts file before anything is packaged, and names its problems', () => {
    writeFileSync(join(dir, 'accounts.yml'), '222233334444:\n  name: analytics\n  team: Data\n');
    stage('prod', `${COMPLETE}\naccounts: ${join(dir, 'accounts.yml')}\n`);
    expect(loadStageSettings({ stage: 'prod', dir })).toMatchObject({ accounts: 'file', accountsFile: join(dir, 'accounts.yml') });
    writeFileSync(join(dir, 'accounts.yml'), '22223333444:\n  name: analytics\n');
    expect(refusal({ stage: 'prod' })).toContain(`- accounts names ${join(dir, 'accounts.yml')}, whose entry at 22223333444 has a key that is not a 12-digit account ID`);
  });

  it('refuses a role without Organizations, refusing outsiders without accounts, and the example role', () => {
    stage('prod', `${COMPLETE}\norganizationsRoleArn: arn:aws:iam::999988887777:role/org-read\norganizationOnly: true\n`);
    const message = refusal({ stage: 'prod' });
    expect(message).toContain('- organizationsRoleArn is the role to assume to read AWS Organizations: set accounts: organizations too');
    expect(message).toContain('- organizationOnly refuses accounts outside the organization, so the bot must know the organization: set accounts');
    stage('copy', readFileSync(EXAMPLE_FILE, 'utf8').replace(/^# (accounts|organizationsRoleArn): (\S+).*$/gm, '$1: $2'));
    expect(refusal({ stage: 'copy' })).toContain("- organizationsRoleArn is still the example's arn:aws:iam::111122223333:role/ecr-access-organizations-read");
  });

  it('keeps the table from being deleted unless tableDeletionProtection is false', () => {
    stage('prod', COMPLETE);
    expect(loadStageSettings({ stage: 'prod', dir })).toMatchObject({ tableDeletionProtection: true });
    expect(loadStageSettings({ stage: 'prod', dir, params: ['tableDeletionProtection=false'] })).toMatchObject({ tableDeletionProtection: false });
    stage('throwaway', `${COMPLETE}\ntableDeletionProtection: false\n`);
    expect(loadStageSettings({ stage: 'throwaway', dir })).toMatchObject({ tableDeletionProtection: false });
    expect(refusal({ stage: 'prod', params: ['tableDeletionProtection=off'] })).toContain('- tableDeletionProtection must be false to let the table be deleted');
  });

  it('refuses more repositories than the bot shares, saying why', () => {
    stage('prod', COMPLETE);
    const names = Array.from({ length: 401 }, (_, i) => `team-${i}/images`).join(',');
    expect(refusal({ stage: 'prod', params: [`repositories=${names}`] })).toContain(
      '- repositories lists 401 repositories, and the bot shares at most 400 this way: each sweep pass reads every one. Past that, share them by pattern in a settingsFile',
    );
  });

  it('lets --param override a setting for one run, and --region the region', () => {
    stage('prod', COMPLETE);
    const settings = loadStageSettings({
      stage: 'prod',
      dir,
      region: 'us-west-2',
      params: ['approvers=U0OTHER1,U0OTHER2', 'ssmPrefix=/team/ecr-access', 'logLevel=debug'],
    });
    expect(settings).toMatchObject({
      region: 'us-west-2',
      approvers: 'U0OTHER1,U0OTHER2',
      slackBotTokenParameter: '/team/ecr-access/slack-bot-token',
      slackSigningSecretParameter: '/team/ecr-access/slack-signing-secret',
      logLevel: 'debug',
    });
  });

  it('takes every setting from --param alone, lists as comma-separated text without blanks or repeats', () => {
    const settings = loadStageSettings({
      stage: 'ci',
      dir,
      params: ['region=eu-west-1', 'repositories=common-images, ,team/base,common-images', 'approvalChannel=C0APPROVALS', 'approverGroup=S0GROUP', 'slackBotId=B0BOT', 'slackBotUserId=U0BOT'],
    });
    expect(settings).toMatchObject({ repositories: 'common-images,team/base', approvers: '', approverGroup: 'S0GROUP' });
  });

  it('treats a blank setting as not set', () => {
    stage('prod', `${COMPLETE}\napproverGroup:\ntableName: ''\n`);
    expect(loadStageSettings({ stage: 'prod', dir })).toMatchObject({ approverGroup: '', tableName: 'ecr-access-prod' });
  });

  it('names every missing setting in one message, with what it is, and says how to give them when the stage has no file', () => {
    const message = refusal({ stage: 'dev' });
    expect(message.match(/ecr-access cannot be deployed/g)).toHaveLength(1);
    expect(message).toContain('- region is missing: the AWS region to deploy to');
    expect(message).toContain('- repositories is missing: the ECR repositories');
    expect(message).toContain('- approvalChannel is missing: the ID of the Slack channel');
    expect(message).toContain('- slackBotId is missing: the bot_id that auth.test returns');
    expect(message).toContain('- slackBotUserId is missing: the user_id that auth.test returns');
    expect(message).toContain('- approvers and approverGroup are both missing');
    expect(message).toMatch(/dev\.yml does not exist: copy deploy\/stages\/example\.yml to it/);
    expect(message).toContain('--param="name=value"');
  });

  it('says to fix the file when the stage has one', () => {
    stage('prod', 'region: eu-west-1\n');
    const message = refusal({ stage: 'prod' });
    expect(message).toMatch(/Fix them in .*prod\.yml/);
    expect(message).not.toContain('region is missing');
    expect(message).toContain('repositories is missing');
  });

  it('says what is wrong with each setting that is present, naming the item of a list', () => {
    stage('prod', `region: Ireland
repositories: [common-images, Common_Images]
approvalChannel: '#platform'
approvers: [U0ALICE]
slackBotId: B0ECRACCESS
slackBotUserId: U0ECRACCESS
logLevel: verbose
`);
    const message = refusal({ stage: 'prod' });
    expect(message).toContain('- repositories has "Common_Images": a repository name is lowercase letters and digits');
    expect(message).toContain('- approvalChannel must be a channel ID like C012ABCDEF, not a #name');
    expect(message).toContain('- region must be an AWS region such as us-east-1');
    expect(message).toContain('- logLevel must be debug, info (the default), warn or error');
  });

  it('refuses a setting it does not know, such as a misspelt one', () => {
    stage('prod', `${COMPLETE}\napprover: U0ALICE\n`);
    expect(refusal({ stage: 'prod' })).toContain('- approver is not a setting; the settings are region, repositories, approvalChannel, approvers');
  });

  it.each([
    ['an alias', 'arn:aws:kms:eu-west-1:111122223333:alias/aws/ssm', 'must be a KMS key ARN'],
    ['a key of another region', 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'must be a key in the region the stack is deployed to'],
  ])('refuses %s as the secrets key', (_what, key, problem) => {
    stage('prod', COMPLETE);
    expect(refusal({ stage: 'prod', params: [`secretsKmsKey=${key}`] })).toContain(`- secretsKmsKey ${problem}`);
  });

  it.each([
    ['a path that ends in /', '/ecr-access/prod/'],
    ['a name, not a path', 'ecr-access'],
    ['a path AWS reserves', '/aws/ecr-access'],
  ])('refuses %s as the SSM prefix', (_what, prefix) => {
    stage('prod', COMPLETE);
    expect(refusal({ stage: 'prod', params: [`ssmPrefix=${prefix}`] })).toContain('- ssmPrefix must');
  });

  it('refuses a file that is not a list of settings, and one that is not YAML', () => {
    stage('list', '- region: eu-west-1\n');
    stage('broken', 'region: [eu-west-1\n');
    expect(refusal({ stage: 'list' })).toContain('must hold one setting per line');
    const broken = refusal({ stage: 'broken' });
    expect(broken).toContain('is not valid YAML');
    // What the file would have said is unknown, so nothing else is reported as missing.
    expect(broken).not.toContain('is missing');
  });

  it('refuses a --param that is not name=value', () => {
    stage('prod', COMPLETE);
    expect(refusal({ stage: 'prod', params: ['eu-west-1'] })).toContain('--param="eu-west-1" is not name=value');
  });

  it('refuses a stage name that could reach outside deploy/stages', () => {
    expect(refusal({ stage: '../prod' })).toContain('The stage "../prod" is not a stage name');
  });

  describe('a settings file instead of the repositories', () => {
    const WITH_FILE = COMPLETE.replace('repositories: [common-images, team/base-images]\n', '');
    const rules = (yaml: string) => {
      writeFileSync(join(dir, 'rules.yml'), yaml);
      return join(dir, 'rules.yml');
    };

    it("takes the file's names and patterns as the repositories, and its path for the bundle", () => {
      const file = rules('repositories:\n  common-images: {}\n  "team-*": { approvers: [U0TEAMLEAD] }\n');
      stage('prod', `${WITH_FILE}settingsFile: ${file}\n`);
      const settings = loadStageSettings({ stage: 'prod', dir });
      expect(settings.repositories).toBe('common-images,team-*');
      expect(settings.settingsFile).toBe(file);
    });

    it("names each problem of the file at its key, in the stage's one message", () => {
      const file = rules('repositories:\n  "team-*": { maxGrant: forever }\n');
      stage('prod', `${WITH_FILE}settingsFile: ${file}\n`);
      expect(refusal({ stage: 'prod' })).toContain(`- settingsFile (${file}) repositories."team-*".maxGrant: a duration is a whole number of hours or days`);
    });

    it("checks the file's sound rules against the stage in the same message as its mistakes", () => {
      const file = rules('repositories:\n  "team-*": { maxGrant: forever }\n  common-images: { organizationOnly: true }\n');
      stage('prod', `${WITH_FILE}settingsFile: ${file}\n`);
      const message = refusal({ stage: 'prod' });
      expect(message).toContain(`- settingsFile (${file}) repositories."team-*".maxGrant: a duration is a whole number of hours or days`);
      expect(message).toContain('- settingsFile has a rule with organizationOnly: true, so the bot must know the organization: set accounts');
    });

    it('refuses both the list and the file', () => {
      const file = rules('repositories:\n  common-images: {}\n');
      stage('prod', `${COMPLETE}settingsFile: ${file}\n`);
      expect(refusal({ stage: 'prod' })).toContain('- repositories and settingsFile are both set: keep one, the list or the settings file');
    });

    it("needs no stage approvers when every rule names its own, and still needs them when one does not", () => {
      const own = rules('repositories:\n  "team-*": { approverGroups: [S0TEAM] }\n');
      stage('prod', `${WITH_FILE.replace('approvers: [U0ALICE]\n', '')}settingsFile: ${own}\n`);
      expect(loadStageSettings({ stage: 'prod', dir }).approvers).toBe('');
      rules('repositories:\n  "team-*": { approverGroups: [S0TEAM] }\n  common-images: {}\n');
      expect(refusal({ stage: 'prod' })).toContain('- approvers and approverGroup are both missing');
    });

    it('checks each rule under the two-person rule with the approvers it has, its own or the stage\'s', () => {
      const file = rules('repositories:\n  common-images: {}\n  "team-*": { approvers: [U0TEAMLEAD] }\n  "shared/*": { approvers: [U0TEAMLEAD], approvals: 1 }\n');
      stage('prod', `${WITH_FILE}settingsFile: ${file}\napprovals: 2\n`);
      const message = refusal({ stage: 'prod' });
      expect(message).toContain(`- settingsFile (${file}) repositories."common-images": needs two approvals, and the default approvers`);
      expect(message).toContain(`- settingsFile (${file}) repositories."team-*": needs two approvals (the default, ECR_ACCESS_APPROVALS or a stage's approvals, is 2)`);
      expect(message).not.toContain('shared/*');
    });

    it("refuses where owners come from in the file, which on Lambda is the stage's, and a rule refusing outsiders with no owners to know them by", () => {
      stage('prod', `${WITH_FILE}settingsFile: ${rules('accounts: organizations\nrepositories:\n  common-images: {}\n')}\n`);
      expect(refusal({ stage: 'prod' })).toContain('sets accounts: on Lambda, where owners come from is a stage setting');
      stage('prod', `${WITH_FILE}settingsFile: ${rules('repositories:\n  common-images: { organizationOnly: true }\n')}\n`);
      expect(refusal({ stage: 'prod' })).toContain('- settingsFile has a rule with organizationOnly: true, so the bot must know the organization: set accounts');
      stage('prod', `${WITH_FILE}settingsFile: ${rules('repositories:\n  common-images: { organizationOnly: true }\n')}\naccounts: organizations\n`);
      expect(loadStageSettings({ stage: 'prod', dir }).accounts).toBe('organizations');
    });
  });
});
