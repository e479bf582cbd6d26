// The one policy path, on in-memory ports and a fake clock: one holder, one write per batch on
// a fresh read, every grant and removal verified by reading back, recorded and announced.
import { createHash } from 'node:crypto';
import type { AccessRequest, Ending } from '../../../src/domain/access-request';
import { canonicalStatement, canPull, managedAccounts, managedStatement, MAX_POLICY_LENGTH, parsePolicy, serializePolicy, type Statement } from '../../../src/domain/policy';
import type { PolicyChange } from '../../../src/domain/policy-change';
import { ErrorCode } from '../../../src/errors';
import { applyWaitingChanges } from '../../../src/service/policy-changes/holder';
import { settleChange } from '../../../src/service/policy-changes/settle-change';
import { approvedRequest, inMemoryDeps } from '../../support/in-memory-ports';

type World = ReturnType<typeof inMemoryDeps>;

const REPOSITORY = 'common-images';
const grant = (account: string, requestId: string): PolicyChange => ({ kind: 'grant', account, requestId });
const removal = (account: string, requestId: string): PolicyChange => ({ kind: 'revoke', account, requestId });
const accountsIn = (text: string | undefined) => managedAccounts(parsePolicy(text));
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A policy whose managed statement names these accounts, after the other statements given. */
const policyWith = (accounts: readonly string[], ...others: Statement[]) =>
  serializePolicy({ header: { Version: '2012-10-17' }, statements: [...others, ...(accounts.length > 0 ? [managedStatement(accounts)] : [])] });

/** The lines logged with this message, as written. */
const logged = (w: World, message: string) => w.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.message === message);

/** Counts the reads of the policy from here on. */
function countReads(w: World) {
  const count = { reads: 0 };
  const read = w.registry.getPolicy.bind(w.registry);
  w.registry.getPolicy = async (repository) => {
    count.reads++;
    return read(repository);
  };
  return count;
}

/** What ECR does with each write, by the text sent: refuse it, leave its outcome unknown, or (undefined) take it. */
function scriptWrites(w: World, outcome: (text: string | undefined) => 'rejected' | 'unknown' | undefined) {
  const write = w.registry.setPolicy.bind(w.registry);
  w.registry.setPolicy = async (repository, text) => {
    const next = outcome(text);
    if (next) w.registry.nextWrites.push(next);
    await write(repository, text);
  };
}

/** Runs `then` right after each write that lands: someone acting at that very moment. */
function afterEachWrite(w: World, then: (written: number) => void | Promise<void>) {
  const write = w.registry.setPolicy.bind(w.registry);
  let written = 0;
  w.registry.setPolicy = async (repository, text) => {
    await write(repository, text);
    await then(++written);
  };
}

const ENDING: Ending = { kind: 'revoke', by: 'U0APPROVER', at: '2026-12-01T08:00:00.000Z' };

/** A grant whose removal is under way, its removal queued. */
async function ending(w: World, id: string, account: string, overrides: Partial<AccessRequest> = {}) {
  const approved = await approvedRequest(w.store, id, account);
  w.store.requests.set(id, { ...approved, state: 'GRANTED', ending: ENDING, ...overrides });
  w.changes.queues.set(REPOSITORY, [...(w.changes.queues.get(REPOSITORY) ?? []), removal(account, id)]);
}

const DENY_333: Statement = {
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
    const count = countReads(w);
    const result = await applyWaitingChanges(w.deps, 'common-images');
    expect(result.held).toBe(true);
    expect(w.registry.writes).toHaveLength(1);
    // One read to build the write on, one to verify it: no pass once nothing waits.
    expect(count.reads).toBe(2);
    expect(accountsIn(w.registry.policies.get('common-images'))).toEqual(['222233334444', '333344445555', '444455556666']);
    expect([...w.store.requests.values()].map((r) => r.state)).toEqual(['GRANTED', 'GRANTED', 'GRANTED']);
    expect(w.changes.queues.get('common-images')).toEqual([]);
  });

  it('records the policy hashes before and after, and announces each outcome on the card, in the thread and to the requester', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444');
    await applyWaitingChanges(w.deps, 'common-images');
    const request = w.store.requests.get('r-0000000001')!;
    // There was no policy before: the hash of no text.
    expect(request.policyHashBefore).toBe(sha256(''));
    expect(request.policyHash).toBe(sha256(w.registry.policies.get('common-images')!));
    expect(w.notifier.parts('r-0000000001').sort()).toEqual(['card', 'dm', 'thread']);
    expect(request.owed).toEqual([]);
  });

  it('posts in the thread the policy as ECR hands it back, and records its hash', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444');
    // ECR stores the policy reformatted.
    afterEachWrite(w, () => {
      w.registry.policies.set(REPOSITORY, JSON.stringify(JSON.parse(w.registry.policies.get(REPOSITORY)!), null, 2));
    });
    const posted: Array<string | undefined> = [];
    const post = w.notifier.postInThread;
    w.notifier.postInThread = async (request) => {
      posted.push(request.verifiedPolicy);
      return post(request);
    };
    await applyWaitingChanges(w.deps, REPOSITORY);
    const readBack = w.registry.policies.get(REPOSITORY)!;
    expect(readBack).not.toBe(w.registry.writes[0]!.text);
    expect(posted).toEqual([readBack]);
    expect(w.store.requests.get('r-0000000001')!.policyHash).toBe(sha256(readBack));
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
    const count = countReads(w);
    await applyWaitingChanges(w.deps, 'common-images');
    expect(w.registry.writes).toHaveLength(0);
    expect(count.reads).toBe(0);
    expect(w.store.requests.get('r-0000000001')!).toMatchObject({
      state: 'FAILED',
      failure: { code: ErrorCode.NotShareable, detail: 'common-images is not in ECR_ACCESS_REPOSITORIES' },
    });
    expect(w.changes.queues.get('common-images')).toEqual([]);
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
    expect(logged(w, 'a policy write may still land; the repository stays held until it cannot')).toEqual([
      expect.objectContaining({ level: 'error', repository: 'common-images', error: expect.objectContaining({ code: ErrorCode.WriteOutcomeUnknown }) }),
    ]);
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
    expect(logged(w, 'the policy was written but could not be read back; the changes stay queued')).toEqual([
      expect.objectContaining({ level: 'error', repository: 'common-images', error: expect.objectContaining({ code: ErrorCode.Registry }) }),
    ]);

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
    expect(w.store.requests.get('r-0000000001')!).toMatchObject({
      state: 'FAILED',
      failure: { code: ErrorCode.ChangedConcurrently, detail: '222233334444 was not in the policy read back after the write: it was changed again at the same moment' },
    });
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
    expect(w.store.requests.get('r-0000000001')!).toMatchObject({
      state: 'FAILED',
      failure: { code: ErrorCode.DeniedByPolicy, detail: 'a Deny statement takes pull access away from 333344445555; it was taken out of the statement again' },
    });
    // The grant, then its removal in the next pass.
    expect(w.registry.writes.map((write) => accountsIn(write.text))).toEqual([['333344445555'], []]);
    expect(accountsIn(w.registry.policies.get('common-images'))).toEqual([]);
    expect(w.changes.queues.get('common-images')).toEqual([]);
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

describe('how long the holder holds', () => {
  it('reads nothing when nothing waits', async () => {
    const w = inMemoryDeps();
    const count = countReads(w);
    expect(await applyWaitingChanges(w.deps, REPOSITORY)).toEqual({ held: true, value: new Map() });
    expect(count.reads).toBe(0);
    expect(w.changes.locks.has(REPOSITORY)).toBe(false);
  });

  it('lets the repository go after ten passes while changes keep arriving, and leaves the rest queued', async () => {
    const w = inMemoryDeps();
    await queued(w, '100000000001');
    let arrived = 1;
    afterEachWrite(w, async () => {
      if (arrived === 15) return;
      arrived++;
      const id = `r-${String(arrived).padStart(10, '0')}`;
      await approvedRequest(w.store, id, `${100000000000 + arrived}`);
      w.changes.queues.get(REPOSITORY)!.push(grant(`${100000000000 + arrived}`, id));
    });
    await applyWaitingChanges(w.deps, REPOSITORY);
    expect(w.registry.writes).toHaveLength(10);
    expect(w.changes.queues.get(REPOSITORY)).toEqual([grant('100000000011', 'r-0000000011')]);
    expect(w.store.requests.get('r-0000000010')!.state).toBe('GRANTED');
    expect(w.store.requests.get('r-0000000011')!.state).toBe('APPROVED');
    expect(w.changes.locks.has(REPOSITORY)).toBe(false);
  });

  it('stops once it lost the lease, leaving what waits to the next holder', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444');
    afterEachWrite(w, async () => {
      // The lease ran out during the write; another holder took the repository, and a change arrived.
      w.changes.locks.set(REPOSITORY, { holder: 'another-holder', until: w.clock.now() + 420_000 });
      await approvedRequest(w.store, 'r-0000000009', '999988887777');
      w.changes.queues.get(REPOSITORY)!.push(grant('999988887777', 'r-0000000009'));
    });
    await applyWaitingChanges(w.deps, REPOSITORY);
    expect(logged(w, 'lost the repository lease; the next holder takes over')).toEqual([expect.objectContaining({ level: 'warn', repository: REPOSITORY })]);
    expect(w.registry.writes).toHaveLength(1);
    // Recorded before the lease was found lost; its change is left for the next holder to drop.
    expect(w.store.requests.get('r-0000000001')!.state).toBe('GRANTED');
    expect(w.store.requests.get('r-0000000009')!.state).toBe('APPROVED');
    expect(w.changes.queues.get(REPOSITORY)).toEqual([grant('222233334444', 'r-0000000001'), grant('999988887777', 'r-0000000009')]);
    expect(w.changes.locks.get(REPOSITORY)!.holder).toBe('another-holder');
  });

  it('drops changes no longer wanted even while ECR cannot be read', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444');
    w.store.requests.set('r-0000000001', { ...w.store.requests.get('r-0000000001')!, state: 'DENIED' });
    w.registry.nextReads.push('fail');
    await applyWaitingChanges(w.deps, REPOSITORY);
    expect(w.changes.queues.get(REPOSITORY)).toEqual([]);
    expect(w.registry.writes).toHaveLength(0);
  });
});

describe('a batch ECR refuses as a whole', () => {
  it('answers the requests of both halves once they are announced, settled in the same pass', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444', '000000000000');
    // Slack answers after the holder's own work is done.
    const post = w.notifier.postInThread;
    w.notifier.postInThread = async (request) => {
      await new Promise((resolve) => setImmediate(resolve));
      return post(request);
    };
    scriptWrites(w, (text) => (text?.includes('000000000000') ? 'rejected' : undefined));
    const count = countReads(w);
    const result = await applyWaitingChanges(w.deps, REPOSITORY);
    expect(result.held && [...result.value.keys()].sort()).toEqual(['r-0000000001', 'r-0000000002']);
    expect(w.notifier.parts('r-0000000001').sort()).toEqual(['card', 'dm', 'thread']);
    expect(w.notifier.parts('r-0000000002').sort()).toEqual(['card', 'thread']);
    // The batch's read, one for each half, one to verify the half that landed: no pass after.
    expect(count.reads).toBe(4);
    expect(w.changes.queues.get(REPOSITORY)).toEqual([]);
  });

  it('puts in the accounts that fit when the whole batch would make the policy too large', async () => {
    const w = inMemoryDeps();
    const filler = (sid: string): Statement => ({ Sid: sid, Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'ecr:ListImages' });
    // One more account makes the policy exactly as long as ECR allows.
    const room = MAX_POLICY_LENGTH - policyWith(['222233334444'], filler('')).length;
    w.registry.policies.set(REPOSITORY, policyWith([], filler('x'.repeat(room))));
    await queued(w, '222233334444', '333344445555');
    await applyWaitingChanges(w.deps, REPOSITORY);
    expect(w.store.requests.get('r-0000000001')!.state).toBe('GRANTED');
    expect(w.store.requests.get('r-0000000002')!).toMatchObject({ state: 'FAILED', failure: { code: ErrorCode.PolicyTooLarge } });
    expect(w.registry.policies.get(REPOSITORY)!.length).toBe(MAX_POLICY_LENGTH);
    expect(accountsIn(w.registry.policies.get(REPOSITORY))).toEqual(['222233334444']);
  });

  it('grants the other accounts when a Deny takes pull access away from one', async () => {
    const w = inMemoryDeps();
    w.registry.policies.set(REPOSITORY, policyWith([], DENY_333));
    await queued(w, '222233334444', '333344445555', '444455556666');
    await applyWaitingChanges(w.deps, REPOSITORY);
    expect(w.store.requests.get('r-0000000001')!.state).toBe('GRANTED');
    expect(w.store.requests.get('r-0000000002')!).toMatchObject({ state: 'FAILED', failure: { code: ErrorCode.DeniedByPolicy } });
    expect(w.store.requests.get('r-0000000003')!.state).toBe('GRANTED');
    expect(accountsIn(w.registry.policies.get(REPOSITORY))).toEqual(['222233334444', '444455556666']);
  });

  it('settles every account of a refused batch in one pass, however many it holds', async () => {
    const w = inMemoryDeps();
    const accounts = Array.from({ length: 11 }, (_, i) => `${100000000001 + i}`);
    await queued(w, ...accounts);
    scriptWrites(w, () => 'rejected');
    await applyWaitingChanges(w.deps, REPOSITORY);
    expect([...w.store.requests.values()].map((r) => r.state)).toEqual(accounts.map(() => 'FAILED'));
    expect(w.changes.queues.get(REPOSITORY)).toEqual([]);
  });

  it('fails every change at once, without halving, when the refusal concerns the whole policy', async () => {
    const w = inMemoryDeps();
    // A statement under ecr-access's Sid that ecr-access did not write.
    w.registry.policies.set(REPOSITORY, policyWith([], { ...managedStatement(['111122223333']), Action: 'ecr:*' }));
    await queued(w, '222233334444', '333344445555');
    const count = countReads(w);
    await applyWaitingChanges(w.deps, REPOSITORY);
    expect([...w.store.requests.values()].map((r) => r.failure?.code)).toEqual([ErrorCode.ForeignStatement, ErrorCode.ForeignStatement]);
    expect(count.reads).toBe(1);
    expect(w.registry.writes).toHaveLength(0);
  });

  it('reads, writes and records nothing more once the write of a half has an unknown outcome', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444', '333344445555');
    scriptWrites(w, (text) => (text?.includes('333344445555') ? 'rejected' : 'unknown'));
    const count = countReads(w);
    await applyWaitingChanges(w.deps, REPOSITORY);
    expect(w.registry.writes.map((write) => accountsIn(write.text))).toEqual([['222233334444', '333344445555'], ['222233334444']]);
    // The batch's read and the first half's: nothing after the write that may still land.
    expect(count.reads).toBe(2);
    expect([...w.store.requests.values()].map((r) => r.state)).toEqual(['APPROVED', 'APPROVED']);
    expect(w.changes.queues.get(REPOSITORY)).toHaveLength(2);
    expect((await w.changes.status(REPOSITORY)).kept).toBe(true);
  });
});

describe('a policy that cannot be read or understood', () => {
  it('leaves the changes queued and logs why when ECR cannot be read', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444');
    w.registry.nextReads.push('fail');
    await applyWaitingChanges(w.deps, REPOSITORY);
    expect(logged(w, 'could not read the policy; the changes stay queued')).toEqual([
      expect.objectContaining({ level: 'error', repository: REPOSITORY, error: expect.objectContaining({ code: ErrorCode.Registry }) }),
    ]);
    expect(w.store.requests.get('r-0000000001')!.state).toBe('APPROVED');
    expect(w.changes.queues.get(REPOSITORY)).toHaveLength(1);
    expect(w.registry.writes).toHaveLength(0);
  });

  it('fails the changes, without writing, when the policy is not one ecr-access understands', async () => {
    const w = inMemoryDeps();
    w.registry.policies.set(REPOSITORY, '{"Statement": [');
    await queued(w, '222233334444');
    await applyWaitingChanges(w.deps, REPOSITORY);
    expect(w.store.requests.get('r-0000000001')!).toMatchObject({
      state: 'FAILED',
      failure: { code: ErrorCode.InvalidPolicy, detail: 'The repository policy is not valid JSON.' },
    });
    expect(w.registry.writes).toHaveLength(0);
    expect(w.changes.queues.get(REPOSITORY)).toEqual([]);
  });

  it('leaves the changes queued and logs why when the policy read back cannot be understood', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444');
    afterEachWrite(w, () => {
      w.registry.policies.set(REPOSITORY, 'not a policy');
    });
    await applyWaitingChanges(w.deps, REPOSITORY);
    expect(logged(w, 'the policy read back cannot be checked; the changes stay queued')).toEqual([
      expect.objectContaining({ level: 'error', repository: REPOSITORY, error: expect.objectContaining({ code: ErrorCode.InvalidPolicy }) }),
    ]);
    expect(w.store.requests.get('r-0000000001')!.state).toBe('APPROVED');
    expect(w.changes.queues.get(REPOSITORY)).toEqual([grant('222233334444', 'r-0000000001')]);
  });
});

describe('what a write came to', () => {
  it('logs how many changes it settled and how many it granted', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444', '333344445555', '444455556666');
    afterEachWrite(w, () => {
      // Someone takes one account out again at that very moment.
      w.registry.policies.set(REPOSITORY, policyWith(['222233334444', '333344445555']));
    });
    await applyWaitingChanges(w.deps, REPOSITORY);
    expect(logged(w, 'applied policy changes')).toEqual([expect.objectContaining({ level: 'info', changes: 3, granted: 2 })]);
    expect(w.store.requests.get('r-0000000003')!.failure?.code).toBe(ErrorCode.ChangedConcurrently);
  });

  it('warns when another statement of the policy changed while it wrote, and still grants', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444');
    const pushFromCi: Statement = { Sid: 'PushFromCi', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'ecr:PutImage' };
    afterEachWrite(w, () => {
      w.registry.policies.set(REPOSITORY, policyWith(['222233334444'], pushFromCi));
    });
    await applyWaitingChanges(w.deps, REPOSITORY);
    expect(logged(w, 'another statement of the policy changed while ecr-access wrote it')).toEqual([
      expect.objectContaining({ level: 'warn', repository: REPOSITORY, statements: [canonicalStatement(pushFromCi)] }),
    ]);
    expect(w.store.requests.get('r-0000000001')!.state).toBe('GRANTED');
  });

  it('does not warn when no other statement changed', async () => {
    const w = inMemoryDeps();
    w.registry.policies.set(REPOSITORY, policyWith([], DENY_333));
    await queued(w, '222233334444');
    await applyWaitingChanges(w.deps, REPOSITORY);
    expect(w.store.requests.get('r-0000000001')!.state).toBe('GRANTED');
    expect(logged(w, 'another statement of the policy changed while ecr-access wrote it')).toEqual([]);
  });

  it('settles a change another holder recorded first, and neither records nor announces it again', async () => {
    const w = inMemoryDeps();
    await queued(w, '222233334444');
    afterEachWrite(w, async () => {
      // A holder that lost its lease verified the same grant a moment before.
      await w.store.record('r-0000000001', { state: 'GRANTED', at: '2026-12-01T09:00:00.000Z', policyHashBefore: 'a', policyHash: 'b', verifiedPolicy: '{}' }, { by: 'another-process', at: 0 });
    });
    const result = await applyWaitingChanges(w.deps, REPOSITORY);
    expect(result).toEqual({ held: true, value: new Map() });
    expect(w.store.requests.get('r-0000000001')!).toMatchObject({ state: 'GRANTED', policyHash: 'b', announcer: { by: 'another-process' } });
    expect(w.notifier.told).toEqual([]);
    expect(w.changes.queues.get(REPOSITORY)).toEqual([]);
  });
});

describe('a removal', () => {
  it('is recorded as REVOKED with the sha256 of the policy before and after, and announced', async () => {
    const w = inMemoryDeps();
    const before = policyWith(['222233334444', '333344445555']);
    w.registry.policies.set(REPOSITORY, before);
    await ending(w, 'r-0000000001', '222233334444');
    await applyWaitingChanges(w.deps, REPOSITORY);
    const after = w.registry.policies.get(REPOSITORY)!;
    expect(accountsIn(after)).toEqual(['333344445555']);
    expect(w.store.requests.get('r-0000000001')!).toMatchObject({
      state: 'REVOKED',
      endedAt: new Date(w.clock.now()).toISOString(),
      policyHashBefore: sha256(before),
      policyHash: sha256(after),
      stillPullsThrough: [],
    });
    expect(w.notifier.parts('r-0000000001').sort()).toEqual(['card', 'dm', 'thread']);
    expect(w.changes.queues.get(REPOSITORY)).toEqual([]);
  });

  it('says which statement still lets the account pull once it left the managed one', async () => {
    const w = inMemoryDeps();
    const partners: Statement = { ...managedStatement(['222233334444']), Sid: 'PullForPartners' };
    w.registry.policies.set(REPOSITORY, policyWith(['222233334444'], partners));
    await ending(w, 'r-0000000001', '222233334444');
    await applyWaitingChanges(w.deps, REPOSITORY);
    expect(w.store.requests.get('r-0000000001')!).toMatchObject({ state: 'REVOKED', stillPullsThrough: ['PullForPartners'] });
  });

  it('of an account added by hand is told in the channel only', async () => {
    const w = inMemoryDeps();
    w.registry.policies.set(REPOSITORY, policyWith(['222233334444']));
    await ending(w, 'r-0000000001', '222233334444', { origin: 'outside', card: undefined });
    await applyWaitingChanges(w.deps, REPOSITORY);
    expect(w.store.requests.get('r-0000000001')!.state).toBe('REVOKED');
    expect(w.notifier.parts('r-0000000001')).toEqual(['thread']);
  });

  it('leaves the grant standing, and says why, when ECR refuses it', async () => {
    const w = inMemoryDeps();
    w.registry.policies.set(REPOSITORY, policyWith(['222233334444']));
    await ending(w, 'r-0000000001', '222233334444');
    w.registry.nextWrites.push('rejected');
    await applyWaitingChanges(w.deps, REPOSITORY);
    const request = w.store.requests.get('r-0000000001')!;
    expect(request).toMatchObject({ state: 'GRANTED', endFailure: { code: ErrorCode.PolicyRejected, detail: 'SetRepositoryPolicy: InvalidParameterException' } });
    expect(request.ending).toBeUndefined();
    expect(w.notifier.parts('r-0000000001')).toEqual(['thread']);
    expect(w.changes.queues.get(REPOSITORY)).toEqual([]);
  });

  it('is written again when the account was put back at the same moment, and recorded once it is out', async () => {
    const w = inMemoryDeps();
    const before = policyWith(['222233334444']);
    w.registry.policies.set(REPOSITORY, before);
    await ending(w, 'r-0000000001', '222233334444');
    afterEachWrite(w, (written) => {
      if (written === 1) w.registry.policies.set(REPOSITORY, before);
    });
    await applyWaitingChanges(w.deps, REPOSITORY);
    expect(w.registry.writes).toHaveLength(2);
    expect(w.registry.policies.has(REPOSITORY)).toBe(false);
    expect(w.store.requests.get('r-0000000001')!.state).toBe('REVOKED');
  });
});
