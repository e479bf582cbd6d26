// `npm run package` as CI runs it: no AWS credentials, nothing downloaded, the settings taken from
// the committed deploy/stages/example.yml, with CI's own IDs for its placeholders and one more
// --param. The CloudFormation it generates is read back and held to the deployment's promises:
// least-privilege IAM derived from what the bundled code really sends, no Slack secret anywhere in
// the template or the function's environment (only the names of their SSM parameters), a retained,
// recoverable and undeletable table built from the app's own schema, an environment the app's own
// config accepts, and the names and sizes deploy/limits.ts checked before packaging. A stage of
// 400 repositories, the most one may share, packages to the same environment and a role within
// IAM's limit. README's deployer policy is held to what CloudFormation needs for each resource.
// The bundle itself is loaded and asked, reading its secrets from a local SSM and its
// repositories from the packaged file. Missing settings stop it with one message.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { functionEnvironment } from '../../deploy/function-environment';
import { environmentSize, referencedBy, rolePolicyDocuments, rolePolicySize } from '../../deploy/limits';
import { stackNames } from '../../deploy/names';
import { REPOSITORY_FILE, SETTINGS_FILE } from '../../deploy/repository-file';
import { loadStageSettings } from '../../deploy/settings';
import { tableDefinition } from '../../src/aws/table-schema';
import { loadLambdaConfig } from '../../src/config';
import { METRIC_NAMESPACE, METRIC_UNITS, STAGE_DIMENSION } from '../../src/metrics';
import { encodeSlashCommand, slashCommandFields } from '../../sandbox/slack/payloads';
import { signSlackRequest } from '../../sandbox/slack/signature';
import { startSsmEmulator, type SsmEmulator } from '../../sandbox/ssm-emulator';
import { httpApiEvent, type HttpApiHandler } from '../support/http-api';
import { allows, type IdentityPolicy } from '../support/iam-policy';
import { zipEntries, zipEntry } from '../support/zip-entries';

const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);
/** deploy/stages/example.yml: its region and repositories, and CI's IDs in place of its placeholders. */
const STAGE = 'example';
const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const EXAMPLE = {
  repositories: ['common-images', 'team/base-images'],
  approvalChannel: 'C0CIAPPROVALS',
  approvers: ['U0CIALICE', 'U0CIBOB'],
  slackBotId: 'B0CIBOT',
  slackBotUserId: 'U0CIBOT',
};
const YOUR_IDS = Object.entries(EXAMPLE)
  .filter(([name]) => name !== 'repositories')
  .map(([name, value]) => `--param=${name}=${[value].flat().join(',')}`);
/** Given for this run only, on top of the file: a customer managed key for the secrets. */
const KMS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b`;
const FUNCTION_NAME = `ecr-access-${STAGE}-slack`;
const TABLE_NAME = `ecr-access-${STAGE}`;
const TOKEN_PARAMETER = `/ecr-access/${STAGE}/slack-bot-token`;
const SIGNING_SECRET_PARAMETER = `/ecr-access/${STAGE}/slack-signing-secret`;

type Json = Record<string, unknown>;
interface Statement {
  Effect: string;
  Action: string[];
  Resource: unknown[];
  Condition?: Record<string, Record<string, unknown>>;
}

let outDir: string;
let template: { Resources: Record<string, Json & { Type: string; Properties: Json }>; Outputs: Json };
let packaged: string[];

/** The environment of a deployer's shell without an AWS account: packaging must not need one. */
function withoutAws(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', SLS_TELEMETRY_DISABLED: '1' };
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION']) delete env[name];
  env.AWS_CONFIG_FILE = join(dir, 'no-aws-config');
  env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'no-aws-credentials');
  return env;
}

/** The settings as deploy/settings.ts reads them for the run: what deploy/limits.ts measured. */
const settingsOfTheRun = (...params: string[]) =>
  loadStageSettings({ stage: STAGE, params: [...YOUR_IDS, `--param=secretsKmsKey=${KMS_KEY}`, ...params].map((p) => p.replace(/^--param=/, '')) });

/** The zip's files, unpacked as Lambda unpacks them, under a fresh directory: the function's code root. */
function unpacked(zip: string): string {
  const root = mkdtempSync(join(tmpdir(), 'ecr-access-code-'));
  for (const name of zipEntries(zip)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), zipEntry(zip, name));
  }
  return root;
}

let codeRoot: string;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'ecr-access-package-'));
  await run('npm', ['run', 'package', '--', '--stage', STAGE, ...YOUR_IDS, `--param=secretsKmsKey=${KMS_KEY}`, '--package', outDir], {
    cwd: ROOT,
    env: withoutAws(outDir),
    maxBuffer: 10 * 1024 * 1024,
  });
  template = JSON.parse(readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'));
  packaged = zipEntries(join(outDir, 'ecr-access.zip'));
  codeRoot = unpacked(join(outDir, 'ecr-access.zip'));
}, 180_000);

afterAll(() => {
  for (const dir of [outDir, codeRoot]) if (dir) rmSync(dir, { recursive: true, force: true });
});

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Evaluates the intrinsics the stack uses, as CloudFormation would in one account and region. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as Json;
  if ('Ref' in node) {
    const name = String(node.Ref);
    if (PSEUDO[name]) return PSEUDO[name];
    const resource = template.Resources[name];
    if (resource?.Type === 'AWS::DynamoDB::Table') return String(resource.Properties.TableName);
    if (resource?.Type === 'AWS::SQS::Queue') return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${String(resource.Properties.QueueName)}`;
    return `<${name}>`;
  }
  if ('Fn::Join' in node) {
    const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(separator);
  }
  if ('Fn::Sub' in node) return String(node['Fn::Sub']).replace(/\$\{([^}]+)\}/g, (_, name: string) => PSEUDO[name] ?? `<${name}>`);
  if ('Fn::GetAtt' in node) {
    const [name, attribute] = node['Fn::GetAtt'] as [string, string];
    const resource = template.Resources[name];
    if (resource?.Type === 'AWS::DynamoDB::Table' && attribute === 'Arn') {
      return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${String(resource.Properties.TableName)}`;
    }
    if (resource?.Type === 'AWS::SQS::Queue' && attribute === 'Arn') return `arn:aws:sqs:${REGION}:${ACCOUNT}:${String(resource.Properties.QueueName)}`;
    return `<${name}.${attribute}>`;
  }
  throw new Error(`no rendering for ${JSON.stringify(value)}`);
}

/** Every intrinsic within `value` rendered, the rest kept as it is. */
function renderDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(renderDeep);
  if (value === null || typeof value !== 'object') return value;
  if (Object.keys(value).some((key) => key === 'Ref' || key.startsWith('Fn::'))) return render(value);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderDeep(item)]));
}

/** The function role's inline policy documents, as the template declares them. */
const roleDocuments = (t: typeof template) =>
  (t.Resources.IamRoleLambdaExecution!.Properties.Policies as Array<{ PolicyDocument: unknown }>).map((policy) => policy.PolicyDocument);

/** IAM's count: the resolved documents' characters, whitespace left out. */
const iamSize = (documents: unknown[]) => documents.reduce<number>((sum, d) => sum + JSON.stringify(renderDeep(d)).replace(/\s/g, '').length, 0);

const functionResource = () => template.Resources.SlackLambdaFunction!;
const functionEnv = () => (functionResource().Properties.Environment as { Variables: Record<string, unknown> }).Variables;

function botStatements(): Array<{ actions: string[]; resources: string[]; condition?: Record<string, Record<string, string>> }> {
  const role = template.Resources.IamRoleLambdaExecution!;
  const policies = role.Properties.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }>;
  return policies
    .flatMap((p) => p.PolicyDocument.Statement)
    .map((s) => {
      expect(s.Effect).toBe('Allow');
      return {
        actions: [s.Action].flat(),
        resources: [s.Resource].flat().map(render),
        ...(s.Condition && {
          condition: Object.fromEntries(
            Object.entries(s.Condition).map(([operator, keys]) => [operator, Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, render(v)]))]),
          ),
        }),
      };
    })
    // The framework's own statements let the function write its log group, and nothing more.
    .filter((s) => !s.actions.every((a) => a.startsWith('logs:')));
}

function resourcesFor(action: string): string[] {
  return botStatements()
    .filter((s) => s.actions.includes(action))
    .flatMap((s) => s.resources)
    .sort();
}

/** IAM names a few API operations differently from the operation itself. */
const IAM_ACTION: Record<string, string> = { 'lambda:Invoke': 'lambda:InvokeFunction' };
/**
 * Granted though no code sends it: SSM calls KMS on the function's behalf to decrypt a
 * SecureString, and Lambda sends a failed job's record to the dead-letter queue with the function's role.
 */
const CALLED_FOR_THE_FUNCTION = ['kms:Decrypt', 'sqs:SendMessage'];

/** The IAM action for every AWS SDK command the bundled source files import, at the top or on first use. */
function actionsTheBundleSends(): string[] {
  const meta = JSON.parse(readFileSync(join(ROOT, 'dist', 'lambda.meta.json'), 'utf8')) as { inputs: Record<string, unknown> };
  const sources = Object.keys(meta.inputs).filter((file) => file.startsWith('src/') && file.endsWith('.ts'));
  const actions = new Set<string>();
  for (const file of sources) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const imports = /(?:import\s*\{([^}]*)\}\s*from\s*|const\s*\{([^}]*)\}\s*=\s*await\s+import\(\s*)'@aws-sdk\/client-([a-z0-9-]+)'/g;
    for (const match of text.matchAll(imports)) {
      for (const name of (match[1] ?? match[2])!.split(',').map((n) => n.trim())) {
        if (!/^\w+Command$/.test(name)) continue;
        const operation = `${match[3]}:${name.replace(/Command$/, '')}`;
        actions.add(IAM_ACTION[operation] ?? operation);
      }
    }
  }
  return [...actions].sort();
}

describe('the packaged deployment', () => {
  it('packages the bundle and the stage repository list, and nothing else', () => {
    expect(packaged).toEqual(['dist/lambda/aws-sdk.js', 'dist/lambda/index.js', REPOSITORY_FILE]);
    expect(JSON.parse(readFileSync(join(codeRoot, REPOSITORY_FILE), 'utf8'))).toEqual(EXAMPLE.repositories);
    expect(functionResource().Properties).toMatchObject({ Handler: 'dist/lambda/index.handler', Runtime: 'nodejs22.x' });
  });

  it('keeps the sandbox, dynalite and the unused Bolt receivers out of the bundle', () => {
    const meta = JSON.parse(readFileSync(join(ROOT, 'dist', 'lambda.meta.json'), 'utf8')) as { inputs: Record<string, unknown> };
    const inputs = Object.keys(meta.inputs);
    expect(inputs.some((f) => f.startsWith('src/lambda'))).toBe(true);
    expect(inputs.filter((f) => /^sandbox\/|node_modules\/(dynalite|express|@slack\/socket-mode|undici)\//.test(f))).toEqual([]);
  });

  it('keeps the AWS SDK out of the handler file: the handler requires aws-sdk.js with its first AWS call', () => {
    const meta = JSON.parse(readFileSync(join(ROOT, 'dist', 'lambda.meta.json'), 'utf8')) as { inputs: Record<string, unknown> };
    expect(Object.keys(meta.inputs).filter((f) => /node_modules\/@(aws-sdk|smithy)\//.test(f))).toEqual([]);
    const handlerFile = readFileSync(join(ROOT, 'dist', 'lambda', 'index.js'), 'utf8');
    expect(handlerFile).toContain('require("./aws-sdk.js")');
    const sdk = require(join(ROOT, 'dist', 'lambda', 'aws-sdk.js')) as Record<string, Record<string, unknown>>;
    expect(Object.keys(sdk).sort()).toEqual([
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/client-ecr',
      '@aws-sdk/client-lambda',
      '@aws-sdk/client-organizations',
      '@aws-sdk/client-sqs',
      '@aws-sdk/client-ssm',
      '@aws-sdk/credential-providers',
      '@aws-sdk/util-dynamodb',
    ]);
    expect(typeof sdk['@aws-sdk/client-ssm']!.GetParametersCommand).toBe('function');
    expect(typeof sdk['@aws-sdk/client-dynamodb']!.UpdateItemCommand).toBe('function');
  });

  it('lets the function use ECR only to describe, read and write the policies of the shareable repositories', () => {
    const ecr = botStatements().filter((s) => s.actions.some((a) => a.startsWith('ecr:')));
    expect(ecr).toEqual([
      {
        actions: ['ecr:DescribeRepositories', 'ecr:GetRepositoryPolicy', 'ecr:SetRepositoryPolicy', 'ecr:DeleteRepositoryPolicy'],
        resources: [
          `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/common-images`,
          `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/team/base-images`,
        ],
      },
    ]);
  });

  it('lets the function touch items of its own table and query its three indexes by name, nothing else in DynamoDB', () => {
    const table = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE_NAME}`;
    for (const action of ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']) {
      expect(resourcesFor(action)).toEqual([table]);
    }
    // byRepository lists a repository's requests; byRequester a person's (their Home tab); byDue is the sweep's work list. No Scan, no other index.
    expect(resourcesFor('dynamodb:Query')).toEqual([`${table}/index/byDue`, `${table}/index/byRepository`, `${table}/index/byRequester`]);
  });

  it('lets the function invoke itself and no other function', () => {
    expect(functionResource().Properties.FunctionName).toBe(FUNCTION_NAME);
    expect(resourcesFor('lambda:InvokeFunction')).toEqual([`arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FUNCTION_NAME}`]);
  });

  it('lets the function read exactly the two Slack secret parameters, in one call, and nothing else in SSM', () => {
    const ssm = botStatements().filter((s) => s.actions.some((a) => a.startsWith('ssm:')));
    expect(ssm).toEqual([
      {
        actions: ['ssm:GetParameters'],
        resources: [
          `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${TOKEN_PARAMETER}`,
          `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${SIGNING_SECRET_PARAMETER}`,
        ],
      },
    ]);
  });

  it('lets the function decrypt with the configured KMS key only, and only through SSM in its region', () => {
    const kms = botStatements().filter((s) => s.actions.some((a) => a.startsWith('kms:')));
    expect(kms).toEqual([
      { actions: ['kms:Decrypt'], resources: [KMS_KEY], condition: { StringEquals: { 'kms:ViaService': `ssm.${REGION}.amazonaws.com` } } },
    ]);
  });

  it('grants exactly the AWS actions the bundled code sends (and the decrypt SSM does for it), and no wildcard', () => {
    const granted = botStatements().flatMap((s) => s.actions);
    // The example stage reads no owners, so the Organizations reads are not granted (test/unit/deploy/stack.test.ts grants them).
    expect([...new Set(granted)].filter((a) => !CALLED_FOR_THE_FUNCTION.includes(a)).sort()).toEqual(actionsTheBundleSends().filter((a) => !a.startsWith('organizations:')));
    expect(actionsTheBundleSends()).toEqual(expect.arrayContaining(['organizations:DescribeAccount', 'organizations:DescribeOrganization', 'organizations:DescribeOrganizationalUnit', 'organizations:ListAccountsForParent', 'organizations:ListOrganizationalUnitsForParent', 'organizations:ListParents']));
    expect(actionsTheBundleSends()).toContain('ssm:GetParameters');
    for (const s of botStatements()) {
      for (const item of [...s.actions, ...s.resources]) expect(item).not.toMatch(/\*/);
    }
  });

  it('builds the table from the app schema: on demand, point-in-time recovery, encrypted, retained, protected from deletion', () => {
    const table = template.Resources.AccessTable!;
    const schema = tableDefinition(TABLE_NAME);
    expect(table).toMatchObject({ Type: 'AWS::DynamoDB::Table', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(table.Properties).toMatchObject({
      TableName: TABLE_NAME,
      DeletionProtectionEnabled: true,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: schema.KeySchema,
      AttributeDefinitions: schema.AttributeDefinitions,
      GlobalSecondaryIndexes: schema.GlobalSecondaryIndexes,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('puts only the names of the Slack secrets in the function environment: no value, no resolve reference', () => {
    expect(Object.keys(functionEnv()).sort()).toEqual([
      'ECR_ACCESS_APPROVALS',
      'ECR_ACCESS_APPROVAL_CHANNEL',
      'ECR_ACCESS_APPROVERS',
      'ECR_ACCESS_DEAD_LETTER_QUEUE',
      'ECR_ACCESS_NUDGE_AFTER_MINUTES',
      'ECR_ACCESS_PENDING_LAPSE',
      'ECR_ACCESS_REMINDER',
      'ECR_ACCESS_REPOSITORIES_FILE',
      'ECR_ACCESS_REQUIRE_GRANT_END',
      'ECR_ACCESS_STAGE',
      'ECR_ACCESS_SWEEP_MINUTES',
      'ECR_ACCESS_TABLE',
      'LOG_LEVEL',
      'SLACK_BOT_ID',
      'SLACK_BOT_TOKEN_PARAMETER',
      'SLACK_BOT_USER_ID',
      'SLACK_SIGNING_SECRET_PARAMETER',
    ]);
    expect(functionEnv()).toMatchObject({ SLACK_BOT_TOKEN_PARAMETER: TOKEN_PARAMETER, SLACK_SIGNING_SECRET_PARAMETER: SIGNING_SECRET_PARAMETER });
    // Nothing the package step wrote (both templates, the framework's state) resolves or holds a secret.
    for (const file of readdirSync(outDir).filter((name) => name.endsWith('.json'))) {
      const text = readFileSync(join(outDir, file), 'utf8');
      expect({ file, resolves: /\{\{resolve:/.test(text), tokens: /xox[abposr]-/.test(text) }).toEqual({ file, resolves: false, tokens: false });
    }
  });

  it('wires the settings and the table into an environment the app accepts as Lambda config', () => {
    const env = functionEnv();
    expect(env.ECR_ACCESS_TABLE).toEqual({ Ref: 'AccessTable' });
    const rendered = Object.fromEntries(Object.entries(env).map(([name, value]) => [name, render(value)]));
    // What Lambda itself adds to every function's environment, the code root the zip is unpacked to among them.
    const config = loadLambdaConfig({
      ...rendered,
      AWS_REGION: REGION,
      AWS_LAMBDA_FUNCTION_NAME: String(functionResource().Properties.FunctionName),
      LAMBDA_TASK_ROOT: codeRoot,
    });
    expect(config.rules.all.map((rule) => rule.match)).toEqual(EXAMPLE.repositories);
    expect(config).toMatchObject({
      table: TABLE_NAME,
      approvalChannel: EXAMPLE.approvalChannel,
      approvers: EXAMPLE.approvers,
      functionName: FUNCTION_NAME,
      sweepEveryMs: 5 * 60_000,
      slack: {
        botId: EXAMPLE.slackBotId,
        botUserId: EXAMPLE.slackBotUserId,
        secrets: { botToken: { parameter: TOKEN_PARAMETER }, signingSecret: { parameter: SIGNING_SECRET_PARAMETER } },
      },
    });
  });

  it('gives a job time to wait for another holder of a repository, then to hold it itself', () => {
    const waitSeconds = Number(functionEnv().ECR_ACCESS_WAIT_SECONDS ?? 60);
    // After the wait, one holder's passes: a handful of AWS and Slack calls each, every call bounded at 5 s.
    expect(functionResource().Properties.Timeout).toBeGreaterThanOrEqual(waitSeconds + 60);
  });

  it('invokes the function every sweepMinutes (5 in the example) with the sweep event, the only input it sends', () => {
    const rules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    const rule = rules[0]!.Properties as { ScheduleExpression: string; State: string; Targets: Array<{ Arn: unknown; Input: string }> };
    expect(rule.ScheduleExpression).toBe('rate(5 minutes)');
    expect(rule.State).toBe('ENABLED');
    expect(rule.Targets).toHaveLength(1);
    expect(render(rule.Targets[0]!.Arn)).toBe('<SlackLambdaFunction.Arn>');
    expect(JSON.parse(rule.Targets[0]!.Input)).toEqual({ 'ecr-access': 'sweep' });
    const permissions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Permission' && r.Properties.Principal === 'events.amazonaws.com');
    expect(permissions).toHaveLength(1);
  });

  it('routes POST /slack/events of an HTTP API (payload 2.0) to the function, and outputs the URL to paste into Slack', () => {
    const routes = Object.values(template.Resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route');
    expect(routes.map((r) => r.Properties.RouteKey)).toEqual(['POST /slack/events']);
    const integration = Object.values(template.Resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Integration')!;
    expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    expect(render((template.Outputs.SlackRequestUrl as Json).Value)).toBe(`https://<HttpApi>.execute-api.${REGION}.amazonaws.com/slack/events`);
  });

  it('names what it creates as deploy/names.ts named them when it checked their lengths', () => {
    const role = template.Resources.IamRoleLambdaExecution!.Properties;
    const exported = String(((template.Outputs.ServerlessDeploymentBucketName as Json).Export as Json).Name);
    expect({
      stack: exported.replace(/^sls-/, '').replace(/-ServerlessDeploymentBucketName$/, ''),
      functionName: functionResource().Properties.FunctionName,
      role: render(role.RoleName),
      rolePolicy: render((role.Policies as Array<{ PolicyName: unknown }>)[0]!.PolicyName),
      logGroup: template.Resources.SlackLogGroup!.Properties.LogGroupName,
      httpApi: template.Resources.HttpApi!.Properties.Name,
      deadLetterQueue: template.Resources.DeadLetterQueue!.Properties.QueueName,
    }).toEqual(stackNames(STAGE, REGION));
  });

  it('builds the environment and the role that deploy/limits.ts measured before packaging', () => {
    const settings = settingsOfTheRun();
    expect(functionEnv()).toEqual(functionEnvironment(settings));
    expect(roleDocuments(template)).toEqual(rolePolicyDocuments(STAGE, settings));
    expect(iamSize(roleDocuments(template))).toBe(rolePolicySize(rolePolicyDocuments(STAGE, settings), REGION, referencedBy(STAGE, settings)));
  });
});

describe('a stage sharing by a settings file', () => {
  let rulesDir: string;
  let ruled: typeof template;
  let ruledCodeRoot: string;
  const RULES = 'repositories:\n  common-images: {}\n  "team-*": { approvers: [U0CITEAMLEAD], maxGrant: 30d }\n  "shared/*": {}\n';

  beforeAll(async () => {
    rulesDir = mkdtempSync(join(tmpdir(), 'ecr-access-package-rules-'));
    writeFileSync(join(rulesDir, 'rules.yml'), RULES);
    // The framework alone, on the bundle the first run built: the repositories come from the file.
    await run(
      join(ROOT, 'node_modules', '.bin', 'osls'),
      ['package', '--stage', STAGE, ...YOUR_IDS, '--param=repositories=', `--param=settingsFile=${join(rulesDir, 'rules.yml')}`, '--package', join(rulesDir, 'out')],
      { cwd: ROOT, env: withoutAws(rulesDir), maxBuffer: 10 * 1024 * 1024 },
    );
    ruled = JSON.parse(readFileSync(join(rulesDir, 'out', 'cloudformation-template-update-stack.json'), 'utf8'));
    ruledCodeRoot = unpacked(join(rulesDir, 'out', 'ecr-access.zip'));
  }, 120_000);

  afterAll(() => {
    for (const dir of [rulesDir, ruledCodeRoot]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships the settings file in the bundle, and the function reads its rules from there', () => {
    expect(readFileSync(join(ruledCodeRoot, SETTINGS_FILE), 'utf8')).toBe(RULES);
    expect(existsSync(join(ruledCodeRoot, REPOSITORY_FILE))).toBe(false);
    const env = (ruled.Resources.SlackLambdaFunction!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    const rendered = Object.fromEntries(Object.entries(env).map(([name, value]) => [name, render(value)]));
    expect(rendered.ECR_ACCESS_REPOSITORIES_FILE).toBeUndefined();
    const config = loadLambdaConfig({ ...rendered, AWS_REGION: REGION, AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME, LAMBDA_TASK_ROOT: ruledCodeRoot });
    expect(config.rules.ruleFor('team-payments')).toMatchObject({ match: 'team-*', approvers: { users: ['U0CITEAMLEAD'], groups: [] } });
    expect(config.rules.ruleFor('private-images')).toBeUndefined();
  });

  it('names each pattern by one wildcard ARN, and lists the registry only to find what the patterns match', () => {
    const statements = (renderDeep(roleDocuments(ruled)) as Array<{ Statement: Statement[] }>)[0]!.Statement.filter((st) =>
      [st.Action].flat().some((action) => String(action).startsWith('ecr:')),
    );
    const arn = (name: string) => `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`;
    expect(statements.map((st) => ({ Action: st.Action, Resource: st.Resource }))).toEqual([
      {
        Action: ['ecr:DescribeRepositories', 'ecr:GetRepositoryPolicy', 'ecr:SetRepositoryPolicy', 'ecr:DeleteRepositoryPolicy'],
        Resource: ['common-images', 'shared/*', 'team-*'].map(arn),
      },
      { Action: ['ecr:DescribeRepositories'], Resource: [arn('*')] },
    ]);
  });
});

// 1, 150 (where one ARN per repository used to pass IAM's limit) and 400, the most a list may
// hold: the same environment, and a role within IAM's limit by patterns covering every name.
describe.each([1, 150, 400])('a stage sharing %i repositories by list', (count) => {
  const names = Array.from({ length: count }, (_, i) => `${['platform', 'data', 'web', 'ml', 'payments'][i % 5]}-team-${(i * 7) % 53}/service-${i}`);
  let bigDir: string;
  let big: typeof template;
  let bigCodeRoot: string;

  beforeAll(async () => {
    bigDir = mkdtempSync(join(tmpdir(), `ecr-access-package-${count}-`));
    // The framework alone, on the bundle the first run built: only the settings differ.
    await run(join(ROOT, 'node_modules', '.bin', 'osls'), ['package', '--stage', STAGE, ...YOUR_IDS, `--param=repositories=${names.join(',')}`, '--package', bigDir], {
      cwd: ROOT,
      env: withoutAws(bigDir),
      maxBuffer: 10 * 1024 * 1024,
    });
    big = JSON.parse(readFileSync(join(bigDir, 'cloudformation-template-update-stack.json'), 'utf8'));
    bigCodeRoot = unpacked(join(bigDir, 'ecr-access.zip'));
  }, 120_000);

  afterAll(() => {
    for (const dir of [bigDir, bigCodeRoot]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('packages every one in the bundle, and the function reads them from there', () => {
    expect(JSON.parse(readFileSync(join(bigCodeRoot, REPOSITORY_FILE), 'utf8'))).toEqual(names);
    const env = (big.Resources.SlackLambdaFunction!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    const rendered = Object.fromEntries(Object.entries(env).map(([name, value]) => [name, render(value)]));
    const config = loadLambdaConfig({ ...rendered, AWS_REGION: REGION, AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME, LAMBDA_TASK_ROOT: bigCodeRoot });
    expect(config.rules.all.map((rule) => rule.match)).toEqual(names);
  });

  it('gives the function the environment it has for two repositories', () => {
    const env = (t: typeof template) => (t.Resources.SlackLambdaFunction!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    // The example run also named a KMS key, which is not in the environment.
    expect(env(big)).toEqual(env(template));
    expect(environmentSize(env(big), REGION, referencedBy(STAGE, settingsOfTheRun()))).toBeLessThan(1_024);
  });

  it("keeps the role's inline policy within IAM's 10,240 characters, naming the repositories by patterns that cover each", () => {
    expect(iamSize(roleDocuments(big))).toBeLessThanOrEqual(10_240);
    const ecr = (renderDeep(roleDocuments(big)) as Array<{ Statement: Statement[] }>)[0]!.Statement.find((st) => [st.Action].flat().includes('ecr:SetRepositoryPolicy'))!;
    const patterns = (ecr.Resource as string[]).map((arn) => arn.replace(`arn:aws:ecr:${REGION}:${ACCOUNT}:repository/`, ''));
    // One repository is named by its own ARN; many by fewer patterns than names.
    if (count === 1) expect(patterns).toEqual(names);
    else expect(patterns.length).toBeLessThan(names.length);
    const covered = (name: string) => patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
    expect(names.filter((name) => !covered(name))).toEqual([]);
  });
});

// Past 400 names the repositories are shared from a settings file: 1,000 or 5,000 of them by name
// package as two do, the role's policy within IAM's limit and the environment the same size.
describe.each([1_000, 5_000])('a stage sharing %i repositories by name in a settings file', (count) => {
  const names = Array.from({ length: count }, (_, i) => `${['platform', 'data', 'web', 'ml', 'payments'][i % 5]}-team-${(i * 7) % 53}/service-${i}`);
  let dir: string;
  let packaged: typeof template;
  let codeRoot: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `ecr-access-package-${count}-`));
    writeFileSync(join(dir, 'rules.yml'), `repositories:\n${names.map((name) => `  ${name}: {}\n`).join('')}`);
    await run(
      join(ROOT, 'node_modules', '.bin', 'osls'),
      ['package', '--stage', STAGE, ...YOUR_IDS, '--param=repositories=', `--param=settingsFile=${join(dir, 'rules.yml')}`, '--package', join(dir, 'out')],
      { cwd: ROOT, env: withoutAws(dir), maxBuffer: 10 * 1024 * 1024 },
    );
    packaged = JSON.parse(readFileSync(join(dir, 'out', 'cloudformation-template-update-stack.json'), 'utf8'));
    codeRoot = unpacked(join(dir, 'out', 'ecr-access.zip'));
  }, 120_000);

  afterAll(() => {
    for (const made of [dir, codeRoot]) if (made) rmSync(made, { recursive: true, force: true });
  });

  it('packages them in the bundle, and the function reads every rule from there', () => {
    const env = (packaged.Resources.SlackLambdaFunction!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    const rendered = Object.fromEntries(Object.entries(env).map(([name, value]) => [name, render(value)]));
    const config = loadLambdaConfig({ ...rendered, AWS_REGION: REGION, AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME, LAMBDA_TASK_ROOT: codeRoot });
    expect(config.rules.all.map((rule) => rule.match)).toEqual(names);
    expect(environmentSize(env, REGION, referencedBy(STAGE, settingsOfTheRun()))).toBeLessThan(1_024);
  });

  it("keeps the role's inline policy within IAM's 10,240 characters, by patterns that cover every name", () => {
    expect(iamSize(roleDocuments(packaged))).toBeLessThanOrEqual(10_240);
    const ecr = (renderDeep(roleDocuments(packaged)) as Array<{ Statement: Statement[] }>)[0]!.Statement.find((st) => [st.Action].flat().includes('ecr:SetRepositoryPolicy'))!;
    const patterns = (ecr.Resource as string[]).map((arn) => arn.replace(`arn:aws:ecr:${REGION}:${ACCOUNT}:repository/`, ''));
    const covered = (name: string) => patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
    expect(names.filter((name) => !covered(name))).toEqual([]);
  });
});

describe("README's deployer policy", () => {
  /** The JSON block of "The deployer's IAM permissions", for this test's account and region. */
  function deployerPolicy(): IdentityPolicy {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf("### The deployer's IAM permissions"));
    const [, json] = /```json\n([\s\S]*?)\n```/.exec(section) ?? [];
    if (!json) throw new Error("README.md has no JSON block under \"The deployer's IAM permissions\"");
    return JSON.parse(json.replaceAll('REGION', REGION).replaceAll('ACCOUNT', ACCOUNT)) as IdentityPolicy;
  }

  /** What a call is made on: a resource's ARN, or `*` for a call that takes none. */
  type Call = readonly [action: string, resource: string];
  const on = (resource: string, actions: readonly string[]): Call[] => actions.map((action) => [action, resource]);

  /**
   * Names CloudFormation makes up (the bucket, the rule, the API's ID), as it makes them: the stack's
   * name, the logical ID and a random suffix, shortened to fit.
   */
  const names = () => {
    const n = stackNames(STAGE, REGION);
    const bucket = `arn:aws:s3:::${n.stack}-serverlessdeploymentbuck-1a2b3c4d5e6f`;
    const api = `arn:aws:apigateway:${REGION}::/apis/a1b2c3d4e5`;
    return {
      ...n,
      stackArn: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${n.stack}/0e1f2a3b-4c5d-6e7f-8a9b-0c1d2e3f4a5b`,
      bucket,
      codeObject: `${bucket}/serverless/ecr-access/${STAGE}/1796612865280-2026-12-07T03:07:45.280Z/ecr-access.zip`,
      roleArn: `arn:aws:iam::${ACCOUNT}:role/${n.role}`,
      functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${n.functionName}`,
      logGroupArn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${n.logGroup}`,
      apis: `arn:aws:apigateway:${REGION}::/apis`,
      api,
    };
  };
  type Names = ReturnType<typeof names>;

  /**
   * What CloudFormation calls with the deployer's credentials to create, read, update and delete
   * each resource type of the stack: the permissions of each type's handlers in its CloudFormation
   * registry schema (as pulumi/pulumi-aws-native copies them in aws-cloudformation-schema/),
   * less those only properties this stack does not set call (VPCs, layers, code signing, replicas,
   * Kinesis, imports, S3 features the bucket does not use), and less KMS, whose AWS managed keys
   * let their own service in. A property that brings more with it is read from the template.
   * A type missing here fails the test: add what CloudFormation needs for it, then README's policy.
   */
  const CLOUDFORMATION_NEEDS: Record<string, (properties: Json, logicalId: string, n: Names) => Call[]> = {
    'AWS::S3::Bucket': (_p, _id, n) =>
      on(n.bucket, [
        's3:CreateBucket', 's3:DeleteBucket', 's3:ListBucket', 's3:PutEncryptionConfiguration', 's3:PutBucketTagging',
        // The read handler, run after each create and update.
        's3:GetAccelerateConfiguration', 's3:GetAnalyticsConfiguration', 's3:GetBucketCORS', 's3:GetBucketLogging',
        's3:GetBucketNotification', 's3:GetBucketObjectLockConfiguration', 's3:GetBucketOwnershipControls', 's3:GetBucketPublicAccessBlock',
        's3:GetBucketTagging', 's3:GetBucketVersioning', 's3:GetBucketWebsite', 's3:GetEncryptionConfiguration',
        's3:GetIntelligentTieringConfiguration', 's3:GetInventoryConfiguration', 's3:GetLifecycleConfiguration',
        's3:GetMetricsConfiguration', 's3:GetReplicationConfiguration', 's3:ListTagsForResource',
      ]),
    'AWS::S3::BucketPolicy': (_p, _id, n) => on(n.bucket, ['s3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy']),
    'AWS::Logs::LogGroup': (p) => [
      ...on(`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${String(p.LogGroupName)}`, [
        'logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy',
        'logs:TagResource', 'logs:UntagResource', 'logs:ListTagsForResource', 'logs:GetDataProtectionPolicy',
      ]),
      ...on('*', ['logs:DescribeLogGroups', 'logs:DescribeResourcePolicies', 'logs:DescribeIndexPolicies']),
    ],
    'AWS::IAM::Role': (p, _id, n) =>
      on(n.roleArn, [
        'iam:CreateRole', 'iam:GetRole', 'iam:DeleteRole', 'iam:UpdateAssumeRolePolicy', 'iam:TagRole', 'iam:UntagRole',
        'iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies',
        ...(p.ManagedPolicyArns ? ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'] : []),
      ]),
    'AWS::Lambda::Function': (p, _id, n) => [
      ...on(n.functionArn, [
        'lambda:CreateFunction', 'lambda:DeleteFunction', 'lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration',
        'lambda:TagResource', 'lambda:UntagResource', 'lambda:GetFunction', 'lambda:GetFunctionCodeSigningConfig',
        'lambda:GetFunctionRecursionConfig', 'lambda:GetRuntimeManagementConfig', 'lambda:GetFunctionScalingConfig',
        ...(p.ReservedConcurrentExecutions !== undefined ? ['lambda:PutFunctionConcurrency', 'lambda:DeleteFunctionConcurrency'] : []),
      ]),
      // Lambda takes the code from the deployment bucket, and the role from the deployer.
      ['s3:GetObject', n.codeObject],
      ['iam:PassRole', n.roleArn],
    ],
    'AWS::Lambda::EventInvokeConfig': (_p, _id, n) =>
      on(`${n.functionArn}:$LATEST`, [
        'lambda:PutFunctionEventInvokeConfig', 'lambda:GetFunctionEventInvokeConfig', 'lambda:UpdateFunctionEventInvokeConfig',
        'lambda:DeleteFunctionEventInvokeConfig',
      ]),
    'AWS::Lambda::Permission': (_p, _id, n) => on(n.functionArn, ['lambda:AddPermission', 'lambda:RemovePermission', 'lambda:GetPolicy']),
    'AWS::Events::Rule': (p, id, n) => [
      ...on(`arn:aws:events:${REGION}:${ACCOUNT}:rule/${n.stack}-${id}-1A2B3C4D5E6F`, [
        'events:PutRule', 'events:DescribeRule', 'events:DeleteRule', 'events:PutTargets', 'events:RemoveTargets',
        'events:ListTargetsByRule', 'events:TagResource', 'events:UntagResource', 'events:ListTagsForResource',
      ]),
      // Only a rule or a target that acts as a role passes one.
      ...(p.RoleArn || (p.Targets as Json[] | undefined)?.some((target) => target.RoleArn) ? [['iam:PassRole', '<its role>'] as const] : []),
    ],
    'AWS::ApiGatewayV2::Api': (_p, _id, n) => [...on(n.apis, ['apigateway:POST']), ...on(n.api, ['apigateway:GET', 'apigateway:PUT', 'apigateway:PATCH', 'apigateway:DELETE'])],
    'AWS::ApiGatewayV2::Stage': (p, _id, n) => [
      ...on(`${n.api}/stages/$default`, ['apigateway:POST', 'apigateway:GET', 'apigateway:PATCH', 'apigateway:DELETE', 'apigateway:TagResource', 'apigateway:UntagResource']),
      // Access logs: API Gateway sets up their delivery with the deployer's credentials (docs: "Configuring logging for an HTTP API";
      // the CreateLogGroup the docs list there is for a group the console makes, and the stack makes its own).
      ...(p.AccessLogSettings
        ? on('*', [
            'logs:CreateLogDelivery', 'logs:PutResourcePolicy', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery',
            'logs:DescribeResourcePolicies', 'logs:GetLogDelivery', 'logs:ListLogDeliveries',
          ])
        : []),
    ],
    'AWS::ApiGatewayV2::Integration': (_p, _id, n) => on(`${n.api}/integrations/1ntegr8`, ['apigateway:POST', 'apigateway:GET', 'apigateway:PUT', 'apigateway:PATCH', 'apigateway:DELETE']),
    'AWS::ApiGatewayV2::Route': (_p, _id, n) => on(`${n.api}/routes/r0ute1d`, ['apigateway:POST', 'apigateway:GET', 'apigateway:PUT', 'apigateway:PATCH', 'apigateway:DELETE']),
    'AWS::SQS::Queue': (p) => [
      ...on(`arn:aws:sqs:${REGION}:${ACCOUNT}:${String(p.QueueName)}`, [
        'sqs:CreateQueue', 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes', 'sqs:SetQueueAttributes', 'sqs:ListQueueTags',
        'sqs:TagQueue', 'sqs:UntagQueue', 'sqs:DeleteQueue',
      ]),
    ],
    // CloudFormation names each alarm after the stack, its logical ID and a random suffix.
    'AWS::CloudWatch::Alarm': (_p, id, n) =>
      on(`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${n.stack}-${id}-1A2B3C4D5E6F`, [
        'cloudwatch:PutMetricAlarm', 'cloudwatch:DescribeAlarms', 'cloudwatch:DeleteAlarms', 'cloudwatch:TagResource',
        'cloudwatch:UntagResource', 'cloudwatch:ListTagsForResource',
      ]),
    'AWS::DynamoDB::Table': (p) =>
      // No DeleteTable: the table is retained, so CloudFormation never deletes it.
      on(`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${String(p.TableName)}`, [
        'dynamodb:CreateTable', 'dynamodb:DescribeTable', 'dynamodb:UpdateTable', 'dynamodb:DescribeContinuousBackups',
        'dynamodb:UpdateContinuousBackups', 'dynamodb:DescribeTimeToLive', 'dynamodb:DescribeContributorInsights',
        'dynamodb:DescribeKinesisStreamingDestination', 'dynamodb:GetResourcePolicy', 'dynamodb:ListTagsOfResource',
        'dynamodb:TagResource', 'dynamodb:UntagResource',
      ]),
  };

  /**
   * The framework's own calls (osls deploy, info, logs and remove): the stack, by change sets; the
   * artifacts in the deployment bucket; the function, to see whether its code changed.
   */
  const frameworkNeeds = (n: Names): Call[] => [
    ...on(n.stackArn, [
      'cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents', 'cloudformation:DescribeStackResource',
      'cloudformation:DescribeStackResources', 'cloudformation:ListStackResources', 'cloudformation:GetTemplate',
      'cloudformation:CreateChangeSet', 'cloudformation:DescribeChangeSet', 'cloudformation:ExecuteChangeSet',
      'cloudformation:DeleteChangeSet', 'cloudformation:CreateStack', 'cloudformation:UpdateStack', 'cloudformation:DeleteStack',
    ]),
    ['cloudformation:ValidateTemplate', '*'],
    ['s3:ListBucket', n.bucket],
    ...on(n.codeObject, ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']),
    ['lambda:GetFunction', n.functionArn],
    ['apigateway:GET', n.api],
    ['logs:FilterLogEvents', n.logGroupArn],
  ];

  /** SSM reads: CloudFormation reads a parameter the template resolves (`{{resolve:ssm:…}}`, or an SSM parameter type). */
  const ssmNeeds = (t: typeof template): Call[] =>
    /\{\{resolve:ssm|AWS::SSM::Parameter::Value/.test(JSON.stringify(t)) ? [['ssm:GetParameters', `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/*`]] : [];

  const refused = (calls: readonly Call[]) => {
    const policy = deployerPolicy();
    return calls.filter(([action, resource]) => !allows(policy, action, resource)).map(([action, resource]) => `${action} on ${resource}`);
  };

  it('lets CloudFormation create, update and delete every resource of the packaged stack', () => {
    const types = [...new Set(Object.values(template.Resources).map((r) => r.Type))];
    expect(types.filter((type) => !(type in CLOUDFORMATION_NEEDS))).toEqual([]);
    const calls = Object.entries(template.Resources).flatMap(([id, r]) => CLOUDFORMATION_NEEDS[r.Type]!(renderDeep(r.Properties) as Json, id, names()));
    expect(refused([...calls, ...ssmNeeds(template)])).toEqual([]);
  });

  it('lets the framework deploy, describe, tail and remove the stack', () => {
    expect(refused(frameworkNeeds(names()))).toEqual([]);
  });

  it('grants on * only the calls that take no resource, and nothing in ECR', () => {
    const policy = deployerPolicy();
    const everywhere = policy.Statement.filter((st) => [st.Resource].flat().includes('*')).flatMap((st) => [st.Action].flat());
    expect(everywhere.sort()).toEqual([
      'cloudformation:ValidateTemplate', 'logs:CreateLogDelivery', 'logs:DeleteLogDelivery', 'logs:DescribeIndexPolicies', 'logs:DescribeLogGroups',
      'logs:DescribeResourcePolicies', 'logs:GetLogDelivery', 'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:UpdateLogDelivery',
    ]);
    expect(policy.Statement.flatMap((st) => [st.Action].flat()).filter((action) => /^ecr:/i.test(action) || action === '*')).toEqual([]);
  });
});

describe('the packaged operations', () => {
  const alarms = () => Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm');
  const queueArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:ecr-access-${STAGE}-jobs`;

  it('sends a job that failed its one retry, with its payload, to the stack’s own dead-letter queue', () => {
    const config = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::EventInvokeConfig')!.Properties as {
      MaximumRetryAttempts: number;
      DestinationConfig: { OnFailure: { Destination: unknown } };
    };
    expect(config.MaximumRetryAttempts).toBe(1);
    expect(render(config.DestinationConfig.OnFailure.Destination)).toBe(queueArn);
    expect(template.Resources.DeadLetterQueue!.Properties).toMatchObject({ MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true });
    expect(render(functionEnv().ECR_ACCESS_DEAD_LETTER_QUEUE)).toBe(`https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/ecr-access-${STAGE}-jobs`);
  });

  it('lets the function count, take and delete the jobs of that queue, and Lambda send them there, nothing else in SQS', () => {
    for (const action of ['sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:SendMessage']) expect(resourcesFor(action)).toEqual([queueArn]);
    expect(botStatements().flatMap((s) => s.actions).filter((a) => a.startsWith('sqs:')).sort()).toEqual(['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:SendMessage']);
  });

  it('alarms on ecr-access’s own metrics of this stage, each one the code writes, and on the function’s errors and throttles', () => {
    const watched = alarms().map(([name, r]) => {
      const p = r.Properties as { Namespace: string; MetricName: string; Dimensions: Array<{ Name: string; Value: unknown }> };
      return { name, metric: `${p.Namespace}/${p.MetricName}`, dimensions: p.Dimensions.map((d) => `${d.Name}=${render(d.Value)}`) };
    });
    expect(watched.map((a) => a.name).sort()).toEqual([
      'AnnouncementsOwedAlarm',
      'FunctionErrorsAlarm',
      'FunctionThrottledAlarm',
      'GrantsFailedAlarm',
      'JobsWaitingAlarm',
      'PolicyNearLimitAlarm',
      'SweepFailingAlarm',
      'SweepSilentAlarm',
    ]);
    for (const alarm of watched.filter((a) => a.metric.startsWith(`${METRIC_NAMESPACE}/`))) {
      expect(Object.keys(METRIC_UNITS)).toContain(alarm.metric.split('/')[1]);
      expect(alarm.dimensions).toEqual([`${STAGE_DIMENSION}=${STAGE}`]);
    }
    for (const alarm of watched.filter((a) => a.metric.startsWith('AWS/Lambda/'))) expect(alarm.dimensions).toEqual(['FunctionName=<SlackLambdaFunction>']);
  });

  it('times the sweep alarms by its period (5 minutes in the example) and the policy alarm at 90%', () => {
    const props = (name: string) => template.Resources[name]!.Properties;
    expect(props('SweepSilentAlarm')).toMatchObject({ Statistic: 'SampleCount', Period: 900, Threshold: 1, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching' });
    expect(props('SweepFailingAlarm')).toMatchObject({ Period: 300, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    expect(props('AnnouncementsOwedAlarm')).toMatchObject({ Period: 300, EvaluationPeriods: 3, DatapointsToAlarm: 3 });
    expect(props('PolicyNearLimitAlarm')).toMatchObject({ Statistic: 'Maximum', Threshold: 90, ComparisonOperator: 'GreaterThanThreshold' });
  });

  it('notifies nobody from the example, which sets no alarm topic', () => {
    for (const [, alarm] of alarms()) expect(alarm.Properties).toMatchObject({ AlarmActions: [], OKActions: [] });
  });

  it('throttles the endpoint with the default burst and rate, and logs every request it answers', () => {
    const stage = template.Resources.HttpApiStage!;
    expect(stage.Properties.DefaultRouteSettings).toEqual({ DetailedMetricsEnabled: false, ThrottlingBurstLimit: 20, ThrottlingRateLimit: 10 });
    const format = JSON.parse(String((stage.Properties.AccessLogSettings as { Format: string }).Format)) as Record<string, string>;
    expect(format).toMatchObject({ status: '$context.status', ip: '$context.identity.sourceIp', error: '$context.error.message' });
    expect(template.Resources.HttpApiLogGroup!.Properties).toMatchObject({ RetentionInDays: 30 });
  });

  it('reserves the function its own concurrency', () => {
    expect(functionResource().Properties.ReservedConcurrentExecutions).toBe(50);
  });
});

describe('npm run package without settings', () => {
  it('stops before packaging anything, with one message naming each missing setting and how to give it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecr-access-no-settings-'));
    try {
      // The framework itself, as `npm run package` runs it after bundling, for a stage with no settings file.
      const failure = await run(join(ROOT, 'node_modules', '.bin', 'osls'), ['package', '--stage', 'no-such-stage', '--package', dir], {
        cwd: ROOT,
        env: withoutAws(dir),
      }).then(
        () => undefined,
        (error: { code?: number; stdout: string; stderr: string }) => error,
      );
      expect(failure?.code).not.toBe(0);
      const output = `${failure!.stdout}\n${failure!.stderr}`;
      expect(output.match(/ecr-access cannot be deployed to stage "no-such-stage"/g)).toHaveLength(1);
      for (const setting of ['region', 'repositories', 'approvalChannel', 'slackBotId', 'slackBotUserId', 'approvers and approverGroup']) {
        expect(output).toContain(`- ${setting} `);
      }
      expect(output).toContain('copy deploy/stages/example.yml to it');
      expect(output).toContain('--param="name=value"');
      expect(output).not.toContain('Value not found');
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the bundle', () => {
  const signingSecret = 'bundle-test-signing-secret';
  let handler: HttpApiHandler;
  let ssm: SsmEmulator;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    ssm = await startSsmEmulator({ region: REGION });
    ssm.putParameter({ name: TOKEN_PARAMETER, value: 'xoxb-bundle-test' });
    ssm.putParameter({ name: SIGNING_SECRET_PARAMETER, value: signingSecret });
    Object.assign(process.env, {
      SLACK_BOT_TOKEN_PARAMETER: TOKEN_PARAMETER,
      SLACK_SIGNING_SECRET_PARAMETER: SIGNING_SECRET_PARAMETER,
      SLACK_BOT_ID: EXAMPLE.slackBotId,
      SLACK_BOT_USER_ID: EXAMPLE.slackBotUserId,
      ECR_ACCESS_TABLE: TABLE_NAME,
      ECR_ACCESS_APPROVAL_CHANNEL: EXAMPLE.approvalChannel,
      ECR_ACCESS_APPROVERS: EXAMPLE.approvers.join(','),
      ECR_ACCESS_REPOSITORIES_FILE: REPOSITORY_FILE,
      LAMBDA_TASK_ROOT: codeRoot,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SSM: ssm.url,
      AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
      LOG_LEVEL: 'error',
    });
    delete process.env.SLACK_BOT_TOKEN;
    delete process.env.SLACK_SIGNING_SECRET;
    delete process.env.ECR_ACCESS_REPOSITORIES;
    // The handler as packaged, unpacked as Lambda unpacks it: it finds its SDK file and its repositories beside it.
    ({ handler } = require(join(codeRoot, 'dist', 'lambda', 'index.js')) as { handler: HttpApiHandler });
  });

  afterAll(async () => {
    process.env = savedEnv;
    await ssm?.close();
  });

  it('loads, reads its secrets from SSM, and answers a signed /ecr-access help from Slack, naming the packaged repositories, without any other AWS or Slack call', async () => {
    const rawBody = encodeSlashCommand(
      slashCommandFields({
        app: { teamId: 'T0TEAM', teamDomain: 'team', apiAppId: 'A0APP', verificationToken: 'legacy' },
        user: { id: 'U0REQUESTER', name: 'alice' },
        channel: { id: 'C0GENERAL', name: 'general' },
        command: '/ecr-access',
        text: 'help',
        responseUrl: 'https://hooks.slack.com/commands/T0TEAM/1/abc',
      }),
    );
    const reply = await handler(
      httpApiEvent({ rawBody, headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...signSlackRequest(signingSecret, rawBody) } }),
      {},
    );
    expect(reply).toMatchObject({ statusCode: 200 });
    for (const repository of EXAMPLE.repositories) expect(reply!.body).toContain(repository);
    expect(ssm.calls).toEqual([{ action: 'GetParameters', names: [TOKEN_PARAMETER, SIGNING_SECRET_PARAMETER], withDecryption: true }]);
  });

  it('refuses an unsigned request', async () => {
    const reply = await handler(httpApiEvent({ rawBody: 'command=%2Fecr-access&text=help', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), {});
    expect(reply).toMatchObject({ statusCode: 401 });
  });
});
