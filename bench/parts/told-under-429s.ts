// Part 9: approvals announced while Slack answers most posts with 429, at the bot's default
// settings, with sweep passes (`npm run sweep`, processes of their own) run while announcements
// still wait: how many outcomes are told twice (target 0), and how long until all are told.
// Announcers that wait out Retry-After keep their claims; those that give up after their longest
// wait leave the part owed, and a sweep takes it over only once the claim is abandoned, looking in
// Slack first.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimMessage } from '../../sandbox/slack-simulator';
import type { SweepReport } from '../../src/service/sweep';
import { accountId, SANDBOX, startBenchWorld, type BenchWorld } from '../bench-world';
import type { BenchOptions } from '../options';
import type { PartResult } from '../report';
import { round } from '../stats';

const REPOSITORY = 'told-images';
/** As in the report that found sweeps telling outcomes twice: 7 posts in 10 answered 429, Retry-After 5 s. */
const SHARE_LIMITED = 0.7;
const RETRY_AFTER_SECONDS = 5;
/**
 * The first sweep 36 s after the clicks, then one a minute (a fifth of the default period, so
 * several fall inside the burst); in --quick, every 12 s from 12 s, with fewer approvals.
 */
const SWEEPS = { full: { firstMs: 36_000, everyMs: 60_000 }, quick: { firstMs: 12_000, everyMs: 12_000 } };

async function sweep(w: BenchWorld): Promise<SweepReport | undefined> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'src', 'sweep.ts')], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...w.world.env, ECR_ACCESS_REPOSITORIES: REPOSITORY },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  await once(child, 'exit');
  const line = out.trim().split('\n').pop();
  return line ? (JSON.parse(line) as SweepReport) : undefined;
}

export async function toldUnder429s(options: BenchOptions): Promise<PartResult> {
  const n = options.quick ? 2 : 20;
  const { firstMs, everyMs } = options.quick ? SWEEPS.quick : SWEEPS.full;
  const deadlineMs = options.quick ? 120_000 : 900_000;
  const w = await startBenchWorld({ latency: options.latency, repositories: [REPOSITORY], bots: 2 });
  try {
    const problems: string[] = [];
    const asked: Array<{ account: string; card: SimMessage }> = [];
    for (let i = 0; i < n; i++) {
      const account = accountId(800_000_000_000, i);
      asked.push({ account, card: await w.request(REPOSITORY, account, w.bots[i % w.bots.length]) });
    }
    await w.quiet();
    w.world.slack.setFault('chat.postMessage', { ratelimited: { retryAfterSeconds: RETRY_AFTER_SECONDS }, share: SHARE_LIMITED });
    const started = performance.now();
    await Promise.all(asked.map(({ card }, i) => w.click(card, 'approve', w.bots[i % w.bots.length])));

    const counts = () =>
      asked.map(({ account, card }) => ({
        account,
        thread: w.threadReplies(card).length,
        dms: w.world.slack.dms(SANDBOX.requester).filter((dm) => dm.text.includes(`\`${account}\``)).length,
      }));
    const delivered = () => counts().every((c) => c.thread > 0 && c.dms > 0);
    const sweeps: Array<{ atS: number; announced: number; failures: number }> = [];
    let nextSweep = firstMs;
    while (!delivered() && performance.now() - started < deadlineMs) {
      const since = performance.now() - started;
      if (since >= nextSweep) {
        const report = await sweep(w);
        sweeps.push({ atS: round(since / 1000, 1), announced: report?.announced ?? Number.NaN, failures: report?.failures ?? Number.NaN });
        nextSweep += everyMs;
      } else await sleep(Math.min(1_000, nextSweep - since));
    }
    const deliveredMs = performance.now() - started;
    if (!delivered()) problems.push(`not every outcome was told within ${deadlineMs / 1000} s`);
    w.world.slack.clearFaults();
    await w.quiet();
    const twice = counts().filter((c) => c.thread > 1 || c.dms > 1);
    if (twice.length > 0) problems.push(`told twice: ${twice.map((c) => `${c.account} (${c.thread} thread posts, ${c.dms} DMs)`).join('; ')}`);
    const limited = w.world.slack.rateLimitedCalls.length;
    return {
      part: 9,
      title: `Outcomes told once: ${n} approvals while Slack answers ${SHARE_LIMITED * 100} % of posts 429, sweeps running, default settings`,
      rows: [
        {
          measure: `N=${n}, ${SHARE_LIMITED * 100} % of posts 429 (Retry-After ${RETRY_AFTER_SECONDS} s), sweeps from ${firstMs / 1000} s every ${everyMs / 1000} s`,
          value: `${twice.length} told twice; all told after ${round(deliveredMs / 1000, 1)} s; ${limited} calls answered 429; ${sweeps.length} sweeps took over ${sweeps.reduce((sum, s) => sum + (s.announced || 0), 0)} announcements`,
          target: '0 told twice',
          met: problems.length === 0,
        },
      ],
      figures: { approvals: n, deliveredMs: round(deliveredMs), rateLimitedCalls: limited, sweeps, twice },
      problems,
      notes: [
        'An announcer waits out each 429 (at most 2 minutes a part on a server) and renews its claim meanwhile; one that gives up leaves the part owed, and a sweep takes it over once it has been silent for ECR_ACCESS_ANNOUNCE_RETRY_SECONDS plus the clock margin, looking in Slack for the post first.',
      ],
    };
  } finally {
    await w.close();
  }
}
