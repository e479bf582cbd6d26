// Which repositories the function's role may use ECR on, in as little of its policy as it takes.
// Each shareable repository by its exact name while the list fits its share of the policy; past
// that, names that begin alike are taken together as that beginning and a wildcard, the longest
// shared beginnings first, so the role reaches as few repositories outside the list as it can.
// `team-a/base` and `team-a/build` become `team-a/b*`; `team-a/*` only once `team-a/b*` and
// `team-a/ci` must be taken together too. The function itself still acts only on the listed
// repositories: it refuses any other name before it calls AWS.

/** A stem and a wildcard (`team-a/b*`), or a whole name. */
const stemOf = (pattern: string) => (pattern.endsWith('*') ? pattern.slice(0, -1) : pattern);

/**
 * The names as IAM resource patterns whose sizes, by `size`, add up to at most `budget` (if any
 * can: a lone `*` is the last resort). Sorted, so the same list always gives the same policy.
 */
export function repositoryPatterns(names: readonly string[], budget: number, size: (pattern: string) => number): string[] {
  const sizeOf = (patterns: readonly string[]) => patterns.reduce((sum, pattern) => sum + size(pattern), 0);
  let patterns = [...new Set(names)].sort();
  let total = sizeOf(patterns);
  const longest = Math.max(0, ...patterns.map((pattern) => pattern.length));
  // Each round takes together the runs of neighbours that share a beginning of `length` characters
  // (all of them begin alike, being sorted), in name order, until the list fits.
  for (let length = longest - 1; length >= 0 && total > budget; length--) {
    const beginning = (pattern: string) => {
      const stem = stemOf(pattern);
      return stem.length >= length ? stem.slice(0, length) : undefined;
    };
    const next: string[] = [];
    let run: string[] = [];
    const endRun = () => {
      const [first] = run;
      const shared = first === undefined ? undefined : beginning(first);
      if (run.length >= 2 && shared !== undefined && total > budget) {
        total += size(`${shared}*`) - sizeOf(run);
        next.push(`${shared}*`);
      } else {
        next.push(...run);
      }
      run = [];
    };
    for (const pattern of patterns) {
      const [first] = run;
      const shared = first === undefined ? undefined : beginning(first);
      if (shared === undefined || beginning(pattern) !== shared) endRun();
      run.push(pattern);
    }
    endRun();
    patterns = next;
  }
  return patterns;
}

/** Whether a repository name is one of these patterns' (IAM's `*` matches any characters, `/` too). */
export function covers(patterns: readonly string[], name: string): boolean {
  return patterns.some((pattern) => (pattern.endsWith('*') ? name.startsWith(stemOf(pattern)) : name === pattern));
}
