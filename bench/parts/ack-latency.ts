// Part 1: how long Slack waits for the bot's acknowledgement on a warm process, two ways:
// alone (the previous request's deferred work has finished) and under load (requests back to
// back, so the deferred work of the ones before, ECR checks, cards, replies, runs meanwhile).
import { startBenchWorld, accountId, SANDBOX, type BenchWorld } from '../bench-world';
import type { BenchOptions } from '../options';
import type { PartResult, Row } from '../report';
import { summary } from '../stats';
import type { SimMessage } from '../../sandbox/slack-simulator';

const TARGET_P99_MS = 50;
const REPOSITORY = 'common-images';

type Summary = ReturnType<typeof summary>;

/** Asks for access for each account; `alone` waits for each request's reply before the next. */
async function requests(w: BenchWorld, accounts: readonly string[], alone: boolean, problems: string[]): Promise<number[]> {
  const elapsed: number[] = [];
  const replies: Array<Promise<unknown>> = [];
  for (const account of accounts) {
    const ack = await w.command(`request ${REPOSITORY} ${account} acknowledgement benchmark`);
    if (ack.status !== 200) problems.push(`slash command answered ${ack.status}`);
    elapsed.push(ack.elapsedMs);
    const reply = w.reply(ack.responseUrl, 60_000);
    if (alone) await reply;
    else replies.push(reply);
  }
  await Promise.all(replies);
  return elapsed;
}

/** Denies each card; `alone` waits for the requester's message (the job's last step) before the next. */
async function denials(w: BenchWorld, cards: readonly SimMessage[], alone: boolean, problems: string[]): Promise<number[]> {
  const elapsed: number[] = [];
  for (const card of cards) {
    const told = w.world.slack.dms(SANDBOX.requester).length + 1;
    const ack = await w.click(card, 'deny');
    if (ack.status !== 200) problems.push(`button click answered ${ack.status}`);
    elapsed.push(ack.elapsedMs);
    if (alone) await w.world.slack.waitFor(() => w.world.slack.dms(SANDBOX.requester).length >= told, 30_000);
  }
  return elapsed;
}

function cardsFor(w: BenchWorld, accounts: readonly string[]): SimMessage[] {
  const byAccount = w.cardsByAccount();
  const cards = accounts.map((a) => byAccount.get(a));
  const missing = cards.filter((c) => c === undefined).length;
  if (missing > 0) throw new Error(`${missing} of ${accounts.length} requests got no card`);
  return cards as SimMessage[];
}

export async function ackLatency(options: BenchOptions): Promise<PartResult> {
  const counts = options.quick ? { warmup: 20, loaded: 150, alone: 30 } : { warmup: 50, loaded: 500, alone: 500 };
  const w = await startBenchWorld({ latency: options.latency, repositories: [REPOSITORY] });
  const problems: string[] = [];
  try {
    let next = 0;
    const accounts = (n: number) => Array.from({ length: n }, () => accountId(100_000_000_000, next++));

    const warm = accounts(counts.warmup);
    await requests(w, warm, false, problems);
    await denials(w, cardsFor(w, warm), false, problems);
    await w.quiet();

    const loaded = accounts(counts.loaded);
    const loadedCommands = summary(await requests(w, loaded, false, problems));
    const loadedClicks = summary(await denials(w, cardsFor(w, loaded), false, problems));
    await w.quiet();

    const alone = accounts(counts.alone);
    const aloneCommands = summary(await requests(w, alone, true, problems));
    const aloneClicks = summary(await denials(w, cardsFor(w, alone), true, problems));
    await w.quiet();

    const states = await w.states();
    const all = [...warm, ...loaded, ...alone];
    const denied = all.filter((a) => states.get(a) === 'DENIED').length;
    if (denied !== all.length) problems.push(`${all.length - denied} of ${all.length} denials were not recorded as DENIED`);

    const row = (what: string, s: Summary): Row => ({
      measure: `${what} (n=${s.count}) p50 / p99 / max`,
      value: `${s.p50} / ${s.p99} / ${s.max} ms`,
      target: `p99 < ${TARGET_P99_MS} ms`,
      met: s.p99 < TARGET_P99_MS,
    });
    return {
      part: 1,
      title: 'Acknowledgement latency: signed request → HTTP 200, warm process',
      rows: [
        row('`request` command, alone', aloneCommands),
        row('Deny click, alone', aloneClicks),
        row('`request` command, back to back', loadedCommands),
        row('Deny click, back to back', loadedClicks),
      ],
      figures: {
        warmup: counts.warmup,
        alone: { slashCommandMs: aloneCommands, buttonClickMs: aloneClicks },
        backToBack: { slashCommandMs: loadedCommands, buttonClickMs: loadedClicks },
        targetP99Ms: TARGET_P99_MS,
      },
      problems: [...new Set(problems)],
      notes: [
        'Timed by the simulator: signed POST sent → whole answer read. "Alone": each request after the previous one\'s deferred work has finished.',
        '"Back to back": the next request as soon as the ack arrives, so the deferred work of the requests before (ECR reads, DynamoDB writes, the card, the reply) shares the event loop with the ack.',
      ],
    };
  } finally {
    await w.close();
  }
}
