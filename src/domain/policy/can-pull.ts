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

const STAR = 0x2a; // *
const ANY = 0x3f; // ?

/** ASCII case folding: IAM action names are case-insensitive. */
function folded(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code >= 0x41 && code <= 0x5a ? code + 0x20 : code;
}

/**
 * Whether an IAM action pattern (`*` any run, `?` one character) matches an action. A linear
 * matcher rather than a RegExp: patterns come from policy text anybody with
 * SetRepositoryPolicy wrote, and `ecr:*****…x` as a regex backtracks for hours.
 */
function matchesAction(pattern: string, action: string): boolean {
  let pi = 0;
  let ai = 0;
  let star = -1; // position of the last `*` seen in the pattern
  let resume = 0; // where in the action that `*` resumes matching
  while (ai < action.length) {
    const p = pi < pattern.length ? folded(pattern, pi) : -1;
    if (p === ANY || (p !== STAR && p !== -1 && p === folded(action, ai))) {
      pi += 1;
      ai += 1;
    } else if (p === STAR) {
      star = pi;
      pi += 1;
      resume = ai;
    } else if (star !== -1) {
      pi = star + 1;
      resume += 1;
      ai = resume;
    } else {
      return false;
    }
  }
  while (pi < pattern.length && pattern.charCodeAt(pi) === STAR) pi += 1;
  return pi === pattern.length;
}

function covers(statement: Statement, action: string): boolean {
  if (statement.Action !== undefined) return listOf(statement.Action).some((p) => matchesAction(p, action));
  if (statement.NotAction !== undefined) return !listOf(statement.NotAction).some((p) => matchesAction(p, action));
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
