// A person's Home, as data, on in-memory ports: their requests and live grants; for an approver
// also what waits for a decision and the last decisions, across every shareable repository.
import type { AccessRequest } from '../../../src/domain/access-request';
import { homeOf, LAST_DECISIONS } from '../../../src/service/home';
import { inMemoryDeps } from '../../support/in-memory-ports';

let sequence = 0;
function request(overrides: Partial<AccessRequest> = {}): AccessRequest {
  sequence += 1;
  return {
    id: `r-${String(sequence).padStart(10, '0')}`,
    repository: 'common-images',
    account: '222233334444',
    requester: 'U0REQUESTER',
    state: 'PENDING',
    createdAt: new Date(Date.parse('2026-11-01T00:00:00Z') + sequence * 60_000).toISOString(),
    attempts: 0,
    owed: [],
    ...overrides,
  };
}

function world(...requests: AccessRequest[]) {
  const w = inMemoryDeps({ repositories: ['common-images', 'base-images'] });
  for (const r of requests) w.store.requests.set(r.id, r);
  return w;
}

describe("a requester's Home", () => {
  it('holds their requests newest first, and their live grants, the soonest to end first', async () => {
    const forever = request({ state: 'GRANTED' });
    const soon = request({ state: 'GRANTED', expiresAt: '2026-12-02T00:00:00.000Z' });
    const later = request({ state: 'GRANTED', expiresAt: '2026-12-09T00:00:00.000Z' });
    const ending = request({ state: 'GRANTED', ending: { kind: 'revoke', by: 'U0REQUESTER', at: '2026-12-01T00:00:00.000Z' } });
    const denied = request({ state: 'DENIED' });
    const home = await homeOf(world(forever, soon, later, ending, denied).deps, 'U0REQUESTER');
    expect(home.requests.map((r) => r.id)).toEqual([denied.id, ending.id, later.id, soon.id, forever.id]);
    expect(home.grants.map((r) => r.id)).toEqual([soon.id, later.id, forever.id]);
    expect(home).toMatchObject({ approver: 'no' });
    expect(home).not.toHaveProperty('waiting');
  });

  it("holds nobody else's requests", async () => {
    const home = await homeOf(world(request({ requester: 'U0OTHER' })).deps, 'U0REQUESTER');
    expect(home.requests).toEqual([]);
  });
});

describe("an approver's Home", () => {
  it('also holds every request waiting for a decision, oldest first, on every shareable repository', async () => {
    const pending = request();
    const failed = request({ state: 'FAILED', repository: 'base-images', decidedBy: 'U0APPROVER', decidedAt: '2026-11-30T00:00:00.000Z' });
    const granted = request({ state: 'GRANTED' });
    const home = await homeOf(world(pending, failed, granted).deps, 'U0APPROVER');
    expect(home.waiting?.map((r) => r.id)).toEqual([pending.id, failed.id]);
  });

  it(`holds the last ${LAST_DECISIONS} decisions, newest first`, async () => {
    const decided = Array.from({ length: LAST_DECISIONS + 5 }, (_, i) =>
      request({ state: i % 2 ? 'DENIED' : 'GRANTED', decidedBy: 'U0APPROVER', decidedAt: new Date(Date.parse('2026-11-20T00:00:00Z') + i * 60_000).toISOString() }),
    );
    const home = await homeOf(world(...decided).deps, 'U0APPROVER');
    expect(home.decisions?.map((r) => r.id)).toEqual(decided.slice(5).reverse().map((r) => r.id));
  });

  it('leaves out the records made to take out an account added by hand', async () => {
    const outside = request({ requester: 'U0APPROVER', state: 'REVOKED', origin: 'outside' });
    const home = await homeOf(world(outside).deps, 'U0APPROVER');
    expect(home.requests).toEqual([]);
  });

  it('holds only the repositories the approver decides, and only requests both decided and by someone', async () => {
    const theirs = request({ decidedBy: 'U0TEAMLEAD', decidedAt: '2026-11-30T00:00:00.000Z', state: 'GRANTED' });
    const waiting = request();
    const elsewhere = request({ repository: 'base-images' });
    const decidedElsewhere = request({ repository: 'base-images', decidedBy: 'U0APPROVER', decidedAt: '2026-11-30T01:00:00.000Z', state: 'DENIED' });
    const noDecider = request({ state: 'EXPIRED', decidedAt: '2026-11-30T02:00:00.000Z' });
    const noTime = request({ state: 'DENIED', decidedBy: 'U0TEAMLEAD' });
    const w = world(theirs, waiting, elsewhere, decidedElsewhere, noDecider, noTime);
    // U0TEAMLEAD decides common-images only, as a settings file's rule may say.
    const isApprover = async (user: string, repository?: string) =>
      user === 'U0TEAMLEAD' && (repository === undefined || repository === 'common-images') ? ({ kind: 'approver' } as const) : ({ kind: 'not-approver' } as const);
    const home = await homeOf({ ...w.deps, isApprover }, 'U0TEAMLEAD');
    expect(home.waiting?.map((r) => r.id)).toEqual([waiting.id]);
    expect(home.decisions?.map((r) => r.id)).toEqual([theirs.id]);
  });

  it("leaves the approvers' part out when Slack cannot say who approves", async () => {
    const w = world(request());
    const home = await homeOf({ ...w.deps, isApprover: async () => ({ kind: 'unknown', reason: 'ratelimited' }) }, 'U0APPROVER');
    expect(home).toMatchObject({ approver: 'unknown' });
    expect(home).not.toHaveProperty('waiting');
  });
});
