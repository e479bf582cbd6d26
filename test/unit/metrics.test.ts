// The metrics as CloudWatch reads them: Embedded Metric Format lines through the one logger, and
// the policy path's events counted where they cross its ports, once each, on in-memory ports.
import { BOT_ACTOR } from '../../src/domain/access-request';
import { MAX_POLICY_LENGTH } from '../../src/domain/policy';
import { createLogger } from '../../src/logger';
import { measuredChangeQueue, measuredRegistry, measuredStore, policySizePercent } from '../../src/measured-ports';
import { emfMetrics } from '../../src/metrics';
import { announce } from '../../src/service/announce';
import type { ServiceDeps } from '../../src/service/deps';
import { awaitVerdicts } from '../../src/service/policy-changes/await-verdicts';
import { approvedRequest, inMemoryDeps } from '../support/in-memory-ports';

const REPO = 'common-images';
const ACCOUNT = '222233334444';
type Line = Record<string, unknown>;

function written(level: 'debug' | 'error' = 'debug') {
  const lines: string[] = [];
  const logger = createLogger({ level, write: (line) => lines.push(line) });
  return { logger, lines: () => lines.map((line) => JSON.parse(line) as Line) };
}

/** In-memory ports with the policy path's ports measured, as the app builds them. */
function measuredWorld() {
  const w = inMemoryDeps();
  const registry = measuredRegistry(w.registry, w.deps.metrics);
  const deps: ServiceDeps = {
    ...w.deps,
    store: measuredStore(w.store, w.deps.metrics),
    registry,
    registryIn: (region) => (region === w.deps.region ? registry : w.deps.registryIn(region)),
    changes: measuredChangeQueue(w.changes, w.deps.metrics),
  };
  const metricLines = () => w.logs.map((line) => JSON.parse(line) as Line).filter((line) => line.level === 'metric');
  return { ...w, deps, metricLines };
}

describe('a metric line', () => {
  it('is an Embedded Metric Format document: the values at the root, declared in the ecr-access namespace with the stage as their one dimension', () => {
    const { logger, lines } = written();
    emfMetrics(logger, 'prod', () => 1_700_000_000_000).put('swept', { SweepDuration: 1234, SweepFailures: 0 }, { looked: 3 });

    expect(lines()).toEqual([
      expect.objectContaining({
        level: 'metric',
        message: 'swept',
        looked: 3,
        Stage: 'prod',
        SweepDuration: 1234,
        SweepFailures: 0,
        _aws: {
          Timestamp: 1_700_000_000_000,
          CloudWatchMetrics: [
            {
              Namespace: 'ecr-access',
              Dimensions: [['Stage']],
              Metrics: [
                { Name: 'SweepDuration', Unit: 'Milliseconds' },
                { Name: 'SweepFailures', Unit: 'Count' },
              ],
            },
          ],
        },
      }),
    ]);
  });

  it('is written at every log level, since CloudWatch counts from it', () => {
    const { logger, lines } = written('error');
    emfMetrics(logger, 'prod').put('granted', { Grants: 1 });
    expect(lines().map((line) => line.Grants)).toEqual([1]);
  });

  it('keeps the dimension and the values when what it is about uses their names', () => {
    const { logger, lines } = written();
    emfMetrics(logger, 'prod').put('granted', { Grants: 1 }, { Stage: 'forged', Grants: 'many' });
    expect(lines()[0]).toMatchObject({ Stage: 'prod', Grants: 1 });
  });

  it('is not written when it has no value to give', () => {
    const { logger, lines } = written();
    emfMetrics(logger, 'prod').put('nothing', { PolicySize: Number.NaN });
    expect(lines()).toEqual([]);
  });
});

describe("the policy path's metrics", () => {
  it('counts a grant once, with its repository and account in the line', async () => {
    const w = measuredWorld();
    const request = await approvedRequest(w.store, 'r-0000000001', ACCOUNT);
    await awaitVerdicts(w.deps, REPO, [request]);
    expect(w.metricLines().filter((line) => 'Grants' in line)).toEqual([
      expect.objectContaining({ message: 'granted', Grants: 1, repository: REPO, account: ACCOUNT, requestId: 'r-0000000001' }),
    ]);
  });

  it('counts a removal once, whatever ended it', async () => {
    const w = measuredWorld();
    const granted = await awaitVerdicts(w.deps, REPO, [await approvedRequest(w.store, 'r-0000000001', ACCOUNT)]);
    if (granted.kind !== 'recorded') throw new Error('not granted');
    const ending = await w.store.beginEnding('r-0000000001', { kind: 'expire', by: BOT_ACTOR, at: new Date(w.clock.now()).toISOString() });
    await awaitVerdicts(w.deps, REPO, [ending!]);
    expect(w.metricLines().filter((line) => 'Removals' in line)).toEqual([expect.objectContaining({ message: 'removed', Removals: 1, ending: 'expire' })]);
  });

  it('counts an approval ECR refused as a failed grant, with the reason code', async () => {
    const w = measuredWorld();
    w.registry.nextWrites.push('rejected');
    await awaitVerdicts(w.deps, REPO, [await approvedRequest(w.store, 'r-0000000001', ACCOUNT)]);
    expect(w.metricLines().filter((line) => 'FailedGrants' in line)).toEqual([
      expect.objectContaining({ FailedGrants: 1, code: 'ecr_access_policy_rejected' }),
    ]);
    expect(w.metricLines().filter((line) => 'Grants' in line)).toEqual([]);
  });

  it('counts a removal ECR refused as a refused removal: the grant stands', async () => {
    const w = measuredWorld();
    await awaitVerdicts(w.deps, REPO, [await approvedRequest(w.store, 'r-0000000001', ACCOUNT)]);
    const ending = await w.store.beginEnding('r-0000000001', { kind: 'revoke', by: 'U0APPROVER', at: new Date(w.clock.now()).toISOString() });
    w.registry.nextWrites.push('rejected');
    await awaitVerdicts(w.deps, REPO, [ending!]);
    expect(w.metricLines().filter((line) => 'RefusedRemovals' in line)).toEqual([expect.objectContaining({ RefusedRemovals: 1 })]);
    expect(w.metricLines().filter((line) => 'Removals' in line)).toEqual([]);
  });

  it('counts nothing for a verdict another holder recorded first', async () => {
    const w = measuredWorld();
    const request = await approvedRequest(w.store, 'r-0000000001', ACCOUNT);
    await awaitVerdicts({ ...w.deps, store: w.store }, REPO, [request]);
    const again = await w.deps.store.record(request.id, { outcome: { state: 'GRANTED' }, at: '', policyHashBefore: '', policyHash: '', verifiedPolicy: '', pullsThrough: [] }, { by: 'x', at: 0 });
    expect(again).toBeUndefined();
    expect(w.metricLines().filter((line) => 'Grants' in line)).toEqual([]);
  });

  it('measures the size of every policy it reads, as a percentage of the 10,240 characters ECR takes', async () => {
    const w = measuredWorld();
    await awaitVerdicts(w.deps, REPO, [await approvedRequest(w.store, 'r-0000000001', ACCOUNT)]);
    const sizes = w.metricLines().filter((line) => 'PolicySize' in line);
    // The read before the write (no policy yet) and the read back after it.
    expect(sizes.map((line) => line.PolicySize)).toEqual([0, policySizePercent(w.registry.policies.get(REPO))]);
    expect(sizes[1]).toMatchObject({ repository: REPO });
    expect(sizes[1]!.PolicySize).toBeGreaterThan(0);
  });

  it('measures a policy as ecr-access would write it back, not as ECR pretty-prints it', () => {
    const compact = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'a', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222233334444:root' }, Action: 'ecr:*' }] });
    const pretty = JSON.stringify(JSON.parse(compact), null, 4);
    expect(policySizePercent(pretty)).toBe(policySizePercent(compact));
    expect(policySizePercent(compact)).toBe(Math.round((compact.length / MAX_POLICY_LENGTH) * 1000) / 10);
    expect(policySizePercent('x'.repeat(MAX_POLICY_LENGTH))).toBe(100);
  });

  it('counts a lease kept after a write ECR never answered, and none after writes it answered', async () => {
    const w = measuredWorld();
    await awaitVerdicts(w.deps, REPO, [await approvedRequest(w.store, 'r-0000000001', ACCOUNT)]);
    w.registry.nextWrites.push('unknown');
    const stalled = await awaitVerdicts(w.deps, REPO, [await approvedRequest(w.store, 'r-0000000002', '333344445555')]);
    expect(stalled).toMatchObject({ kind: 'stalled', stop: 'unconfirmed' });
    expect(w.metricLines().filter((line) => 'LeasesKeptAfterUnknownWrite' in line)).toEqual([
      expect.objectContaining({ LeasesKeptAfterUnknownWrite: 1, repository: REPO }),
    ]);
  });
});

describe('owed announcements', () => {
  it('counts each part of an outcome Slack did not take: it stays owed', async () => {
    const w = inMemoryDeps();
    const request = { ...(await approvedRequest(w.store, 'r-0000000001', ACCOUNT)), state: 'GRANTED' as const, owed: ['thread' as const, 'dm' as const] };
    w.store.requests.set(request.id, request);
    w.notifier.tellRequester = async () => {
      throw new Error('ratelimited');
    };
    await announce(w.deps, request);
    const owed = w.logs.map((line) => JSON.parse(line) as Line).filter((line) => 'OwedAnnouncements' in line);
    expect(owed).toEqual([expect.objectContaining({ OwedAnnouncements: 1, requestId: 'r-0000000001', part: 'dm' })]);
  });
});
