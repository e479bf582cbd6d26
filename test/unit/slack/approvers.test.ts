// Who may decide, and how long a user group's membership may be remembered.
import { webApi } from '@slack/bolt';
import { GROUP_CACHE_MS, slackApprovers } from '../../../src/slack/approvers';
import { createLogger } from '../../../src/logger';
import { type RepositoryRule, repositoryRules, rulesOfNames } from '../../../src/domain/repository-rules';

function slackWithGroup(members: { current: string[] }, fail: { current: Error | undefined } = { current: undefined }) {
  const calls: string[] = [];
  const client = {
    usergroups: {
      users: {
        list: async ({ usergroup }: { usergroup: string }) => {
          calls.push(usergroup);
          if (fail.current) throw fail.current;
          return { ok: true, users: [...members.current] };
        },
      },
    },
  } as unknown as webApi.WebClient;
  return { client, calls };
}

const quiet = createLogger({ write: () => undefined });
/** One repository on the deployment's terms: its approvers are the deployment's. */
const SHARED = repositoryRules(rulesOfNames(['common-images'], { durations: {} }));

describe('approvers', () => {
  it('accepts configured user IDs without asking Slack', async () => {
    const { client, calls } = slackWithGroup({ current: [] });
    const isApprover = slackApprovers(client, { approvers: ['U0APPROVER'], rules: SHARED, logger: quiet });
    expect(await isApprover('U0APPROVER')).toEqual({ kind: 'approver' });
    expect(await isApprover('U0OTHER')).toEqual({ kind: 'not-approver' });
    expect(calls).toEqual([]);
  });

  it('forgets group membership after at most 60 seconds', async () => {
    const members = { current: ['U0APPROVER'] };
    const { client } = slackWithGroup(members);
    let now = 1_000_000;
    const isApprover = slackApprovers(client, { approvers: [], group: 'S0APPROVERS', rules: SHARED, logger: quiet, now: () => now });
    expect(await isApprover('U0APPROVER')).toEqual({ kind: 'approver' });
    members.current = [];
    now += GROUP_CACHE_MS;
    expect(GROUP_CACHE_MS).toBeLessThanOrEqual(60_000);
    expect(await isApprover('U0APPROVER')).toEqual({ kind: 'not-approver' });
  });

  // The errors the Web API client throws, as it builds them.
  const platformError = (error: string) =>
    Object.assign(new Error(`An API error occurred: ${error}`), { code: webApi.ErrorCode.PlatformError, data: { ok: false, error } });
  const requestError = (original: Error) =>
    Object.assign(new Error(`A request error occurred: ${original.message}`), { code: webApi.ErrorCode.RequestError, original });
  const networkError = requestError(new Error('connect ECONNREFUSED 127.0.0.1:443'));
  const retriesOutlasted = requestError(new Error('A rate limit was exceeded (url: https://slack.com/api/usergroups.users.list, retry-after: 30)'));
  const httpError = Object.assign(new Error('An HTTP protocol error occurred: statusCode = 503'), { code: webApi.ErrorCode.HTTPError, statusCode: 503 });

  it.each([
    ['answers ratelimited', platformError('ratelimited'), 'ratelimited'],
    ['keeps rate-limiting past the retries', retriesOutlasted, 'ratelimited'],
    ['cannot be reached', networkError, 'no answer from Slack'],
    ['answers HTTP 503', httpError, 'HTTP 503'],
    ['fails in a way the client has no code for', new Error('boom'), 'unexpected error'],
  ])('says it does not know, and why, when Slack %s', async (_name, error, reason) => {
    const { client } = slackWithGroup({ current: ['U0APPROVER'] }, { current: error });
    const isApprover = slackApprovers(client, { approvers: [], group: 'S0APPROVERS', rules: SHARED, logger: quiet });
    expect(await isApprover('U0APPROVER')).toEqual({ kind: 'unknown', reason });
  });

  it('does not fall back on a membership older than 60 seconds while Slack cannot say', async () => {
    const fail: { current: Error | undefined } = { current: undefined };
    const { client } = slackWithGroup({ current: ['U0APPROVER'] }, fail);
    let now = 1_000_000;
    const isApprover = slackApprovers(client, { approvers: [], group: 'S0APPROVERS', rules: SHARED, logger: quiet, now: () => now });
    expect(await isApprover('U0APPROVER')).toEqual({ kind: 'approver' });
    fail.current = platformError('ratelimited');
    now += GROUP_CACHE_MS;
    expect(await isApprover('U0APPROVER')).toEqual({ kind: 'unknown', reason: 'ratelimited' });
    fail.current = undefined;
    expect(await isApprover('U0APPROVER')).toEqual({ kind: 'approver' });
  });

  it('names everyone who approves, configured or in the group, once each', async () => {
    const { client } = slackWithGroup({ current: ['U0APPROVER', 'U0SAM'] });
    const approvers = slackApprovers(client, { approvers: ['U0APPROVER', 'U0RITA'], group: 'S0APPROVERS', rules: SHARED, logger: quiet });
    expect([...(await approvers.everyone())].sort()).toEqual(['U0APPROVER', 'U0RITA', 'U0SAM']);
  });

  it('checks a decision against the group as Slack says at click time, not as it said for the Home tabs', async () => {
    const members = { current: ['U0APPROVER'] };
    const { client } = slackWithGroup(members);
    const approvers = slackApprovers(client, { approvers: [], group: 'S0APPROVERS', rules: SHARED, logger: quiet });
    expect(await approvers.everyone()).toEqual(['U0APPROVER']);
    members.current = [];
    expect(await approvers('U0APPROVER')).toEqual({ kind: 'not-approver' });
  });

  describe('per repository', () => {
    const rule = (match: string, approvers?: RepositoryRule['approvers']): RepositoryRule => ({ match, approvals: 1, durations: {}, ...(approvers && { approvers }) });
    const rules = repositoryRules([rule('common-images'), rule('team-*', { users: ['U0TEAMLEAD'], groups: ['S0TEAM'] })]);

    it("asks the repository's own approvers, not the deployment's, where its rule names them", async () => {
      const { client } = slackWithGroup({ current: ['U0TEAMMATE'] });
      const isApprover = slackApprovers(client, { approvers: ['U0PLATFORM'], rules, logger: quiet });
      expect(await isApprover('U0TEAMLEAD', 'team-a')).toEqual({ kind: 'approver' });
      expect(await isApprover('U0TEAMMATE', 'team-a')).toEqual({ kind: 'approver' });
      expect(await isApprover('U0PLATFORM', 'team-a')).toEqual({ kind: 'not-approver' });
    });

    it("asks the deployment's approvers for a repository whose rule names none", async () => {
      const { client, calls } = slackWithGroup({ current: ['U0TEAMMATE'] });
      const isApprover = slackApprovers(client, { approvers: ['U0PLATFORM'], rules, logger: quiet });
      expect(await isApprover('U0PLATFORM', 'common-images')).toEqual({ kind: 'approver' });
      expect(await isApprover('U0TEAMLEAD', 'common-images')).toEqual({ kind: 'not-approver' });
      expect(calls).toEqual([]);
    });

    it('counts whoever decides some repository as an approver when no repository is named (the Home tab)', async () => {
      const { client } = slackWithGroup({ current: ['U0TEAMMATE'] });
      const approvers = slackApprovers(client, { approvers: ['U0PLATFORM'], rules, logger: quiet });
      expect(await approvers('U0TEAMMATE')).toEqual({ kind: 'approver' });
      expect(await approvers('U0PLATFORM')).toEqual({ kind: 'approver' });
      expect(await approvers('U0REQUESTER')).toEqual({ kind: 'not-approver' });
      expect([...(await approvers.everyone())].sort()).toEqual(['U0PLATFORM', 'U0TEAMLEAD', 'U0TEAMMATE']);
    });

    it('reads each group once a minute, however many repositories share it', async () => {
      const { client, calls } = slackWithGroup({ current: ['U0TEAMMATE'] });
      const isApprover = slackApprovers(client, { approvers: [], rules, logger: quiet, now: () => 0 });
      for (const repository of ['team-a', 'team-b', 'team-c']) await isApprover('U0TEAMMATE', repository);
      expect(calls).toEqual(['S0TEAM']);
    });
  });
});
