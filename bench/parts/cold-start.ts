// Part 6: the Lambda bundle's size, and how long a fresh Node process takes to load it, then to
// answer a first command: reading the Slack secrets from a local SSM and building the app first.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { BUNDLE, SDK_BUNDLE } from '../../deploy/bundle';
import { SANDBOX } from '../../sandbox/local-world';
import { signSlackRequest } from '../../sandbox/slack-simulator';
import { startSsmEmulator } from '../../sandbox/ssm-emulator';
import { startLambdaService } from '../../test/support/lambda-service';
import type { BenchOptions } from '../options';
import type { PartResult } from '../report';
import { median, round } from '../stats';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const PROBE = join(__dirname, '..', 'cold-start-probe.cjs');
const PROCESSES = 10;
const TARGET_GZIP_BYTES = 1024 * 1024;
const TARGET_LOAD_MS = 200;

export const TOKEN_PARAMETER = '/ecr-access/bench/slack-bot-token';
export const SIGNING_SECRET_PARAMETER = '/ecr-access/bench/slack-signing-secret';
const FUNCTION_NAME = 'ecr-access-bench';

/** What the function's configuration would hold; other endpoints go nowhere, as `help` calls nothing else. */
const LAMBDA_ENV: Record<string, string> = {
  SLACK_BOT_TOKEN_PARAMETER: TOKEN_PARAMETER,
  SLACK_SIGNING_SECRET_PARAMETER: SIGNING_SECRET_PARAMETER,
  SLACK_BOT_ID: 'BBOT00001',
  SLACK_BOT_USER_ID: 'UBOT00001',
  ECR_ACCESS_TABLE: SANDBOX.table,
  ECR_ACCESS_APPROVAL_CHANNEL: SANDBOX.approvalChannel,
  ECR_ACCESS_APPROVERS: SANDBOX.approver,
  ECR_ACCESS_REPOSITORIES: 'common-images',
  AWS_REGION: SANDBOX.region,
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  LOG_LEVEL: 'warn',
};

/** A signed `/ecr-access <text>` as API Gateway's HTTP API (payload 2.0) hands it to the function. */
function commandEvent(text: string, triggerId: string): string {
  const rawBody = new URLSearchParams({
    token: 'bench',
    team_id: 'T0SANDBOX',
    channel_id: SANDBOX.approvalChannel,
    user_id: SANDBOX.requester,
    command: '/ecr-access',
    text,
    api_app_id: 'A0ECRACCESS',
    response_url: 'http://127.0.0.1:9/response/bench',
    trigger_id: triggerId,
  }).toString();
  const signed = signSlackRequest(SANDBOX.signingSecret, rawBody);
  const now = Date.now();
  return JSON.stringify({
    version: '2.0',
    routeKey: 'POST /slack/events',
    rawPath: '/slack/events',
    rawQueryString: '',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': signed['X-Slack-Request-Timestamp'],
      'x-slack-signature': signed['X-Slack-Signature'],
    },
    requestContext: {
      http: { method: 'POST', path: '/slack/events', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'Slackbot 1.0' },
      requestId: 'bench',
      routeKey: 'POST /slack/events',
      stage: '$default',
      timeEpoch: now,
    },
    body: Buffer.from(rawBody).toString('base64'),
    isBase64Encoded: true,
  });
}

interface Probe {
  beforeLoad: number;
  loaded: number;
  answered: number;
  status?: number;
  text?: string;
  error?: string;
}

/** One fresh process: loads the bundle and answers one command (with `triggerId`, for one that opens a modal). */
export async function probe(command: string, env: Record<string, string>, triggerId = '1.2.bench'): Promise<Probe> {
  const { stdout } = await run(process.execPath, [PROBE, BUNDLE, commandEvent(command, triggerId)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...LAMBDA_ENV, ...env },
    timeout: 30_000,
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const line = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as Probe;
  } catch {
    return { beforeLoad: Number.NaN, loaded: Number.NaN, answered: Number.NaN, error: `no answer from the probe: ${line.slice(0, 200)}` };
  }
}

export function hasBundleScript(): boolean {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts;
  return typeof scripts?.bundle === 'string';
}

export async function coldStart(options: BenchOptions): Promise<PartResult> {
  const processes = options.quick ? 5 : PROCESSES;
  const title = 'Cold start: Lambda bundle size, load and first answer in a fresh Node process';
  const base = { part: 6, title, rows: [], figures: {}, problems: [] };
  if (!existsSync(BUNDLE) || !existsSync(SDK_BUNDLE)) {
    if (!hasBundleScript()) return { ...base, unavailable: 'npm run bundle missing' };
    await run('npm', ['run', '--silent', 'bundle'], { cwd: ROOT, timeout: 300_000 });
    for (const file of [BUNDLE, SDK_BUNDLE]) if (!existsSync(file)) return { ...base, problems: [`npm run bundle did not produce ${file}`] };
  }
  const code = readFileSync(BUNDLE);
  const sdk = readFileSync(SDK_BUNDLE);
  const gzipBytes = gzipSync(code, { level: 9 }).length + gzipSync(sdk, { level: 9 }).length;

  // Lambda's Invoke API as a cold `request` meets it: the job is queued (202) and never run here.
  const invoke = await startLambdaService({ functionName: FUNCTION_NAME, handler: async () => undefined });
  // Every cold start reads the Slack secrets before it answers.
  const ssm = await startSsmEmulator({ region: SANDBOX.region });
  ssm.putParameter({ name: TOKEN_PARAMETER, value: SANDBOX.botToken });
  ssm.putParameter({ name: SIGNING_SECRET_PARAMETER, value: SANDBOX.signingSecret });
  const probes: Probe[] = [];
  const requests: Probe[] = [];
  const bareNode: number[] = [];
  try {
    for (let i = 0; i < processes; i++) {
      // Node alone, for scale: how much of a cold start is Node's own start-up on this machine.
      const bare = await run(process.execPath, ['-e', 'process.stdout.write(String(performance.now()))'], { env: { PATH: process.env.PATH ?? '' } });
      bareNode.push(Number(bare.stdout));
      // Each event is signed afresh for its process: Bolt refuses a timestamp older than five minutes.
      probes.push(await probe('help', { AWS_ENDPOINT_URL_SSM: ssm.url }));
      // A `request` is acknowledged once its job is queued with Lambda.
      requests.push(await probe(`request common-images ${String(222233334444 + i)}`, { AWS_ENDPOINT_URL_SSM: ssm.url, AWS_ENDPOINT_URL_LAMBDA: invoke.url }));
    }
  } finally {
    await invoke.close();
    await ssm.close();
  }
  const problems = [
    ...new Set([
      ...probes.flatMap((p) => (p.error ? [`loading the bundle failed: ${p.error.split('\n')[0]}`] : p.status === 200 ? [] : [`the first command was answered ${p.status ?? 'with nothing'}`])),
      ...requests.flatMap((p) =>
        p.error
          ? [`a cold request failed: ${p.error.split('\n')[0]}`]
          : p.status === 200 && /Checking your request/.test(p.text ?? '')
            ? []
            : [`a cold request was answered ${p.status ?? 'with nothing'}: ${p.text ?? ''}`],
      ),
    ]),
  ];
  if (invoke.queued.length !== requests.filter((p) => !p.error).length) {
    problems.push(`${requests.length} cold requests queued ${invoke.queued.length} jobs with Lambda`);
  }
  if (ssm.calls.length !== probes.length + requests.length) {
    problems.push(`${probes.length + requests.length} cold starts read the Slack secrets with ${ssm.calls.length} SSM calls`);
  }
  const ok = probes.filter((p) => !p.error);
  const loaded = median(ok.map((p) => p.loaded));
  const requireOnly = median(ok.map((p) => p.loaded - p.beforeLoad));
  const firstAnswer = median(ok.map((p) => p.answered));
  const firstRequest = median(requests.filter((p) => !p.error).map((p) => p.answered));
  const kib = (bytes: number) => `${round(bytes / 1024)} KiB`;
  return {
    ...base,
    rows: [
      {
        measure: 'bundle size: handler (index.js) + AWS SDK (aws-sdk.js)',
        value: `${code.length.toLocaleString('en-US')} + ${sdk.length.toLocaleString('en-US')} bytes (${kib(code.length + sdk.length)})`,
      },
      { measure: 'bundle size, both files, gzip -9', value: `${gzipBytes.toLocaleString('en-US')} bytes (${kib(gzipBytes)})`, target: '< 1 MiB', met: gzipBytes < TARGET_GZIP_BYTES },
      {
        measure: `process start → bundle loaded (median of ${ok.length})`,
        value: `${round(loaded)} ms (require alone ${round(requireOnly)} ms)`,
        target: `< ${TARGET_LOAD_MS} ms`,
        met: loaded < TARGET_LOAD_MS,
      },
      { measure: 'process start → first `help` answered: secrets read from SSM, app built (median)', value: `${round(firstAnswer)} ms` },
      { measure: 'process start → first `request` acknowledged, its job queued with Lambda (median)', value: `${round(firstRequest)} ms` },
      { measure: 'for scale: process start → ready, Node alone (median)', value: `${round(median(bareNode))} ms` },
    ],
    figures: {
      bundleBytes: code.length,
      sdkBundleBytes: sdk.length,
      gzipBytes,
      processes: ok.length,
      startToLoadedMs: { median: round(loaded), all: ok.map((p) => round(p.loaded)) },
      requireMs: { median: round(requireOnly) },
      bareNodeStartMs: { median: round(median(bareNode)) },
      startToFirstAnswerMs: { median: round(firstAnswer) },
      startToFirstRequestAckMs: { median: round(firstRequest) },
      targetGzipBytes: TARGET_GZIP_BYTES,
      targetLoadMs: TARGET_LOAD_MS,
    },
    problems,
    notes: [
      "Each process is plain `node` with nothing preloaded; its clock starts with the process, so Node's own start-up is included.",
      'Loading the bundle compiles the handler file only. The first invocation then loads the AWS SDK file, reads the Slack secrets from SSM (a local stand-in, one GetParameters call) and builds the app; a `request` also hands its job to Lambda (a local Invoke stand-in answering 202) before the acknowledgement.',
    ],
  };
}
