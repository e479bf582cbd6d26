// `npm run package` as CI runs it: no AWS credentials, nothing downloaded, the settings taken from
// the committed deploy/stages/example.yml (and one --param). The CloudFormation it generates is
// read back and held to the deployment's promises: least-privilege IAM derived from what the
// bundled code really sends, no Slack secret anywhere in the template or the function's
// environment (only the names of their SSM parameters), a retained and recoverable table built
// from the app's own schema, and an environment the app's own config accepts. The bundle itself is
// loaded and asked, reading its secrets from a local SSM. Missing settings stop it with one message.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tableDefinition } from '../../src/aws/table-schema';
import { loadLambdaConfig } from '../../src/config';
import { encodeSlashCommand, slashCommandFields } from '../../sandbox/slack/payloads';
import { signSlackRequest } from '../../sandbox/slack/signature';
import { startSsmEmulator, type SsmEmulator } from '../../sandbox/ssm-emulator';
import { httpApiEvent, type HttpApiHandler } from '../support/http-api';
import { zipEntries } from '../support/zip-entries';

const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);
/** deploy/stages/example.yml: these are its values. */
const STAGE = 'example';
const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const EXAMPLE = {
  repositories: ['common-images', 'team/base-images'],
  approvalChannel: 'C012ABCDEF',
  approvers: ['U012ABCDEF', 'U034GHIJKL'],
  slackBotId: 'B012ABCDEF',
  slackBotUserId: 'U056MNOPQR',
};
/** Given for this run only, on top of the file: a customer managed key for the secrets. */
const KMS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
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

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'ecr-access-package-'));
  await run('npm', ['run', 'package', '--', '--stage', STAGE, `--param=secretsKmsKey=${KMS_KEY}`, '--package', outDir], {
    cwd: ROOT,
    env: withoutAws(outDir),
    maxBuffer: 10 * 1024 * 1024,
  });
  template = JSON.parse(readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'));
  packaged = zipEntries(join(outDir, 'ecr-access.zip'));
}, 180_000);

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
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
    return `<${name}.${attribute}>`;
  }
  throw new Error(`no rendering for ${JSON.stringify(value)}`);
}

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
/** Granted though no code sends it: SSM calls KMS on the function's behalf to decrypt a SecureString. */
const CALLED_FOR_THE_FUNCTION = ['kms:Decrypt'];

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
  it('packages the bundle and nothing else', () => {
    expect(packaged).toEqual(['dist/lambda/aws-sdk.js', 'dist/lambda/index.js']);
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
    expect(Object.keys(sdk).sort()).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/client-ecr', '@aws-sdk/client-lambda', '@aws-sdk/client-ssm', '@aws-sdk/util-dynamodb']);
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
    expect([...new Set(granted)].filter((a) => !CALLED_FOR_THE_FUNCTION.includes(a)).sort()).toEqual(actionsTheBundleSends());
    expect(actionsTheBundleSends()).toContain('ssm:GetParameters');
    for (const s of botStatements()) {
      for (const item of [...s.actions, ...s.resources]) expect(item).not.toMatch(/\*/);
    }
  });

  it('builds the table from the app schema: on demand, point-in-time recovery, encrypted, retained', () => {
    const table = template.Resources.AccessTable!;
    const schema = tableDefinition(TABLE_NAME);
    expect(table).toMatchObject({ Type: 'AWS::DynamoDB::Table', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(table.Properties).toMatchObject({
      TableName: TABLE_NAME,
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
      'ECR_ACCESS_APPROVAL_CHANNEL',
      'ECR_ACCESS_APPROVERS',
      'ECR_ACCESS_APPROVER_GROUP',
      'ECR_ACCESS_MAX_GRANT',
      'ECR_ACCESS_NUDGE_AFTER_MINUTES',
      'ECR_ACCESS_PENDING_LAPSE',
      'ECR_ACCESS_REMINDER',
      'ECR_ACCESS_REPOSITORIES',
      'ECR_ACCESS_REQUIRE_GRANT_END',
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
    // What Lambda itself adds to every function's environment.
    const config = loadLambdaConfig({ ...rendered, AWS_REGION: REGION, AWS_LAMBDA_FUNCTION_NAME: String(functionResource().Properties.FunctionName) });
    expect(config).toMatchObject({
      table: TABLE_NAME,
      repositories: EXAMPLE.repositories,
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
      ECR_ACCESS_REPOSITORIES: 'common-images',
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SSM: ssm.url,
      AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
      LOG_LEVEL: 'error',
    });
    delete process.env.SLACK_BOT_TOKEN;
    delete process.env.SLACK_SIGNING_SECRET;
    ({ handler } = require(join(ROOT, 'dist', 'lambda', 'index.js')) as { handler: HttpApiHandler });
  });

  afterAll(async () => {
    process.env = savedEnv;
    await ssm?.close();
  });

  it('loads, reads its secrets from SSM, and answers a signed /ecr-access help from Slack without any other AWS or Slack call', async () => {
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
    expect(reply!.body).toContain('common-images');
    expect(ssm.calls).toEqual([{ action: 'GetParameters', names: [TOKEN_PARAMETER, SIGNING_SECRET_PARAMETER], withDecryption: true }]);
  });

  it('refuses an unsigned request', async () => {
    const reply = await handler(httpApiEvent({ rawBody: 'command=%2Fecr-access&text=help', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), {});
    expect(reply).toMatchObject({ statusCode: 401 });
  });
});
