// Every repository ecr-access shares now: the names its rules give, and those the registry holds
// that a pattern matches. What `list`, `history` and the App Home without a repository, and each
// sweep pass, go through.
import { isPattern } from '../domain/repository-rules';
import type { ServiceDeps } from './deps';

/**
 * The shared repositories: those rules name, in their order, then the rest a pattern matches, sorted. Rules that only name repositories need no call; a pattern
 * needs the registry's list (DescribeRepositories, a page per 1,000 repositories).
 */
export async function sharedRepositories(deps: ServiceDeps): Promise<string[]> {
  const named = deps.rules.all.filter((rule) => !isPattern(rule.match)).map((rule) => rule.match);
  if (named.length === deps.rules.all.length) return named;
  const namedSet = new Set(named);
  const matching = (await deps.registry.repositoryNames()).filter((name) => deps.rules.ruleFor(name) !== undefined && !namedSet.has(name));
  return [...named, ...matching.sort()];
}
