// Merging accounts into the statement ecr-access owns, and proving a written policy did what
// was asked without touching anything else.
import { accountOfPrincipal, rootArn, type AccountId } from '../account';
import { EcrAccessError, ErrorCode } from '../../errors';
import { actionKey, canPull, ouCanPull, READ_ONLY_ACTIONS } from './can-pull';
import { canonicalStatement } from './canonical';
import { LAMBDA_SID, lambdaStatement } from './lambda';
import { OU_SID, ouStatement } from './organizational-unit';
import { ownedStatement } from './owned';
import { listOf, MAX_POLICY_LENGTH, serializePolicy, type RepositoryPolicy, type Statement } from './document';

/** The Sid of the one statement ecr-access writes; a hand-made one of the same shape is adopted. */
export const MANAGED_SID = 'crossAccountAllowRead';

const MANAGED_KEYS = new Set(['Sid', 'Effect', 'Principal', 'Action']);

/** Why a statement under the managed Sid is not ours to rewrite, or undefined when it is. */
function foreignShape(statement: Statement): string | undefined {
  const extra = Object.keys(statement).filter((k) => !MANAGED_KEYS.has(k));
  if (extra.length > 0) return `it has ${extra.join(', ')}`;
  if (statement.Effect !== 'Allow') return `its Effect is ${statement.Effect}`;
  const principal = statement.Principal;
  if (principal === undefined || principal === '*') return 'its Principal is not a list of AWS accounts';
  const principalKeys = Object.keys(principal);
  if (principalKeys.length !== 1 || principalKeys[0] !== 'AWS') return 'its Principal names more than AWS accounts';
  const notAccount = listOf(principal.AWS).find((p) => {
    const account = accountOfPrincipal(p);
    return account === undefined || account === '*';
  });
  if (notAccount !== undefined) return `its Principal names ${notAccount}, which is not a whole AWS account`;
  const actions = new Set(listOf(statement.Action).map(actionKey));
  if (actions.size !== READ_ONLY_ACTIONS.length || !READ_ONLY_ACTIONS.every((a) => actions.has(actionKey(a)))) {
    return 'its Action list is not exactly the five read-only ECR actions';
  }
  return undefined;
}

/** The accounts in the managed statement, after checking it is ours to rewrite. */
export function managedAccounts(policy: RepositoryPolicy): AccountId[] {
  const statement = ownedStatement(policy, MANAGED_SID, foreignShape, 'the read-only shape');
  if (!statement) return [];
  const accounts = listOf(statement.Principal === '*' ? undefined : statement.Principal?.AWS).map(
    (p) => accountOfPrincipal(p) as AccountId,
  );
  return [...new Set(accounts)].sort();
}

export function managedStatement(accounts: readonly AccountId[]): Statement {
  const principals = [...new Set(accounts)].sort().map(rootArn);
  return { Sid: MANAGED_SID, Effect: 'Allow', Principal: { AWS: principals }, Action: [...READ_ONLY_ACTIONS] };
}

/**
 * What approval merges for one account, as the request card shows it: the pull statement, and
 * with `lambdaRegion` the Lambda statement for the account's functions in that region too.
 */
export const statementPreview = (account: AccountId, lambdaRegion?: string): string =>
  JSON.stringify(lambdaRegion ? [managedStatement([account]), lambdaStatement([account], lambdaRegion)] : managedStatement([account]), null, 2);

/** What approval merges for an organizational unit, as the request card shows it: its entry in the OU statement. */
export const ouStatementPreview = (orgPath: string): string => JSON.stringify(ouStatement([orgPath]), null, 2);

/** The way out when a policy is full: one OU entry lets every account under the OU pull. */
export const CAPACITY_WAY_OUT =
  'Remove accounts that no longer need access, or share with a whole organizational unit instead: `/ecr-access request <repository> ou-…` lets every account under the OU pull through one entry (it needs `accounts: organizations`).';

export interface Grant {
  readonly policy: RepositoryPolicy;
  /** Compact policy text to write; equal to the input's serialisation when nothing changed. */
  readonly text: string;
  /** Accounts that were not able to pull before. */
  readonly added: readonly AccountId[];
  readonly changed: boolean;
}

/**
 * Lets the accounts pull by adding them to the managed statement, also when another statement
 * lets them pull already: the statement holds every account with a live grant, so an end always
 * has an entry to take out. Accounts already in it are left alone, so granting what is granted
 * changes nothing.
 */
export function grantPull(policy: RepositoryPolicy, accounts: readonly AccountId[]): Grant {
  const existing = managedAccounts(policy);
  const wanted = [...new Set(accounts)];
  const added = wanted.filter((a) => !existing.includes(a)).sort();
  const index = policy.statements.findIndex((s) => s.Sid === MANAGED_SID);
  const statement = managedStatement([...existing, ...added]);
  const merged: RepositoryPolicy =
    added.length === 0
      ? policy
      : { header: policy.header, statements: index === -1 ? [...policy.statements, statement] : policy.statements.map((s, i) => (i === index ? statement : s)) };

  // An account the statement names but a Deny keeps from pulling is refused too: granting it would change nothing.
  const blocked = wanted.filter((a) => !canPull(merged, a)).sort();
  if (blocked.length > 0) {
    throw new EcrAccessError(
      ErrorCode.DeniedByPolicy,
      `A Deny statement in the repository policy takes pull access away from ${blocked.join(', ')}; ecr-access does not edit Deny statements. Change that statement by hand first.`,
    );
  }
  const text = serializePolicy(merged);
  if (added.length === 0) return { policy, text, added, changed: false };
  if (text.length > MAX_POLICY_LENGTH) {
    throw new EcrAccessError(
      ErrorCode.PolicyTooLarge,
      `Adding ${added.length === 1 ? 'this account' : `${added.length} accounts`} would make the repository policy ${text.length.toLocaleString('en-US')} characters, over ECR's limit of ${MAX_POLICY_LENGTH.toLocaleString('en-US')}. The policy already lets ${existing.length} ${existing.length === 1 ? 'account' : 'accounts'} pull through "${MANAGED_SID}". ${CAPACITY_WAY_OUT}`,
    );
  }
  return { policy: merged, text, added, changed: true };
}

export interface Verification {
  /** Accounts that can pull according to the policy as read back. */
  readonly granted: readonly AccountId[];
  readonly missing: readonly AccountId[];
  /** Canonical forms of other statements that were changed, added or lost. */
  readonly changedStatements: readonly string[];
}

/** The statements ecr-access owns: who may pull, whose Lambda functions may, and which OUs' accounts may. */
const OWNED_SIDS = new Set<unknown>([MANAGED_SID, LAMBDA_SID, OU_SID]);

function otherStatements(policy: RepositoryPolicy): string[] {
  return policy.statements.filter((s) => !OWNED_SIDS.has(s.Sid)).map(canonicalStatement).sort();
}

/** Compares meaning, never text: ECR hands back the stored policy reformatted. */
export function verifyGrant(
  before: RepositoryPolicy,
  after: RepositoryPolicy,
  accounts: readonly AccountId[],
): Verification {
  const granted = accounts.filter((a) => canPull(after, a));
  const missing = accounts.filter((a) => !canPull(after, a));
  return { granted, missing, changedStatements: otherStatementsChanged(before, after) };
}

/** Canonical forms of the statements other than ecr-access's that were changed, added or lost between two policies. */
export function otherStatementsChanged(before: RepositoryPolicy, after: RepositoryPolicy): string[] {
  return multisetDifference(otherStatements(before), otherStatements(after));
}

/** Statements in one list and not the other, counting duplicates: losing one of two copies is a change. */
function multisetDifference(was: readonly string[], now: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const s of was) counts.set(s, (counts.get(s) ?? 0) + 1);
  for (const s of now) counts.set(s, (counts.get(s) ?? 0) - 1);
  return [...counts.entries()].filter(([, n]) => n !== 0).map(([s]) => s);
}

/** Whether ecr-access's statement names the account, whatever its shape (for verdicts on a policy ecr-access will not rewrite). */
export function inManagedStatement(policy: RepositoryPolicy, account: AccountId): boolean {
  return policy.statements.some(
    (s) => s.Sid === MANAGED_SID && s.Principal !== undefined && s.Principal !== '*' && listOf(s.Principal.AWS).some((p) => accountOfPrincipal(p) === account),
  );
}

/** Whether a Deny takes pull access away from the account even when an Allow names it. */
export function deniedPull(policy: RepositoryPolicy, account: AccountId): boolean {
  return !canPull({ ...policy, statements: [...policy.statements, managedStatement([account])] }, account);
}

/** Whether a Deny takes pull access away from the accounts under an OU even when the OU statement names it. */
export function deniedOuPull(policy: RepositoryPolicy, orgPath: string): boolean {
  return !ouCanPull({ ...policy, statements: [...policy.statements, ouStatement([orgPath])] }, orgPath);
}
