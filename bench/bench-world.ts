// The local world as the benchmarks use it: ECR emulator and Slack simulator with injected
// latency, dynalite with a call meter, and bots as separate OS processes on their real
// HTTP receivers, with the few moves every part makes (ask, click, wait for the outcome).
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { AwsClients } from '../src/aws/clients';
import { isRequestKey } from '../src/aws/table-schema';
import { startLocalWorld, SANDBOX, type LocalWorld } from '../sandbox/local-world';
import { spawnBot, type BotProcess } from '../sandbox/bot-process';
import type { RateLimitSetting, ResponseUrlPost, SimMessage, SlashCommandResult } from '../sandbox/slack-simulator';
import { APPROVE_ACTION, DENY_ACTION } from '../src/slack/blocks/request-card';
import { startDynamoMeter, type DynamoMeter } from './dynamo-meter';
import type { Latency } from './options';

export { SANDBOX };

export interface BenchWorldOptions {
  latency: Latency;
  repositories: readonly string[];
  /** How many bot processes to start; default 1. */
  bots?: number;
  botEnv?: Record<string, string>;
  /** Slack's rate limits in the simulator; 'off' by default, as most parts measure the bot's own figures. */
  slackRateLimits?: RateLimitSetting;
}

export type BenchWorld = Awaited<ReturnType<typeof startBenchWorld>>;

const cpuMs = () => {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
};

/** User + system CPU of another process from /proc (Linux); NaN where there is no /proc. */
function processCpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** A 12-digit account ID no other part uses: parts draw from their own ranges. */
export const accountId = (base: number, i: number) => String(base + i).padStart(12, '0');

export async function startBenchWorld(options: BenchWorldOptions) {
  const world: LocalWorld = await startLocalWorld({
    repositories: options.repositories,
    ecrLatencyMs: options.latency.ecrMs,
    slackLatencyMs: options.latency.slackMs,
    // The figures are the bot's own; Slack's rate limits would measure Slack's pacing instead.
    slack: { rateLimits: options.slackRateLimits ?? 'off' },
  });
  const dynamo: DynamoMeter = startDynamoMeter(world.dynamoServer, { latencyMs: options.latency.dynamoMs });
  const env = {
    ...world.env,
    ECR_ACCESS_REPOSITORIES: options.repositories.join(','),
    ...options.botEnv,
  };
  const bots: BotProcess[] = [];
  try {
    // One after the other: two tsx start-ups at once on two cores only slow each other down.
    for (let i = 0; i < (options.bots ?? 1); i++) bots.push(await spawnBot(env, { startTimeoutMs: 60_000 }));
  } catch (error) {
    await Promise.all(bots.map((b) => b.stop()));
    dynamo.close();
    await world.close();
    throw error;
  }
  const [first] = bots;
  if (!first) throw new Error('startBenchWorld: at least one bot is needed');
  world.slack.setBotUrl(first.url);

  // Bench-side clients, for set-up and checks only: they run outside every measured window.
  const clients: AwsClients = world.clients();

  let lastActivity = performance.now();
  const touch = () => {
    lastActivity = performance.now();
  };
  world.ecr.on('call', touch);
  world.slack.on('event', touch);
  dynamo.onActivity(touch);

  /** Sends to one bot: the simulator reads its bot URL synchronously when a request starts. */
  const sendingTo = <T>(bot: BotProcess | undefined, send: () => Promise<T>): Promise<T> => {
    const previous = world.slack.botUrl;
    if (bot) world.slack.setBotUrl(bot.url);
    const sent = send();
    if (bot && previous) world.slack.setBotUrl(previous);
    return sent;
  };

  const command = (text: string, options: { user?: string; bot?: BotProcess } = {}): Promise<SlashCommandResult> =>
    sendingTo(options.bot, () =>
      world.slack.slashCommand({ user: options.user ?? SANDBOX.requester, channel: SANDBOX.approvalChannel, text }),
    );

  /** The first reply the bot sent to a response_url, once it is there. */
  const reply = (responseUrl: string, timeoutMs = 30_000): Promise<ResponseUrlPost> =>
    world.slack.waitFor(() => world.slack.responses.find((r) => r.url === responseUrl), timeoutMs);

  /** The approvers' card for an account (every bench account is asked for once). */
  const card = (account: string): SimMessage | undefined =>
    world.slack
      .messages(SANDBOX.approvalChannel)
      .find((m) => (!m.thread_ts || m.thread_ts === m.ts) && m.text.includes(` from ${account}`));

  /** Every approvers' card, by the account it asks for: one pass, for parts that post hundreds. */
  const cardsByAccount = (): Map<string, SimMessage> => {
    const byAccount = new Map<string, SimMessage>();
    for (const m of world.slack.messages(SANDBOX.approvalChannel)) {
      const account = / from (\d{12})$/.exec(m.text)?.[1];
      if (account && (!m.thread_ts || m.thread_ts === m.ts)) byAccount.set(account, m);
    }
    return byAccount;
  };

  /** Asks for access and waits until the card is up and the requester has had the answer. */
  const request = async (repository: string, account: string, bot?: BotProcess): Promise<SimMessage> => {
    const ack = await command(`request ${repository} ${account} bench`, { ...(bot && { bot }) });
    if (ack.status !== 200) throw new Error(`request ${repository} ${account}: the bot answered ${ack.status}`);
    const answer = await reply(ack.responseUrl);
    const posted = card(account);
    if (!posted) throw new Error(`request ${repository} ${account} was refused: ${String(answer.body.text)}`);
    return posted;
  };

  /** Clicks Approve or Deny; Deny asks first, and its form is sent (the click's acknowledgement is what is answered). */
  const click = async (posted: SimMessage, decision: 'approve' | 'deny', bot?: BotProcess) => {
    const to = bot && { botUrl: bot.url };
    const ack = await world.slack.clickButton({
      user: SANDBOX.approver,
      channel: SANDBOX.approvalChannel,
      messageTs: posted.ts,
      actionId: decision === 'approve' ? APPROVE_ACTION : DENY_ACTION,
      ...to,
    });
    if (decision === 'deny' && world.slack.modals(SANDBOX.approver).length > 0) await world.slack.submitView({ user: SANDBOX.approver, ...to });
    return ack;
  };

  /** The bot's replies in a card's thread (the verified policy, or the failure). */
  const threadReplies = (posted: SimMessage): SimMessage[] => world.slack.thread(SANDBOX.approvalChannel, posted.ts).slice(1);

  /** Resolves once every card has a reply in its thread; counts posts as they come, so it stays cheap for many cards. */
  const allAnswered = (cards: readonly SimMessage[], timeoutMs = 120_000): Promise<void> => {
    const waiting = new Set(cards.filter((card) => threadReplies(card).length === 0).map((card) => card.ts));
    if (waiting.size === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        world.slack.off('event', onEvent);
        reject(new Error(`${waiting.size} of ${cards.length} cards still had no reply in their thread after ${timeoutMs} ms`));
      }, timeoutMs);
      const onEvent = (event: { kind: string; message?: { thread_ts?: string } }) => {
        if (event.kind !== 'message_posted' || !event.message?.thread_ts) return;
        waiting.delete(event.message.thread_ts);
        if (waiting.size > 0) return;
        clearTimeout(timer);
        world.slack.off('event', onEvent);
        resolve();
      };
      world.slack.on('event', onEvent);
    });
  };

  /** CPU time used so far by this process (the whole outside world) and by each bot, in ms. */
  const cpu = () => ({ world: cpuMs(), bots: bots.map((b) => processCpuMs(b.child.pid)) });

  /** Resolves once nothing has touched ECR, Slack or DynamoDB for `quietMs`. */
  const quiet = async (quietMs = 3 * Math.max(options.latency.ecrMs, options.latency.slackMs) + 100, timeoutMs = 60_000) => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const idleFor = performance.now() - lastActivity;
      if (idleFor >= quietMs && dynamo.inFlight === 0) return;
      if (performance.now() > deadline) throw new Error(`the bots were still busy after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, Math.max(5, quietMs - idleFor)));
    }
  };

  /** Request states by account, read straight from the table. */
  const states = async (): Promise<Map<string, string>> => new Map([...(await records())].map(([a, r]) => [a, r.state]));

  /** Request records by account (ID, state, and why it failed), read straight from the table. */
  const records = async (): Promise<Map<string, { id: string; state: string; failureReason?: string }>> => {
    const byAccount = new Map<string, { id: string; state: string; failureReason?: string }>();
    let start: Record<string, unknown> | undefined;
    do {
      const out = await clients.dynamo.send(
        new ScanCommand({ TableName: SANDBOX.table, ...(start && { ExclusiveStartKey: start as never }) }),
      );
      for (const item of out.Items ?? []) {
        const account = item.account?.S;
        const state = item.state?.S;
        const failure = item.failure?.M;
        const failureReason = failure && `${failure.code?.S ?? '?'}: ${failure.detail?.S ?? ''}`;
        const id = item.id?.S ?? '';
        if (isRequestKey(item.pk?.S) && account && state) byAccount.set(account, { id, state, ...(failureReason && { failureReason }) });
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return byAccount;
  };

  return {
    world,
    dynamo,
    bots,
    bot: first,
    clients,
    command,
    reply,
    card,
    cardsByAccount,
    request,
    click,
    threadReplies,
    allAnswered,
    cpu,
    quiet,
    states,
    records,
    async close() {
      await Promise.all(bots.map((b) => b.stop()));
      clients.ecr.destroy();
      clients.dynamo.destroy();
      dynamo.close();
      await world.close();
    },
  };
}
