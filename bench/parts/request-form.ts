// Part 11: the request form opens within Slack's 3-second trigger_id window, on a cold Lambda (a
// fresh Node process loading the bundle, reading the Slack secrets from SSM, building the app)
// and on a warm server; and a burst of 50 approvals publishes a few Home tabs per person, not 50.
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BUNDLE, SDK_BUNDLE } from '../../deploy/bundle';
import { SANDBOX } from '../../sandbox/local-world';
import { startSlackSimulator, type ApiCall, type SlackSimulator } from '../../sandbox/slack-simulator';
import { startSsmEmulator } from '../../sandbox/ssm-emulator';
import { accountId, startBenchWorld } from '../bench-world';
import type { BenchOptions } from '../options';
import type { PartResult, Row } from '../report';
import { round, summary } from '../stats';
import { hasBundleScript, probe, SIGNING_SECRET_PARAMETER, TOKEN_PARAMETER } from './cold-start';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
/** Slack: a trigger_id can be exchanged for 3 seconds after it was sent. */
const TRIGGER_WINDOW_MS = 3000;
const REPOSITORY = 'common-images';

/** The simulator writes when it issued a trigger into the trigger itself: `<ms>.<n>.<hex>`. */
const issuedAt = (triggerId: string) => Number(triggerId.split('.')[0]);

/** The views.open that exchanged a trigger, once it has arrived. */
const viewsOpen = (slack: SlackSimulator, triggerId: string): ApiCall | undefined =>
  slack.calls.find((call) => call.method === 'views.open' && call.params.trigger_id === triggerId);

/** Cold: each fresh process answers one `/ecr-access` alone, which opens the form with the trigger Slack sent. */
async function coldOpens(processes: number, slackLatencyMs: number, problems: string[]): Promise<number[]> {
  const slack = await startSlackSimulator({ signingSecret: SANDBOX.signingSecret, botToken: SANDBOX.botToken, rateLimits: 'off', latencyMs: slackLatencyMs });
  const ssm = await startSsmEmulator({ region: SANDBOX.region });
  ssm.putParameter({ name: TOKEN_PARAMETER, value: SANDBOX.botToken });
  ssm.putParameter({ name: SIGNING_SECRET_PARAMETER, value: SANDBOX.signingSecret });
  const elapsed: number[] = [];
  try {
    for (let i = 0; i < processes; i++) {
      // Slack sends the command with a trigger that is good from now: the process starts after it.
      const trigger = slack.issueTrigger(SANDBOX.requester);
      const answered = await probe('', { AWS_ENDPOINT_URL_SSM: ssm.url, SLACK_API_URL: slack.apiUrl }, trigger);
      const call = viewsOpen(slack, trigger);
      if (answered.error) problems.push(`a cold process failed: ${answered.error.split('\n')[0]}`);
      else if (!call) problems.push('a cold process answered without opening the form');
      else if (!call.ok) problems.push(`Slack refused a cold process's views.open: ${call.error ?? ''} ${JSON.stringify(call.result).slice(0, 200)}`);
      else elapsed.push(call.at - issuedAt(trigger));
    }
  } finally {
    await ssm.close();
    await slack.close();
  }
  return elapsed;
}

export async function requestForm(options: BenchOptions): Promise<PartResult> {
  const title = 'Request form and Home tabs: the form within the trigger window, Home tabs in a burst';
  const base = { part: 11, title, rows: [] as Row[], figures: {}, problems: [] as string[] };
  const counts = options.quick ? { cold: 5, warm: 30, burst: 20 } : { cold: 10, warm: 100, burst: 50 };
  if (!existsSync(BUNDLE) || !existsSync(SDK_BUNDLE)) {
    if (!hasBundleScript()) return { ...base, unavailable: 'npm run bundle missing' };
    await run('npm', ['run', '--silent', 'bundle'], { cwd: ROOT, timeout: 300_000 });
  }
  const problems: string[] = [];
  const cold = summary(await coldOpens(counts.cold, options.latency.slackMs, problems));

  const w = await startBenchWorld({ latency: options.latency, repositories: [REPOSITORY], botEnv: { ECR_ACCESS_APPROVERS: SANDBOX.approver } });
  try {
    // Warm: the command alone, each after the form before it opened.
    const warmOpens: number[] = [];
    for (let i = 0; i < counts.warm; i++) {
      const ack = await w.command('');
      const call = await w.world.slack.waitFor(() => viewsOpen(w.world.slack, ack.fields.trigger_id), 10_000);
      if (!call.ok) problems.push(`Slack refused a warm views.open: ${call.error ?? ''}`);
      else warmOpens.push(call.at - issuedAt(ack.fields.trigger_id));
    }
    const warm = summary(warmOpens);
    await w.quiet();

    // A burst: the requests first, then every approval clicked as fast as they can be sent.
    const accounts = Array.from({ length: counts.burst }, (_, i) => accountId(700_000_000_000, i));
    const cards = [];
    for (const account of accounts) cards.push(await w.request(REPOSITORY, account));
    await w.quiet();
    const before = w.world.slack.calls.length;
    await Promise.all(cards.map((card) => w.click(card, 'approve')));
    await w.allAnswered(cards);
    await w.quiet(2000);
    const publishes = w.world.slack.calls.slice(before).filter((call) => call.method === 'views.publish');
    const forUser = (user: string) => publishes.filter((call) => call.params.user_id === user).length;
    const states = await w.states();
    const granted = accounts.filter((a) => states.get(a) === 'GRANTED').length;
    if (granted !== accounts.length) problems.push(`${accounts.length - granted} of ${accounts.length} approvals were not GRANTED`);

    const within = (s: ReturnType<typeof summary>) => s.count > 0 && s.max < TRIGGER_WINDOW_MS;
    return {
      ...base,
      rows: [
        {
          measure: `cold Lambda: Slack sends /ecr-access → views.open reaches Slack (n=${cold.count}) p50 / max`,
          value: `${cold.p50} / ${cold.max} ms`,
          target: `< ${TRIGGER_WINDOW_MS} ms`,
          met: within(cold),
        },
        { measure: `warm server: the same (n=${warm.count}) p50 / p99 / max`, value: `${warm.p50} / ${warm.p99} / ${warm.max} ms`, target: `< ${TRIGGER_WINDOW_MS} ms`, met: within(warm) },
        {
          measure: `Home tabs published during ${counts.burst} approvals: the approver's / the requester's`,
          value: `${forUser(SANDBOX.approver)} / ${forUser(SANDBOX.requester)} views.publish`,
          target: `< ${counts.burst} each`,
          met: forUser(SANDBOX.approver) < counts.burst && forUser(SANDBOX.requester) < counts.burst,
        },
      ],
      figures: {
        coldTriggerToViewsOpenMs: cold,
        warmTriggerToViewsOpenMs: warm,
        burst: { approvals: counts.burst, homePublishes: { approver: forUser(SANDBOX.approver), requester: forUser(SANDBOX.requester), all: publishes.length } },
        triggerWindowMs: TRIGGER_WINDOW_MS,
        slackLatencyMs: round(options.latency.slackMs),
      },
      problems: [...new Set(problems)],
      notes: [
        "Cold: a fresh plain `node` process per command (Node's start-up included) loads the Lambda bundle, reads the Slack secrets from a local SSM and builds the app, then calls views.open on the Slack simulator, which refuses a trigger older than 3 s as Slack does. Timed from the moment the trigger was issued, before the process started, to views.open's arrival.",
        "Burst: every approval's Home tab change (the approver's, the requester's) is coalesced per person, across processes through a turn kept in the table (here one server process takes the turns): one publish at a time, one more for what changed meanwhile, at most one a second.",
      ],
    };
  } finally {
    await w.close();
  }
}
