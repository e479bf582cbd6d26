// Which waiting changes their requests still want: a grant while its request is approved, a
// removal while its grant is ending (or its approval was undone), nothing for a lost request, and
// nothing that names another repository or account than its request.
import type { AccessRequest, Ending, RequestState } from '../../../src/domain/access-request';
import type { PolicyChange } from '../../../src/domain/policy-change';
import { stillWanted } from '../../../src/service/policy-changes/still-wanted';
import { inMemoryDeps } from '../../support/in-memory-ports';

const REPOSITORY = 'common-images';
const ENDING: Ending = { kind: 'revoke', by: 'U0APPROVER', at: '2026-12-02T09:00:00.000Z' };

function request(n: number, state: RequestState, overrides: Partial<AccessRequest> = {}): AccessRequest {
  return {
    id: `r-${String(n).padStart(10, '0')}`,
    repository: 'common-images',
    account: `${n}`.padStart(12, '1'),
    requester: 'U0REQUESTER',
    state,
    createdAt: '2026-12-01T09:00:00.000Z',
    attempts: 1,
    owed: [],
    ...overrides,
  };
}

const grantFor = (r: AccessRequest): PolicyChange => ({ kind: 'grant', account: r.account, requestId: r.id });
const removalFor = (r: AccessRequest): PolicyChange => ({ kind: 'revoke', account: r.account, requestId: r.id });

/** A store holding these requests, and the IDs it is asked for, in order. */
function world(...requests: AccessRequest[]) {
  const w = inMemoryDeps();
  for (const r of requests) w.store.requests.set(r.id, r);
  const reads: string[] = [];
  const get = w.store.get.bind(w.store);
  w.store.get = async (id) => {
    reads.push(id);
    return get(id);
  };
  return { ...w, reads };
}

describe('the changes still wanted', () => {
  it('wants a grant only while its request is APPROVED', async () => {
    const approved = request(1, 'APPROVED');
    const others = [
      request(2, 'PENDING'),
      request(3, 'GRANTED'),
      request(4, 'GRANTED', { ending: ENDING }),
      request(5, 'FAILED'),
      request(6, 'DENIED'),
      request(7, 'REVOKED'),
    ];
    const w = world(approved, ...others);
    const batch = [grantFor(approved), ...others.map(grantFor)];
    expect(await stillWanted(w.deps, REPOSITORY, batch, undefined)).toEqual({
      wanted: [{ change: grantFor(approved), request: approved }],
      stale: others.map(grantFor),
    });
  });

  it('wants a removal while its request is APPROVED, or GRANTED with its grant ending', async () => {
    const approved = request(1, 'APPROVED');
    const ending = request(2, 'GRANTED', { ending: ENDING });
    const others = [
      request(3, 'GRANTED'),
      request(4, 'REVOKED', { ending: ENDING }),
      request(5, 'EXPIRED', { ending: { ...ENDING, kind: 'expire' } }),
      request(6, 'PENDING'),
      request(7, 'FAILED'),
    ];
    const w = world(approved, ending, ...others);
    const batch = [removalFor(approved), removalFor(ending), ...others.map(removalFor)];
    expect(await stillWanted(w.deps, REPOSITORY, batch, undefined)).toEqual({
      wanted: [
        { change: removalFor(approved), request: approved },
        { change: removalFor(ending), request: ending },
      ],
      stale: others.map(removalFor),
    });
  });

  it('drops a change whose request cannot be found', async () => {
    const w = world();
    const lost = request(1, 'APPROVED');
    expect(await stillWanted(w.deps, REPOSITORY, [grantFor(lost), removalFor(lost)], undefined)).toEqual({ wanted: [], stale: [grantFor(lost), removalFor(lost)] });
    expect(w.reads).toEqual([lost.id, lost.id]);
  });

  it('reads every request when none is known', async () => {
    const a = request(1, 'APPROVED');
    const b = request(2, 'APPROVED');
    const w = world(a, b);
    const { wanted } = await stillWanted(w.deps, REPOSITORY, [grantFor(a), grantFor(b)], undefined);
    expect(wanted.map((x) => x.request)).toEqual([a, b]);
    expect(w.reads).toEqual([a.id, b.id]);
  });

  it('takes the request its job just queued a change for as it is known, without reading it again', async () => {
    const known = request(1, 'APPROVED');
    const other = request(2, 'APPROVED');
    // The store's copy would make the change stale: it is the known request that counts.
    const w = world({ ...known, state: 'DENIED' }, other);
    const { wanted, stale } = await stillWanted(w.deps, REPOSITORY, [grantFor(other), grantFor(known)], { change: grantFor(known), request: known });
    expect(wanted).toEqual([
      { change: grantFor(other), request: other },
      { change: grantFor(known), request: known },
    ]);
    expect(wanted[1]!.request).toBe(known);
    expect(stale).toEqual([]);
    expect(w.reads).toEqual([other.id]);
  });

  it('drops a change that names another repository or account than its request', async () => {
    const approved = request(1, 'APPROVED');
    const w = world(approved);
    const otherAccount: PolicyChange = { ...grantFor(approved), account: '999988887777' };
    expect(await stillWanted(w.deps, REPOSITORY, [otherAccount], undefined)).toEqual({ wanted: [], stale: [otherAccount] });
    expect(await stillWanted(w.deps, 'other-images', [grantFor(approved)], undefined)).toEqual({ wanted: [], stale: [grantFor(approved)] });
  });

  it('waits for the decision its job is writing, and reads the request when that decision was not taken', async () => {
    const approved = request(1, 'APPROVED');
    const w = world({ ...approved, state: 'DENIED' });
    const decided = await stillWanted(w.deps, REPOSITORY, [grantFor(approved)], { change: grantFor(approved), request: Promise.resolve(approved) });
    expect(decided).toEqual({ wanted: [{ change: grantFor(approved), request: approved }], stale: [] });
    expect(w.reads).toEqual([]);
    const notTaken = await stillWanted(w.deps, REPOSITORY, [grantFor(approved)], { change: grantFor(approved), request: Promise.resolve(undefined) });
    expect(notTaken).toEqual({ wanted: [], stale: [grantFor(approved)] });
    expect(w.reads).toEqual([approved.id]);
  });

  it('keeps the order of the batch in both lists, whatever order the reads answer in', async () => {
    const requests = [request(1, 'APPROVED'), request(2, 'DENIED'), request(3, 'APPROVED'), request(4, 'FAILED'), request(5, 'APPROVED')];
    const w = world(...requests);
    // Later requests answer first.
    const get = w.store.get;
    w.store.get = async (id) => {
      for (let tick = Number(id.slice(-1)); tick < 6; tick++) await new Promise((resolve) => setImmediate(resolve));
      return get(id);
    };
    const batch = requests.map(grantFor);
    const { wanted, stale } = await stillWanted(w.deps, REPOSITORY, batch, undefined);
    expect(wanted.map((x) => x.change)).toEqual([batch[0], batch[2], batch[4]]);
    expect(wanted.map((x) => x.request.id)).toEqual([requests[0]!.id, requests[2]!.id, requests[4]!.id]);
    expect(stale).toEqual([batch[1], batch[3]]);
  });
});
