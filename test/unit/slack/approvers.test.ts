// Who may decide, and how long a user group's membership may be remembered.
import type { webApi } from '@slack/bolt';
import { GROUP_CACHE_MS, slackApprovers } from '../../../src/slack/approvers';
import { createLogger } from '../../../src/logger';

function slackWithGroup(members: { current: string[] }, fail = { current: false }) {
  const calls: string[] = [];
  const client = {
    usergroups: {
      users: {
        list: async ({ usergroup }: { usergroup: string }) => {
          calls.push(usergroup);
          if (fail.current) throw new Error('slack is down');
          return { ok: true, users: [...members.current] };
        },
      },
    },
  } as unknown as webApi.WebClient;
  return { client, calls };
}

const quiet = createLogger({ write: () => undefined });

describe('approvers', () => {
  it('accepts configured user IDs without asking Slack', async () => {
    const { client, calls } = slackWithGroup({ current: [] });
    const isApprover = slackApprovers(client, { approvers: ['U0APPROVER'], logger: quiet });
    expect(await isApprover('U0APPROVER')).toBe(true);
    expect(await isApprover('U0OTHER')).toBe(false);
    expect(calls).toEqual([]);
  });

  it('forgets group membership after at most 60 seconds', async () => {
    const members = { current: ['U0APPROVER'] };
    const { client } = slackWithGroup(members);
    let now = 1_000_000;
    const isApprover = slackApprovers(client, { approvers: [], group: 'S0APPROVERS', logger: quiet, now: () => now });
    expect(await isApprover('U0APPROVER')).toBe(true);
    members.current = [];
    now += GROUP_CACHE_MS;
    expect(GROUP_CACHE_MS).toBeLessThanOrEqual(60_000);
    expect(await isApprover('U0APPROVER')).toBe(false);
  });

  it('refuses everyone through the group while Slack cannot say who is in it', async () => {
    const fail = { current: true };
    const { client } = slackWithGroup({ current: ['U0APPROVER'] }, fail);
    const isApprover = slackApprovers(client, { approvers: [], group: 'S0APPROVERS', logger: quiet });
    expect(await isApprover('U0APPROVER')).toBe(false);
  });
});
