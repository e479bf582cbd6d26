// Which outcome a post tells: what a process taking over an announcement compares with the posts
// it finds, so it must tell apart every outcome that owes a new post in the same place.
import type { AccessRequest, HistoryEvent } from '../../../src/domain/access-request';
import { toldOutcome } from '../../../src/domain/told-outcome';
import { ErrorCode } from '../../../src/errors';

function request(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return {
    id: 'r-0000000001',
    repository: 'common-images',
    account: '222233334444',
    requester: 'U0REQUESTER',
    state: 'GRANTED',
    createdAt: '2026-12-01T09:00:00.000Z',
    attempts: 1,
    owed: [],
    ...overrides,
  };
}

const event = (kind: HistoryEvent['kind'], at: string): HistoryEvent => ({ kind, at });
const REQUESTED = event('requested', '2026-12-01T09:00:00.000Z');
const APPROVED = event('approved', '2026-12-01T09:01:00.000Z');

describe('the outcome a post tells', () => {
  it('is the history event the outcome was recorded with', () => {
    const granted = request({ history: [REQUESTED, APPROVED, event('granted', '2026-12-01T09:01:02.000Z')] });
    expect(toldOutcome(granted, 'thread')).toEqual({
      requestId: 'r-0000000001',
      part: 'thread',
      outcome: 'granted',
      at: '2026-12-01T09:01:02.000Z',
      toldFrom: '2026-12-01T09:01:02.000Z',
    });
  });

  it('tells apart a failure, retried, and the failure after it', () => {
    const first = request({ state: 'FAILED', history: [REQUESTED, APPROVED, event('failed', '2026-12-01T09:01:02.000Z')] });
    const second = request({
      state: 'FAILED',
      history: [...first.history!, event('approved', '2026-12-01T10:00:00.000Z'), event('failed', '2026-12-01T10:00:03.000Z')],
    });
    expect(toldOutcome(first, 'thread')).not.toEqual(toldOutcome(second, 'thread'));
    expect(toldOutcome(second, 'thread')).toMatchObject({ outcome: 'failed', at: '2026-12-01T10:00:03.000Z' });
  });

  it('tells apart a grant and the revocation that ends it, in the thread and in the DM', () => {
    const history = [REQUESTED, APPROVED, event('granted', '2026-12-01T09:01:02.000Z')];
    const granted = request({ history });
    const revoked = request({ state: 'REVOKED', history: [...history, event('revoked', '2026-12-02T09:00:00.000Z')] });
    for (const part of ['thread', 'dm'] as const) {
      expect(toldOutcome(revoked, part)).toMatchObject({ outcome: 'revoked', at: '2026-12-02T09:00:00.000Z' });
      expect(toldOutcome(revoked, part)).not.toEqual(toldOutcome(granted, part));
    }
  });

  it('names the reminder by when the grant ends, and looks for it from when it was granted', () => {
    const granted = request({
      grantedAt: '2026-12-01T09:01:02.000Z',
      expiresAt: '2026-12-31T09:01:02.000Z',
      history: [REQUESTED, APPROVED, event('granted', '2026-12-01T09:01:02.000Z')],
    });
    expect(toldOutcome(granted, 'reminder')).toEqual({
      requestId: 'r-0000000001',
      part: 'reminder',
      outcome: 'reminder',
      at: '2026-12-31T09:01:02.000Z',
      toldFrom: '2026-12-01T09:01:02.000Z',
    });
  });

  it.each<[Partial<AccessRequest>, string, string]>([
    [{ state: 'GRANTED', grantedAt: '2026-12-01T09:01:00.000Z' }, 'granted', '2026-12-01T09:01:00.000Z'],
    [{ state: 'GRANTED', grantedAt: '2026-12-01T09:01:00.000Z', endFailure: { code: ErrorCode.PolicyRejected, detail: 'AccessDenied' } }, 'revoke-refused', '2026-12-01T09:01:00.000Z'],
    [{ state: 'FAILED', failedAt: '2026-12-01T09:02:00.000Z' }, 'failed', '2026-12-01T09:02:00.000Z'],
    [{ state: 'REVOKED', endedAt: '2026-12-01T09:03:00.000Z' }, 'revoked', '2026-12-01T09:03:00.000Z'],
    [{ state: 'EXPIRED', endedAt: '2026-12-01T09:04:00.000Z' }, 'expired', '2026-12-01T09:04:00.000Z'],
    [{ state: 'DENIED', decidedAt: '2026-12-01T09:05:00.000Z' }, 'denied', '2026-12-01T09:05:00.000Z'],
  ])('reads a record kept before requests had a history from its state and times (%o)', (fields, outcome, at) => {
    expect(toldOutcome(request(fields), 'thread')).toMatchObject({ outcome, at, toldFrom: at });
  });
});
