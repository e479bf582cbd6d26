// `npm run bench`: acknowledgement latency, approval latency against its floor, concurrency,
// policy capacity, list at scale, cold start, an announcement burst under Slack's rate limits, a
// sweep pass, outcomes told once under 429s, a flood of forged requests, and the request form's
// opening and the Home tabs in a burst, and 5,000 repositories under two patterns, against the local world. It measures and reports; it exits non-zero only when
// something is functionally broken.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { describeMachine } from './machine';
import { parseOptions, UsageError, type BenchOptions } from './options';
import { ackLatency } from './parts/ack-latency';
import { announcementBurst } from './parts/announcement-burst';
import { approvalFloor } from './parts/approval-floor';
import { capacity } from './parts/capacity';
import { coldStart } from './parts/cold-start';
import { concurrency } from './parts/concurrency';
import { listAtScale } from './parts/list-at-scale';
import { patternsAtScale } from './parts/patterns-at-scale';
import { requestForm } from './parts/request-form';
import { sweepPass } from './parts/sweep-pass';
import { toldUnder429s } from './parts/told-under-429s';
import { unsignedFlood } from './parts/unsigned-flood';
import { renderNotes, renderTable, type PartResult } from './report';
import { round } from './stats';

const PARTS: Record<number, { title: string; run: (options: BenchOptions) => Promise<PartResult> }> = {
  1: { title: 'Acknowledgement latency', run: ackLatency },
  2: { title: 'Approval latency against its floor', run: approvalFloor },
  3: { title: 'Concurrency', run: concurrency },
  4: { title: 'Policy capacity', run: capacity },
  5: { title: 'List at scale', run: listAtScale },
  6: { title: 'Cold start', run: coldStart },
  7: { title: 'Announcement burst under Slack rate limits', run: announcementBurst },
  8: { title: 'Sweep pass', run: sweepPass },
  9: { title: 'Outcomes told once under 429s, sweeps running', run: toldUnder429s },
  10: { title: 'Forged requests flood', run: unsignedFlood },
  11: { title: 'Request form within the trigger window; Home tabs in a burst', run: requestForm },
  12: { title: '5,000 repositories under two patterns', run: patternsAtScale },
};

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message.trim()}\n`);
    return 2;
  }
  const machine = describeMachine();
  const { latency } = options;
  process.stdout.write(
    `ecr-access bench${options.quick ? ' (quick)' : ''}: ${machine.cores} × ${machine.cpuModel}, Node ${machine.node}; ` +
      `injected latency ${latency.ecrMs} ms per ECR call, ${latency.slackMs} ms per Slack call, ${latency.dynamoMs} ms per DynamoDB call\n`,
  );
  const loadBefore = loadavg();
  process.stdout.write(`  load average before: ${loadBefore.map((l) => l.toFixed(2)).join(' ')} (other work on this machine slows every figure)\n`);
  const started = performance.now();
  const results: PartResult[] = [];
  for (const part of options.parts) {
    const known = PARTS[part];
    if (!known) throw new Error(`there is no bench part ${part}`);
    const { title, run } = known;
    process.stdout.write(`  part ${part}: ${title} …`);
    const partStarted = performance.now();
    let result: PartResult;
    try {
      result = await run(options);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result = { part, title, rows: [], figures: { crash: error instanceof Error ? error.stack : message }, problems: [`the part crashed: ${message.split('\n')[0]}`] };
    }
    result.seconds = round((performance.now() - partStarted) / 1000);
    process.stdout.write(` ${result.seconds} s\n`);
    results.push(result);
  }
  const seconds = round((performance.now() - started) / 1000);
  const loadAfter = loadavg();
  process.stdout.write(`\n${renderTable(results)}\n`);
  const notes = renderNotes(results);
  if (notes) process.stdout.write(`\nNotes\n${notes}\n`);
  process.stdout.write(`\nTotal ${seconds} s; load average after: ${loadAfter.map((l) => l.toFixed(2)).join(' ')}. Figures written to ${options.out}\n`);
  writeFileSync(
    options.out,
    `${JSON.stringify({ at: new Date().toISOString(), quick: options.quick, machine, loadAverage: { before: loadBefore, after: loadAfter }, latency, seconds, parts: results }, null, 2)}\n`,
  );
  const broken = results.filter((r) => r.problems.length > 0);
  if (broken.length > 0) {
    process.stderr.write(`\nBroken: ${broken.map((r) => `part ${r.part}`).join(', ')} (see BROKEN rows above)\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
