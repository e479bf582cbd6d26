// Who may decide: configured user IDs, and members of the approvers' user group as Slack says
// at click time (cached briefly, so a removed approver loses the right within a minute).
import type { webApi } from '@slack/bolt';
import type { Logger } from '../logger';
import type { IsApprover } from '../service/ports';

export const GROUP_CACHE_MS = 60_000;

export function slackApprovers(
  client: webApi.WebClient,
  options: { approvers: readonly string[]; group?: string; logger: Logger; now?: () => number },
): IsApprover {
  const now = options.now ?? Date.now;
  let cached: { members: Set<string>; at: number } | undefined;
  return async (user) => {
    if (options.approvers.includes(user)) return { kind: 'approver' };
    if (!options.group) return { kind: 'not-approver' };
    if (!cached || now() - cached.at >= GROUP_CACHE_MS) {
      try {
        const out = await client.usergroups.users.list({ usergroup: options.group });
        cached = { members: new Set(out.users ?? []), at: now() };
      } catch (error) {
        // Fail closed, and say why: nobody is an approver through the group while Slack cannot say who is in it.
        options.logger.error('could not read the approvers user group', { group: options.group, error });
        const reason = (error as { data?: { error?: string } }).data?.error ?? (error instanceof Error ? error.message : 'Slack error');
        return { kind: 'unknown', reason };
      }
    }
    return cached.members.has(user) ? { kind: 'approver' } : { kind: 'not-approver' };
  };
}
