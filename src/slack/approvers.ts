// Who may decide: configured user IDs, and members of the approvers' user group as Slack says
// at click time (cached briefly, so a removed approver loses the right within a minute).
import { webApi } from '@slack/bolt';
import type { Logger } from '../logger';
import type { ApproverCheck, IsApprover } from '../service/ports';

export const GROUP_CACHE_MS = 60_000;

/** Slack's own error code when it gave one, otherwise what went wrong on the way. */
function whySlackCouldNotSay(error: unknown): string {
  switch ((error as { code?: unknown } | null)?.code) {
    case webApi.ErrorCode.PlatformError:
      return String((error as webApi.WebAPIPlatformError).data.error);
    case webApi.ErrorCode.RateLimitedError:
      return 'ratelimited';
    case webApi.ErrorCode.HTTPError:
      return `HTTP ${(error as webApi.WebAPIHTTPError).statusCode}`;
    case webApi.ErrorCode.RequestError:
      // A rate limit that outlasts the client's retries ends as a request error around a plain
      // Error; only its message tells it from a network failure.
      return /rate limit/i.test((error as webApi.WebAPIRequestError).original?.message ?? '') ? 'ratelimited' : 'no answer from Slack';
  }
  return 'unexpected error';
}

export function slackApprovers(
  client: webApi.WebClient,
  options: { approvers: readonly string[]; group?: string; logger: Logger; now?: () => number },
): IsApprover {
  const now = options.now ?? Date.now;
  let cached: { members: Set<string>; at: number } | undefined;
  const answer = (approver: boolean): ApproverCheck => ({ kind: approver ? 'approver' : 'not-approver' });
  return async (user) => {
    if (options.approvers.includes(user)) return answer(true);
    if (!options.group) return answer(false);
    if (!cached || now() - cached.at >= GROUP_CACHE_MS) {
      try {
        const out = await client.usergroups.users.list({ usergroup: options.group });
        cached = { members: new Set(out.users ?? []), at: now() };
      } catch (error) {
        // Neither yes nor no: Slack could not say who is in the group, so the caller refuses and
        // says why, rather than telling an approver they are not one.
        const reason = whySlackCouldNotSay(error);
        options.logger.error('could not read the approvers user group', { group: options.group, reason, error });
        return { kind: 'unknown', reason };
      }
    }
    return answer(cached.members.has(user));
  };
}
