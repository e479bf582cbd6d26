// Part 5: `/ecr-access list` over 50 repositories with 100 accounts each (every one granted
// through ecr-access), timed from the command to the answer in Slack. The reads should go out
// in parallel (bounded), so the answer costs a few round trips, not one per repository.
import { performance } from 'node:perf_hooks';
import { dynamoTable } from '../../src/aws/dynamo';
import { dynamoRequestStore } from '../../src/aws/request-store';
import { startBenchWorld, accountId, SANDBOX } from '../bench-world';
import { recordTimeline, sequentialSteps } from '../call-timeline';
import { CI_PUSH_STATEMENT, readStatement } from '../fixtures';
import { seedGrants, seededRequestId, type SeededGrant } from '../grant-records';
import type { BenchOptions } from '../options';
import type { PartResult } from '../report';
import { median, round } from '../stats';

const REPOSITORIES = 50;
const ACCOUNTS_EACH = 100;
/** "A small multiple of one round trip": what the issue asks for, as a number. */
const TARGET_ROUND_TRIPS = 10;

const repositoryName = (i: number) => `team-${String(i).padStart(2, '0')}-images`;

/** The most calls in flight at once, given each call's start and end. */
function peakConcurrency(intervals: ReadonlyArray<{ start: number; end: number }>): number {
  const edges = intervals.flatMap((c) => [{ at: c.start, step: 1 }, { at: c.end, step: -1 }]).sort((a, b) => a.at - b.at || a.step - b.step);
  let current = 0;
  let peak = 0;
  for (const edge of edges) {
    current += edge.step;
    peak = Math.max(peak, current);
  }
  return peak;
}

export async function listAtScale(options: BenchOptions): Promise<PartResult> {
  const { latency } = options;
  const runs = options.quick ? 2 : 10;
  const repositories = Array.from({ length: REPOSITORIES }, (_, i) => repositoryName(i));
  const w = await startBenchWorld({ latency, repositories });
  const problems: string[] = [];
  const timeline = recordTimeline(w, latency.ecrMs);
  try {
    const grants: SeededGrant[] = [];
    for (const [r, repository] of repositories.entries()) {
      const accounts = Array.from({ length: ACCOUNTS_EACH }, (_, i) => accountId(600_000_000_000, r * ACCOUNTS_EACH + i));
      w.world.ecr.putPolicy(repository, JSON.stringify({ Version: '2012-10-17', Statement: [CI_PUSH_STATEMENT, readStatement(accounts)] }));
      grants.push(...accounts.map((account, i) => ({ id: seededRequestId(r * ACCOUNTS_EACH + i), repository, account })));
    }
    await seedGrants(w.clients.dynamo, SANDBOX.table, grants, { approver: SANDBOX.approver, requester: SANDBOX.requester });
    const check = await dynamoRequestStore(dynamoTable(w.clients.dynamo, SANDBOX.table)).get(seededRequestId(0));
    if (check?.state !== 'GRANTED') throw new Error('the seeded grant records do not read back as the store reads requests');

    const answerMs: number[] = [];
    const ecrReads: number[] = [];
    const peaks: number[] = [];
    const steps: number[] = [];
    for (let run = 0; run <= runs; run++) {
      await w.quiet();
      const started = performance.now();
      const ack = await w.command('list', { user: SANDBOX.other });
      const answer = await w.reply(ack.responseUrl);
      const elapsed = performance.now() - started;
      if (answer.status !== 200) problems.push(`Slack refused the list (${answer.status} ${answer.error ?? ''})`);
      const text = JSON.stringify(answer.body);
      if (!text.includes(repositoryName(0)) || /could not read/i.test(text)) problems.push(`the list is not the full answer: ${String(answer.body.text).slice(0, 200)}`);
      const reads = timeline.calls(started, started + elapsed).filter((c) => c.service === 'ECR');
      if (run === 0) continue; // the first list warms the process up
      answerMs.push(elapsed);
      ecrReads.push(reads.length);
      peaks.push(peakConcurrency(reads));
      steps.push(sequentialSteps(reads).length);
    }
    const p50 = median(answerMs);
    const roundTrips = p50 / latency.ecrMs;
    return {
      part: 5,
      title: `List at scale: \`list\` over ${REPOSITORIES} repositories × ${ACCOUNTS_EACH} granted accounts`,
      rows: [
        {
          measure: `command → answer in Slack (n=${runs}) p50 / max`,
          value: `${round(p50)} / ${round(Math.max(...answerMs))} ms`,
        },
        {
          measure: `in round trips of ${latency.ecrMs} ms`,
          value: `${round(roundTrips, 1)} (one read after another: ${REPOSITORIES + 1})`,
          target: `≤ ${TARGET_ROUND_TRIPS}`,
          met: roundTrips <= TARGET_ROUND_TRIPS,
        },
        { measure: 'ECR policy reads per list / most in flight at once', value: `${median(ecrReads)} / ${median(peaks)}` },
      ],
      figures: {
        repositories: REPOSITORIES,
        accountsEach: ACCOUNTS_EACH,
        runs,
        answerMs: { p50: round(p50), max: round(Math.max(...answerMs)), all: answerMs.map((v) => round(v)) },
        roundTrips: round(roundTrips, 2),
        targetRoundTrips: TARGET_ROUND_TRIPS,
        ecrReadsPerList: median(ecrReads),
        peakConcurrentReads: median(peaks),
        sequentialReadWaves: median(steps),
      },
      problems: [...new Set(problems)],
      notes: [`Answer: the list's reply reaching the simulator's response_url. The reply posts one more round trip after the reads (${latency.slackMs} ms).`],
    };
  } finally {
    timeline.stop();
    await w.close();
  }
}
