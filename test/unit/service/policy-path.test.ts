// The one policy path, on in-memory ports and a fake clock: one holder acts on every marked
// account in one write on a fresh read, decides each account from all of its requests, verifies
// by reading back, records every request of the account from what it read, and announces it.
import { createHash } from 'node:crypto';
import type { AccessRequest, Ending } from '../../../src/domain/access-request';
import { canonicalStatement, canPull, managedAccounts, managedStatement, MAX_POLICY_LENGTH, parsePolicy, serializePolicy, type Statement } from '../../../src/domain/policy';
import { ErrorCode } from '../../../src/errors';
import { applyMarked } from '../../../src/service/policy-changes/holder';
import type { Registry } from '../../../src/service/ports';
import { approvedRequest, inMemoryDeps } from '../../support/in-memory-ports';

type World = ReturnType<typeof inMemoryDeps>;

const REPOSITORY = 'common-images';
/** The repository in the bot's own region: one place, as every repository was before regions. */
const HOME = { repository: REPOSITORY, region: 'eu-west-1' };
const accountsIn = (text: string | undefined) => managedAccounts(parsePolicy(text));
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A policy whose managed statement names these accounts, after the other statements given. */
const policyWith = (accounts: readonly string[], ...others: Statement[]) =>
  serializePolicy({ header: { Version: '2012-10-17' }, statements: [...others, ...(accounts.length > 0 ? [managedStatement(accounts)] : [])] });

/** The lines logged with this message, as written. */
const logged = (w: World, message: string) => w.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.message === message);

const state = (w: World, id: string) => w.store.requests.get(id)?.state;
const markedAccounts = (w: World) => (w.changes.marks.get(REPOSITORY) ?? []).map((m) => m.account);

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

/** Wraps every write: `before` runs as it is sent, `after` once it has landed. */
function aroundWrites(w: World, hooks: { before?: (text: string | undefined) => void; after?: (written: number) => void | Promise<void> }) {
  const write: Registry['setPolicy'] = w.registry.setPolicy.bind(w.registry);
  let written = 0;
  w.registry.setPolicy = async (repository, text, fence) => {
    hooks.before?.(text);
    await write(repository, text, fence);
    await hooks.after?.(++written);
  };
}

/** What ECR does with each write, by the text sent: refuse it, leave its outcome unknown, or (undefined) take it. */
const scriptWrites = (w: World, outcome: (text: string | undefined) => 'rejected' | 'unknown' | undefined) =>
  aroundWrites(w, {
    before: (text) => {
      const next = outcome(text);
      if (next) w.registry.nextWrites.push(next);
    },
  });

const REVOKE: Ending = { kind: 'revoke', by: 'U0APPROVER', at: '2026-12-01T08:00:00.000Z' };
const EXPIRE: Ending = { kind: 'expire', by: 'ecr-access', at: '2026-12-01T08:00:00.000Z' };

/** An approved request of the account, its account marked. */
async function approved(w: World, id: string, account: string, overrides: Partial<AccessRequest> = {}) {
  const request = { ...(await approvedRequest(w.store, id, account)), ...overrides };
  w.store.requests.set(id, request);
  await w.changes.mark(REPOSITORY, { account, requestId: id });
  return request;
}

/** A verified grant of the account (not marked: nothing is owed about it). */
async function granted(w: World, id: string, account: string, overrides: Partial<AccessRequest> = {}) {
  const request: AccessRequest = { ...(await approvedRequest(w.store, id, account)), state: 'GRANTED', grantedAt: '2026-12-01T08:00:00.000Z', ...overrides };
  w.store.requests.set(id, request);
  return request;
}

/** A grant whose end is under way, its account marked. */
async function ending(w: World, id: string, account: string, overrides: Partial<AccessRequest> = {}) {
  const request = await granted(w, id, account, { ending: REVOKE, ...overrides });
  await w.changes.mark(REPOSITORY, { account, requestId: id });
  return request;
}

const DENY_333: Statement = { Sid: 'NoPullFor333', Effect: 'Deny', Principal: { AWS: 'arn:aws:iam::333344445555:root' }, Action: 'ecr:BatchGetImage' };

async function approvals(w: World, ...accounts: string[]) {
  for (const [i, account] of accounts.entries()) await approved(w, `r-${String(i + 1).padStart(10, '0')}`, account);
}

describe('the lease holder', () => {
  it('puts every marked account in with one write built on a fresh read, and records each approval as granted', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444', '333344445555', '444455556666');
    const count = countReads(w);
    const result = await applyMarked(w.deps, HOME);
    expect(result.held).toBe(true);
    expect(w.registry.writes).toHaveLength(1);
    // One read to build the write on, one to verify it: no pass once nothing is marked.
    expect(count.reads).toBe(2);
    expect(accountsIn(w.registry.policies.get(REPOSITORY))).toEqual(['222233334444', '333344445555', '444455556666']);
    expect([...w.store.requests.values()].map((r) => r.state)).toEqual(['GRANTED', 'GRANTED', 'GRANTED']);
    expect(markedAccounts(w)).toEqual([]);
    expect(w.changes.locks.has(REPOSITORY)).toBe(false);
  });

  it('records the policy hashes before and after, and announces each outcome on the card, in the thread and to the requester', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444');
    const result = await applyMarked(w.deps, HOME);
    const request = w.store.requests.get('r-0000000001')!;
    // There was no policy before: the hash of no text.
    expect(request.policyHashBefore).toBe(sha256(''));
    expect(request.policyHash).toBe(sha256(w.registry.policies.get(REPOSITORY)!));
    expect(w.notifier.parts('r-0000000001').sort()).toEqual(['card', 'dm', 'thread']);
    expect(request.owed).toEqual([]);
    expect(result).toEqual({ held: true, value: { recorded: new Map([['r-0000000001', expect.objectContaining({ state: 'GRANTED' })]]) } });
  });

  it('counts the end of a time-bound grant from its verification', async () => {
    const w = inMemoryDeps();
    await approved(w, 'r-0000000001', '222233334444', { durationMs: 3_600_000 });
    await applyMarked(w.deps, HOME);
    expect(w.store.requests.get('r-0000000001')!.expiresAt).toBe(new Date(w.clock.now() + 3_600_000).toISOString());
  });

  it('posts in the thread the policy as ECR hands it back, and records its hash', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444');
    // ECR stores the policy reformatted.
    aroundWrites(w, { after: () => void w.registry.policies.set(REPOSITORY, JSON.stringify(JSON.parse(w.registry.policies.get(REPOSITORY)!), null, 2)) });
    const posted: Array<string | undefined> = [];
    const post = w.notifier.postInThread;
    w.notifier.postInThread = async (request) => {
      posted.push(request.verifiedPolicy);
      return post(request);
    };
    await applyMarked(w.deps, HOME);
    const readBack = w.registry.policies.get(REPOSITORY)!;
    expect(readBack).not.toBe(w.registry.writes[0]!.text);
    expect(posted).toEqual([readBack]);
    expect(w.store.requests.get('r-0000000001')!.policyHash).toBe(sha256(readBack));
  });

  it('writes nothing for an account already in the statement, and records its approval as granted', async () => {
    const w = inMemoryDeps();
    w.registry.policies.set(REPOSITORY, policyWith(['222233334444']));
    await approvals(w, '222233334444');
    await applyMarked(w.deps, HOME);
    expect(w.registry.writes).toHaveLength(0);
    expect(state(w, 'r-0000000001')).toBe('GRANTED');
  });

  it('puts an account in the statement though another statement lets it pull, so its end has an entry to take out', async () => {
    const w = inMemoryDeps();
    const partners: Statement = { ...managedStatement(['222233334444']), Sid: 'PullForPartners' };
    w.registry.policies.set(REPOSITORY, policyWith([], partners));
    await approvals(w, '222233334444');
    await applyMarked(w.deps, HOME);
    expect(accountsIn(w.registry.policies.get(REPOSITORY))).toEqual(['222233334444']);
    expect(state(w, 'r-0000000001')).toBe('GRANTED');
  });

  it('acts in a second pass on an account marked while it writes', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444');
    aroundWrites(w, { after: async (written) => void (written === 1 && (await approved(w, 'r-0000000009', '999988887777'))) });
    await applyMarked(w.deps, HOME);
    expect(w.registry.writes).toHaveLength(2);
    expect(state(w, 'r-0000000009')).toBe('GRANTED');
  });

  it('writes nothing to a repository that is no longer shareable, and fails an approval whose account is verifiably not in it', async () => {
    const w = inMemoryDeps({ repositories: ['other-images'] });
    await approvals(w, '222233334444');
    await applyMarked(w.deps, HOME);
    expect(w.registry.writes).toHaveLength(0);
    expect(w.store.requests.get('r-0000000001')!).toMatchObject({
      state: 'FAILED',
      failure: { code: ErrorCode.NotShareable, detail: 'common-images is not one of the repositories ecr-access shares' },
    });
    expect(markedAccounts(w)).toEqual([]);
  });

  it('records as granted an approval of a repository no longer shareable whose account its earlier write already let pull', async () => {
    const w = inMemoryDeps({ repositories: ['other-images'] });
    w.registry.policies.set(REPOSITORY, policyWith(['222233334444']));
    await approvals(w, '222233334444');
    await applyMarked(w.deps, HOME);
    expect(w.registry.writes).toHaveLength(0);
    expect(state(w, 'r-0000000001')).toBe('GRANTED');
  });

  it('reads nothing when nothing is marked, and lets the repository go', async () => {
    const w = inMemoryDeps();
    const count = countReads(w);
    expect(await applyMarked(w.deps, HOME)).toEqual({ held: true, value: { recorded: new Map() } });
    expect(count.reads).toBe(0);
    expect(w.changes.locks.has(REPOSITORY)).toBe(false);
  });

  it('marks its own request in the same write that takes the repository', async () => {
    const w = inMemoryDeps();
    await approvedRequest(w.store, 'r-0000000001', '222233334444');
    await applyMarked(w.deps, HOME, { account: '222233334444', requestId: 'r-0000000001' });
    expect(state(w, 'r-0000000001')).toBe('GRANTED');
  });

  it('leaves a repository another holder has alone, marking the account for it', async () => {
    const w = inMemoryDeps();
    await approvedRequest(w.store, 'r-0000000001', '222233334444');
    w.changes.locks.set(REPOSITORY, { holder: 'another', until: w.clock.now() + 420_000 });
    const outcome = await applyMarked(w.deps, HOME, { account: '222233334444', requestId: 'r-0000000001' });
    expect(outcome).toEqual({ held: false });
    expect(markedAccounts(w)).toEqual(['222233334444']);
    expect(w.registry.writes).toHaveLength(0);
  });

  it('takes no lease while its clock is off from AWS by more than half the margin, and only marks the account', async () => {
    const w = inMemoryDeps();
    await approvedRequest(w.store, 'r-0000000001', '222233334444');
    w.clockCheck.aheadMs = 45_000;
    const outcome = await applyMarked(w.deps, HOME, { account: '222233334444', requestId: 'r-0000000001' });
    expect(outcome).toEqual({ held: false });
    expect(markedAccounts(w)).toEqual(['222233334444']);
    expect(w.changes.locks.has(REPOSITORY)).toBe(false);
    expect(w.registry.writes).toHaveLength(0);
  });
});

describe('one account with several requests', () => {
  it('keeps an extension granted when the grant it extends is revoked at the same moment, whatever order the marks come in', async () => {
    for (const order of [['r-0000000001', 'r-0000000002'], ['r-0000000002', 'r-0000000001']]) {
      const w = inMemoryDeps();
      w.registry.policies.set(REPOSITORY, policyWith(['222233334444']));
      await granted(w, 'r-0000000001', '222233334444', { expiresAt: '2026-12-01T10:00:00.000Z', ending: REVOKE });
      await approvedRequest(w.store, 'r-0000000002', '222233334444');
      w.store.requests.set('r-0000000002', { ...w.store.requests.get('r-0000000002')!, durationMs: 7_200_000, extends: 'r-0000000001' });
      for (const id of order) await w.changes.mark(REPOSITORY, { account: '222233334444', requestId: id });
      await applyMarked(w.deps, HOME);
      expect(accountsIn(w.registry.policies.get(REPOSITORY))).toEqual(['222233334444']);
      expect(state(w, 'r-0000000002')).toBe('GRANTED');
      expect(w.store.requests.get('r-0000000001')!).toMatchObject({ state: 'REVOKED', keptBy: [{ id: 'r-0000000002', requester: 'U0REQUESTER' }] });
      expect(w.registry.writes).toHaveLength(0);
    }
  });

  it('ends an expiring grant while another grant of the account keeps it in the policy', async () => {
    const w = inMemoryDeps();
    w.registry.policies.set(REPOSITORY, policyWith(['222233334444']));
    await granted(w, 'r-0000000002', '222233334444', { requester: 'U0SAM', expiresAt: '2026-12-01T11:00:00.000Z' });
    await ending(w, 'r-0000000001', '222233334444', { ending: EXPIRE, expiresAt: '2026-12-01T09:00:00.000Z' });
    await applyMarked(w.deps, HOME);
    expect(w.registry.writes).toHaveLength(0);
    expect(w.store.requests.get('r-0000000001')!).toMatchObject({
      state: 'EXPIRED',
      keptBy: [{ id: 'r-0000000002', requester: 'U0SAM', expiresAt: '2026-12-01T11:00:00.000Z' }],
      // ecr-access's own statement is not another statement that lets it pull.
      stillPullsThrough: [],
    });
    expect(state(w, 'r-0000000002')).toBe('GRANTED');
    expect(accountsIn(w.registry.policies.get(REPOSITORY))).toEqual(['222233334444']);
  });

  it('takes the account out once its last live grant ends', async () => {
    const w = inMemoryDeps();
    w.registry.policies.set(REPOSITORY, policyWith(['222233334444', '333344445555']));
    await ending(w, 'r-0000000001', '222233334444');
    await ending(w, 'r-0000000002', '222233334444', { ending: EXPIRE });
    await applyMarked(w.deps, HOME);
    expect(accountsIn(w.registry.policies.get(REPOSITORY))).toEqual(['333344445555']);
    expect(w.store.requests.get('r-0000000001')!).toMatchObject({ state: 'REVOKED', keptBy: [] });
    expect(state(w, 'r-0000000002')).toBe('EXPIRED');
  });

  it('records an approval ended before it was verified as revoked, never granted, and writes nothing when it was not written yet', async () => {
    const w = inMemoryDeps();
    await approved(w, 'r-0000000001', '222233334444', { ending: REVOKE });
    await applyMarked(w.deps, HOME);
    expect(w.registry.writes).toHaveLength(0);
    const request = w.store.requests.get('r-0000000001')!;
    expect(request).toMatchObject({ state: 'REVOKED', owed: [] });
    expect(request.grantedAt).toBeUndefined();
    expect(request.history?.map((e) => e.kind)).toEqual(['revoked']);
    expect(w.notifier.parts('r-0000000001').sort()).toEqual(['card', 'dm', 'thread']);
    expect(w.store.requests.size).toBe(1);
  });

  it('takes out an account whose approval was written but not verified when that approval is ended', async () => {
    const w = inMemoryDeps();
    // An earlier write put it in and could not be read back.
    w.registry.policies.set(REPOSITORY, policyWith(['222233334444']));
    await approved(w, 'r-0000000001', '222233334444', { ending: REVOKE });
    await applyMarked(w.deps, HOME);
    expect(accountsIn(w.registry.policies.get(REPOSITORY))).toEqual([]);
    expect(state(w, 'r-0000000001')).toBe('REVOKED');
  });

  it('leaves the account marked while one of its requests still waits for its verdict', async () => {
    const w = inMemoryDeps();
    await approvals(w, '333344445555');
    // A Deny appears between the write and the read-back: the account is in, yet cannot pull.
    aroundWrites(w, {
      after: (written) => {
        if (written === 1) w.registry.policies.set(REPOSITORY, policyWith(['333344445555'], DENY_333));
      },
    });
    await applyMarked(w.deps, HOME);
    // The next pass takes it out again before the request fails.
    expect(w.registry.writes.map((write) => accountsIn(write.text))).toEqual([['333344445555'], []]);
    expect(w.store.requests.get('r-0000000001')!).toMatchObject({ state: 'FAILED', failure: { code: ErrorCode.DeniedByPolicy } });
    expect(markedAccounts(w)).toEqual([]);
  });

  it('looks at an account again when one of its requests changed between the read and the record', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444');
    aroundWrites(w, {
      after: async (written) => {
        // The approval is revoked while its grant is written: the revoke marks the account again.
        if (written !== 1) return;
        await w.store.beginEnding('r-0000000001', REVOKE);
        await w.changes.mark(REPOSITORY, { account: '222233334444', requestId: 'r-0000000001' });
      },
    });
    await applyMarked(w.deps, HOME);
    expect(w.registry.writes.map((write) => accountsIn(write.text))).toEqual([['222233334444'], []]);
    expect(state(w, 'r-0000000001')).toBe('REVOKED');
    expect(markedAccounts(w)).toEqual([]);
  });

  it('leaves an account whose requests all have their verdict as it is, even when it is in the statement', async () => {
    const w = inMemoryDeps();
    w.registry.policies.set(REPOSITORY, policyWith(['222233334444']));
    await approvedRequest(w.store, 'r-0000000001', '222233334444');
    w.store.requests.set('r-0000000001', { ...w.store.requests.get('r-0000000001')!, state: 'DENIED' });
    await w.changes.mark(REPOSITORY, { account: '222233334444', requestId: 'r-0000000001' });
    await applyMarked(w.deps, HOME);
    expect(w.registry.writes).toHaveLength(0);
    expect(state(w, 'r-0000000001')).toBe('DENIED');
    expect(markedAccounts(w)).toEqual([]);
  });
});

describe('a write whose outcome is unknown', () => {
  it('records nothing, leaves the account marked, and lets the lease run out instead of releasing it', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444');
    w.registry.nextWrites.push('unknown');
    const result = await applyMarked(w.deps, HOME);
    expect(result).toEqual({ held: true, value: { recorded: new Map(), stopped: 'unconfirmed' } });
    expect(state(w, 'r-0000000001')).toBe('APPROVED');
    expect(markedAccounts(w)).toEqual(['222233334444']);
    expect(logged(w, 'a policy write may still land; the repository stays held until it cannot')).toEqual([
      expect.objectContaining({ level: 'error', repository: REPOSITORY, error: expect.objectContaining({ code: ErrorCode.WriteOutcomeUnknown }) }),
    ]);
    // Held past the moment the write could still land.
    expect((await w.changes.status(REPOSITORY)).heldUntil).toBeGreaterThanOrEqual(w.clock.now() + 360_000);
  });

  it('never lets another holder write before it can no longer land, so a late landing erases nothing recorded', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444');
    w.registry.nextWrites.push('late');
    await applyMarked(w.deps, HOME);

    // Another approval arrives; its holder cannot take the repository while the first write may land.
    await approvedRequest(w.store, 'r-0000000002', '333344445555');
    const meanwhile = await applyMarked(w.deps, HOME, { account: '333344445555', requestId: 'r-0000000002' });
    expect(meanwhile.held).toBe(false);
    expect(w.registry.writes).toHaveLength(1);

    w.registry.deliverLate();
    w.clock.at += 420_001;
    await applyMarked(w.deps, HOME);
    const policy = parsePolicy(w.registry.policies.get(REPOSITORY));
    for (const r of w.store.requests.values()) {
      expect(r.state).toBe('GRANTED');
      expect(canPull(policy, r.account)).toBe(true);
    }
  });

  it('releases the lease when the pass fails before anything was sent', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444');
    w.store.accountRequests = async () => {
      throw new Error('DynamoDB throttled the read');
    };
    await expect(applyMarked(w.deps, HOME)).rejects.toThrow('throttled');
    expect(w.registry.writes).toHaveLength(0);
    expect(w.changes.locks.has(REPOSITORY)).toBe(false);
  });

  it('releases the lease when recording fails after a write ECR answered: nothing is left that may land', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444');
    w.store.record = async () => {
      throw new Error('DynamoDB throttled the write');
    };
    await expect(applyMarked(w.deps, HOME)).rejects.toThrow('throttled');
    expect(w.registry.writes).toHaveLength(1);
    // ECR answered the write: releasing cannot let a late landing through.
    expect(w.changes.locks.has(REPOSITORY)).toBe(false);
    expect(markedAccounts(w)).toEqual(['222233334444']);
  });

  it('is verified without a second write once the window has passed, when it did land', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444');
    w.registry.nextWrites.push('late');
    await applyMarked(w.deps, HOME);
    w.registry.deliverLate();
    w.clock.at += 420_001;
    await applyMarked(w.deps, HOME);
    expect(w.registry.writes).toHaveLength(1);
    expect(state(w, 'r-0000000001')).toBe('GRANTED');
  });

  it('keeps the lease when the fence cannot be checked, and sends nothing', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444');
    const write = w.registry.setPolicy.bind(w.registry);
    // The fence is armed, then DynamoDB fails to answer the renewal.
    w.registry.setPolicy = (repository, text, fence) =>
      write(repository, text, async () => {
        await fence();
        throw new Error('DynamoDB did not answer the renewal');
      });
    const result = await applyMarked(w.deps, HOME);
    expect(result).toEqual({ held: true, value: { recorded: new Map(), stopped: 'lease-lost' } });
    expect(w.registry.writes).toHaveLength(0);
    // Whether a write left cannot be told from here: the lease runs out rather than being released.
    expect(w.changes.locks.has(REPOSITORY)).toBe(true);
  });
});

describe('the fence around a write', () => {
  const slowRead = (w: World, during: () => void) => {
    const read = w.registry.getPolicy.bind(w.registry);
    w.registry.getPolicy = async (repository) => {
      during();
      w.registry.getPolicy = read;
      return read(repository);
    };
  };

  it('sends nothing once its lease has run out and another holder has the repository', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444');
    slowRead(w, () => {
      w.clock.at += 420_001;
      w.changes.locks.set(REPOSITORY, { holder: 'another', until: w.clock.now() + 420_000 });
    });
    const result = await applyMarked(w.deps, HOME);
    expect(result).toEqual({ held: true, value: { recorded: new Map(), stopped: 'lease-lost' } });
    expect(w.registry.writes).toHaveLength(0);
    expect(state(w, 'r-0000000001')).toBe('APPROVED');
    expect(w.changes.locks.get(REPOSITORY)!.holder).toBe('another');
  });

  it('renews the lease before a write it would no longer cover until the write can no longer land', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444');
    let before = 0;
    slowRead(w, () => {
      w.clock.at += 420_000 - 360_000 + 1;
      before = w.changes.locks.get(REPOSITORY)!.until;
    });
    let during = 0;
    aroundWrites(w, {
      after: () => {
        during = w.changes.locks.get(REPOSITORY)!.until;
      },
    });
    await applyMarked(w.deps, HOME);
    expect(during - w.clock.now()).toBeGreaterThanOrEqual(360_000);
    expect(during).toBeGreaterThan(before);
  });

  it('is checked before every attempt the registry sends', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444');
    const checks: number[] = [];
    const write = w.registry.setPolicy.bind(w.registry);
    w.registry.setPolicy = async (repository, text, fence) => {
      const counted = async () => {
        checks.push(w.clock.now());
        return fence();
      };
      // A throttled first attempt, then the one that lands.
      await counted();
      w.clock.at += 61_000;
      await write(repository, text, counted);
    };
    await applyMarked(w.deps, HOME);
    expect(checks).toHaveLength(2);
    expect(state(w, 'r-0000000001')).toBe('GRANTED');
  });
});

describe('a policy written but not read back', () => {
  it('stays approved and marked, and the next holder verifies it without writing again', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444');
    aroundWrites(w, { after: () => void w.registry.nextReads.push('fail') });
    const result = await applyMarked(w.deps, HOME);
    expect(result).toEqual({ held: true, value: { recorded: new Map(), stopped: 'unverified' } });
    expect(state(w, 'r-0000000001')).toBe('APPROVED');
    expect(markedAccounts(w)).toEqual(['222233334444']);
    expect(logged(w, 'the policy was written but could not be read back and understood; the accounts stay marked')).toEqual([
      expect.objectContaining({ level: 'error', repository: REPOSITORY, error: expect.objectContaining({ code: ErrorCode.Registry }) }),
    ]);
    // ECR answered the write: the lease is released, and the next holder verifies at once.
    expect(w.changes.locks.has(REPOSITORY)).toBe(false);
    await applyMarked(w.deps, HOME);
    expect(w.registry.writes).toHaveLength(1);
    expect(state(w, 'r-0000000001')).toBe('GRANTED');
  });

  it('stays marked when the policy read back cannot be understood', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444');
    aroundWrites(w, { after: () => void w.registry.policies.set(REPOSITORY, 'not a policy') });
    await applyMarked(w.deps, HOME);
    expect(logged(w, 'the policy was written but could not be read back and understood; the accounts stay marked')).toEqual([
      expect.objectContaining({ level: 'error', repository: REPOSITORY, error: expect.objectContaining({ code: ErrorCode.InvalidPolicy }) }),
    ]);
    expect(state(w, 'r-0000000001')).toBe('APPROVED');
    expect(markedAccounts(w)).toEqual(['222233334444']);
  });
});

describe('a verdict that must match the policy', () => {
  it('fails an approval whose account was taken out again before the read-back, once it is verifiably out', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444');
    // Someone deletes the policy at that very moment.
    aroundWrites(w, { after: () => void w.registry.policies.delete(REPOSITORY) });
    await applyMarked(w.deps, HOME);
    expect(w.store.requests.get('r-0000000001')!).toMatchObject({
      state: 'FAILED',
      failure: { code: ErrorCode.ChangedConcurrently, detail: '222233334444 was not in the policy read back after the write: it was changed again at the same moment' },
    });
  });

  it('fails an approval a Deny takes away without ever writing it', async () => {
    const w = inMemoryDeps();
    w.registry.policies.set(REPOSITORY, policyWith([], DENY_333));
    await approvals(w, '222233334444', '333344445555', '444455556666');
    await applyMarked(w.deps, HOME);
    expect(state(w, 'r-0000000001')).toBe('GRANTED');
    expect(w.store.requests.get('r-0000000002')!).toMatchObject({ state: 'FAILED', failure: { code: ErrorCode.DeniedByPolicy } });
    expect(state(w, 'r-0000000003')).toBe('GRANTED');
    expect(accountsIn(w.registry.policies.get(REPOSITORY))).toEqual(['222233334444', '444455556666']);
  });

  it('fails an approval a Deny takes away at once when another live grant explains why the account is in the statement', async () => {
    const w = inMemoryDeps();
    w.registry.policies.set(REPOSITORY, policyWith(['333344445555'], DENY_333));
    await granted(w, 'r-0000000001', '333344445555');
    await approved(w, 'r-0000000002', '333344445555');
    await applyMarked(w.deps, HOME);
    expect(w.registry.writes).toHaveLength(0);
    expect(w.store.requests.get('r-0000000002')!).toMatchObject({ state: 'FAILED', failure: { code: ErrorCode.DeniedByPolicy } });
    expect(state(w, 'r-0000000001')).toBe('GRANTED');
  });

  it('records nothing about an account whose policy cannot be understood when its ID appears in it', async () => {
    const w = inMemoryDeps();
    w.registry.policies.set(REPOSITORY, '{"Statement": [{"Principal": "arn:aws:iam::222233334444:root"');
    await approvals(w, '222233334444');
    await applyMarked(w.deps, HOME);
    expect(state(w, 'r-0000000001')).toBe('APPROVED');
    expect(markedAccounts(w)).toEqual(['222233334444']);
  });

  it('fails an approval, without writing, when the policy is not one ecr-access understands and does not name the account', async () => {
    const w = inMemoryDeps();
    w.registry.policies.set(REPOSITORY, '{"Statement": [');
    await approvals(w, '222233334444');
    await applyMarked(w.deps, HOME);
    expect(w.store.requests.get('r-0000000001')!).toMatchObject({ state: 'FAILED', failure: { code: ErrorCode.InvalidPolicy, detail: 'The repository policy is not valid JSON.' } });
    expect(w.registry.writes).toHaveLength(0);
    expect(markedAccounts(w)).toEqual([]);
  });

  it('ends a grant, without writing, when the policy cannot be understood and no longer names the account', async () => {
    const w = inMemoryDeps();
    w.registry.policies.set(REPOSITORY, '{"Statement": [');
    await ending(w, 'r-0000000001', '222233334444');
    await applyMarked(w.deps, HOME);
    expect(w.store.requests.get('r-0000000001')!).toMatchObject({ state: 'REVOKED', stillPullsThrough: [], keptBy: [] });
    expect(w.registry.writes).toHaveLength(0);
  });

  it('fails every approval at once, without splitting the write, when the refusal concerns the whole policy', async () => {
    const w = inMemoryDeps();
    // A statement under ecr-access's Sid that ecr-access did not write.
    w.registry.policies.set(REPOSITORY, policyWith([], { ...managedStatement(['111122223333']), Action: 'ecr:*' }));
    await approvals(w, '222233334444', '333344445555');
    const count = countReads(w);
    await applyMarked(w.deps, HOME);
    expect([...w.store.requests.values()].map((r) => r.failure?.code)).toEqual([ErrorCode.ForeignStatement, ErrorCode.ForeignStatement]);
    expect(count.reads).toBe(1);
    expect(w.registry.writes).toHaveLength(0);
  });
});

describe('a write ECR refuses as a whole', () => {
  it('is split in halves, so one bad account cannot fail the others, and both halves are recorded and announced in one pass', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444', '000000000000');
    scriptWrites(w, (text) => (text?.includes('000000000000') ? 'rejected' : undefined));
    const count = countReads(w);
    const result = await applyMarked(w.deps, HOME);
    expect(result.held && [...result.value.recorded.keys()].sort()).toEqual(['r-0000000001', 'r-0000000002']);
    expect(state(w, 'r-0000000001')).toBe('GRANTED');
    expect(w.store.requests.get('r-0000000002')!).toMatchObject({ state: 'FAILED', failure: { code: ErrorCode.PolicyRejected } });
    expect(w.notifier.parts('r-0000000002').sort()).toEqual(['card', 'thread']);
    expect(accountsIn(w.registry.policies.get(REPOSITORY))).toEqual(['222233334444']);
    // The pass's read and the read-back of the half that landed.
    expect(count.reads).toBe(2);
    expect(markedAccounts(w)).toEqual([]);
  });

  it('puts in the accounts that fit when the whole write would make the policy too large', async () => {
    const w = inMemoryDeps();
    const filler = (sid: string): Statement => ({ Sid: sid, Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'ecr:ListImages' });
    // One more account makes the policy exactly as long as ECR allows.
    const room = MAX_POLICY_LENGTH - policyWith(['222233334444'], filler('')).length;
    w.registry.policies.set(REPOSITORY, policyWith([], filler('x'.repeat(room))));
    await approvals(w, '222233334444', '333344445555');
    await applyMarked(w.deps, HOME);
    expect(state(w, 'r-0000000001')).toBe('GRANTED');
    expect(w.store.requests.get('r-0000000002')!).toMatchObject({ state: 'FAILED', failure: { code: ErrorCode.PolicyTooLarge } });
    expect(w.registry.policies.get(REPOSITORY)!.length).toBe(MAX_POLICY_LENGTH);
  });

  it('records every account of a refused write in one pass, however many it holds', async () => {
    const w = inMemoryDeps();
    const accounts = Array.from({ length: 11 }, (_, i) => `${100000000001 + i}`);
    await approvals(w, ...accounts);
    scriptWrites(w, () => 'rejected');
    await applyMarked(w.deps, HOME);
    expect([...w.store.requests.values()].map((r) => r.state)).toEqual(accounts.map(() => 'FAILED'));
    expect(markedAccounts(w)).toEqual([]);
  });

  it('reads, writes and records nothing more once the write of a half has an unknown outcome', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444', '333344445555');
    scriptWrites(w, (text) => (text?.includes('333344445555') ? 'rejected' : 'unknown'));
    const count = countReads(w);
    await applyMarked(w.deps, HOME);
    expect(w.registry.writes.map((write) => accountsIn(write.text))).toEqual([['222233334444', '333344445555'], ['222233334444']]);
    expect(count.reads).toBe(1);
    expect([...w.store.requests.values()].map((r) => r.state)).toEqual(['APPROVED', 'APPROVED']);
    expect(markedAccounts(w)).toEqual(['222233334444', '333344445555']);
    expect(w.changes.locks.has(REPOSITORY)).toBe(true);
  });
});

describe('how long the holder holds', () => {
  it('lets the repository go after ten passes while marks keep arriving, and leaves the rest marked', async () => {
    const w = inMemoryDeps();
    await approvals(w, '100000000001');
    let arrived = 1;
    aroundWrites(w, {
      after: async () => {
        if (arrived === 15) return;
        arrived++;
        await approved(w, `r-${String(arrived).padStart(10, '0')}`, `${100000000000 + arrived}`);
      },
    });
    await applyMarked(w.deps, HOME);
    expect(w.registry.writes).toHaveLength(10);
    expect(markedAccounts(w)).toEqual(['100000000011']);
    expect(state(w, 'r-0000000010')).toBe('GRANTED');
    expect(state(w, 'r-0000000011')).toBe('APPROVED');
    expect(w.changes.locks.has(REPOSITORY)).toBe(false);
  });

  it('stops once it lost the lease, leaving what is marked to the next holder', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444');
    aroundWrites(w, {
      after: async () => {
        // The lease ran out during the write; another holder took the repository, and an approval arrived.
        w.changes.locks.set(REPOSITORY, { holder: 'another-holder', until: w.clock.now() + 420_000 });
        await approved(w, 'r-0000000009', '999988887777');
      },
    });
    const result = await applyMarked(w.deps, HOME);
    expect(result.held && result.value.stopped).toBe('lease-lost');
    expect(logged(w, 'lost the repository lease; the next holder takes over')).toEqual([expect.objectContaining({ level: 'warn', repository: REPOSITORY })]);
    expect(w.registry.writes).toHaveLength(1);
    expect(state(w, 'r-0000000001')).toBe('GRANTED');
    expect(state(w, 'r-0000000009')).toBe('APPROVED');
    expect(markedAccounts(w)).toEqual(['222233334444', '999988887777']);
    expect(w.changes.locks.get(REPOSITORY)!.holder).toBe('another-holder');
  });

  it('leaves the accounts marked and logs why when ECR cannot be read', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444');
    w.registry.nextReads.push('fail');
    const result = await applyMarked(w.deps, HOME);
    expect(result).toEqual({ held: true, value: { recorded: new Map(), stopped: 'unreadable' } });
    expect(logged(w, 'could not read the policy; the accounts stay marked')).toEqual([
      expect.objectContaining({ level: 'error', repository: REPOSITORY, error: expect.objectContaining({ code: ErrorCode.Registry }) }),
    ]);
    expect(state(w, 'r-0000000001')).toBe('APPROVED');
    expect(markedAccounts(w)).toEqual(['222233334444']);
    expect(w.registry.writes).toHaveLength(0);
  });
});

describe('what a write came to', () => {
  it('logs how many accounts it looked at and how many requests it recorded', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444', '333344445555', '444455556666');
    // Someone takes one account out again at that very moment.
    aroundWrites(w, { after: () => void w.registry.policies.set(REPOSITORY, policyWith(['222233334444', '333344445555'])) });
    await applyMarked(w.deps, HOME);
    expect(logged(w, 'applied policy changes')).toEqual([expect.objectContaining({ level: 'info', repository: REPOSITORY, accounts: 3, recorded: 3 })]);
    expect(w.store.requests.get('r-0000000003')!.failure?.code).toBe(ErrorCode.ChangedConcurrently);
  });

  it('warns when another statement of the policy changed while it wrote, and still grants', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444');
    const pushFromCi: Statement = { Sid: 'PushFromCi', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'ecr:PutImage' };
    aroundWrites(w, { after: () => void w.registry.policies.set(REPOSITORY, policyWith(['222233334444'], pushFromCi)) });
    await applyMarked(w.deps, HOME);
    expect(logged(w, 'another statement of the policy changed while ecr-access wrote it')).toEqual([
      expect.objectContaining({ level: 'warn', repository: REPOSITORY, statements: [canonicalStatement(pushFromCi)] }),
    ]);
    expect(state(w, 'r-0000000001')).toBe('GRANTED');
  });

  it('does not warn when no other statement changed', async () => {
    const w = inMemoryDeps();
    w.registry.policies.set(REPOSITORY, policyWith([], DENY_333));
    await approvals(w, '222233334444');
    await applyMarked(w.deps, HOME);
    expect(state(w, 'r-0000000001')).toBe('GRANTED');
    expect(logged(w, 'another statement of the policy changed while ecr-access wrote it')).toEqual([]);
  });

  it('neither records nor announces a verdict another holder recorded first, and looks at the account again', async () => {
    const w = inMemoryDeps();
    await approvals(w, '222233334444');
    aroundWrites(w, {
      after: async () => {
        // A holder that lost its lease verified the same grant a moment before.
        const verdict = { outcome: { state: 'GRANTED' as const }, at: '2026-12-01T09:00:00.000Z', policyHashBefore: 'a', policyHash: 'b', verifiedPolicy: '{}', pullsThrough: [] };
        await w.store.record('r-0000000001', verdict, { by: 'another-process', at: 0 });
      },
    });
    const reads = countReads(w);
    const result = await applyMarked(w.deps, HOME);
    expect(result).toEqual({ held: true, value: { recorded: new Map() } });
    // The pass's read and its read-back, then a second pass on the account, which finds nothing to do.
    expect(reads.reads).toBe(3);
    expect(w.store.requests.get('r-0000000001')!).toMatchObject({ state: 'GRANTED', policyHash: 'b', announcer: { by: 'another-process' } });
    expect(w.notifier.told).toEqual([]);
    expect(markedAccounts(w)).toEqual([]);
  });
});

describe('an end', () => {
  it('is recorded as REVOKED with the sha256 of the policy before and after, and announced', async () => {
    const w = inMemoryDeps();
    const before = policyWith(['222233334444', '333344445555']);
    w.registry.policies.set(REPOSITORY, before);
    await ending(w, 'r-0000000001', '222233334444');
    await applyMarked(w.deps, HOME);
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
    expect(markedAccounts(w)).toEqual([]);
  });

  it('says which statement still lets the account pull once it left the managed one', async () => {
    const w = inMemoryDeps();
    const partners: Statement = { ...managedStatement(['222233334444']), Sid: 'PullForPartners' };
    w.registry.policies.set(REPOSITORY, policyWith(['222233334444'], partners));
    await ending(w, 'r-0000000001', '222233334444');
    await applyMarked(w.deps, HOME);
    expect(w.store.requests.get('r-0000000001')!).toMatchObject({ state: 'REVOKED', stillPullsThrough: ['PullForPartners'] });
  });

  it('of an account added by hand is told in the channel only', async () => {
    const w = inMemoryDeps();
    w.registry.policies.set(REPOSITORY, policyWith(['222233334444']));
    await ending(w, 'r-0000000001', '222233334444', { origin: 'outside', card: undefined });
    await applyMarked(w.deps, HOME);
    expect(state(w, 'r-0000000001')).toBe('REVOKED');
    expect(w.notifier.parts('r-0000000001')).toEqual(['thread']);
  });

  it('leaves the grant live, and says why, when ECR refuses it', async () => {
    const w = inMemoryDeps();
    w.registry.policies.set(REPOSITORY, policyWith(['222233334444']));
    await ending(w, 'r-0000000001', '222233334444');
    w.registry.nextWrites.push('rejected');
    await applyMarked(w.deps, HOME);
    const request = w.store.requests.get('r-0000000001')!;
    expect(request).toMatchObject({ state: 'GRANTED', endFailure: { code: ErrorCode.PolicyRejected, detail: 'SetRepositoryPolicy: InvalidParameterException' } });
    expect(request.ending).toBeUndefined();
    expect(w.notifier.parts('r-0000000001')).toEqual(['thread']);
    expect(markedAccounts(w)).toEqual([]);
  });

  it('is written again when the account was put back at the same moment, and recorded once it is out', async () => {
    const w = inMemoryDeps();
    const before = policyWith(['222233334444']);
    w.registry.policies.set(REPOSITORY, before);
    await ending(w, 'r-0000000001', '222233334444');
    aroundWrites(w, { after: (written) => void (written === 1 && w.registry.policies.set(REPOSITORY, before)) });
    await applyMarked(w.deps, HOME);
    expect(w.registry.writes).toHaveLength(2);
    expect(w.registry.policies.has(REPOSITORY)).toBe(false);
    expect(state(w, 'r-0000000001')).toBe('REVOKED');
  });
});
