// Which rule governs a repository: a name's own, else the matching pattern with the longest
// literal prefix, whatever order the settings file gives them in.
import fc from 'fast-check';
import {
  RepositoriesSetting,
  type RepositoryRule,
  repositoryRules,
  rulesOf,
  mayShareAName,
  tiedPatterns,
  shareable,
} from '../../../src/domain/repository-rules';

const rule = (match: string): RepositoryRule => ({ match, approvals: 1, durations: {} });
const governing = (matches: readonly string[], repository: string) => repositoryRules(matches.map(rule)).ruleFor(repository)?.match;

describe('matching a repository to its rule', () => {
  it('shares a named repository, and nothing else, by its name', () => {
    expect(governing(['common-images'], 'common-images')).toBe('common-images');
    expect(governing(['common-images'], 'common-images-2')).toBeUndefined();
  });

  it('lets `*` stand for any characters within one segment of the name', () => {
    expect(governing(['team-*'], 'team-a')).toBe('team-*');
    expect(governing(['team-*'], 'team-payments.api')).toBe('team-*');
    expect(governing(['shared/*'], 'shared/base')).toBe('shared/*');
  });

  it('never lets `*` reach across a `/`', () => {
    expect(governing(['team-*'], 'team-a/images')).toBeUndefined();
    expect(governing(['shared/*'], 'shared/base/debug')).toBeUndefined();
    expect(governing(['shared/*/images'], 'shared/a/images')).toBe('shared/*/images');
  });

  it('takes a name literally: its dots are no wildcards', () => {
    expect(governing(['team.a-*'], 'teamxa-b')).toBeUndefined();
  });

  it("prefers a name's own rule to a pattern that matches it", () => {
    expect(governing(['team-*', 'team-a'], 'team-a')).toBe('team-a');
  });

  it('prefers the pattern with the longer literal prefix', () => {
    expect(governing(['team-*', 'team-pay*'], 'team-payments')).toBe('team-pay*');
    expect(governing(['team-*', 'team-pay*'], 'team-ops')).toBe('team-*');
  });

  it('lists names as given, then patterns from the most specific', () => {
    expect(shareable(repositoryRules(['team-*', 'zeta', 'team-pay*', 'alpha'].map(rule)))).toEqual(['zeta', 'alpha', 'team-pay*', 'team-*']);
  });
});

describe('matching, whatever the order of the file', () => {
  const segment = fc.constantFrom('team', 'team-a', 'team-ab', 'shared', 'base', 'x');
  const name = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
  /** A pattern made from a name: one segment cut short and ended with `*`. */
  const patternOf = (repository: string, at: number) => {
    const parts = repository.split('/');
    const i = at % parts.length;
    parts[i] = `${(parts[i] ?? '').slice(0, at % 3)}*`;
    return parts.join('/');
  };
  const matches = fc
    .tuple(fc.uniqueArray(name, { maxLength: 4 }), fc.array(fc.tuple(name, fc.nat()), { maxLength: 5 }))
    .map(([names, cuts]) => {
      const patterns = [...new Set(cuts.map(([repository, at]) => patternOf(repository, at)))];
      // A file with a tie is refused where it is read; the lookup is for files that were accepted.
      const accepted = patterns.filter((p, i) => !tiedPatterns(patterns.slice(0, i + 1)).some(([, second]) => second === p));
      return [...names, ...accepted];
    });

  it('finds the same rule for every order of the same rules', () => {
    fc.assert(
      fc.property(matches, name, fc.nat(), (given, repository, seed) => {
        const shuffled = [...given].sort((a, b) => ((a.length * 31 + seed) % 7) - ((b.length * 31 + seed) % 7) || (a < b ? -1 : 1));
        expect(governing(shuffled, repository)).toBe(governing(given, repository));
      }),
    );
  });

  it('always gives a named repository its own rule, whatever patterns match it', () => {
    fc.assert(
      fc.property(matches, name, (given, repository) => {
        expect(governing([...given.filter((m) => m !== repository), repository], repository)).toBe(repository);
      }),
    );
  });

  it('gives a repository the matching pattern no other matching pattern is more specific than', () => {
    fc.assert(
      fc.property(matches, name, (given, repository) => {
        const found = governing(given.filter((m) => m.includes('*')), repository);
        if (found === undefined) return;
        const prefix = (m: string) => m.split('*', 1)[0] ?? '';
        for (const other of given.filter((m) => m.includes('*') && governing([m], repository) !== undefined)) {
          expect(prefix(found).length).toBeGreaterThanOrEqual(prefix(other).length);
        }
      }),
    );
  });
});

describe('patterns that may share a name', () => {
  it('meet where a name matches both, and only there', () => {
    expect(mayShareAName('team-*', 'team-*-api')).toBe(true);
    expect(mayShareAName('team-*', 'team-*/debug')).toBe(false);
    expect(mayShareAName('*-api', '*-web')).toBe(false);
    expect(mayShareAName('*-api', 'x*')).toBe(true);
    expect(mayShareAName('a*b*c', 'a*c')).toBe(true);
    expect(mayShareAName('shared/*', 'shared/base')).toBe(true);
    expect(mayShareAName('shared/*', 'shared/base/x')).toBe(false);
  });

  // Safety: a file is never accepted with a name two patterns of one literal prefix both match.
  it('meet whenever some name matches both', () => {
    const letter = fc.constantFrom('a', 'b', '-', '*');
    const segment = fc.array(letter, { minLength: 1, maxLength: 5 }).map((chars) => chars.join(''));
    const pattern = fc.array(segment, { minLength: 1, maxLength: 2 }).map((segments) => segments.join('/'));
    const name = fc.array(fc.array(fc.constantFrom('a', 'b', '-'), { minLength: 0, maxLength: 6 }).map((c) => c.join('')), { minLength: 1, maxLength: 2 }).map((s) => s.join('/'));
    fc.assert(
      fc.property(pattern, pattern, name, (a, b, repository) => {
        if (governing([a], repository) !== undefined && governing([b], repository) !== undefined) expect(mayShareAName(a, b)).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('reading the repositories map', () => {
  const read = (map: unknown) => RepositoriesSetting.safeParse(map);
  const problems = (map: unknown) => (read(map).error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`);

  it('reads every setting a rule may have, and applies the defaults to the rest', () => {
    const parsed = read({
      'common-images': {},
      'team-*': { approvers: ['U012ABCDEF'], approverGroups: ['S012ABCDEF'], approvals: 2, maxGrant: '30d', requireGrantEnd: true, organizationOnly: true },
      'shared/*': null,
    });
    if (!parsed.success) throw parsed.error;
    expect(rulesOf(parsed.data, { durations: { maxMs: 3_600_000, required: false } })).toEqual([
      { match: 'common-images', approvals: 1, durations: { maxMs: 3_600_000, required: false } },
      {
        match: 'team-*',
        approvers: { users: ['U012ABCDEF'], groups: ['S012ABCDEF'] },
        approvals: 2,
        durations: { maxMs: 30 * 86_400_000, required: true },
        organizationOnly: true,
      },
      { match: 'shared/*', approvals: 1, durations: { maxMs: 3_600_000, required: false } },
    ]);
  });

  it('refuses patterns that could tie for a name, naming both', () => {
    expect(problems({ 'team-*-api': {}, 'team-*': {} })).toEqual([
      'team-*: and "team-*-api" begin with the same literal prefix "team-", so neither is more specific for a name both match: lengthen one prefix, or merge them',
    ]);
  });

  it('says what a map, a rule and a pattern must be', () => {
    expect(problems(5)).toContain(': must be a map from repository names or patterns to their settings, like common-images: {}');
    expect(problems({ 'team-*': 5 })).toEqual(['team-*: must be a map of settings (approvers, approverGroups, approvals, maxGrant, requireGrantEnd, organizationOnly, regions), or {}']);
    expect(problems({ 'team-*-': {}, 'common-images': {} })).toEqual(['team-*-: a pattern is a repository name with `*` for any characters within a segment, like team-* or shared/*']);
    expect(problems({ 'team-*': { colour: 1, size: 2 } })).toEqual(['team-*: has no setting "colour", "size": a rule sets approvers, approverGroups, approvals, maxGrant, requireGrantEnd, organizationOnly, regions']);
  });

  it('takes a two-person rule with two approvers of its own, or with the deployment’s', () => {
    expect(problems({ 'pair-*': { approvers: ['U012ABCDEF', 'U034GHIJKL'], approvals: 2 }, 'borrowed-*': { approvals: 2 } })).toEqual([]);
  });

  it('takes patterns with the same literal prefix that never match one name', () => {
    expect(problems({ 'team-*': {}, 'team-*/debug': {}, '*-api': {}, '*-web': {}, 'shared/*-a': {}, 'shared/*-b/x': {} })).toEqual([]);
  });

  it('refuses every kind of mistake at once, each at its key', () => {
    expect(
      problems({
        'Team/Base': {},
        'team-**': {},
        'shared/*': { approvers: ['alice'], approverGroups: 'S012ABCDEF', approvals: 3, maxGrant: '2w', requireGrantEnd: 'yes', organizationOnly: 1, approver: [] },
        'solo-*': { approvers: ['U012ABCDEF'], approvals: 2 },
        'nobody-*': { approvers: [] },
      }),
    ).toEqual([
      'Team/Base: a repository name is lowercase letters and digits, separated by single . _ - or /, like common-images or team/base',
      'team-**: a pattern has single `*`s: `*` already stands for any characters up to the next `/`',
      'shared/*.approvers.0: Slack user IDs look like U012ABCDEF',
      'shared/*.approverGroups: must be a list of Slack user group IDs, like [S012ABCDEF]',
      'shared/*.approvals: must be 1, or 2 for two different approvers, neither of them the requester',
      'shared/*.maxGrant: a duration is a whole number of hours or days, like 12h or 7d',
      'shared/*.requireGrantEnd: must be true or false',
      'shared/*.organizationOnly: must be true or false',
      'shared/*: has no setting "approver": a rule sets approvers, approverGroups, approvals, maxGrant, requireGrantEnd, organizationOnly, regions',
      'solo-*.approvals: is 2, and approvers names one person: two different approvers need at least two, or an approverGroups entry',
      'nobody-*.approvers: and approverGroups name nobody: somebody must be able to approve',
    ]);
  });

  it('refuses a two-person rule with one approver, and approvers naming nobody', () => {
    expect(problems({ 'solo-*': { approvers: ['U012ABCDEF'], approvals: 2 }, 'nobody-*': { approvers: [] } })).toEqual([
      'solo-*.approvals: is 2, and approvers names one person: two different approvers need at least two, or an approverGroups entry',
      'nobody-*.approvers: and approverGroups name nobody: somebody must be able to approve',
    ]);
  });

  it('refuses an empty map', () => {
    expect(problems({})).toEqual([': names no repository: add at least one, like common-images: {}']);
  });
});
