// Part 7: the cost of one sweep pass over 1,000 grants on 50 repositories: its time, the items it
// reads, its DynamoDB calls (metered at dynalite) and its ECR reads. Two passes are measured: the
// steady one (no grant due: only the drift check of every repository), and the first look at
// 1,000 time-bound grants made due at once, as right after they were granted (a pass takes 500).
// The pass runs in this process, on the app's own adapters, so process start-up is not counted.
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../../src/config';
import { type SweepReport, sweepOnce } from '../../src/service/sweep';
import { accountId, SANDBOX, startBenchWorld } from '../bench-world';
import { inProcessApp } from '../in-process-app';
import { readStatement } from '../fixtures';
import { seedGrants, seededRequestId, type SeededGrant } from '../grant-records';
import type { BenchOptions } from '../options';
import type { PartResult, Row } from '../report';
import { median, round } from '../stats';

const REPOSITORIES = 50;
const GRANTS = 1_000;
const DAY = 24 * 60 * 60 * 1000;

const repositoryName = (i: number) => `sweep-${String(i).padStart(2, '0')}-images`;

interface Measured {
  ms: number;
  report: SweepReport;
  dynamoCalls: Record<string, number>;
  ecrCalls: number;
}

export async function sweepPass(options: BenchOptions): Promise<PartResult> {
  const runs = options.quick ? 1 : 5;
  const repositories = Array.from({ length: REPOSITORIES }, (_, i) => repositoryName(i));
  const w = await startBenchWorld({ latency: options.latency, repositories });
  const problems: string[] = [];
  let closeClients = () => {};
  let ecrCalls = 0;
  const offEcr = w.world.ecr.on('call', () => {
    ecrCalls += 1;
  });
  try {
    const now = Date.now();
    const grants: SeededGrant[] = [];
    const each = GRANTS / REPOSITORIES;
    for (const [r, repository] of repositories.entries()) {
      const accounts = Array.from({ length: each }, (_, i) => accountId(700_000_000_000, r * each + i));
      w.world.ecr.putPolicy(repository, JSON.stringify({ Version: '2012-10-17', Statement: [readStatement(accounts)] }));
      // Time-bound grants, ending in 3 to 30 days: none is due for its reminder yet.
      grants.push(...accounts.map((account, i) => ({ id: seededRequestId(r * each + i), repository, account, expiresAt: new Date(now + (3 + ((r + i) % 28)) * DAY).toISOString() })));
    }
    await seedGrants(w.clients.dynamo, SANDBOX.table, grants, { approver: SANDBOX.approver, requester: SANDBOX.requester });

    const config = loadConfig({ ...w.world.env, ECR_ACCESS_REPOSITORIES: repositories.join(','), LOG_LEVEL: 'warn' });
    const app = inProcessApp(w, config);
    closeClients = app.close;
    const { deps } = app;

    const measure = async (): Promise<Measured> => {
      await w.quiet();
      w.dynamo.resetCalls();
      ecrCalls = 0;
      const started = performance.now();
      const report = await sweepOnce(deps, config.sweep);
      const ms = performance.now() - started;
      const dynamoCalls: Record<string, number> = {};
      for (const call of w.dynamo.calls) dynamoCalls[call.operation] = (dynamoCalls[call.operation] ?? 0) + 1;
      if (report.failures > 0) problems.push(`a pass left ${report.failures} item(s) unfinished`);
      if ((dynamoCalls.Scan ?? 0) > 0) problems.push('a pass scanned the table');
      return { ms, report, dynamoCalls, ecrCalls };
    };

    // Warm-up: the SDK clients load and connect.
    await measure();
    const steady: Measured[] = [];
    for (let run = 0; run < runs; run++) steady.push(await measure());

    // Every grant due at once for its first look (in the work list, due now).
    await seedGrants(w.clients.dynamo, SANDBOX.table, grants.map((g) => ({ ...g, dueAt: now })), { approver: SANDBOX.approver, requester: SANDBOX.requester });
    const firstLook = [await measure(), await measure()];
    const afterwards = await measure();
    if (afterwards.report.looked !== 0) problems.push(`${afterwards.report.looked} grant(s) still due after two passes`);
    if (firstLook.some((m) => m.report.expired + m.report.reminded > 0)) problems.push('a grant not yet due for its end or reminder was ended or reminded');

    const calls = (m: Measured) => Object.values(m.dynamoCalls).reduce((a, b) => a + b, 0);
    const byOperation = (m: Measured) => Object.entries(m.dynamoCalls).sort().map(([op, n]) => `${n} ${op}`).join(', ');
    const mid = steady[Math.floor(steady.length / 2)] as Measured;
    const rows: Row[] = [
      {
        measure: `steady pass (nothing due; drift of ${REPOSITORIES} repositories) p50 (n=${runs})`,
        value: `${round(median(steady.map((m) => m.ms)))} ms; ${mid.report.itemsRead} items read; ${calls(mid)} DynamoDB calls (${byOperation(mid)}); ${mid.ecrCalls} ECR reads`,
      },
      ...firstLook.map((m, i) => ({
        measure: `first look at ${GRANTS} due grants, pass ${i + 1} (${m.report.looked} looked at)`,
        value: `${round(m.ms)} ms; ${m.report.itemsRead} items read; ${calls(m)} DynamoDB calls (${byOperation(m)}); ${m.ecrCalls} ECR reads`,
      })),
    ];
    return {
      part: 8,
      title: `Sweep pass: ${GRANTS} time-bound grants on ${REPOSITORIES} repositories`,
      rows,
      figures: {
        grants: GRANTS,
        repositories: REPOSITORIES,
        steady: steady.map((m) => ({ ms: round(m.ms), itemsRead: m.report.itemsRead, dynamoCalls: m.dynamoCalls, ecrCalls: m.ecrCalls })),
        firstLook: firstLook.map((m) => ({ ms: round(m.ms), looked: m.report.looked, itemsRead: m.report.itemsRead, dynamoCalls: m.dynamoCalls, ecrCalls: m.ecrCalls })),
      },
      problems: [...new Set(problems)],
      notes: [
        `Sweep pass: a steady pass reads each repository's records through its index and its policy from ECR (the drift check); a due grant costs its index entry, one look-again write, and its repository's records once per pass. No Scan. DynamoDB latency injected: ${options.latency.dynamoMs} ms.`,
      ],
    };
  } finally {
    offEcr();
    closeClients();
    await w.close();
  }
}
