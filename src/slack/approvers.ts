// Who may decide a repository's requests: its rule's user IDs and user groups (or the
// deployment's), members as Slack says at click time (cached briefly, so a removed approver loses
// the right within a minute).
import { webApi } from '@slack/bolt';
import type { RepositoryRules, RuleApprovers } from '../domain/repository-rules';
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
  /** Everyone who decides some repository's requests now; throws when Slack cannot say who is in a group. */
  everyone(): Promise<readonly string[]>;
  /** The same check, from the Home tabs' own reading of the groups. */
  forHomeTabs: IsApprover;
};

/**
 * A repository's approvers are its rule's, or the deployment's (ECR_ACCESS_APPROVERS,
 * ECR_ACCESS_APPROVER_GROUP) when its rule names none.
 */
export function slackApprovers(
  client: webApi.WebClient,
  options: { approvers: readonly string[]; group?: string; rules: RepositoryRules; logger: Logger; now?: () => number },
): Approvers {
  const now = options.now ?? Date.now;
  const answer = (approver: boolean): ApproverCheck => ({ kind: approver ? 'approver' : 'not-approver' });
  const deployment: RuleApprovers = { users: options.approvers, groups: options.group ? [options.group] : [] };
  const approversOf = (repository: string): RuleApprovers => options.rules.ruleFor(repository)?.approvers ?? deployment;
  /** Every set of approvers some repository has: the rules' own, and the deployment's when a rule lends it. */
  const everySet = (): RuleApprovers[] => [
    ...new Set(options.rules.all.map((rule) => rule.approvers ?? deployment)),
  ];
  /**
   * Each group's members, as Slack said within the last minute. Deciding and publishing Home tabs
   * keep a reading each, so a decision's check is made at click time (or within the minute
   * before), never from a reading the Home tabs made.
   */
  const membersReading = () => {
    const cached = new Map<string, { members: Set<string>; at: number }>();
    return async (group: string): Promise<Set<string>> => {
      const reading = cached.get(group);
      if (reading && now() - reading.at < GROUP_CACHE_MS) return reading.members;
      const out = await client.usergroups.users.list({ usergroup: group });
      const members = new Set(out.users ?? []);
      cached.set(group, { members, at: now() });
      return members;
    };
  };
  const members = membersReading();
  const everyoneInGroup = membersReading();
  const isIn = async (user: string, approvers: RuleApprovers, read: (group: string) => Promise<Set<string>>): Promise<boolean> => {
    if (approvers.users.includes(user)) return true;
    for (const group of approvers.groups) if ((await read(group)).has(user)) return true;
    return false;
  };
  /** Neither yes nor no when Slack cannot say who is in a group: the caller refuses and says why, rather than telling an approver they are not one. */
  const checked = async (question: () => Promise<boolean>, log: boolean): Promise<ApproverCheck> => {
    try {
      return answer(await question());
    } catch (error) {
      const reason = whySlackCouldNotSay(error);
      if (log) options.logger.error('could not read an approvers user group', { reason, error });
      return { kind: 'unknown', reason };
    }
  };
  const isApprover: IsApprover = (user, repository) =>
    checked(async () => {
      if (repository !== undefined) return isIn(user, approversOf(repository), members);
      for (const approvers of everySet()) if (await isIn(user, approvers, members)) return true;
      return false;
    }, true);
  const everyone = async () => {
    const all = new Set<string>();
    for (const approvers of everySet()) {
      for (const user of approvers.users) all.add(user);
      for (const group of approvers.groups) for (const user of await everyoneInGroup(group)) all.add(user);
    }
    return [...all];
  };
  const forHomeTabs: IsApprover = (user, repository) =>
    checked(async () => (repository !== undefined ? isIn(user, approversOf(repository), everyoneInGroup) : (await everyone()).includes(user)), false);
  return Object.assign(isApprover, { everyone, forHomeTabs });
}
