// Part 10: the server (`npm start`, its own process) under 2,000 forged requests in 10 s:
// unsigned, wrongly signed, signed for another body, dated outside five minutes. Each should get
// 401; the process's memory (RSS, from /proc) and how late it answers a health check (its event
// loop's delay, as seen from outside) should stay bounded; an approval started just before should
// still end as a grant; and a signed `help` right after should be answered within a second.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { floodWithForgedRequests } from '../../test/support/unsigned-flood';
import { accountId, SANDBOX, startBenchWorld } from '../bench-world';
import type { BenchOptions } from '../options';
import type { PartResult } from '../report';
import { round, summary } from '../stats';

const REPOSITORY = 'common-images';
const FLOOD = { count: 2000, overMs: 10_000 };
const HELP_TARGET_MS = 1000;
/** How often the process is looked at during the flood. */
const PROBE_EVERY_MS = 100;

/** Resident memory of a process in MB, from /proc (Linux); NaN elsewhere. */
function rssMb(pid: number | undefined): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? Number.NaN : Number(kb) / 1024;
  } catch {
    return Number.NaN;
  }
}

/**
 * How long GET /healthz takes: the server answers it at once, so past the round trip the time is
 * its event loop's delay, plus this process's own (it sends the flood too) and the machine's load.
 */
function healthCheckMs(url: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(new URL('/healthz', url), (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - started));
    });
    req.on('error', () => resolve(Number.NaN));
    req.end();
  });
}

export async function unsignedFlood(options: BenchOptions): Promise<PartResult> {
  const w = await startBenchWorld({ latency: options.latency, repositories: [REPOSITORY] });
  const problems: string[] = [];
  try {
    const pid = w.bot.child.pid;
    const account = accountId(700_000_000_000, 0);
    const card = await w.request(REPOSITORY, account);
    const rssBefore = rssMb(pid);

    // The approval is under way as the flood starts.
    const approval = w.click(card, 'approve');
    const rss: number[] = [];
    const delays: number[] = [];
    let flooding = true;
    const probing = (async () => {
      while (flooding) {
        const [delay] = await Promise.all([healthCheckMs(w.bot.url), new Promise((resolve) => setTimeout(resolve, PROBE_EVERY_MS))]);
        delays.push(delay);
        rss.push(rssMb(pid));
      }
    })();
    const flood = await floodWithForgedRequests(w.bot.url, FLOOD);
    flooding = false;
    await probing;

    const helpStarted = performance.now();
    const help = await w.world.slack.slashCommand({ user: SANDBOX.requester, channel: SANDBOX.approvalChannel, text: 'help' });
    const helpMs = performance.now() - helpStarted;

    if ((await approval).status !== 200) problems.push('the approval was not acknowledged');
    await w.quiet();
    const granted = (await w.records()).get(account);
    if (granted?.state !== 'GRANTED') problems.push(`the approval in flight ended ${granted?.state ?? 'unrecorded'}, not GRANTED`);
    const refused = flood.statuses[401] ?? 0;
    if (refused !== FLOOD.count) problems.push(`only ${refused} of ${FLOOD.count} forged requests got 401: ${JSON.stringify(flood.statuses)}`);
    if (help.status !== 200) problems.push(`the signed help got ${help.status}`);

    const delay = summary(delays);
    const rssPeak = Math.max(...rss);
    return {
      part: 10,
      title: 'Forged requests flood',
      rows: [
        { measure: `${FLOOD.count} forged requests, over`, value: `${round(flood.elapsedMs / 1000)} s (${round(FLOOD.count / (flood.elapsedMs / 1000))} /s)` },
        { measure: 'answered 401', value: `${refused} of ${FLOOD.count}`, target: 'all', met: refused === FLOOD.count },
        { measure: 'server memory (RSS) before → peak', value: `${round(rssBefore)} → ${round(rssPeak)} MB`, target: '< +100 MB', met: rssPeak - rssBefore < 100 },
        { measure: 'health check during the flood p50 / p90 / max', value: `${round(delay.p50)} / ${round(delay.p90)} / ${round(delay.max)} ms`, target: 'p90 < 100 ms', met: delay.p90 < 100 },
        { measure: 'signed help right after', value: `${round(helpMs)} ms`, target: `< ${HELP_TARGET_MS} ms`, met: helpMs < HELP_TARGET_MS },
        { measure: 'approval in flight', value: granted?.state ?? 'unrecorded', target: 'GRANTED', met: granted?.state === 'GRANTED' },
      ],
      figures: { flood, rssBeforeMb: rssBefore, rssPeakMb: rssPeak, healthCheckMs: delay, helpMs, approval: granted?.state },
      problems,
    };
  } finally {
    await w.close();
  }
}
