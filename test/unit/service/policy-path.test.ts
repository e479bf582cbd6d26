// The one policy path, on in-memory ports and a fake clock: one holder, one write per batch on
// a fresh read, every change verified by reading back, recorded and announced.
import { canPull, managedAccounts, parsePolicy, serializePolicy } from '../../../src/domain/policy';
import type { PolicyChange } from '../../../src/domain/policy-change';
import { ErrorCode } from '../../../src/errors';
import { applyWaitingChanges } from '../../../src/service/policy-changes/holder';
import { settleChange } from '../../../src/service/policy-changes/settle-change';
import { approvedRequest, inMemoryDeps } from '../../support/in-memory-ports';

const grant = (account: string, requestId: string): PolicyChange => ({ kind: 'grant', account, requestId });
const accountsIn = (text: string | undefined) => managedAccounts(parsePolicy(text));

const DENY_333 = {
  Sid: 'NoPullFor333',
  Effect: 'Deny',
  Principal: { AWS: 'arn:aws:iam::333344445555:root' },
  Action: 'ecr:BatchGetImage',
};

async function queued(world: ReturnType<typeof inMemoryDeps>, ...accounts: string[]) {
  const changes: PolicyChange[] = [];
  for (const [i, account] of accounts.entries()) {
    const id = `r-${String(i + 1).padStart(10, '0')}`;
    await approvedRequest(world.store, id, account);
    changes.push(grant(account, id));
    world.changes.queues.set('common-images', [...(world.changes.queues.get('common-images') ?? []), grant(account, id)]);
  }
  return changes;
}

describe('the lease holder', () => {
  it('applies every waiting grant in one write built on a fresh read, and records each as granted', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444', '333344445555', '444455556666');
    const result = await applyWaitingChanges(w.deps, 'common-images');
    expect(result.held).toBe(true);
    expect(w.registry.writes).toHaveLength(1);
    expect(accountsIn(w.registry.policies.get('common-images'))).toEqual(['222233334444', '333344445555', '444455556666']);
    expect([...w.store.requests.values()].map((r) => r.state)).toEqual(['GRANTED', 'GRANTED', 'GRANTED']);
    expect(w.changes.queues.get('common-images')).toEqual([]);
  });

  it('records the policy hashes before and after, and announces each outcome on the card, in the thread and to the requester', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444');
    await applyWaitingChanges(w.deps, 'common-images');
    const request = w.store.requests.get('r-0000000001')!;
    expect(request.policyHashBefore).toMatch(/^[0-9a-f]{64}$/);
    expect(request.policyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(request.policyHash).not.toBe(request.policyHashBefore);
    expect(w.notifier.parts('r-0000000001').sort()).toEqual(['card', 'dm', 'thread']);
    expect(request.owed).toEqual([]);
  });

  it('writes nothing for an account that can already pull, and still records it as granted', async () => {
    const w = inMemoryDeps();
    w.registry.policies.set('common-images', serializePolicy({ header: {}, statements: [] }).replace('[]', JSON.stringify([
      { Sid: 'crossAccountAllowRead', Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::222233334444:root'] }, Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:DescribeImages', 'ecr:GetDownloadUrlForLayer', 'ecr:ListImages'] },
    ])));
    await queued(w, '222233334444');
    await applyWaitingChanges(w.deps, 'common-images');
    expect(w.registry.writes).toHaveLength(0);
    expect(w.store.requests.get('r-0000000001')!.state).toBe('GRANTED');
  });

  it('applies a change that arrives while it writes in a second pass', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444');
    const write = w.registry.setPolicy.bind(w.registry);
    let arrived = false;
    w.registry.setPolicy = async (repository, text) => {
      await write(repository, text);
      if (!arrived) {
        arrived = true;
        await approvedRequest(w.store, 'r-0000000009', '999988887777');
        w.changes.queues.get('common-images')!.push(grant('999988887777', 'r-0000000009'));
      }
    };
    await applyWaitingChanges(w.deps, 'common-images');
    expect(w.registry.writes).toHaveLength(2);
    expect(w.store.requests.get('r-0000000009')!.state).toBe('GRANTED');
  });

  it('fails a change for a repository that is no longer shareable, without writing', async () => {
    const w = inMemoryDeps({ repositories: ['other-images'] });
    await queued(w, '222233334444');
    await applyWaitingChanges(w.deps, 'common-images');
    expect(w.registry.writes).toHaveLength(0);
    expect(w.store.requests.get('r-0000000001')!).toMatchObject({ state: 'FAILED', failure: { code: ErrorCode.NotShareable } });
  });

  it('halves a batch ECR refuses as a whole, so one bad account cannot fail the others', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444', '000000000000');
    const write = w.registry.setPolicy.bind(w.registry);
    w.registry.setPolicy = async (repository, text) => {
      if (text?.includes('000000000000')) w.registry.nextWrites.push('rejected');
      await write(repository, text);
    };
    await applyWaitingChanges(w.deps, 'common-images');
    expect(w.store.requests.get('r-0000000001')!.state).toBe('GRANTED');
    expect(w.store.requests.get('r-0000000002')!).toMatchObject({ state: 'FAILED', failure: { code: ErrorCode.PolicyRejected } });
    expect(accountsIn(w.registry.policies.get('common-images'))).toEqual(['222233334444']);
  });
});

describe('a write whose outcome is unknown', () => {
  it('keeps the repository held for the landing window, records nothing, and leaves the change queued', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444');
    w.registry.nextWrites.push('unknown');
    await applyWaitingChanges(w.deps, 'common-images');
    expect(w.store.requests.get('r-0000000001')!.state).toBe('APPROVED');
    expect(w.changes.queues.get('common-images')).toHaveLength(1);
    const status = await w.changes.status('common-images');
    expect(status.kept).toBe(true);
    expect(status.heldUntil).toBe(w.clock.now() + w.deps.writeLandingMs);
  });

  it('never lets another holder write before it can no longer land, so a late landing erases nothing recorded', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444');
    w.registry.nextWrites.push('late');
    await applyWaitingChanges(w.deps, 'common-images');

    // Another approval arrives; its holder cannot take the repository while the first write may land.
    const second = await approvedRequest(w.store, 'r-0000000002', '333344445555');
    const meanwhile = await applyWaitingChanges(w.deps, 'common-images', { change: grant('333344445555', 'r-0000000002'), request: second });
    expect(meanwhile.held).toBe(false);
    expect(w.registry.writes).toHaveLength(1);

    w.registry.deliverLate();
    w.clock.at += w.deps.writeLandingMs + 1;
    await applyWaitingChanges(w.deps, 'common-images');
    const policy = parsePolicy(w.registry.policies.get('common-images'));
    for (const r of w.store.requests.values()) {
      expect(r.state).toBe('GRANTED');
      expect(canPull(policy, r.account)).toBe(true);
    }
  });

  it('is verified without a second write once the window has passed, when it did land', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444');
    w.registry.nextWrites.push('late');
    await applyWaitingChanges(w.deps, 'common-images');
    w.registry.deliverLate();
    w.clock.at += w.deps.writeLandingMs + 1;
    await applyWaitingChanges(w.deps, 'common-images');
    expect(w.registry.writes).toHaveLength(1);
    expect(w.store.requests.get('r-0000000001')!.state).toBe('GRANTED');
  });
});

describe('the lease around a write', () => {
  const slowRead = (w: ReturnType<typeof inMemoryDeps>, during: () => void) => {
    const read = w.registry.getPolicy.bind(w.registry);
    w.registry.getPolicy = async (repository) => {
      during();
      w.registry.getPolicy = read;
      return read(repository);
    };
  };

  it('writes nothing once its lease has run out and another holder has the repository', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444');
    slowRead(w, () => {
      w.clock.at += 420_001;
      w.changes.locks.set('common-images', { holder: 'another', until: w.clock.now() + 420_000 });
    });
    await applyWaitingChanges(w.deps, 'common-images');
    expect(w.registry.writes).toHaveLength(0);
    expect(w.store.requests.get('r-0000000001')!.state).toBe('APPROVED');
  });

  it('renews the lease before a write it would no longer cover until the write can no longer land', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444');
    let before = 0;
    slowRead(w, () => {
      w.clock.at += 420_000 - 360_000 + 1;
      before = w.changes.locks.get('common-images')!.until;
    });
    const write = w.registry.setPolicy.bind(w.registry);
    let during = 0;
    w.registry.setPolicy = async (repository, text) => {
      during = w.changes.locks.get('common-images')!.until;
      await write(repository, text);
    };
    await applyWaitingChanges(w.deps, 'common-images');
    expect(during - w.clock.now()).toBeGreaterThanOrEqual(w.deps.writeLandingMs);
    expect(during).toBeGreaterThan(before);
  });
});

describe('a policy written but not read back', () => {
  it('stays approved and queued, and the next holder verifies it without writing again', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444');
    const write = w.registry.setPolicy.bind(w.registry);
    w.registry.setPolicy = async (repository, text) => {
      await write(repository, text);
      w.registry.nextReads.push('fail');
    };
    await applyWaitingChanges(w.deps, 'common-images');
    expect(w.store.requests.get('r-0000000001')!.state).toBe('APPROVED');
    expect(w.changes.queues.get('common-images')).toHaveLength(1);

    w.registry.setPolicy = write;
    await applyWaitingChanges(w.deps, 'common-images');
    expect(w.registry.writes).toHaveLength(1);
    expect(w.store.requests.get('r-0000000001')!.state).toBe('GRANTED');
  });
});

describe('a verdict that must match the policy', () => {
  it('fails a grant whose account was taken out again before the read-back, and leaves no entry', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444');
    const write = w.registry.setPolicy.bind(w.registry);
    w.registry.setPolicy = async (repository, text) => {
      await write(repository, text);
      w.registry.policies.delete(repository); // someone deletes the policy at that very moment
    };
    await applyWaitingChanges(w.deps, 'common-images');
    expect(w.store.requests.get('r-0000000001')!).toMatchObject({ state: 'FAILED', failure: { code: ErrorCode.ChangedConcurrently } });
  });

  it('takes an account out again when a Deny appeared meanwhile, before failing the request', async () => {
    const w = inMemoryDeps();
    await queued(w, '333344445555');
    const write = w.registry.setPolicy.bind(w.registry);
    let denied = false;
    w.registry.setPolicy = async (repository, text) => {
      await write(repository, text);
      if (!denied) {
        denied = true;
        const policy = JSON.parse(w.registry.policies.get(repository)!) as { Statement: unknown[] };
        policy.Statement.push(DENY_333);
        w.registry.policies.set(repository, JSON.stringify(policy));
      }
    };
    await applyWaitingChanges(w.deps, 'common-images');
    expect(w.store.requests.get('r-0000000001')!).toMatchObject({ state: 'FAILED', failure: { code: ErrorCode.DeniedByPolicy } });
    expect(accountsIn(w.registry.policies.get('common-images'))).toEqual([]);
  });
});

describe('a job whose change another holder has', () => {
  it('waits until that holder settles it', async () => {
    const w = inMemoryDeps();
    const request = await approvedRequest(w.store, 'r-0000000001', '222233334444');
    w.changes.locks.set('common-images', { holder: 'someone', until: w.clock.now() + 420_000 });
    const waiting = settleChange(w.deps, 'common-images', { change: grant('222233334444', 'r-0000000001'), request });
    // The other holder finishes after a few polls and leaves the lease.
    await w.clock.sleep(0);
    await w.clock.sleep(0);
    w.changes.locks.delete('common-images');
    const outcome = await waiting;
    expect(outcome).toMatchObject({ kind: 'settled', request: { state: 'GRANTED' } });
  });

  it('gives up after its bound and leaves the change queued', async () => {
    const w = inMemoryDeps({ waitForChangeMs: 5_000 });
    const request = await approvedRequest(w.store, 'r-0000000001', '222233334444');
    w.changes.locks.set('common-images', { holder: 'someone', until: w.clock.now() + 420_000 });
    const start = w.clock.now();
    const outcome = await settleChange(w.deps, 'common-images', { change: grant('222233334444', 'r-0000000001'), request });
    expect(outcome).toMatchObject({ kind: 'queued', kept: false });
    expect(w.clock.now() - start).toBeGreaterThanOrEqual(5_000);
    expect(w.changes.queues.get('common-images')).toHaveLength(1);
  });

  it('does not wait out a repository kept for an unknown write, and says until when', async () => {
    const w = inMemoryDeps();
    const request = await approvedRequest(w.store, 'r-0000000001', '222233334444');
    w.changes.locks.set('common-images', { holder: 'kept', until: w.clock.now() + 360_000 });
    const start = w.clock.now();
    const outcome = await settleChange(w.deps, 'common-images', { change: grant('222233334444', 'r-0000000001'), request });
    expect(outcome).toEqual({ kind: 'queued', kept: true, heldUntil: start + 360_000 });
    expect(w.clock.now()).toBe(start);
  });
});

describe('a change that outlived its approval', () => {
  it('is dropped without writing when its request was decided again since', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444');
    // A holder died after recording FAILED and before taking the change off the queue; then the request was denied.
    w.store.requests.set('r-0000000001', { ...w.store.requests.get('r-0000000001')!, state: 'DENIED' });
    await applyWaitingChanges(w.deps, 'common-images');
    expect(w.registry.writes).toHaveLength(0);
    expect(w.changes.queues.get('common-images')).toEqual([]);
    expect(w.store.requests.get('r-0000000001')!.state).toBe('DENIED');
  });
});
