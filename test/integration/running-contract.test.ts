// The way anyone runs the bot: from a checkout, `npm start` with settings in the environment and
// `npm run create-table` against the configured endpoint; on a server, README.md's production
// steps (build, `npm ci --omit=dev`, `node` on the built files); and one clear message when
// settings are wrong.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startLocalWorld, SANDBOX, type LocalWorld } from '../../sandbox/local-world';
import { productionInstall, type ProductionInstall } from '../support/production-install';

const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);
const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };

/** README.md's production commands, run where `npm run build` and `npm ci --omit=dev` left the server. */
const PRODUCTION_START = ['node', '--enable-source-maps', 'dist/server/server.js'] as const;
const PRODUCTION_CREATE_TABLE = ['node', '--enable-source-maps', 'dist/server/create-table.js'] as const;

async function tableIndexes(world: LocalWorld, table: string): Promise<string[]> {
  const dynamo = new DynamoDBClient({ region: SANDBOX.region, endpoint: world.dynamoUrl, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const described = await dynamo.send(new DescribeTableCommand({ TableName: table }));
  dynamo.destroy();
  return described.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName ?? '') ?? [];
}

describe('npm start', () => {
  it('exits non-zero with one message naming every missing setting', async () => {
    const failure = await run('npm', ['start', '--silent'], { cwd: ROOT, env: baseEnv }).catch((error: { code: number; stderr: string }) => error);
    expect('code' in failure && failure.code).not.toBe(0);
    const stderr = (failure as { stderr: string }).stderr;
    expect(stderr.match(/ecr-access cannot start/g)).toHaveLength(1);
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'ECR_ACCESS_TABLE', 'ECR_ACCESS_APPROVAL_CHANNEL', 'ECR_ACCESS_REPOSITORIES', 'AWS_REGION', 'ECR_ACCESS_APPROVERS']) {
      expect(stderr).toContain(`- ${name}`);
    }
  });

  it('says what is wrong with a setting that is present but invalid', async () => {
    const failure = await run('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { ...baseEnv, SLACK_BOT_TOKEN: 'not-a-token', SLACK_SIGNING_SECRET: 's', ECR_ACCESS_TABLE: 't!', ECR_ACCESS_APPROVAL_CHANNEL: '#approvals', ECR_ACCESS_APPROVERS: 'bob', ECR_ACCESS_REPOSITORIES: 'Common_Images', AWS_REGION: 'mars' },
    }).catch((error: { stderr: string }) => error);
    const stderr = (failure as { stderr: string }).stderr;
    expect(stderr).toContain('SLACK_BOT_TOKEN must be a bot token');
    expect(stderr).toContain('ECR_ACCESS_APPROVAL_CHANNEL must be a channel ID like C012ABCDEF, not a #name');
    expect(stderr).toContain('ECR_ACCESS_REPOSITORIES');
    expect(stderr).toContain('AWS_REGION must be an AWS region');
  });
});

describe('npm run create-table', () => {
  let world: LocalWorld;
  beforeAll(async () => {
    world = await startLocalWorld();
  });
  afterAll(async () => world.close());

  it('creates the configured table with its indexes, and is harmless to run again', async () => {
    const env = { ...baseEnv, ...world.env, ECR_ACCESS_TABLE: 'fresh-table' };
    const first = await run('npm', ['run', '--silent', 'create-table'], { cwd: ROOT, env });
    const second = await run('npm', ['run', '--silent', 'create-table'], { cwd: ROOT, env });
    expect(first.stdout).toContain('Table fresh-table created.');
    expect(second.stdout).toContain('Table fresh-table already exists.');
    expect((await tableIndexes(world, 'fresh-table')).sort()).toEqual(['byDue', 'byRepository', 'byRequester']);
  });
});

describe('in production: npm run build, then npm ci --omit=dev, then node on the built files', () => {
  let world: LocalWorld;
  let production: ProductionInstall;
  beforeAll(async () => {
    [world, production] = await Promise.all([startLocalWorld(), productionInstall()]);
  });
  afterAll(async () => {
    await world?.close();
    await production?.remove();
  });

  it('runs the commands README.md gives', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const commands = ['npm ci && npm run build', 'npm ci --omit=dev', PRODUCTION_START.join(' '), PRODUCTION_CREATE_TABLE.join(' ')];
    expect(commands.filter((command) => !readme.includes(command))).toEqual([]);
  });

  it('has none of the dev tooling installed', () => {
    for (const devOnly of ['typescript', 'tsx', 'esbuild', 'jest', 'dynalite', 'osls']) {
      expect(existsSync(join(production.dir, 'node_modules', devOnly))).toBe(false);
    }
    expect(existsSync(join(production.dir, 'node_modules', '@slack', 'bolt'))).toBe(true);
  });

  it('serves signed slash commands at POST /slack/events and health checks at GET /healthz on PORT, through the SDK endpoint settings', async () => {
    const [command, ...args] = PRODUCTION_START;
    const child = spawn(command, args, { cwd: production.dir, env: { ...baseEnv, ...world.env }, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    try {
      const port = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).on('line', (line) => {
          const found = /"ecr-access is listening","port":(\d+)/.exec(line)?.[1];
          if (found) resolve(found);
        });
        child.once('exit', (code) => reject(new Error(`the server exited with ${code} before listening (its errors are above)`)));
      });
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect([health.status, await health.text()]).toEqual([200, 'ok\n']);
      world.slack.setBotUrl(`http://127.0.0.1:${port}/slack/events`);
      await world.slack.slashCommand({ user: SANDBOX.requester, channel: SANDBOX.approvalChannel, text: 'request common-images 222233334444' });
      const card = await world.slack.waitFor(() => world.slack.messages(SANDBOX.approvalChannel)[0], 15_000);
      expect(card.text).toContain('222233334444');
      expect(world.ecr.countCalls('DescribeRepositories')).toBe(1);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(-child.pid!, 'SIGTERM');
        await once(child, 'exit');
      }
    }
  });

  it('connects to Slack over Socket Mode instead when SLACK_APP_TOKEN is set, takes slash commands there, and sweeps with the same settings', async () => {
    const behindFirewall = await startLocalWorld({ socketMode: true });
    const [command, ...args] = PRODUCTION_START;
    const child = spawn(command, args, { cwd: production.dir, env: { ...baseEnv, ...behindFirewall.env }, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    try {
      const started = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).on('line', (line) => {
          if (/"ecr-access is (listening|connected to Slack over Socket Mode)"/.test(line)) resolve(line);
        });
        child.once('exit', (code) => reject(new Error(`the server exited with ${code} before it connected (its errors are above)`)));
      });
      expect(started).toContain('connected to Slack over Socket Mode');
      await behindFirewall.slack.slashCommand({ user: SANDBOX.requester, channel: SANDBOX.approvalChannel, text: 'request common-images 222233334444' });
      const card = await behindFirewall.slack.waitFor(() => behindFirewall.slack.messages(SANDBOX.approvalChannel)[0], 15_000);
      expect(card.text).toContain('222233334444');
      expect(behindFirewall.slack.envelopes.map((e) => [e.type, e.ackedOn])).toEqual([['slash_commands', 'C1']]);
      // A pass of the sweep by hand takes the same settings, with no signing secret among them.
      const sweep = await run('node', ['--enable-source-maps', 'dist/server/sweep.js'], { cwd: production.dir, env: { ...baseEnv, ...behindFirewall.env } });
      expect(JSON.parse(sweep.stdout.trim().split('\n').pop()!)).toMatchObject({ failures: 0 });
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(-child.pid!, 'SIGTERM');
        await once(child, 'exit');
      }
      await behindFirewall.close();
    }
  });

  it('creates the table', async () => {
    const [command, ...args] = PRODUCTION_CREATE_TABLE;
    const { stdout } = await run(command, args, { cwd: production.dir, env: { ...baseEnv, ...world.env, ECR_ACCESS_TABLE: 'production-table' } });
    expect(stdout).toContain('Table production-table created.');
    expect((await tableIndexes(world, 'production-table')).sort()).toEqual(['byDue', 'byRepository', 'byRequester']);
  });

  it('runs one pass of the sweep, printing its report', async () => {
    const { stdout } = await run('node', ['--enable-source-maps', 'dist/server/sweep.js'], { cwd: production.dir, env: { ...baseEnv, ...world.env } });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toMatchObject({ repositories: expect.any(Number), failures: 0 });
  });
});
