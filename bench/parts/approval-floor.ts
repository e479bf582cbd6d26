// Part 2: one approval at a time, from the approver's click to the verified policy in the
// card's thread, against the floor: the injected latency times the calls a verified grant
// cannot do without (read the policy, write it, read it back, record the grant).
import { performance } from 'node:perf_hooks';
import { CI_PUSH_STATEMENT } from '../fixtures';
import type { SimMessage } from '../../sandbox/slack-simulator';
import { REVOKE_ACTION } from '../../src/slack/blocks/revoke-confirmation';
import { startBenchWorld, accountId, SANDBOX } from '../bench-world';
import { countBy, recordTimeline, sequentialSteps, waitingBy, type TimedCall } from '../call-timeline';
import type { BenchOptions } from '../options';
import type { PartResult } from '../report';
import { mean, median, percentile, round } from '../stats';

const REPOSITORY = 'common-images';
const FLOOR_CALLS = 4;
const TARGET_RATIO = 1.5;

interface Approval {
  clickToThreadMs: number;
  clickToDoneMs: number;
  ackMs: number;
  /** Calls between the click and the thread post, and all the calls the approval made. */
  toThread: TimedCall[];
  all: TimedCall[];
  botCpuMs: number;
  worldCpuMs: number;
  /** From the click to the bot's first outbound call. */
  firstCallAfterMs: number;
}

const describeCounts = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');

export async function approvalFloor(options: BenchOptions): Promise<PartResult> {
  const { latency } = options;
  const counts = options.quick ? { warmup: 2, measured: 5 } : { warmup: 3, measured: 20 };
  const w = await startBenchWorld({ latency, repositories: [REPOSITORY] });
  const problems: string[] = [];
  w.world.ecr.putPolicy(REPOSITORY, JSON.stringify({ Version: '2012-10-17', Statement: [CI_PUSH_STATEMENT] }));
  const timeline = recordTimeline(w, latency.ecrMs);
  try {
    const approvals: Approval[] = [];
    const granted: Array<{ account: string; card: SimMessage }> = [];
    for (let i = 0; i < counts.warmup + counts.measured; i++) {
      const account = accountId(200_000_000_000, i);
      const card = await w.request(REPOSITORY, account);
      await w.quiet();
      const told = w.world.slack.dms(SANDBOX.requester).length + 1;
      let threadAt = Number.NaN;
      const onPost = (event: { kind: string; message?: { thread_ts?: string; ts: string } }) => {
        if (event.kind === 'message_posted' && event.message?.thread_ts === card.ts && Number.isNaN(threadAt)) threadAt = performance.now();
      };
      w.world.slack.on('event', onPost);
      const cpuBefore = w.cpu();
      const clicked = performance.now();
      const ack = await w.click(card, 'approve');
      await w.world.slack.waitFor(() => w.world.slack.dms(SANDBOX.requester).length >= told, 30_000);
      const doneAt = performance.now();
      await w.quiet();
      const cpuAfter = w.cpu();
      w.world.slack.off('event', onPost);

      const thread = w.threadReplies(card);
      if (!thread.some((m) => m.text.includes(`${account} can pull`))) {
        problems.push(`approval of ${account} posted no verified policy: ${thread.map((m) => m.text).join(' / ') || 'nothing in the thread'}`);
        continue;
      }
      granted.push({ account, card });
      if (i < counts.warmup) continue;
      approvals.push({
        clickToThreadMs: threadAt - clicked,
        clickToDoneMs: doneAt - clicked,
        ackMs: ack.elapsedMs,
        toThread: timeline.calls(clicked, threadAt),
        all: timeline.calls(clicked),
        firstCallAfterMs: (timeline.calls(clicked)[0]?.start ?? Number.NaN) - clicked,
        botCpuMs: (cpuAfter.bots[0] ?? Number.NaN) - (cpuBefore.bots[0] ?? Number.NaN),
        worldCpuMs: cpuAfter.world - cpuBefore.world,
      });
    }
    const states = await w.states();
    const notGranted = [...states.entries()].filter(([, s]) => s !== 'GRANTED');
    if (notGranted.length > 0) problems.push(`not GRANTED: ${notGranted.map(([a, s]) => `${a} ${s}`).join(', ')}`);
    const revokes = await revokeLatencies(w, granted, counts.warmup, problems);
    // Call counts are the same for every approval of this kind; the median one is reported.
    const typical = [...approvals].sort((a, b) => a.clickToThreadMs - b.clickToThreadMs)[Math.floor(approvals.length / 2)];
    if (typical === undefined) return { part: 2, title: 'Approval latency against its floor', rows: [], figures: {}, problems };
    const steps = sequentialSteps(typical.toThread);
    const stepsAll = sequentialSteps(typical.all);
    const byService = countBy(typical.toThread, (c) => c.service);
    const byServiceAll = countBy(typical.all, (c) => c.service);
    const waiting = waitingBy(steps);
    const clickToThread = approvals.map((a) => a.clickToThreadMs);
    const floorMs = FLOOR_CALLS * latency.ecrMs;
    const p50 = median(clickToThread);
    const ratio = floorMs > 0 ? p50 / floorMs : Number.NaN;
    const waitedMs = waiting.ECR + waiting.DynamoDB + waiting.Slack;
    const otherMs = typical.clickToThreadMs - waitedMs;
    // Of the bot's own time: taking the click (HTTP, signature, Bolt, hand-over) before its first call.
    const beforeFirstCallMs = typical.firstCallAfterMs;
    const sequence = typical.toThread.map((c) => `${c.service === 'DynamoDB' ? 'ddb' : c.service.toLowerCase()}:${c.operation}`);

    return {
      part: 2,
      title: 'Approval latency: click → verified policy in the thread, one at a time',
      rows: [
        {
          measure: `click → thread post (n=${approvals.length}) p50 / p90 / max`,
          value: `${round(p50)} / ${round(percentile(clickToThread, 90))} / ${round(Math.max(...clickToThread))} ms`,
        },
        { measure: `floor: ${FLOOR_CALLS} calls (read, write, read back, record) × ${latency.ecrMs} ms`, value: `${floorMs} ms` },
        { measure: 'ratio to the floor (p50)', value: `${round(ratio, 2)}×`, target: `≤ ${TARGET_RATIO}×`, met: ratio <= TARGET_RATIO },
        {
          measure: `revoke: click on Revoke → removal in the thread (n=${revokes.length}) p50 / p90 / max`,
          value: revokes.length > 0 ? `${round(median(revokes))} / ${round(percentile(revokes, 90))} / ${round(Math.max(...revokes))} ms = ${round(median(revokes) / floorMs, 2)}× the same floor` : 'none measured',
        },
        {
          measure: 'sequential calls before the thread post',
          value: `${steps.length} steps: ${byService.ECR ?? 0} ECR, ${byService.DynamoDB ?? 0} DynamoDB, ${byService.Slack ?? 0} Slack`,
        },
        {
          measure: 'time waiting on ECR / DynamoDB / Slack / in the bot',
          value: `${round(waiting.ECR)} / ${round(waiting.DynamoDB)} / ${round(waiting.Slack)} / ${round(otherMs)} ms`,
        },
        {
          measure: 'of the bot\'s time: click → its first call / between calls',
          value: `${round(beforeFirstCallMs)} / ${round(otherMs - beforeFirstCallMs)} ms`,
        },
        {
          measure: 'CPU per approval: bot process / outside world (emulators, dynalite)',
          value: `${round(mean(approvals.map((a) => a.botCpuMs)))} / ${round(mean(approvals.map((a) => a.worldCpuMs)))} ms`,
        },
        {
          measure: 'whole approval job (until the requester is told)',
          value: `${round(median(approvals.map((a) => a.clickToDoneMs)))} ms, ${stepsAll.length} steps: ${byServiceAll.ECR ?? 0} ECR, ${byServiceAll.DynamoDB ?? 0} DynamoDB, ${byServiceAll.Slack ?? 0} Slack`,
        },
      ],
      figures: {
        approvals: approvals.length,
        clickToThreadMs: { p50: round(p50), p90: round(percentile(clickToThread, 90)), max: round(Math.max(...clickToThread)), all: clickToThread.map((v) => round(v)) },
        clickToDoneMsP50: round(median(approvals.map((a) => a.clickToDoneMs))),
        revokeClickToThreadMs: revokes.length > 0 ? { p50: round(median(revokes)), ratioToFloor: round(median(revokes) / floorMs, 2), all: revokes.map((v) => round(v)) } : undefined,
        ackMsP50: round(median(approvals.map((a) => a.ackMs))),
        cpuMsPerApproval: { bot: round(mean(approvals.map((a) => a.botCpuMs))), world: round(mean(approvals.map((a) => a.worldCpuMs))) },
        floorMs,
        floorCalls: FLOOR_CALLS,
        ratioToFloor: round(ratio, 2),
        targetRatio: TARGET_RATIO,
        beforeThreadPost: {
          sequentialSteps: steps.length,
          callsByService: byService,
          callsByOperation: countBy(typical.toThread, (c) => `${c.service} ${c.operation}`),
          waitingMs: { ecr: round(waiting.ECR), dynamodb: round(waiting.DynamoDB), slack: round(waiting.Slack), bot: round(otherMs) },
          botBeforeFirstCallMs: round(beforeFirstCallMs),
          sequence,
        },
        wholeJob: {
          sequentialSteps: stepsAll.length,
          callsByService: byServiceAll,
          callsByOperation: countBy(typical.all, (c) => `${c.service} ${c.operation}`),
        },
      },
      problems,
      notes: [`Calls of the median approval up to the thread post, in order: ${sequence.join(' → ')}`, `Whole job: ${describeCounts(countBy(typical.all, (c) => `${c.service} ${c.operation}`))}.`],
    };
  } finally {
    timeline.stop();
    await w.close();
  }
}

/**
 * Revokes the granted accounts one at a time, as an approver would: `/ecr-access revoke`, then
 * Revoke on the confirmation (Slack has shown its dialog). Measures the click to the removal's
 * post in the card's thread; the first `warmup` are not counted.
 */
async function revokeLatencies(
  w: Awaited<ReturnType<typeof startBenchWorld>>,
  granted: ReadonlyArray<{ account: string; card: SimMessage }>,
  warmup: number,
  problems: string[],
): Promise<number[]> {
  const latencies: number[] = [];
  for (const [i, { account, card }] of granted.entries()) {
    const ack = await w.command(`revoke ${REPOSITORY} ${account} bench`, { user: SANDBOX.approver });
    const confirmation = await w.world.slack.waitFor(
      () => w.world.slack.ephemerals(SANDBOX.approver).find((e) => e.responseUrlId !== undefined && ack.responseUrl.endsWith(`/${e.responseUrlId}`)),
      30_000,
    );
    await w.quiet();
    const before = w.threadReplies(card).length;
    let postedAt = Number.NaN;
    const onPost = (event: { kind: string; message?: { thread_ts?: string } }) => {
      if (event.kind === 'message_posted' && event.message?.thread_ts === card.ts && Number.isNaN(postedAt)) postedAt = performance.now();
    };
    w.world.slack.on('event', onPost);
    const clicked = performance.now();
    await w.world.slack.clickButton({ user: SANDBOX.approver, channel: SANDBOX.approvalChannel, messageTs: confirmation.ts, actionId: REVOKE_ACTION });
    await w.world.slack.waitFor(() => w.threadReplies(card).length > before || undefined, 30_000);
    w.world.slack.off('event', onPost);
    await w.quiet();
    if (!w.threadReplies(card).some((m) => m.text.includes('revoked'))) {
      problems.push(`revoke of ${account} posted no removal in the thread`);
      continue;
    }
    if (i >= warmup) latencies.push(postedAt - clicked);
  }
  return latencies;
}
