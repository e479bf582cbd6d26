// Which repositories ecr-access shares, and on what terms: one rule per repository name or name
// pattern, and the one rule that governs a repository (the most specific that matches it).
import * as z from 'zod';
import { DurationText, type DurationRules } from './duration';
import { AwsRegion } from './region';
import { RepositoryName } from './repository';
import { SlackUserGroupId, SlackUserId } from './slack-id';

/** Who decides a repository's requests: people, and members of user groups. */
export interface RuleApprovers {
  readonly users: readonly string[];
  readonly groups: readonly string[];
}

/** The terms one repository (or every repository its pattern matches) is shared on. */
export interface RepositoryRule {
  /** A repository name, or a pattern in which `*` stands for any characters but `/`. */
  readonly match: string;
  /** Who decides its requests; absent, the deployment's approvers (ECR_ACCESS_APPROVERS, ECR_ACCESS_APPROVER_GROUP). */
  readonly approvers?: RuleApprovers;
  /** How many different approvers, none of them the requester, a grant needs. */
  readonly approvals: 1 | 2;
  /** The time limits a request may ask for, the deployment's defaults already applied. */
  readonly durations: DurationRules;
  /** Only accounts in the organization may be granted; absent, the deployment's default. */
  readonly organizationOnly?: boolean;
  /** The regions the repository is replicated to: a grant is written and verified in each. Absent: the bot's own region. */
  readonly regions?: readonly string[];
}

/** The rules of a deployment, and the one question everything else asks of them. */
export interface RepositoryRules {
  /** The rule that governs the repository; undefined: ecr-access does not share it. */
  ruleFor(repository: string): RepositoryRule | undefined;
  /** Every rule, names first as given, then patterns from the most specific: what the shareable repositories are, in words. */
  readonly all: readonly RepositoryRule[];
}

export const isPattern = (match: string): boolean => match.includes('*');

/** What a pattern says for certain about a name it matches: the characters before its first `*`. */
const literalPrefix = (match: string): string => match.split('*', 1)[0] ?? '';

const escapeRegExp = (text: string) => text.replace(/[.\\+?^${}()|[\]]/g, '\\$&');

/** A pattern as a test of names: `*` is any run of characters within one segment of the name (never `/`). */
function patternTest(match: string): (repository: string) => boolean {
  const expression = new RegExp(`^${match.split('*').map(escapeRegExp).join('[^/]*')}$`);
  return (repository) => expression.test(repository);
}

/**
 * Of two patterns, the more specific first: the one with the longer literal prefix
 * (`team-a-*` before `team-*`). Patterns with the same literal prefix are refused where the
 * rules are read (tiedPatterns); the name only makes the order the same every time.
 */
function moreSpecificFirst(a: RepositoryRule, b: RepositoryRule): number {
  return literalPrefix(b.match).length - literalPrefix(a.match).length || (a.match < b.match ? -1 : 1);
}

/**
 * Rules as a lookup: a name's own rule when it has one, else the matching pattern with the
 * longest literal prefix. The order the rules are given in never matters.
 */
export function repositoryRules(rules: readonly RepositoryRule[]): RepositoryRules {
  // A name is more specific than any pattern: its own rule is looked up first.
  const byName = new Map(rules.filter((r) => !isPattern(r.match)).map((r) => [r.match, r]));
  const patterns = rules
    .filter((r) => isPattern(r.match))
    .sort(moreSpecificFirst)
    .map((rule) => ({ rule, test: patternTest(rule.match) }));
  return {
    ruleFor: (repository) => byName.get(repository) ?? patterns.find((p) => p.test(repository))?.rule,
    all: [...rules.filter((r) => !isPattern(r.match)), ...patterns.map((p) => p.rule)],
  };
}

/**
 * Whether one segment (no `/`) could match both globs. Two globs with a `*` each share a name
 * exactly when their literal starts agree (one begins the other) and so do their literal ends:
 * the stars take up everything between. A glob without `*` is a name, which the other matches or not.
 */
function segmentsMeet(a: string, b: string): boolean {
  if (!a.includes('*')) return patternTest(b)(a);
  if (!b.includes('*')) return patternTest(a)(b);
  const [startA, endA] = [a.slice(0, a.indexOf('*')), a.slice(a.lastIndexOf('*') + 1)];
  const [startB, endB] = [b.slice(0, b.indexOf('*')), b.slice(b.lastIndexOf('*') + 1)];
  return (startA.startsWith(startB) || startB.startsWith(startA)) && (endA.endsWith(endB) || endB.endsWith(endA));
}

/** Whether some repository name matches both patterns: `*` never takes a `/`, so they need as many segments, each pair meeting. */
export function mayShareAName(a: string, b: string): boolean {
  const [segmentsA, segmentsB] = [a.split('/'), b.split('/')];
  return segmentsA.length === segmentsB.length && segmentsA.every((segment, i) => segmentsMeet(segment, segmentsB[i] ?? ''));
}

/**
 * Pairs of patterns with the same literal prefix that some name matches both of: that name would
 * have no most specific rule. Patterns that share a prefix but never a name (`team-*` and
 * `team-*-ci/images`, `*-api` and `*-web`) stand side by side.
 */
export function tiedPatterns(matches: readonly string[]): Array<[string, string]> {
  const patterns = matches.filter(isPattern);
  return patterns.flatMap((second, i) =>
    patterns
      .slice(0, i)
      .filter((first) => literalPrefix(first) === literalPrefix(second) && mayShareAName(first, second))
      .map((first): [string, string] => [first, second]),
  );
}

/** A key of the `repositories` map: a repository name, or one with `*` in place of characters within a segment. */
const RepositoryMatch = z.string().superRefine((match, ctx) => {
  if (!isPattern(match)) {
    const name = RepositoryName.safeParse(match);
    for (const issue of name.error?.issues ?? []) ctx.addIssue({ code: 'custom', message: issue.message });
    return;
  }
  if (match.includes('**')) ctx.addIssue({ code: 'custom', message: 'a pattern has single `*`s: `*` already stands for any characters up to the next `/`' });
  // Each `*` standing for a valid run of characters must leave a valid repository name.
  else if (!RepositoryName.safeParse(match.replaceAll('*', 'x0')).success) {
    ctx.addIssue({ code: 'custom', message: 'a pattern is a repository name with `*` for any characters within a segment, like team-* or shared/*' });
  }
});

const flag = z.boolean({ message: 'must be true or false' });

const RULE_SETTINGS = 'approvers, approverGroups, approvals, maxGrant, requireGrantEnd, organizationOnly, regions';

/** One repository's (or pattern's) settings, as the settings file gives them. */
const RuleSettings = z
  .strictObject(
    {
      approvers: z.array(SlackUserId, { message: 'must be a list of Slack user IDs, like [U012ABCDEF]' }).optional(),
      approverGroups: z.array(SlackUserGroupId, { message: 'must be a list of Slack user group IDs, like [S012ABCDEF]' }).optional(),
      approvals: z.union([z.literal(1), z.literal(2)], { message: 'must be 1, or 2 for two different approvers, neither of them the requester' }).optional(),
      maxGrant: DurationText.optional(),
      requireGrantEnd: flag.optional(),
      organizationOnly: flag.optional(),
      regions: z
        .array(AwsRegion, { message: 'must be a list of AWS regions, like [us-east-1, eu-west-1]' })
        .min(1, { message: 'names no region: list the regions the repository is replicated to, like [us-east-1, eu-west-1]' })
        .refine((regions) => new Set(regions).size === regions.length, { message: 'names a region twice' })
        .optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `has no setting ${issue.keys.map((key) => `"${key}"`).join(', ')}: a rule sets ${RULE_SETTINGS}`
          : issue.code === 'invalid_type'
            ? `must be a map of settings (${RULE_SETTINGS}), or {}`
            : undefined,
    },
  )
  .nullable()
  .transform((settings) => settings ?? {});
type RuleSettings = z.infer<typeof RuleSettings>;

/** The deployment-wide values a rule's own settings override. */
export interface RuleDefaults {
  readonly durations: DurationRules;
  /** ECR_ACCESS_APPROVALS: what a rule that does not say `approvals` needs (1 when not given). */
  readonly approvals?: 1 | 2;
}

/** One key of the `repositories` map and its settings, before the deployment's defaults apply. */
export interface RuleEntry {
  readonly match: string;
  readonly settings: RuleSettings;
}

function ruleOf({ match, settings }: RuleEntry, defaults: RuleDefaults): RepositoryRule {
  const approvers = settings.approvers !== undefined || settings.approverGroups !== undefined;
  return {
    match,
    ...(approvers && { approvers: { users: settings.approvers ?? [], groups: settings.approverGroups ?? [] } }),
    approvals: settings.approvals ?? defaults.approvals ?? 1,
    durations: { maxMs: settings.maxGrant ?? defaults.durations.maxMs, required: settings.requireGrantEnd ?? defaults.durations.required },
    ...(settings.organizationOnly !== undefined && { organizationOnly: settings.organizationOnly }),
    ...(settings.regions && { regions: settings.regions }),
  };
}

/**
 * The settings file's `repositories` map: every key a name or pattern, every value its settings;
 * patterns that could tie for a name are refused, each problem at its key.
 */
export const RepositoriesSetting = z
  .record(RepositoryMatch, RuleSettings, {
    error: (issue) =>
      issue.code === 'invalid_type'
        ? 'must be a map from repository names or patterns to their settings, like common-images: {}'
        : // A key's own problems, said plainly at the key.
          issue.code === 'invalid_key'
          ? issue.issues.map((inner) => inner.message).join('; ')
          : undefined,
  })
  // Run even when some keys or settings are wrong, so the one start-up message lists these too;
  // the values may then be unparsed, hence the defensive reads.
  .superRefine(
    (map, ctx) => {
      if (Object.keys(map).length === 0) ctx.addIssue({ code: 'custom', message: 'names no repository: add at least one, like common-images: {}' });
      for (const [first, second] of tiedPatterns(Object.keys(map))) {
        ctx.addIssue({
          code: 'custom',
          path: [second],
          message: `and "${first}" begin with the same literal prefix "${literalPrefix(first)}", so neither is more specific for a name both match: lengthen one prefix, or merge them`,
        });
      }
      for (const [match, given] of Object.entries(map)) {
        const settings = (typeof given === 'object' && given !== null ? given : {}) as Record<string, unknown>;
        const users = Array.isArray(settings.approvers) ? settings.approvers : [];
        const groups = Array.isArray(settings.approverGroups) ? settings.approverGroups : [];
        if ((settings.approvers !== undefined || settings.approverGroups !== undefined) && users.length + groups.length === 0) {
          ctx.addIssue({ code: 'custom', path: [match, 'approvers'], message: 'and approverGroups name nobody: somebody must be able to approve' });
        }
        if (settings.approvals === 2 && groups.length === 0 && settings.approvers !== undefined && new Set(users).size < 2) {
          ctx.addIssue({ code: 'custom', path: [match, 'approvals'], message: 'is 2, and approvers names one person: two different approvers need at least two, or an approverGroups entry' });
        }
      }
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value) },
  )
  .transform((map): RuleEntry[] => Object.entries(map).map(([match, settings]) => ({ match, settings })));

/**
 * The entries of a `repositories` map that the schema refused as a whole but whose own key and
 * settings are sound: the checks that need the rules (who can approve them) run on these too, so
 * one start-up message lists those problems beside the schema's.
 */
export function soundEntries(map: unknown): RuleEntry[] {
  if (typeof map !== 'object' || map === null || Array.isArray(map)) return [];
  return Object.entries(map).flatMap(([match, given]) => {
    const settings = RuleSettings.safeParse(given);
    return RepositoryMatch.safeParse(match).success && settings.success ? [{ match, settings: settings.data }] : [];
  });
}

/** The settings file's rules on the deployment's terms. */
export function rulesOf(entries: readonly RuleEntry[], defaults: RuleDefaults): RepositoryRule[] {
  return entries.map((entry) => ruleOf(entry, defaults));
}

/** The flat list of ECR_ACCESS_REPOSITORIES as rules: each name on the deployment's terms. */
export function rulesOfNames(names: readonly string[], defaults: RuleDefaults): RepositoryRule[] {
  return names.map((match) => ruleOf({ match, settings: {} }, defaults));
}

/** What ecr-access shares, in words: each rule's name or pattern, most specific first. */
export function shareable(rules: RepositoryRules): string[] {
  return rules.all.map((rule) => rule.match);
}
