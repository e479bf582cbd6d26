/**
 * A change waiting in a repository's queue: what a stored one must hold, when two are the same
 * change, and which of the waiting changes one policy write may carry.
 */
import { oneChangePerAccount, PolicyChange, sameChange } from '../../../src/domain/policy-change';

const A = '222233334444';
const B = '333344445555';
const C = '444455556666';
const FIRST = 'r-aaaaaaaaaa';
const SECOND = 'r-bbbbbbbbbb';

const grant = (account: string, requestId = FIRST): PolicyChange => ({ kind: 'grant', account, requestId });
const revoke = (account: string, requestId = FIRST): PolicyChange => ({ kind: 'revoke', account, requestId });

describe('PolicyChange', () => {
  it.each([grant(A), revoke(B, SECOND)])('accepts a %j', (change) => {
    expect(PolicyChange.parse(change)).toEqual(change);
  });

  it.each([
    ['a kind other than grant or revoke', { kind: 'delete', account: A, requestId: FIRST }],
    ['an account that is not 12 digits', { kind: 'grant', account: '22223333444', requestId: FIRST }],
    ['a request ID ecr-access did not make', { kind: 'grant', account: A, requestId: 'r-ABC' }],
    ['no request', { kind: 'revoke', account: A }],
  ])('refuses a change with %s', (_, value) => {
    expect(PolicyChange.safeParse(value).success).toBe(false);
  });
});

describe('sameChange', () => {
  it('holds a change the same as an equal copy of it', () => {
    expect(sameChange(grant(A), grant(A))).toBe(true);
  });

  it.each([
    ['kind', revoke(A)],
    ['account', grant(B)],
    ['request', grant(A, SECOND)],
  ])('tells two changes apart that differ only in their %s', (_, other) => {
    expect(sameChange(grant(A), other)).toBe(false);
    expect(sameChange(other, grant(A))).toBe(false);
  });

  it('tells two changes apart that differ in everything', () => {
    expect(sameChange(grant(A), revoke(B, SECOND))).toBe(false);
  });
});

describe('oneChangePerAccount', () => {
  it('carries nothing when nothing waits', () => {
    expect(oneChangePerAccount([])).toEqual([]);
  });

  it('carries every change when each names another account, in the order they wait', () => {
    const waiting = [revoke(C), grant(A), grant(B, SECOND)];
    expect(oneChangePerAccount(waiting)).toEqual(waiting);
  });

  it('carries only the oldest change for an account, so one write never grants and revokes it at once', () => {
    expect(oneChangePerAccount([grant(A), revoke(A, SECOND)])).toEqual([grant(A)]);
    expect(oneChangePerAccount([revoke(A, SECOND), grant(A)])).toEqual([revoke(A, SECOND)]);
  });

  it('leaves later changes for other accounts in, around the ones it holds back', () => {
    const waiting = [grant(A), grant(B), revoke(A, SECOND), revoke(C), grant(B, SECOND)];
    expect(oneChangePerAccount(waiting)).toEqual([grant(A), grant(B), revoke(C)]);
  });

  it('leaves the waiting list as it was', () => {
    const waiting = [grant(A), revoke(A, SECOND)];
    oneChangePerAccount(waiting);
    expect(waiting).toEqual([grant(A), revoke(A, SECOND)]);
  });
});
