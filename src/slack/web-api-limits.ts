// Slack's rate limit for every Web API method the bot calls or is about to call, in one table:
// what the Slack simulator enforces and what the bot's delivery code paces itself by. Pure data.

/** Slack's name for a limit: one of the four tiers, or a rule of the method's own. */
type RateLimitRule = 'Tier 1' | 'Tier 2' | 'Tier 3' | 'Tier 4' | 'Special';

/**
 * What one allowance covers. Slack counts every method per app per workspace; a `channel` limit
 * is counted per conversation (the `channel` argument) and a `user` limit per user (`user_id`).
 */
export type RateLimitScope = 'workspace' | 'channel' | 'user';

export interface WebApiLimit {
  rule: RateLimitRule;
  /** Requests allowed per window, sustained. */
  requests: number;
  windowSeconds: number;
  scope: RateLimitScope;
  /** Requests a full allowance takes at once (a token bucket's capacity); refilled at requests/window. */
  burst: number;
  /** Where the figures come from. */
  source: string;
}

/** The argument that names what a channel or user limit is counted per. */
export const SCOPE_ARGUMENT: Readonly<Record<Exclude<RateLimitScope, 'workspace'>, string>> = {
  channel: 'channel',
  user: 'user_id',
};

const RATE_LIMITS_PAGE = 'docs.slack.dev/apis/web-api/rate-limits';

/** Tier figures are Slack's published floors ("20+ per minute"); the whole minute may be spent at once. */
function tier(rule: 'Tier 2' | 'Tier 3' | 'Tier 4', scope: RateLimitScope, source: string): WebApiLimit {
  const perMinute = { 'Tier 2': 20, 'Tier 3': 50, 'Tier 4': 100 }[rule];
  return { rule, requests: perMinute, windowSeconds: 60, scope, burst: perMinute, source };
}

export const WEB_API_LIMITS = {
  'chat.postMessage': {
    rule: 'Special',
    requests: 1,
    windowSeconds: 1,
    scope: 'channel',
    burst: 5,
    source:
      `${RATE_LIMITS_PAGE}: "one message per second per channel", "short bursts >1 allowed"; Slack publishes ` +
      'neither the burst size (5 is our assumption) nor its workspace-wide limit (not modelled)',
  },
  'chat.update': tier('Tier 3', 'workspace', 'docs.slack.dev/reference/methods/chat.update: Tier 3, 50+ per minute'),
  'chat.postEphemeral': tier('Tier 4', 'workspace', 'docs.slack.dev/reference/methods/chat.postEphemeral: Tier 4, 100+ per minute'),
  'views.open': tier('Tier 4', 'workspace', 'docs.slack.dev/reference/methods/views.open: Tier 4, 100+ per minute'),
  'views.update': tier('Tier 4', 'workspace', 'docs.slack.dev/reference/methods/views.update: Tier 4, 100+ per minute'),
  'views.push': tier('Tier 4', 'workspace', 'docs.slack.dev/reference/methods/views.push: Tier 4, 100+ per minute'),
  'views.publish': tier(
    'Tier 4',
    'user',
    'docs.slack.dev/reference/methods/views.publish: Tier 4, 100+ per minute; counted per user as issue 12 says (not confirmed by the method page)',
  ),
  // Tier 3 for internal (customer-built) and Marketplace apps; since 2025-05-29 an app distributed
  // commercially outside the Marketplace gets 1 request a minute and 15 messages a page instead
  // (docs.slack.dev/apis/web-api/rate-limits). ecr-access is installed by the team that runs it.
  'conversations.history': tier('Tier 3', 'workspace', 'docs.slack.dev/reference/methods/conversations.history: Tier 3, 50+ per minute'),
  'conversations.replies': tier('Tier 3', 'workspace', 'docs.slack.dev/reference/methods/conversations.replies: Tier 3, 50+ per minute'),
  'conversations.open': tier('Tier 3', 'workspace', 'api.slack.com/methods/conversations.open: Tier 3, 50+ per minute'),
  'usergroups.users.list': tier('Tier 2', 'workspace', 'docs.slack.dev/reference/methods/usergroups.users.list: Tier 2, 20+ per minute'),
  'auth.test': {
    rule: 'Special',
    requests: 100,
    windowSeconds: 60,
    scope: 'workspace',
    burst: 100,
    source: 'docs.slack.dev/reference/methods/auth.test: "hundreds of requests per minute"; held to Tier 4\'s floor',
  },
} as const satisfies Record<string, WebApiLimit>;

type LimitedWebApiMethod = keyof typeof WEB_API_LIMITS;

/** The limit Slack applies to a method, or undefined for a method this table does not cover. */
export function webApiLimit(method: string): WebApiLimit | undefined {
  return Object.hasOwn(WEB_API_LIMITS, method) ? WEB_API_LIMITS[method as LimitedWebApiMethod] : undefined;
}
