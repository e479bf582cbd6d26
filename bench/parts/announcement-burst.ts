// Part 7: N approvals clicked at once on one repository, over two bot processes, with Slack's
// rate limits on at Slack's own rates: how long until every announcement is delivered (each
// card updated, the verified policy in each thread, the requester told of each), beside
// Slack's floor for that many posts in one channel. Nothing may be dropped, sent twice or left owed.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { dynamoTable } from '../../src/aws/dynamo';
import { dynamoRequestStore } from '../../src/aws/request-store';
import { WEB_API_LIMITS } from '../../src/slack/web-api-limits';
import type { SimMessage } from '../../sandbox/slack-simulator';
import { accountId, SANDBOX, startBenchWorld, type BenchWorld } from '../bench-world';
import type { BenchOptions } from '../options';
import type { PartResult } from '../report';
import { round } from '../stats';

const REPOSITORY = 'burst-images';
const SIZE = 50;
const QUICK_SIZE = 10;
/** The outbox is ticked off just after Slack answers: how long the table may lag behind Slack. */
const TICK_OFF_MS = 10_000;

const POST = WEB_API_LIMITS['chat.postMessage'];
const postIntervalMs = (POST.windowSeconds * 1000) / POST.requests;
/** How long an approvers' channel must be quiet before its whole burst is allowed again. */
const REFILL_MS = POST.burst * postIntervalMs;
/** Slack's floor for n posts in one channel: the burst at once, then one per interval. Thread posts and DMs are two channels, side by side. */
const floorMs = (n: number) => Math.max(0, n - POST.burst) * postIntervalMs;
/** Past this, the burst counts as broken: announcements are missing, not slow. */
const deliveryTimeoutMs = (n: number) => 4 * floorMs(n) + 60_000;

/** Which announcements each request has had so far: its card updated, posts in its thread, DMs about it. */
function announcements(w: BenchWorld, asked: ReadonlyArray<{ account: string; card: SimMessage }>) {
  const current = new Map(w.world.slack.messages(SANDBOX.approvalChannel).map((m) => [m.ts, m]));
  const dms = w.world.slack.dms(SANDBOX.requester);
  return asked.map(({ account, card }) => ({
    account,
    cardGranted: current.get(card.ts)?.text.endsWith(': granted') ?? false,
    threadPosts: w.threadReplies(card).length,
    dms: dms.filter((dm) => dm.text.includes(`\`${account}\``)).length,
  }));
}

/** Reads the table until no request owes anything; answers what is still owed when the wait runs out. */
async function owedAfterDelivery(w: BenchWorld): Promise<string[]> {
  const store = dynamoRequestStore(dynamoTable(w.clients.dynamo, SANDBOX.table));
  const deadline = performance.now() + TICK_OFF_MS;
  for (;;) {
    const ids = [...(await w.records()).values()].map((r) => r.id);
    const requests = await Promise.all(ids.map((id) => store.get(id)));
    const owed = requests.flatMap((r) => (r && r.owed.length > 0 ? [`${r.account} owes ${r.owed.join('+')}`] : []));
    if (owed.length === 0 || performance.now() > deadline) return owed;
    await sleep(100);
  }
}

export async function announcementBurst(options: BenchOptions): Promise<PartResult> {
  const n = options.quick ? QUICK_SIZE : SIZE;
  const w = await startBenchWorld({ latency: options.latency, repositories: [REPOSITORY], bots: 2, slackRateLimits: 'slack' });
  try {
    const problems: string[] = [];
    const accounts = Array.from({ length: n }, (_, i) => accountId(700_000_000_000, i));
    const asked: Array<{ account: string; card: SimMessage }> = [];
    for (const [i, account] of accounts.entries()) asked.push({ account, card: await w.request(REPOSITORY, account, w.bots[i % w.bots.length]) });
    // Posting the cards spent the channel's allowance; a burst of approvals comes after a quiet spell.
    await w.quiet();
    await sleep(REFILL_MS);

    const limitedBefore = w.world.slack.rateLimitedCalls.length;
    const startedAt = Date.now();
    const started = performance.now();
    const acks = await Promise.all(asked.map(({ card }, i) => w.click(card, 'approve', w.bots[i % w.bots.length])));
    for (const ack of acks) if (ack.status !== 200) problems.push(`a click was answered ${ack.status}`);
    const allThere = () => announcements(w, asked).every((a) => a.cardGranted && a.threadPosts > 0 && a.dms > 0);
    let deliveryMs = Number.NaN;
    try {
      await w.world.slack.waitFor(allThere, deliveryTimeoutMs(n));
      deliveryMs = performance.now() - started;
    } catch {
      problems.push(`not every announcement arrived within ${deliveryTimeoutMs(n) / 1000} s`);
    }
    const limited = w.world.slack.rateLimitedCalls.slice(limitedBefore);
    // A holder announces a batch before it writes the next (src/service/policy-changes/holder.ts): Slack's pace can delay grants too.
    const writes = w.world.ecr.calls.filter((c) => c.action === 'SetRepositoryPolicy' && c.at >= startedAt);
    const lastWriteMs = Math.max(...writes.map((c) => c.at - startedAt));
    const owed = await owedAfterDelivery(w);
    await w.quiet();

    const seen = announcements(w, asked);
    const twice = seen.filter((a) => a.threadPosts > 1 || a.dms > 1).map((a) => `${a.account}: ${a.threadPosts} thread posts, ${a.dms} DMs`);
    if (twice.length > 0) problems.push(`announced twice: ${twice.slice(0, 3).join('; ')}`);
    if (owed.length > 0) problems.push(`still owed: ${owed.slice(0, 3).join('; ')}`);
    const granted = [...(await w.records()).values()].filter((r) => r.state === 'GRANTED').length;
    if (granted !== n) problems.push(`${n - granted} of ${n} not GRANTED`);

    const floor = floorMs(n);
    const limitedBy: Record<string, number> = {};
    for (const call of limited) {
      const allowance = call.rateLimited?.by === 'limit' ? call.rateLimited.key : call.method;
      limitedBy[allowance] = (limitedBy[allowance] ?? 0) + 1;
    }
    return {
      part: 7,
      title: `Announcement burst: ${n} approvals at once, Slack's rate limits on, 2 bot processes`,
      rows: [
        {
          measure: `N=${n}, click → every card, thread post and DM delivered`,
          value:
            `${round(deliveryMs / 1000, 2)} s = ${round(deliveryMs / floor, 2)}× Slack's floor (${round(floor / 1000, 1)} s); ` +
            `${limited.length} calls answered 429 on the way; ${writes.length} policy writes, the last ${round(lastWriteMs / 1000, 2)} s after the click`,
          target: 'every announcement once, none owed',
          met: problems.length === 0,
        },
      ],
      figures: {
        approvals: n,
        deliveryMs: round(deliveryMs),
        slackFloorMs: floor,
        rateLimitedCalls: limited.length,
        rateLimitedBy: limitedBy,
        policyWrites: writes.length,
        lastPolicyWriteMs: lastWriteMs,
        twice,
        owed,
      },
      problems,
      notes: [
        `Slack's floor: ${n} thread posts in the approvers' channel at chat.postMessage's limit (src/slack/web-api-limits.ts: a burst of ${POST.burst}, then ${POST.requests} per ${POST.windowSeconds} s); the DMs go to another channel, side by side.`,
        'Each process paces its own calls (src/slack/pacing.ts); the other process spends the same allowance, so some calls meet a 429 and go again after its Retry-After.',
      ],
    };
  } finally {
    await w.close();
  }
}
