// The one definition of "can pull": an unconditional Allow naming the account (or everyone)
// covers all five read-only actions, and no Deny takes any of them away.
import { accountOfPrincipal, type AccountId } from '../account';
import { listOf, type RepositoryPolicy, type Statement } from './document';

/** The read-only set a consumer account needs to pull images. */
export const READ_ONLY_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:DescribeImages',
  'ecr:GetDownloadUrlForLayer',
  'ecr:ListImages',
] as const;

const patternCache = new Map<string, RegExp>();

function actionPattern(pattern: string): RegExp {
  let regex = patternCache.get(pattern);
  if (!regex) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    regex = new RegExp(`^${body}$`, 'i'); // IAM action names are case-insensitive
    patternCache.set(pattern, regex);
  }
  return regex;
}

function covers(statement: Statement, action: string): boolean {
  if (statement.Action !== undefined) return listOf(statement.Action).some((p) => actionPattern(p).test(action));
  if (statement.NotAction !== undefined) return !listOf(statement.NotAction).some((p) => actionPattern(p).test(action));
  return false;
}

/** Whether a Principal value includes the account (through its ID, root ARN or a wildcard). */
function names(principal: Statement['Principal'], account: AccountId | '*'): boolean {
  if (principal === undefined) return false;
  if (principal === '*') return true;
  return listOf(principal.AWS).some((p) => {
    const named = accountOfPrincipal(p);
    return named === '*' || named === account;
  });
}

function allows(statement: Statement, account: AccountId | '*'): boolean {
  return (
    statement.Effect === 'Allow' &&
    statement.Condition === undefined &&
    statement.NotPrincipal === undefined &&
    names(statement.Principal, account) &&
    READ_ONLY_ACTIONS.every((action) => covers(statement, action))
  );
}

function takesAway(statement: Statement, account: AccountId | '*'): boolean {
  if (statement.Effect !== 'Deny') return false;
  // A Deny under a Condition may apply at any time, so it counts.
  const applies =
    names(statement.Principal, account) ||
    (statement.NotPrincipal !== undefined && !names(statement.NotPrincipal, account));
  return applies && READ_ONLY_ACTIONS.some((action) => covers(statement, action));
}

export function canPull(policy: RepositoryPolicy, account: AccountId | '*'): boolean {
  return (
    policy.statements.some((s) => allows(s, account)) && !policy.statements.some((s) => takesAway(s, account))
  );
}

export interface Pullers {
  /** Accounts named in the policy that can pull, sorted. */
  readonly accounts: readonly AccountId[];
  /** True when the policy lets every principal pull. */
  readonly everyone: boolean;
}

export function pullers(policy: RepositoryPolicy): Pullers {
  const named = new Set<AccountId>();
  for (const statement of policy.statements) {
    if (statement.Principal === undefined || statement.Principal === '*') continue;
    for (const p of listOf(statement.Principal.AWS)) {
      const account = accountOfPrincipal(p);
      if (account && account !== '*') named.add(account);
    }
  }
  return {
    accounts: [...named].filter((a) => canPull(policy, a)).sort(),
    everyone: canPull(policy, '*'),
  };
}
