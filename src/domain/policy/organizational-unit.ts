// The third statement ecr-access owns: every account under the organizational units granted may
// pull. IAM names an account's place in the organization in `aws:PrincipalOrgPaths`, so the
// statement allows any principal (`*`) with the five read-only actions, on the condition that its
// org path lies under one of the granted OUs: `o-…/r-…/ou-…/*`, one entry per OU.
import { ouOfPath } from '../organizational-unit';
import { listOf, type RepositoryPolicy, type Statement } from './document';
import { actionKey, READ_ONLY_ACTIONS } from './can-pull';
import { ownedStatement, singleConditionValues } from './owned';

/** The Sid of ecr-access's OU statement; a hand-made one of the same shape is adopted. */
export const OU_SID = 'ouCrossAccountPull';

const OPERATOR = 'ForAnyValue:StringLike';
const ORG_PATHS = 'aws:PrincipalOrgPaths';
/** Every account under one OU, at any depth: the form the statement's condition lists. */
const UNDER_OU = /^o-[0-9a-z]{10,32}\/r-[0-9a-z]{4,32}\/(?:ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}\/)+\*$/;

/** The condition entry for an OU's path. */
const entryOf = (orgPath: string) => `${orgPath}*`;
/** The OU an entry names: the last OU of its path. */
const ouOfEntry = (entry: string) => (entry.endsWith('*') ? ouOfPath(entry.slice(0, -1)) : undefined);

/** Whether a Principal is everyone: `*`, or `{"AWS": "*"}` as ECR may hand it back. */
export function isEveryone(principal: Statement['Principal']): boolean {
  if (principal === '*') return true;
  if (principal === undefined || Object.keys(principal).join() !== 'AWS') return false;
  return listOf(principal.AWS).join() === '*';
}

/** The org path patterns of a condition that is exactly one ForAnyValue:StringLike on aws:PrincipalOrgPaths. */
export const orgPathPatterns = (statement: Statement): readonly string[] | undefined => singleConditionValues(statement, OPERATOR, ORG_PATHS);

/** Why a statement under the OU Sid is not ours to rewrite, or undefined when it is. */
function foreignShape(statement: Statement): string | undefined {
  const extra = Object.keys(statement).filter((key) => !['Sid', 'Effect', 'Principal', 'Action', 'Condition'].includes(key));
  if (extra.length > 0) return `it has ${extra.join(', ')}`;
  if (statement.Effect !== 'Allow') return `its Effect is ${statement.Effect}`;
  if (!isEveryone(statement.Principal)) return 'its Principal is not "*"';
  const actions = new Set(listOf(statement.Action).map(actionKey));
  if (actions.size !== READ_ONLY_ACTIONS.length || !READ_ONLY_ACTIONS.every((a) => actions.has(actionKey(a)))) {
    return 'its Action list is not exactly the five read-only ECR actions';
  }
  const patterns = orgPathPatterns(statement);
  if (patterns === undefined) return `its Condition is not one ${OPERATOR} on ${ORG_PATHS}`;
  if (patterns.length === 0) return `its Condition lists no ${ORG_PATHS}`;
  const other = patterns.find((p) => !UNDER_OU.test(p));
  if (other !== undefined) return `its Condition names ${other}, which is not every account under one organizational unit (o-…/r-…/ou-…/*)`;
  return undefined;
}

/** The org paths of the OUs the OU statement lets pull (each ending in `/`), after checking it is ours to rewrite. */
export function ouPaths(policy: RepositoryPolicy): string[] {
  const statement = ownedStatement(policy, OU_SID, foreignShape, 'the shape ecr-access writes');
  const patterns = statement ? (orgPathPatterns(statement) ?? []) : [];
  return [...new Set(patterns.map((p) => p.slice(0, -1)))].sort();
}

/** The OU statement listing these entries. */
const statementOf = (entries: readonly string[]): Statement => ({
  Sid: OU_SID,
  Effect: 'Allow',
  Principal: '*',
  Action: [...READ_ONLY_ACTIONS],
  Condition: { [OPERATOR]: { [ORG_PATHS]: [...entries] } },
});

/** The OU statement for the OUs at these org paths. */
export function ouStatement(orgPaths: readonly string[]): Statement {
  return statementOf([...new Set(orgPaths)].sort().map(entryOf));
}

/** Whether the OU statement names the OU, whatever its shape (for verdicts, revoke and list). */
export function inOuStatement(policy: RepositoryPolicy, ou: string): boolean {
  return policy.statements.some((s) => s.Sid === OU_SID && (orgPathPatterns(s) ?? []).some((p) => ouOfEntry(p) === ou));
}

/**
 * The policy with the OU statement naming the OUs at the org paths `put` and no longer naming
 * the OUs `take` (by ID), the statement gone when it is left empty. An OU already named keeps its
 * entry as written. Throws like ouPaths for a statement ecr-access does not own.
 */
export function withOrganizationalUnits(policy: RepositoryPolicy, put: readonly string[], take: readonly string[]): RepositoryPolicy {
  const existing = ouPaths(policy).map((path) => ouOfPath(path));
  const added = [...new Set(put)].filter((path) => !existing.includes(ouOfPath(path)) && !take.includes(ouOfPath(path) ?? ''));
  if (added.length === 0 && !existing.some((ou) => take.includes(ou ?? ''))) return policy;
  const index = policy.statements.findIndex((s) => s.Sid === OU_SID);
  const current = index === -1 ? [] : (orgPathPatterns(policy.statements[index] as Statement) ?? []);
  const entries = [...new Set([...current.filter((entry) => !take.includes(ouOfEntry(entry) ?? '')), ...added.map(entryOf)])].sort();
  if (entries.length === 0) return { header: policy.header, statements: policy.statements.filter((s) => s.Sid !== OU_SID) };
  const statement = statementOf(entries);
  return { header: policy.header, statements: index === -1 ? [...policy.statements, statement] : policy.statements.map((s, i) => (i === index ? statement : s)) };
}
