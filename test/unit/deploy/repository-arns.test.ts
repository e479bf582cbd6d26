// The repositories the function's role may use ECR on: every listed one, in at most the policy's
// share for them, each by its own name while they fit, and otherwise by the longest beginnings
// listed names share, never by a wildcard that no two of them share.
import fc from 'fast-check';
import { covers, repositoryPatterns } from '../../../deploy/repository-arns';
import { runs } from '../domain/property-runs';

/** Every pattern the same size, so a budget counts patterns. */
const one = () => 1;

describe('repositoryPatterns', () => {
  it('names every repository whole while they fit, sorted', () => {
    expect(repositoryPatterns(['team-b/app', 'common-images', 'team-a/base'], 3, one)).toEqual(['common-images', 'team-a/base', 'team-b/app']);
  });

  it('names a repository listed twice once', () => {
    expect(repositoryPatterns(['common-images', 'common-images'], 1, one)).toEqual(['common-images']);
  });

  it('takes together first the names that share the longest beginning, and no more than it must', () => {
    const names = ['team-a/base', 'team-a/build', 'team-a/ci', 'team-b/app'];
    expect(repositoryPatterns(names, 4, one)).toEqual(names);
    expect(repositoryPatterns(names, 3, one)).toEqual(['team-a/b*', 'team-a/ci', 'team-b/app']);
    expect(repositoryPatterns(names, 2, one)).toEqual(['team-a/*', 'team-b/app']);
    expect(repositoryPatterns(names, 1, one)).toEqual(['team-*']);
  });

  it('takes a name that is the beginning of others in with them', () => {
    expect(repositoryPatterns(['base', 'base-builder', 'base-runner', 'web'], 2, one)).toEqual(['base*', 'web']);
  });

  it('falls back to every repository (*) only when the names share no beginning and nothing else fits', () => {
    expect(repositoryPatterns(['alpha', 'beta'], 1, one)).toEqual(['*']);
  });

  it('counts each pattern by the size it is given, so longer names give way sooner', () => {
    const byLength = (pattern: string) => pattern.length;
    expect(repositoryPatterns(['team-a/base', 'team-a/build'], 23, byLength)).toEqual(['team-a/base', 'team-a/build']);
    expect(repositoryPatterns(['team-a/base', 'team-a/build'], 22, byLength)).toEqual(['team-a/b*']);
  });

  // Names as ECR takes them, from a small alphabet so that lists share beginnings as real ones do.
  const name = fc
    .array(fc.stringMatching(/^[abc0-9]{1,4}([-_.][abc0-9]{1,3})?$/), { minLength: 1, maxLength: 3 })
    .map((segments) => segments.join('/'))
    .filter((n) => n.length >= 2);
  const list = fc.array(name, { minLength: 1, maxLength: 200 });
  const size = (pattern: string) => 40 + pattern.length;

  it('covers every listed repository, within the budget whenever the longest name alone fits it', () => {
    fc.assert(
      fc.property(list, fc.integer({ min: 0, max: 3_000 }), (names, spare) => {
        // The role's share is thousands of characters, and a name at most 256.
        const budget = Math.max(...names.map(size)) + spare;
        const patterns = repositoryPatterns(names, budget, size);
        for (const n of names) expect(covers(patterns, n)).toBe(true);
        expect(patterns.reduce((sum, p) => sum + size(p), 0)).toBeLessThanOrEqual(budget);
      }),
      runs(300),
    );
  });

  it('uses a wildcard only for a beginning that two listed names share, and never one inside another', () => {
    fc.assert(
      fc.property(list, fc.integer({ min: size('*'), max: 3_000 }), (names, budget) => {
        const patterns = repositoryPatterns(names, budget, size);
        for (const pattern of patterns.filter((p) => p.endsWith('*'))) {
          const stem = pattern.slice(0, -1);
          expect(new Set(names.filter((n) => n.startsWith(stem))).size).toBeGreaterThanOrEqual(2);
          expect(patterns.filter((other) => other !== pattern && covers([pattern], other.replace(/\*$/, '')))).toEqual([]);
        }
      }),
      runs(300),
    );
  });

  it('gives the same patterns for the same repositories in any order', () => {
    fc.assert(
      fc.property(list, fc.integer({ min: size('*'), max: 3_000 }), (names, budget) => {
        expect(repositoryPatterns([...names].reverse(), budget, size)).toEqual(repositoryPatterns(names, budget, size));
      }),
      runs(200),
    );
  });
});

describe('covers', () => {
  it('matches a whole name exactly, and a wildcard on its beginning, across a / too', () => {
    expect(covers(['common-images'], 'common-images')).toBe(true);
    expect(covers(['common-images'], 'common-images-2')).toBe(false);
    expect(covers(['team-a/*'], 'team-a/base')).toBe(true);
    expect(covers(['team-*'], 'team-a/base')).toBe(true);
    expect(covers(['team-a/*'], 'team-b/base')).toBe(false);
  });
});
