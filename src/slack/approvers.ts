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

/** Who may decide: a check for one person at a click, and, for the Home tabs, everyone and a check of their own. */
export type Approvers = IsApprover & {
  /** Everyone who decides now: the configured approvers and the group's members; throws when Slack cannot say who is in the group. */
  everyone(): Promise<readonly string[]>;
  /** The same check, from the Home tabs' own reading of the group. */
  forHomeTabs: IsApprover;
};

export function slackApprovers(
  client: webApi.WebClient,
  options: { approvers: readonly string[]; group?: string; logger: Logger; now?: () => number },
): Approvers {
  const now = options.now ?? Date.now;
  const answer = (approver: boolean): ApproverCheck => ({ kind: approver ? 'approver' : 'not-approver' });
  /**
   * The group's members, as Slack said within the last minute. Deciding and publishing Home tabs
   * keep a reading each, so a decision's check is made at click time (or within the minute
   * before), never from a reading the Home tabs made.
   */
  const membersReading = () => {
    let cached: { members: Set<string>; at: number } | undefined;
    return async (group: string): Promise<Set<string>> => {
      if (!cached || now() - cached.at >= GROUP_CACHE_MS) {
        const out = await client.usergroups.users.list({ usergroup: group });
        cached = { members: new Set(out.users ?? []), at: now() };
      }
      return cached.members;
    };
  };
  const members = membersReading();
  const everyoneInGroup = membersReading();
  const isApprover: IsApprover = async (user) => {
    if (options.approvers.includes(user)) return answer(true);
    if (!options.group) return answer(false);
    try {
      return answer((await members(options.group)).has(user));
    } catch (error) {
      // Neither yes nor no: Slack could not say who is in the group, so the caller refuses and
      // says why, rather than telling an approver they are not one.
      const reason = whySlackCouldNotSay(error);
      options.logger.error('could not read the approvers user group', { group: options.group, reason, error });
      return { kind: 'unknown', reason };
    }
  };
  const everyone = async () => {
    const group = options.group ? [...(await everyoneInGroup(options.group))] : [];
    return [...new Set([...options.approvers, ...group])];
  };
  const forHomeTabs: IsApprover = async (user) => {
    try {
      return answer((await everyone()).includes(user));
    } catch (error) {
      return { kind: 'unknown', reason: whySlackCouldNotSay(error) };
    }
  };
  return Object.assign(isApprover, { everyone, forHomeTabs });
}
