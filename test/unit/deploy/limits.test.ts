// The stack a stage's settings make, held to AWS's limits before anything is packaged: the
// function role's inline policies (IAM: 10,240 characters, whitespace not counted), the function's
// environment (Lambda: 4 KB of keys and values), and the names it sets. The repository list keeps
// both sizes bounded whatever its length: the role names at most 5,120 characters of ECR
// resources, and the list itself travels in the bundle, not in the environment.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { functionEnvironment } from '../../../deploy/function-environment';
import { environmentSize, limitProblems, referencedBy, rolePolicyDocuments, rolePolicySize } from '../../../deploy/limits';
import { covers } from '../../../deploy/repository-arns';
import { writeRepositoryFile } from '../../../deploy/repository-file';
import { DeploySettingsError, loadStageSettings, type DeploySettings } from '../../../deploy/settings';
import { ecrResourcePatterns, REPOSITORY_ARNS_BUDGET } from '../../../deploy/stack';

const YOURS = ['region=eu-west-1', 'repositories=common-images', 'approvalChannel=C0APPROVALS', 'approvers=U0ALICE', 'slackBotId=B0ECRACCESS', 'slackBotUserId=U0ECRACCESS'];

/** A stage given entirely by --param (no file), with these settings on top. */
function settingsOf(stage: string, ...params: string[]): DeploySettings {
  return loadStageSettings({ stage, dir: join(tmpdir(), 'ecr-access-no-stages'), params: [...YOURS, ...params] });
}

function refusal(stage: string, ...params: string[]): string {
  try {
    settingsOf(stage, ...params);
  } catch (error) {
    if (error instanceof DeploySettingsError) return error.message;
    throw error;
  }
  throw new Error('the settings were accepted');
}

/** Repository names as platform teams have them: namespaces per team, sharing beginnings. */
function repositories(count: number): string[] {
  const areas = ['platform', 'data', 'web', 'ml', 'payments'];
  return Array.from({ length: count }, (_, i) => `${areas[i % areas.length]}-team-${(i * 7) % 53}/service-${i}`);
}

const policySize = (stage: string, settings: DeploySettings) => rolePolicySize(rolePolicyDocuments(stage, settings), settings.region, referencedBy(stage, settings));
const envSize = (settings: DeploySettings) => environmentSize(functionEnvironment(settings), settings.region, referencedBy(settings.stage, settings));

/** The regions whose ARNs are longest in their partition, and one of the shortest. */
const REGIONS = ['eu-west-1', 'ap-southeast-2', 'us-gov-west-1', 'cn-northwest-1'];

describe('the repository list, at any length', () => {
  // Past 400 the settings refuse the list (the bot shares at most 400); the role and the
  // environment are built from the same functions at any length, so they are measured here.
  describe.each([1, 150, 400, 1_000, 5_000])('%i repositories', (count) => {
    const names = repositories(count);

    it.each(REGIONS)('keeps the role within IAM limit in %s, and its repository ARNs within their share, covering each one', (region) => {
      const settings = { ...settingsOf('prod', `region=${region}`), repositories: names.join(',') };
      expect(policySize('prod', settings)).toBeLessThanOrEqual(10_240);
      const patterns = ecrResourcePatterns(names, region);
      expect(rolePolicySize([{ Resource: patterns.map((p) => `arn:aws:ecr:${region}:123456789012:repository/${p}`) }], region, {})).toBeLessThanOrEqual(
        REPOSITORY_ARNS_BUDGET + 20,
      );
      expect(names.filter((n) => !covers(patterns, n))).toEqual([]);
      expect(limitProblems('prod', settings)).toEqual([]);
    });

    it('keeps the environment the size it is for one repository', () => {
      const settings = { ...settingsOf('prod'), repositories: names.join(',') };
      expect(envSize(settings)).toBe(envSize(settingsOf('prod')));
    });

    it('puts the whole list in the bundle instead', () => {
      const root = mkdtempSync(join(tmpdir(), 'ecr-access-bundle-'));
      try {
        expect(JSON.parse(readFileSync(writeRepositoryFile(names.join(','), root), 'utf8'))).toEqual(names);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  });

  it('names each repository by its own ARN while they fit their share of the role', () => {
    expect(ecrResourcePatterns(repositories(40), 'eu-west-1')).toEqual([...repositories(40)].sort());
    expect(ecrResourcePatterns(repositories(150), 'eu-west-1').some((p) => p.endsWith('*'))).toBe(true);
  });
});

describe('the role policy, as IAM counts it', () => {
  it('counts the policy as CloudFormation resolves it in the stage region, without whitespace', () => {
    const document = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ecr:GetRepositoryPolicy'], Resource: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':repository/a b']] }] }] };
    const resolved = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:GetRepositoryPolicy"],"Resource":["arn:aws:ecr:eu-west-1:123456789012:repository/ab"]}]}';
    expect(rolePolicySize([document], 'eu-west-1', {})).toBe(resolved.length);
  });

  it('measures the same settings longer where the region or the partition name is longer', () => {
    const sizeIn = (region: string) => policySize('prod', settingsOf('prod', `region=${region}`, 'repositories=common-images,team/base'));
    expect(sizeIn('ap-southeast-2') - sizeIn('eu-west-1')).toBeGreaterThan(0);
    expect(sizeIn('cn-north-1') - sizeIn('eu-west-1')).toBeGreaterThan(0);
  });

  it('refuses a role policy over 10,240 characters, saying how large it would be in that region', () => {
    // No setting makes the bot's statements this long today (SSM itself takes parameter names of at
    // most 1,011 characters); the check stands for the statements still to come.
    const settings = settingsOf('prod', 'region=ap-southeast-2');
    const long = `/${Array.from({ length: 12 }, () => 'x'.repeat(400)).join('/')}`;
    const problems = limitProblems('prod', { ...settings, slackBotTokenParameter: `${long}/slack-bot-token`, slackSigningSecretParameter: `${long}/slack-signing-secret` });
    // The environment, which holds both names, is over its own limit too; each is said.
    expect(problems).toContainEqual(
      expect.stringMatching(/^the function's role would hold 1\d,\d{3} characters of inline policy in ap-southeast-2, and IAM takes at most 10,240 \(whitespace not counted\)/),
    );
  });
});

describe('the environment, as Lambda counts it', () => {
  it('counts its keys and values as one JSON object, in bytes, with the table name resolved', () => {
    expect(environmentSize({ A: 'é', ECR_ACCESS_TABLE: { Ref: 'AccessTable' } }, 'eu-west-1', { AccessTable: 'ecr-access-prod' })).toBe(
      Buffer.byteLength('{"A":"é","ECR_ACCESS_TABLE":"ecr-access-prod"}'),
    );
  });

  it('refuses an environment over 4 KB, naming the variable that fills it and what to do', () => {
    const approvers = Array.from({ length: 350 }, (_, i) => `U${String(i).padStart(10, '0')}`).join(',');
    expect(refusal('prod', `approvers=${approvers}`)).toMatch(
      /- the function's environment would be 4,\d{3} bytes, and Lambda takes at most 4,096 \(its keys and values, as JSON\); the largest is ECR_ACCESS_APPROVERS, 4,\d{3} bytes: name fewer approvers, and give the others an approverGroup/,
    );
  });
});

describe('the names the stack sets', () => {
  it("refuses a stage name that makes the role's name longer than IAM's 64, saying how long one may be in that region", () => {
    const stage = 's'.repeat(28);
    expect(() => settingsOf(stage, 'region=eu-west-1')).not.toThrow();
    expect(refusal(stage, 'region=ap-southeast-2')).toContain(
      `- the function's role would be named ecr-access-${stage}-ap-southeast-2-lambdaRole, 65 characters, and AWS takes at most 64: use a stage name of at most 27 characters in ap-southeast-2`,
    );
  });

  it('names every name that is too long in one message', () => {
    const message = refusal('s'.repeat(50), 'region=eu-west-1');
    expect(message.match(/^ {2}- /gm)).toHaveLength(2);
    expect(message).toContain("- the function's role would be named");
    expect(message).toContain('- the function would be named');
  });

  it('checks the names only once the settings are right, and says so', () => {
    const message = refusal('s'.repeat(50), 'region=Ireland');
    expect(message).toContain('- region must be an AWS region');
    expect(message).not.toContain('would be named');
    expect(message).toContain("The stack's names and sizes are checked against AWS's limits once these are right.");
  });
});
