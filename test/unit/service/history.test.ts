// History on in-memory ports: every event of the records and the drift the sweep saw, newest
// first, a page at a time, read by repository; an account's history across the shareable ones.
import type { AccessRequest, HistoryEvent } from '../../../src/domain/access-request';
import { HISTORY_PAGE_SIZE, history } from '../../../src/service/history';
import { HistoryPage } from '../../../src/slack/blocks/history';
import { inMemoryDeps } from '../../support/in-memory-ports';

const at = (minute: number) => new Date(Date.parse('2026-12-01T09:00:00Z') + minute * 60_000).toISOString();

function record(id: string, account: string, events: HistoryEvent[], repository = 'common-images'): AccessRequest {
  return {
    id,
    repository,
    account,
    requester: 'U0REQUESTER',
    state: 'GRANTED',
    createdAt: events[0]?.at ?? at(0),
    attempts: 1,
    owed: [],
    history: events,
  };
}

function world() {
  const w = inMemoryDeps({ repositories: ['common-images', 'base-images'] });
  const put = (r: AccessRequest) => w.store.requests.set(r.id, r);
  put(
    record('r-000000000a', '222233334444', [
      { kind: 'requested', at: at(0), by: 'U0REQUESTER' },
      { kind: 'approved', at: at(1), by: 'U0APPROVER' },
      { kind: 'granted', at: at(2), policyHashBefore: 'aa', policyHash: 'bb' },
      { kind: 'expired', at: at(60), by: 'ecr-access', policyHashBefore: 'bb', policyHash: 'aa' },
    ]),
  );
  put(record('r-000000000b', '333344445555', [{ kind: 'requested', at: at(5), by: 'U0REQUESTER' }], 'base-images'));
  put(record('r-000000000c', '222233334444', [{ kind: 'requested', at: at(6), by: 'U0REQUESTER' }], 'base-images'));
  return w;
}

describe('history', () => {
  it("lists a repository's events newest first, with who and the policy's sha256 before and after", async () => {
    const outcome = await history(world().deps, { subject: { repository: 'common-images' } });
    expect(outcome.code).toBe('history');
    if (outcome.code !== 'history') return;
    expect(outcome.entries.map((e) => e.event.kind)).toEqual(['expired', 'granted', 'approved', 'requested']);
    expect(outcome.entries[0]?.event).toMatchObject({ by: 'ecr-access', policyHashBefore: 'bb', policyHash: 'aa' });
    expect(outcome.older).toBeUndefined();
  });

  it('refuses a repository ecr-access does not share', async () => {
    expect(await history(world().deps, { subject: { repository: 'secret-images' } })).toMatchObject({ code: 'not-shareable', repository: 'secret-images' });
  });

  it("gathers an account's events from every shareable repository, and no one else's", async () => {
    const outcome = await history(world().deps, { subject: { account: '222233334444' } });
    if (outcome.code !== 'history') throw new Error(outcome.code);
    expect(outcome.entries.map((e) => `${e.repository} ${e.event.kind}`)).toEqual([
      'common-images expired',
      'base-images requested',
      'common-images granted',
      'common-images approved',
      'common-images requested',
    ]);
  });

  it('without a subject, covers every shareable repository', async () => {
    const outcome = await history(world().deps, {});
    if (outcome.code !== 'history') throw new Error(outcome.code);
    expect(outcome.entries).toHaveLength(6);
  });

  it('shows drift the sweep saw, and its clearing, but not the first pass finding none', async () => {
    const w = world();
    w.store.drift.set('common-images', {
      signature: 'x',
      events: [
        { kind: 'drift', at: at(10), by: 'ecr-access', detail: 'no drift' },
        { kind: 'drift', at: at(20), by: 'ecr-access', detail: 'appeared: 999988887777; disappeared: none' },
        { kind: 'drift', at: at(30), by: 'ecr-access', detail: 'no drift' },
      ],
    });
    const outcome = await history(w.deps, { subject: { repository: 'common-images' } });
    if (outcome.code !== 'history') throw new Error(outcome.code);
    expect(outcome.entries.filter((e) => e.event.kind === 'drift').map((e) => e.event.at)).toEqual([at(30), at(20)]);
    const forAccount = await history(w.deps, { subject: { account: '999988887777' } });
    if (forAccount.code !== 'history') throw new Error(forAccount.code);
    expect(forAccount.entries.map((e) => e.event.at)).toEqual([at(20)]);
  });

  it('pages: each page ends where the next begins, and events recorded meanwhile do not shift it', async () => {
    const w = inMemoryDeps();
    const events: HistoryEvent[] = Array.from({ length: HISTORY_PAGE_SIZE + 5 }, (_, i) => ({ kind: 'requested', at: at(i), by: 'U0REQUESTER' }));
    w.store.requests.set('r-000000000a', record('r-000000000a', '222233334444', events));
    const first = await history(w.deps, {});
    if (first.code !== 'history' || !first.older) throw new Error('expected a first page with more');
    expect(first.entries).toHaveLength(HISTORY_PAGE_SIZE);
    expect(first.continued).toBe(false);
    w.store.requests.set('r-000000000b', record('r-000000000b', '333344445555', [{ kind: 'requested', at: at(999), by: 'U0REQUESTER' }]));
    const second = await history(w.deps, { before: first.older });
    if (second.code !== 'history') throw new Error(second.code);
    expect(second.entries.map((e) => e.event.at)).toEqual([at(4), at(3), at(2), at(1), at(0)]);
    expect(second.older).toBeUndefined();
    expect(second.continued).toBe(true);
  });

  it('says whose history it is: the repository, the account, or none for every shareable repository', async () => {
    const w = world();
    expect(await history(w.deps, { subject: { repository: 'base-images' } })).toMatchObject({ subject: { repository: 'base-images' } });
    expect(await history(w.deps, { subject: { account: '333344445555' } })).toMatchObject({ subject: { account: '333344445555' } });
    expect(await history(w.deps, {})).not.toHaveProperty('subject');
  });

  it('pages through events recorded at the same moment without losing or repeating one: later request first, then later place', async () => {
    const w = inMemoryDeps();
    const ids = Array.from({ length: 9 }, (_, i) => `r-000000000${i + 1}`);
    for (const id of ids) {
      const events: HistoryEvent[] = [
        { kind: 'requested', at: at(0), by: 'U0REQUESTER' },
        { kind: 'approved', at: at(0), by: 'U0APPROVER' },
        { kind: 'granted', at: at(0) },
      ];
      w.store.requests.set(id, record(id, '222233334444', events));
    }
    const told = (entries: Array<{ request?: { id: string }; event: HistoryEvent }>) => entries.map((e) => `${e.request?.id} ${e.event.kind}`);
    const first = await history(w.deps, {});
    if (first.code !== 'history') throw new Error(first.code);
    expect(told(first.entries).slice(0, 4)).toEqual(['r-0000000009 granted', 'r-0000000009 approved', 'r-0000000009 requested', 'r-0000000008 granted']);
    expect(told(first.entries).slice(-2)).toEqual(['r-0000000003 granted', 'r-0000000003 approved']);
    expect(first.older).toEqual({ at: at(0), source: 'r-0000000003', index: 1 });
    const second = await history(w.deps, { before: first.older! });
    if (second.code !== 'history') throw new Error(second.code);
    expect(told(second.entries)).toEqual([
      'r-0000000003 requested',
      'r-0000000002 granted',
      'r-0000000002 approved',
      'r-0000000002 requested',
      'r-0000000001 granted',
      'r-0000000001 approved',
      'r-0000000001 requested',
    ]);
  });

  it('ends a page on drift with a cursor naming the repository, which passes the check when it comes back', async () => {
    const w = inMemoryDeps();
    const events: HistoryEvent[] = Array.from({ length: HISTORY_PAGE_SIZE + 1 }, (_, i) => ({
      kind: 'drift',
      at: at(i),
      by: 'ecr-access',
      detail: `appeared: ${i % 2 ? '999988887777' : '888877776666'}; disappeared: none`,
    }));
    w.store.drift.set('common-images', { signature: 'x', events });
    const first = await history(w.deps, {});
    if (first.code !== 'history') throw new Error(first.code);
    expect(first.older).toEqual({ at: at(1), source: 'drift:common-images', index: 1 });
    expect(HistoryPage.safeParse({ before: first.older }).success).toBe(true);
    const second = await history(w.deps, { before: first.older! });
    if (second.code !== 'history') throw new Error(second.code);
    expect(second.entries).toEqual([{ position: { at: at(0), source: 'drift:common-images', index: 0 }, repository: 'common-images', event: events[0] }]);
  });
});
