// The stage's accounts file travels in the bundle, and the function finds it there, relative to
// its code root, through ECR_ACCESS_ACCOUNTS.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACCOUNTS_FILE, writeAccountsFile } from '../../../deploy/accounts-file';
import { functionEnvironment } from '../../../deploy/function-environment';
import { loadStageSettings } from '../../../deploy/settings';
import { loadConfig } from '../../../src/config';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecr-access-bundle-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const STAGE = `
region: eu-west-1
repositories: [common-images]
approvalChannel: C0APPROVALS
approvers: [U0ALICE]
slackBotId: B0ECRACCESS
slackBotUserId: U0ECRACCESS
`;
const ACCOUNTS = '222233334444:\n  name: analytics\n  team: Data\n';

describe('the accounts file in the bundle', () => {
  it('is copied into the bundle, named in the environment, and read from the code root there', () => {
    writeFileSync(join(dir, 'accounts.yml'), ACCOUNTS);
    writeFileSync(join(dir, 'prod.yml'), `${STAGE}accounts: ${join(dir, 'accounts.yml')}\norganizationOnly: true\n`);
    const settings = loadStageSettings({ stage: 'prod', dir });
    const codeRoot = join(dir, 'code');
    writeAccountsFile(settings.accountsFile, codeRoot);
    expect(readFileSync(join(codeRoot, ACCOUNTS_FILE), 'utf8')).toBe(ACCOUNTS);
    const environment = functionEnvironment(settings);
    expect(environment).toMatchObject({ ECR_ACCESS_ACCOUNTS: ACCOUNTS_FILE, ECR_ACCESS_ORGANIZATION_ONLY: 'true' });
    expect(environment).not.toHaveProperty('ECR_ACCESS_ORGANIZATIONS_ROLE_ARN');
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1-2-3',
      SLACK_SIGNING_SECRET: 'secret',
      ECR_ACCESS_TABLE: 'ecr-access',
      ECR_ACCESS_APPROVAL_CHANNEL: 'C0APPROVALS',
      ECR_ACCESS_APPROVERS: 'U0ALICE',
      ECR_ACCESS_REPOSITORIES: 'common-images',
      AWS_REGION: 'eu-west-1',
      LAMBDA_TASK_ROOT: codeRoot,
      ECR_ACCESS_ACCOUNTS: String(environment.ECR_ACCESS_ACCOUNTS),
      ECR_ACCESS_ORGANIZATION_ONLY: String(environment.ECR_ACCESS_ORGANIZATION_ONLY),
    });
    expect(config.accounts).toEqual({ source: 'file', path: join(codeRoot, ACCOUNTS_FILE) });
    expect(config.organizationOnly).toBe(true);
  });

  it('leaves no file from an earlier packaging in a stage without one, and names no accounts source', () => {
    writeFileSync(join(dir, 'prod.yml'), STAGE);
    const settings = loadStageSettings({ stage: 'prod', dir });
    writeFileSync(join(dir, 'accounts.yml'), ACCOUNTS);
    writeAccountsFile(join(dir, 'accounts.yml'), dir);
    writeAccountsFile(settings.accountsFile, dir);
    expect(existsSync(join(dir, ACCOUNTS_FILE))).toBe(false);
    expect(Object.keys(functionEnvironment(settings)).filter((name) => /ACCOUNTS$|ORGANIZATION/.test(name))).toEqual([]);
  });

  it('names AWS Organizations and the role to assume', () => {
    writeFileSync(join(dir, 'prod.yml'), `${STAGE}accounts: organizations\norganizationsRoleArn: arn:aws:iam::999988887777:role/org-read\n`);
    expect(functionEnvironment(loadStageSettings({ stage: 'prod', dir }))).toMatchObject({
      ECR_ACCESS_ACCOUNTS: 'organizations',
      ECR_ACCESS_ORGANIZATIONS_ROLE_ARN: 'arn:aws:iam::999988887777:role/org-read',
    });
  });
});
