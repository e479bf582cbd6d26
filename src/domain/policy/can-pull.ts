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

/**
 * An action name as IAM compares it: `ECR:BatchGetImage` and `ecr:batchgetimage` are one action.
 * Only ASCII letters fold, as in IAM's action names: a look-alike such as the Kelvin sign (which
 * `toLowerCase` turns into k) names no action, so it must not come to name a real one.
 */
export function actionKey(action: string): string {
  return action.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

const STAR = 0x2a; // *
const ANY = 0x3f; // ?

/**
 * Whether an IAM action pattern (`*` any run, `?` one character) matches an action, in any case.
 * A linear matcher rather than a RegExp: patterns come from policy text anybody with
 * SetRepositoryPolicy wrote, and `ecr:*****…x` as a regex backtracks for hours.
 */
function matchesAction(anyCasePattern: string, anyCaseAction: string): boolean {
  const pattern = actionKey(anyCasePattern);
  const action = actionKey(anyCaseAction);
  let pi = 0;
  let ai = 0;
  let star = -1; // position of the last `*` seen in the pattern
  let resume = 0; // where in the action that `*` resumes matching
  while (ai < action.length) {
    const p = pi < pattern.length ? pattern.charCodeAt(pi) : -1;
    if (p === ANY || (p !== STAR && p !== -1 && p === action.charCodeAt(ai))) {
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

/** The principals a Principal value names: everyone, or a set of whole accounts. */
interface Named {
  readonly everyone: boolean;
  readonly accounts: ReadonlySet<AccountId>;
}

function named(principal: Statement['Principal']): Named {
  if (principal === undefined) return { everyone: false, accounts: new Set() };
  if (principal === '*') return { everyone: true, accounts: new Set() };
  const accounts = new Set<AccountId>();
  let everyone = false;
  for (const p of listOf(principal.AWS)) {
    const account = accountOfPrincipal(p);
    if (account === '*') everyone = true;
    else if (account !== undefined) accounts.add(account);
  }
  return { everyone, accounts };
}

const includes = (n: Named, account: AccountId | '*') => n.everyone || (account !== '*' && n.accounts.has(account));

/** The statements that matter for pulling, worked out once per policy. */
interface PullRules {
  /** Unconditional Allows covering all five actions, by whom they name. */
  readonly allows: readonly Named[];
  /** Denies touching any of the five; a Deny under a Condition may apply at any time, so it counts. */
  readonly denies: ReadonlyArray<{ principal?: Named; notPrincipal?: Named }>;
}

function pullRules(policy: RepositoryPolicy): PullRules {
  const allows: Named[] = [];
  const denies: Array<{ principal?: Named; notPrincipal?: Named }> = [];
  for (const s of policy.statements) {
    if (s.Effect === 'Allow') {
      if (s.Condition === undefined && s.NotPrincipal === undefined && READ_ONLY_ACTIONS.every((a) => covers(s, a))) {
        allows.push(named(s.Principal));
      }
    } else if (READ_ONLY_ACTIONS.some((a) => covers(s, a))) {
      denies.push({
        ...(s.Principal !== undefined && { principal: named(s.Principal) }),
        ...(s.NotPrincipal !== undefined && { notPrincipal: named(s.NotPrincipal) }),
      });
    }
  }
  return { allows, denies };
}

function allowedBy(rules: PullRules, account: AccountId | '*'): boolean {
  return (
    rules.allows.some((n) => includes(n, account)) &&
    !rules.denies.some(
      (d) => (d.principal !== undefined && includes(d.principal, account)) || (d.notPrincipal !== undefined && !includes(d.notPrincipal, account)),
    )
  );
}

export function canPull(policy: RepositoryPolicy, account: AccountId | '*'): boolean {
  return allowedBy(pullRules(policy), account);
}

export interface Pullers {
  /** Accounts named in the policy that can pull, sorted. */
  readonly accounts: readonly AccountId[];
  /** True when the policy lets every principal pull. */
  readonly everyone: boolean;
}

export function pullers(policy: RepositoryPolicy): Pullers {
  const rules = pullRules(policy);
  const candidates = new Set<AccountId>();
  for (const statement of policy.statements) {
    if (statement.Principal === undefined || statement.Principal === '*') continue;
    for (const account of named(statement.Principal).accounts) candidates.add(account);
  }
  return {
    accounts: [...candidates].filter((a) => allowedBy(rules, a)).sort(),
    everyone: allowedBy(rules, '*'),
  };
}

/**
 * The Allow statements that let the account pull, by Sid (or `statement N`, counting from 1),
 * when no Deny takes the access away; empty when it cannot pull.
 */
export function pullingStatements(policy: RepositoryPolicy, account: AccountId): string[] {
  if (!canPull(policy, account)) return [];
  return policy.statements.flatMap((statement, index) => {
    if (statement.Effect !== 'Allow' || !canPull({ ...policy, statements: [statement] }, account)) return [];
    return [typeof statement.Sid === 'string' && statement.Sid !== '' ? statement.Sid : `statement ${index + 1}`];
  });
}
