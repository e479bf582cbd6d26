// Part 3: N approvals clicked at the same moment, spread over two bot processes: on one
// repository (they should share policy writes, not queue for one each) and on N repositories
// (they should not wait for each other at all). Each scenario runs several times, each time
// on repositories of its own, and reports the median: one run on a shared machine is noise.
import { performance } from 'node:perf_hooks';
import { startBenchWorld, accountId, type BenchWorld } from '../bench-world';
import type { BenchOptions } from '../options';
import type { PartResult, Row } from '../report';
import { median, round } from '../stats';
import type { SimMessage } from '../../sandbox/slack-simulator';

const WARM_UP_REPOSITORY = 'warm-up-images';
const SIZES = [1, 10, 50] as const;
const QUICK_SIZES = [1, 10, 25] as const;
const RUNS = 3;
const QUICK_RUNS = 1;
/** Targets for the largest same-repository burst: time against one approval, and policy writes. */
const TARGET_SAME_RATIO = 10;
const TARGET_SAME_WRITES = 4;
/** Parallel request set-up; the requests are not what is measured here. */
const SETUP_PARALLEL = 8;

/** Every run starts from repositories no other run has touched, so no run inherits a longer policy. */
const sameRepository = (n: number, run: number) => `same-${n}-run-${run}`;
const differentRepository = (n: number, run: number, i: number) => `different-${n}-run-${run}-${String(i).padStart(3, '0')}`;

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

async function run(w: BenchWorld, kind: Scenario['kind'], n: number, runIndex: number, firstAccount: number): Promise<Scenario & { problems: string[] }> {
  const problems: string[] = [];
  const asks = Array.from({ length: n }, (_, i) => ({
    repository: kind === 'same repository' ? sameRepository(n, runIndex) : differentRepository(n, runIndex, i),
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

/** One scenario over its runs: the median run stands for it, with the spread beside it. */
interface Summary {
  kind: Scenario['kind'];
  n: number;
  runs: Scenario[];
  medianMs: number;
}

const spread = (values: readonly number[]) => {
  const low = Math.min(...values);
  const high = Math.max(...values);
  return low === high ? `${low}` : `${low}–${high}`;
};

export async function concurrency(options: BenchOptions): Promise<PartResult> {
  const sizes: readonly number[] = options.quick ? QUICK_SIZES : SIZES;
  const runs = options.quick ? QUICK_RUNS : RUNS;
  const largest = Math.max(...sizes);
  const repositories = [WARM_UP_REPOSITORY];
  for (const n of sizes) {
    for (let r = 0; r < runs; r++) repositories.push(sameRepository(n, r), ...Array.from({ length: n }, (_, i) => differentRepository(n, r, i)));
  }
  const w = await startBenchWorld({ latency: options.latency, repositories, bots: 2 });
  try {
    // Each process's first approval loads code the later ones reuse; it is not what is measured.
    for (const [i, bot] of w.bots.entries()) {
      const card = await w.request(WARM_UP_REPOSITORY, accountId(390_000_000_000, i), bot);
      await w.click(card, 'approve', bot);
      await w.allAnswered([card]);
    }
    await w.quiet();

    const problems: string[] = [];
    const summaries: Summary[] = [];
    let accounts = 0;
    for (const kind of ['same repository', 'different repositories'] as const) {
      for (const n of sizes) {
        const done: Scenario[] = [];
        for (let r = 0; r < runs; r++) {
          const { problems: seen, ...scenario } = await run(w, kind, n, r, accounts);
          problems.push(...seen);
          done.push(scenario);
          accounts += n;
        }
        summaries.push({ kind, n, runs: done, medianMs: median(done.map((s) => s.totalMs)) });
      }
    }
    const baseline = (kind: Scenario['kind']) => summaries.find((s) => s.kind === kind && s.n === 1)?.medianMs ?? Number.NaN;
    const rows: Row[] = summaries.map((s) => {
      const ratio = s.medianMs / baseline(s.kind);
      const biggestSame = s.kind === 'same repository' && s.n === largest;
      const writes = s.runs.map((r) => r.policyWrites);
      const granted = s.runs.reduce((sum, r) => sum + r.granted, 0);
      const botsCpu = median(s.runs.map((r) => r.cpuMs.bots.reduce((a, b) => a + b, 0)));
      const worldCpu = median(s.runs.map((r) => r.cpuMs.world));
      const timing = runs > 1 ? `${round(s.medianMs)} ms median (${spread(s.runs.map((r) => round(r.totalMs, 0)))} over ${runs} runs)` : `${round(s.medianMs)} ms`;
      return {
        measure: `${s.kind}, N=${s.n}`,
        value: `${timing} = ${round(ratio, 1)}× N=1, ${spread(writes)} write${Math.max(...writes) === 1 ? '' : 's'}, ${granted}/${s.n * runs} granted, CPU ${round(botsCpu / 1000, 2)} s bots + ${round(worldCpu / 1000, 2)} s world`,
        ...(biggestSame && {
          target: `≤ ${TARGET_SAME_RATIO}× N=1, ≤ ${TARGET_SAME_WRITES} writes, all granted`,
          met: ratio <= TARGET_SAME_RATIO && Math.max(...writes) <= TARGET_SAME_WRITES && granted === s.n * runs,
        }),
      };
    });
    return {
      part: 3,
      title: 'Concurrency: N simultaneous approvals over 2 bot processes',
      rows,
      figures: {
        botProcesses: w.bots.length,
        runsPerScenario: runs,
        scenarios: summaries.map((s) => ({
          kind: s.kind,
          n: s.n,
          medianMs: round(s.medianMs),
          ratioToOne: round(s.medianMs / baseline(s.kind), 2),
          runs: s.runs.map((r) => ({ ...r, totalMs: round(r.totalMs) })),
        })),
        targetSameRepositoryRatio: TARGET_SAME_RATIO,
      },
      problems,
      notes: [
        'Total: first click sent → last verified policy posted in its thread. Writes: SetRepositoryPolicy calls the emulator received.',
        `Each scenario runs ${runs === 1 ? 'once' : `${runs} times, each on repositories of its own, and the median run is reported`}; the ratio compares medians.`,
        'CPU: used while the approvals ran (median run), by the two bot processes and by this process (dynalite, ECR emulator, Slack simulator); all of it shares the same cores.',
      ],
    };
  } finally {
    await w.close();
  }
}
