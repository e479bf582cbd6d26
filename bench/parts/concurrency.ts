// Part 3: N approvals clicked at the same moment, spread over two bot processes: on one
// repository (they should share policy writes, not queue for one each) and on N repositories
// (they should not wait for each other at all).
import { performance } from 'node:perf_hooks';
import { startBenchWorld, accountId, type BenchWorld } from '../bench-world';
import type { BenchOptions } from '../options';
import type { PartResult, Row } from '../report';
import { round } from '../stats';
import type { SimMessage } from '../../src/sandbox/slack-simulator';

const SAME_REPOSITORY = 'common-images';
const WARM_UP_REPOSITORY = 'warm-up-images';
const SIZES = [1, 10, 50] as const;
const QUICK_SIZES = [1, 10, 25] as const;
const TARGET_SAME_RATIO = 5;
/** Parallel request set-up; the requests are not what is measured here. */
const SETUP_PARALLEL = 8;

const differentRepository = (i: number) => `shared-${String(i).padStart(3, '0')}`;

interface Scenario {
  kind: 'same repository' | 'different repositories';
  n: number;
  totalMs: number;
  policyWrites: number;
  granted: number;
  dynamoCalls: number;
  /** CPU used while the approvals ran: this process (emulators, simulator, dynalite) and each bot. */
  cpuMs: { world: number; bots: number[] };
}

async function inParallel<T, R>(items: readonly T[], size: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return results;
}

async function run(w: BenchWorld, kind: Scenario['kind'], n: number, firstAccount: number): Promise<Scenario & { problems: string[] }> {
  const problems: string[] = [];
  const asks = Array.from({ length: n }, (_, i) => ({
    repository: kind === 'same repository' ? SAME_REPOSITORY : differentRepository(i),
    account: accountId(300_000_000_000, firstAccount + i),
  }));
  const cards: SimMessage[] = await inParallel(asks, SETUP_PARALLEL, (ask, i) => w.request(ask.repository, ask.account, w.bots[i % w.bots.length]));
  await w.quiet();

  w.world.ecr.resetCalls();
  const dynamoBefore = w.dynamo.calls.length;
  const cpuBefore = w.cpu();
  const started = performance.now();
  const acks = await Promise.all(cards.map((card, i) => w.click(card, 'approve', w.bots[i % w.bots.length])));
  for (const ack of acks) if (ack.status !== 200) problems.push(`a click was answered ${ack.status}`);
  await w.allAnswered(cards);
  const totalMs = performance.now() - started;
  const cpuAfter = w.cpu();
  // Pollers back off up to half a second; let them find out their request is settled.
  await w.quiet(700);

  const records = await w.records();
  const granted = asks.filter((a) => records.get(a.account)?.state === 'GRANTED').length;
  if (granted !== n) {
    const others = asks
      .filter((a) => records.get(a.account)?.state !== 'GRANTED')
      .map((a) => {
        const record = records.get(a.account);
        return `${a.account} ${record?.state ?? 'missing'}${record?.failureReason ? `: ${record.failureReason}` : ''}`;
      });
    problems.push(`${kind}, N=${n}: ${n - granted} not GRANTED (${others.slice(0, 3).join('; ')})`);
  }
  return {
    kind,
    n,
    totalMs,
    policyWrites: w.world.ecr.countCalls('SetRepositoryPolicy'),
    granted,
    dynamoCalls: w.dynamo.calls.length - dynamoBefore,
    cpuMs: {
      world: round(cpuAfter.world - cpuBefore.world),
      bots: cpuAfter.bots.map((after, i) => round(after - (cpuBefore.bots[i] ?? Number.NaN))),
    },
    problems,
  };
}

export async function concurrency(options: BenchOptions): Promise<PartResult> {
  const sizes: readonly number[] = options.quick ? QUICK_SIZES : SIZES;
  const largest = Math.max(...sizes);
  const repositories = [SAME_REPOSITORY, WARM_UP_REPOSITORY, ...Array.from({ length: largest }, (_, i) => differentRepository(i))];
  const w = await startBenchWorld({ latency: options.latency, repositories, bots: 2 });
  try {
    // Each process's first approval loads code the later ones reuse; it is not what is measured.
    for (const [i, bot] of w.bots.entries()) {
      const card = await w.request(WARM_UP_REPOSITORY, accountId(390_000_000_000, i), bot);
      await w.click(card, 'approve', bot);
      await w.allAnswered([card]);
    }
    await w.quiet();

    const scenarios: Array<Scenario & { problems: string[] }> = [];
    let accounts = 0;
    for (const kind of ['same repository', 'different repositories'] as const) {
      for (const n of sizes) {
        scenarios.push(await run(w, kind, n, accounts));
        accounts += n;
      }
    }
    const baseline = (kind: Scenario['kind']) => scenarios.find((s) => s.kind === kind && s.n === 1)?.totalMs ?? Number.NaN;
    const rows: Row[] = scenarios.map((s) => {
      const ratio = s.totalMs / baseline(s.kind);
      const biggestSame = s.kind === 'same repository' && s.n === largest;
      const botsCpu = s.cpuMs.bots.reduce((a, b) => a + b, 0);
      return {
        measure: `${s.kind}, N=${s.n}`,
        value: `${round(s.totalMs)} ms (${round(ratio, 1)}× N=1), ${s.policyWrites} write${s.policyWrites === 1 ? '' : 's'}, ${s.granted}/${s.n} granted, CPU ${round(botsCpu / 1000, 2)} s bots + ${round(s.cpuMs.world / 1000, 2)} s world`,
        ...(biggestSame && { target: `≤ ${TARGET_SAME_RATIO}× N=1`, met: ratio <= TARGET_SAME_RATIO }),
      };
    });
    return {
      part: 3,
      title: 'Concurrency: N simultaneous approvals over 2 bot processes',
      rows,
      figures: {
        botProcesses: w.bots.length,
        scenarios: scenarios.map(({ problems: _problems, ...s }) => ({ ...s, totalMs: round(s.totalMs), ratioToOne: round(s.totalMs / baseline(s.kind), 2) })),
        targetSameRepositoryRatio: TARGET_SAME_RATIO,
      },
      problems: scenarios.flatMap((s) => s.problems),
      notes: [
        'Total: first click sent → last verified policy posted in its thread. Writes: SetRepositoryPolicy calls the emulator received.',
        'CPU: used while the approvals ran, by the two bot processes and by this process (dynalite, ECR emulator, Slack simulator); all of it shares the same 2 cores.',
      ],
    };
  } finally {
    await w.close();
  }
}
