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
});
