/**
 * An access request's record: what a stored item must hold, and the order requests are taken in.
 */
import { AccessRequest, byCreation, denialReason, RequestId } from '../../../src/domain/access-request';

function request(id: string, createdAt: string): AccessRequest {
  return AccessRequest.parse({
    id,
    repository: 'common-images',
    account: '222233334444',
    requester: 'U0123456',
    state: 'APPROVED',
    createdAt,
  });
}

describe('byCreation', () => {
  it('orders requests oldest first', () => {
    const newest = request('r-cccccccccc', '2025-03-01T10:00:02.000Z');
    const oldest = request('r-aaaaaaaaaa', '2025-03-01T10:00:00.000Z');
    const middle = request('r-bbbbbbbbbb', '2025-03-01T10:00:01.000Z');
    expect([newest, oldest, middle].sort(byCreation).map((r) => r.id)).toEqual([oldest.id, middle.id, newest.id]);
  });

  it('puts a later request after an earlier one, whichever is compared first', () => {
    const earlier = request('r-aaaaaaaaaa', '2025-03-01T10:00:00.000Z');
    const later = request('r-bbbbbbbbbb', '2025-03-01T10:00:00.001Z');
    expect(byCreation(earlier, later)).toBeLessThan(0);
    expect(byCreation(later, earlier)).toBeGreaterThan(0);
  });

  it('keeps requests made at the same moment in the order they came', () => {
    const at = '2025-03-01T10:00:00.000Z';
    const second = request('r-bbbbbbbbbb', at);
    const first = request('r-aaaaaaaaaa', at);
    expect(byCreation(second, first)).toBe(0);
    expect([second, first].sort(byCreation).map((r) => r.id)).toEqual([second.id, first.id]);
  });
});

describe('AccessRequest', () => {
  it('starts a stored request with no attempts', () => {
    expect(request('r-aaaaaaaaaa', '2025-03-01T10:00:00.000Z').attempts).toBe(0);
  });

  it.each(['r-ABCDEFGHIJ', 'r-abc', 'x-abcdefghij', 'r-abcdefghijk', ' r-abcdefghij'])('refuses the request ID %j', (id) => {
    expect(RequestId.safeParse(id).success).toBe(false);
  });
});

describe('denialReason', () => {
  const denied = (overrides: Partial<AccessRequest>) => ({ ...request('r-aaaaaaaaaa', '2025-03-01T10:00:00.000Z'), state: 'DENIED' as const, decidedBy: 'U0BOB', ...overrides });
  const note = (by: string) => ({ by, at: '2025-03-01T10:01:00.000Z', reason: 'use the mirror' });

  it('is the note of the approver whose denial was written', () => {
    expect(denialReason(denied({ denialNote: note('U0BOB') }))).toBe('use the mirror');
  });

  it("is nothing when the note is another approver's", () => {
    expect(denialReason(denied({ denialNote: note('U0SAM') }))).toBeUndefined();
  });

  it('is nothing for a request that was not denied', () => {
    expect(denialReason(denied({ state: 'GRANTED', denialNote: note('U0BOB') }))).toBeUndefined();
  });
});
