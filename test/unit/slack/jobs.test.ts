// Jobs cross a process boundary (a Lambda invoking itself), so each is checked on arrival like
// any outside input: a time limit or a revoke that a command could not have produced is refused.
import { MAX_REASON_LENGTH } from '../../../src/domain/command';
import { DAY_MS, HOUR_MS, MAX_DURATION_MS } from '../../../src/domain/duration';
import { Job } from '../../../src/slack/jobs';

const RESPONSE_URL = 'https://hooks.slack.com/commands/T0/1/abc';
const REQUEST = { kind: 'request', user: 'U0REQUESTER', repository: 'common-images', account: '222233334444', responseUrl: RESPONSE_URL };
const REVOKE = { kind: 'revoke', user: 'U0APPROVER', repository: 'common-images', account: '222233334444', responseUrl: RESPONSE_URL };

describe('Job', () => {
  it.each([HOUR_MS, 7 * DAY_MS, MAX_DURATION_MS])('carries a request for %i ms', (durationMs) => {
    expect(Job.parse({ ...REQUEST, durationMs })).toMatchObject({ durationMs });
  });

  it.each([
    ['shorter than an hour', HOUR_MS - 1],
    ['longer than the longest', MAX_DURATION_MS + 1],
    ['not whole milliseconds', HOUR_MS + 0.5],
    ['not a number', '7d'],
  ])('refuses a request for a time %s', (_name, durationMs) => {
    expect(Job.safeParse({ ...REQUEST, durationMs }).success).toBe(false);
  });

  it('carries a revoke from the Home tab, with no response_url: its answer goes by DM', () => {
    const { responseUrl: _url, ...fromHome } = REVOKE;
    expect(Job.parse(fromHome)).toEqual(fromHome);
  });

  it('carries a revoke with its reason', () => {
    expect(Job.parse({ ...REVOKE, reason: 'project ended' })).toEqual({ ...REVOKE, reason: 'project ended' });
  });

  it.each([
    ['an account that is not 12 digits', { account: '12345' }],
    ['a repository name ECR would refuse', { repository: 'Common_Images' }],
    ['a reason over the limit', { reason: 'x'.repeat(MAX_REASON_LENGTH + 1) }],
  ])('refuses a revoke with %s', (_name, change) => {
    expect(Job.safeParse({ ...REVOKE, ...change }).success).toBe(false);
  });

  it('carries a request from the form, answered in the modal it left open, with the account as typed', () => {
    const { responseUrl: _url, ...fromForm } = REQUEST;
    const job = { ...fromForm, viewId: 'V0123ABCDEF', typedAccount: '2222-3333-4444' };
    expect(Job.parse(job)).toEqual(job);
  });

  it.each([
    ['a view ID that is not one', { viewId: 'not-a-view' }],
    ['an account as typed that is not digits in groups', { typedAccount: '2222<3333>4444' }],
  ])('refuses a request with %s', (_name, change) => {
    expect(Job.safeParse({ ...REQUEST, ...change }).success).toBe(false);
  });

  it('carries a denial with its reason, from the Home tab (no response_url)', () => {
    const job = { kind: 'decide', user: 'U0APPROVER', requestId: 'r-0123456789', decision: 'deny', card: { channel: 'C0APPROVALS', ts: '1700000000.000100' }, reason: 'use the mirror' };
    expect(Job.parse(job)).toEqual(job);
    expect(Job.safeParse({ ...job, reason: 'x'.repeat(MAX_REASON_LENGTH + 1) }).success).toBe(false);
  });

  it("carries a request to publish someone's Home tab, for a Slack user only", () => {
    expect(Job.parse({ kind: 'home', user: 'U0REQUESTER' })).toEqual({ kind: 'home', user: 'U0REQUESTER' });
    expect(Job.safeParse({ kind: 'home', user: 'not a user' }).success).toBe(false);
  });
});
