// The one definition of "can pull": an unconditional Allow naming the account (or everyone)
// covers all five read-only actions, or an Allow of everyone does on the one condition that the
// account's org path lies under a path it lists (an OU grant), and no Deny takes any of them away.
import { accountOfPrincipal, type AccountId } from '../account';
import { listOf, type RepositoryPolicy, type Statement } from './document';
import { isEveryone, orgPathPatterns } from './organizational-unit';

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

/** Whether an IAM action pattern matches an action, in any case. */
const matchesAction = (anyCasePattern: string, anyCaseAction: string): boolean => matchesLike(actionKey(anyCasePattern), actionKey(anyCaseAction));

/**
 * Whether an IAM pattern (`*` any run, `?` one character) matches a value, case-sensitively, as
 * StringLike compares. A linear matcher rather than a RegExp: patterns come from policy text
 * anybody with SetRepositoryPolicy wrote, and `ecr:*****…x` as a regex backtracks for hours.
 */
function matchesLike(pattern: string, value: string): boolean {
  let pi = 0;
  let vi = 0;
  let star = -1; // position of the last `*` seen in the pattern
  let resume = 0; // where in the value that `*` resumes matching
  while (vi < value.length) {
    const p = pi < pattern.length ? pattern.charCodeAt(pi) : -1;
    if (p === ANY || (p !== STAR && p !== -1 && p === value.charCodeAt(vi))) {
      pi += 1;
      vi += 1;
    } else if (p === STAR) {
      star = pi;
      pi += 1;
      resume = vi;
    } else if (star !== -1) {
      pi = star + 1;
      resume += 1;
      vi = resume;
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
  /** Allows of everyone covering all five actions on the one condition of an org path: the patterns each lists. */
  readonly orgAllows: readonly (readonly string[])[];
  /** Denies touching any of the five; a Deny under a Condition may apply at any time, so it counts. */
  readonly denies: ReadonlyArray<{ principal?: Named; notPrincipal?: Named }>;
}

function pullRules(policy: RepositoryPolicy): PullRules {
  const allows: Named[] = [];
  const orgAllows: (readonly string[])[] = [];
  const denies: Array<{ principal?: Named; notPrincipal?: Named }> = [];
  for (const s of policy.statements) {
    if (s.Effect === 'Allow') {
      if (s.Condition === undefined && s.NotPrincipal === undefined && READ_ONLY_ACTIONS.every((a) => covers(s, a))) {
        allows.push(named(s.Principal));
      }
      const patterns = orgPathPatterns(s);
      if (patterns && isEveryone(s.Principal) && s.NotPrincipal === undefined && READ_ONLY_ACTIONS.every((a) => covers(s, a))) orgAllows.push(patterns);
    } else if (READ_ONLY_ACTIONS.some((a) => covers(s, a))) {
      denies.push({
        ...(s.Principal !== undefined && { principal: named(s.Principal) }),
        ...(s.NotPrincipal !== undefined && { notPrincipal: named(s.NotPrincipal) }),
      });
    }
  }
  return { allows, orgAllows, denies };
}

const deniedTo = (rules: PullRules, account: AccountId | '*'): boolean =>
  rules.denies.some((d) => (d.principal !== undefined && includes(d.principal, account)) || (d.notPrincipal !== undefined && !includes(d.notPrincipal, account)));

function allowedBy(rules: PullRules, account: AccountId | '*', orgPath?: string): boolean {
  const allowed = rules.allows.some((n) => includes(n, account)) || (orgPath !== undefined && rules.orgAllows.some((patterns) => patterns.some((p) => matchesLike(p, orgPath))));
  return allowed && !deniedTo(rules, account);
}

/** `orgPath`: the account's path in the organization (`o-…/r-…/ou-…/`), where it is known, so an OU grant counts too. */
export function canPull(policy: RepositoryPolicy, account: AccountId | '*', orgPath?: string): boolean {
  return allowedBy(pullRules(policy), account, orgPath);
}

/**
 * Whether every account under the OU at `ouPath` can pull: an Allow of everyone on the org path
 * condition lists the OU's path, or one above it, as `…/*`, and no Deny takes the access away from
 * everyone. Other patterns are not read as the OU's: they may cover only some of its accounts.
 */
export function ouCanPull(policy: RepositoryPolicy, ouPath: string): boolean {
  const rules = pullRules(policy);
  const whole = (p: string) => p.endsWith('*') && !/[*?]/.test(p.slice(0, -1)) && ouPath.startsWith(p.slice(0, -1));
  return rules.orgAllows.some((patterns) => patterns.some(whole)) && !deniedTo(rules, '*');
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
