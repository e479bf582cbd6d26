// Part 12: 5,000 repositories shared by two patterns of the settings file (team-* and shared/*):
// the cost of finding them (DescribeRepositories, paged), of `list` without a repository, of a
// steady sweep pass (the drift check of every one), and of a request's checks, which do not grow
// with the count. Run in this process, on the app's own adapters, against the local world.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../../src/config';
import { listAccess } from '../../src/service/list-access';
import { sharedRepositories } from '../../src/service/shared-repositories';
import { checkRequest } from '../../src/service/submit-request';
import { sweepOnce } from '../../src/service/sweep';
import { accountId, SANDBOX, startBenchWorld } from '../bench-world';
import { inProcessApp } from '../in-process-app';
import { readStatement } from '../fixtures';
import { seedGrants, seededRequestId, type SeededGrant } from '../grant-records';
import type { BenchOptions } from '../options';
import type { PartResult, Row } from '../report';
import { median, round } from '../stats';

const REPOSITORIES = 5_000;
/** Repositories with grants: one in fifty, 2 accounts each. */
const GRANTED_EVERY = 50;
const SETTINGS = `repositories:\n  "team-*": {}\n  "shared/*": { maxGrant: 30d }\n`;

const repositoryName = (i: number) => (i % 2 === 0 ? `team-${String(i).padStart(4, '0')}` : `shared/app-${String(i).padStart(4, '0')}`);

export async function patternsAtScale(options: BenchOptions): Promise<PartResult> {
  const runs = options.quick ? 1 : 3;
  const dir = mkdtempSync(join(tmpdir(), 'ecr-access-bench-rules-'));
  const file = join(dir, 'ecr-access.yml');
  writeFileSync(file, SETTINGS);
  const settingsEnv = { ECR_ACCESS_REPOSITORIES: '', ECR_ACCESS_SETTINGS_FILE: file };
  const w = await startBenchWorld({ latency: options.latency, repositories: ['team-0000'], botEnv: settingsEnv });
  const problems: string[] = [];
  let closeClients = () => {};
  const ecrCalls: Record<string, number> = {};
  const offEcr = w.world.ecr.on('call', ({ action }) => {
    ecrCalls[action] = (ecrCalls[action] ?? 0) + 1;
  });
  try {
    const names = Array.from({ length: REPOSITORIES }, (_, i) => repositoryName(i));
    for (const name of names) w.world.ecr.createRepository(name);
    // Repositories no rule matches, which listing reads past and nothing else touches.
    for (let i = 0; i < 100; i++) w.world.ecr.createRepository(`private-${i}`);
    const grants: SeededGrant[] = [];
    for (let r = 0; r < REPOSITORIES; r += GRANTED_EVERY) {
      const repository = names[r] as string;
      const accounts = [accountId(800_000_000_000, r * 2), accountId(800_000_000_000, r * 2 + 1)];
      w.world.ecr.putPolicy(repository, JSON.stringify({ Version: '2012-10-17', Statement: [readStatement(accounts)] }));
      grants.push(...accounts.map((account, i) => ({ id: seededRequestId(r * 2 + i), repository, account })));
    }
    await seedGrants(w.clients.dynamo, SANDBOX.table, grants, { approver: SANDBOX.approver, requester: SANDBOX.requester });

    const config = loadConfig({ ...w.world.env, ...settingsEnv, LOG_LEVEL: 'warn' });
    const app = inProcessApp(w, config);
    closeClients = app.close;
    const { deps } = app;

    /** Time and calls of one run of `work`, after the world has gone quiet. */
    const measure = async <T>(work: () => Promise<T>) => {
      await w.quiet();
      w.dynamo.resetCalls();
      for (const key of Object.keys(ecrCalls)) delete ecrCalls[key];
      const started = performance.now();
      const result = await work();
      const ms = performance.now() - started;
      const calls = (counts: Record<string, number>) => Object.entries(counts).sort().map(([op, n]) => `${n} ${op}`).join(', ') || 'none';
      const dynamo: Record<string, number> = {};
      for (const call of w.dynamo.calls) dynamo[call.operation] = (dynamo[call.operation] ?? 0) + 1;
      return { ms, result, calls: `DynamoDB: ${calls(dynamo)}; ECR: ${calls(ecrCalls)}` };
    };
    const repeated = async <T>(work: () => Promise<T>) => {
      await work(); // warm-up: the SDK clients load and connect
      const all = [];
      for (let run = 0; run < runs; run++) all.push(await measure(work));
      const mid = all[Math.floor(all.length / 2)] as (typeof all)[number];
      return { ms: median(all.map((m) => m.ms)), result: mid.result, calls: mid.calls };
    };

    const found = await repeated(() => sharedRepositories(deps));
    if (found.result.length !== REPOSITORIES) problems.push(`found ${found.result.length} shared repositories, not ${REPOSITORIES}`);
    const listed = await repeated(() => listAccess(deps));
    if (listed.result.code !== 'listed' || listed.result.repositories.length !== REPOSITORIES) problems.push('list did not list every shared repository');
    const pullers = listed.result.code === 'listed' ? listed.result.repositories.reduce((n, r) => n + r.pullers.length, 0) : 0;
    if (pullers !== grants.length) problems.push(`list found ${pullers} pulling accounts, not ${grants.length}`);
    const swept = await repeated(() => sweepOnce(deps, config.sweep));
    if (swept.result.failures > 0) problems.push(`a sweep pass left ${swept.result.failures} item(s) unfinished`);
    if (swept.result.repositories !== REPOSITORIES) problems.push(`a sweep pass compared ${swept.result.repositories} repositories, not ${REPOSITORIES}`);
    const checked = await repeated(() => checkRequest(deps, { repository: names[REPOSITORIES - 1] as string, account: accountId(810_000_000_000, 1), requester: SANDBOX.requester }));
    if (checked.result.code !== 'checked') problems.push(`a request's checks answered ${checked.result.code}`);

    const rows: Row[] = [
      { measure: `find the ${REPOSITORIES} shared repositories (of ${REPOSITORIES + 100}) p50 (n=${runs})`, value: `${round(found.ms)} ms; ${found.calls}` },
      { measure: `list without a repository p50 (n=${runs})`, value: `${round(listed.ms)} ms; ${listed.calls}` },
      { measure: `steady sweep pass (drift of ${REPOSITORIES} repositories) p50 (n=${runs})`, value: `${round(swept.ms)} ms; ${swept.calls}` },
      { measure: `a request's checks, on a pattern's repository p50 (n=${runs})`, value: `${round(checked.ms)} ms; ${checked.calls}` },
    ];
    return {
      part: 12,
      title: `${REPOSITORIES} repositories under two patterns`,
      rows,
      figures: { repositories: REPOSITORIES, granted: grants.length, listMs: round(listed.ms), findMs: round(found.ms), sweepMs: round(swept.ms), checkMs: round(checked.ms) },
      problems: [...new Set(problems)],
      notes: [
        `${REPOSITORIES} repositories under two patterns: finding them is one DescribeRepositories page per 1,000; list and each sweep pass then read each one's policy and records (ECR latency injected: ${options.latency.ecrMs} ms per call), so both grow with the count; a request's checks read one repository and do not.`,
      ],
    };
  } finally {
    offEcr();
    closeClients();
    await w.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
