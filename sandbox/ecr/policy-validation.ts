/**
 * The checks ECR applies to SetRepositoryPolicy's text. ECR answers every failure with the
 * same opaque message, so this module only says yes or no.
 */

/** ECR refuses policy text longer than this many characters. */
const MAX_POLICY_TEXT_LENGTH = 10_240;

const EFFECTS = new Set(['Allow', 'Deny']);
const PRINCIPAL_TYPES = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);
const ACCOUNT_ID = /^[0-9]{12}$/;
// Any IAM or STS identity ARN names its account; ECR checks that the account exists.
const IDENTITY_ARN = /^arn:aws:(?:iam|sts)::([0-9]{12}):.+$/;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (value: unknown): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isStringOrNonEmptyStringList = (value: unknown): value is string | string[] =>
  typeof value === 'string' ||
  (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string'));

const asList = (value: string | string[]): string[] => (typeof value === 'string' ? [value] : value);

/** The account an AWS principal names, `'*'` for everyone, or undefined if it is not a principal. */
function principalAccount(principal: string): string | undefined {
  if (principal === '*') return '*';
  if (ACCOUNT_ID.test(principal)) return principal;
  return IDENTITY_ARN.exec(principal)?.[1];
}

function isValidPrincipal(value: unknown, isKnownAccount: (id: string) => boolean): boolean {
  if (value === '*') return true;
  if (!isObject(value)) return false;
  const entries = Object.entries(value);
  if (entries.length === 0) return false;
  return entries.every(([type, names]) => {
    if (!PRINCIPAL_TYPES.has(type) || !isStringOrNonEmptyStringList(names)) return false;
    if (type !== 'AWS') return true;
    return asList(names).every((name) => {
      const account = principalAccount(name);
      return account !== undefined && (account === '*' || isKnownAccount(account));
    });
  });
}

function isValidStatement(statement: unknown, isKnownAccount: (id: string) => boolean): boolean {
  if (!isObject(statement)) return false;
  if (typeof statement.Effect !== 'string' || !EFFECTS.has(statement.Effect)) return false;

  const principal = statement.Principal ?? statement.NotPrincipal;
  if (principal === undefined || (statement.Principal !== undefined && statement.NotPrincipal !== undefined)) {
    return false;
  }
  if (!isValidPrincipal(principal, isKnownAccount)) return false;

  const action = statement.Action ?? statement.NotAction;
  if (action === undefined || (statement.Action !== undefined && statement.NotAction !== undefined)) {
    return false;
  }
  return isStringOrNonEmptyStringList(action);
}

/**
 * Whether ECR would accept this text as a repository policy. An empty Statement list is
 * refused: removing the last statement is a DeleteRepositoryPolicy, not a write.
 */
export function isAcceptableRepositoryPolicy(
  text: string,
  isKnownAccount: (accountId: string) => boolean,
): boolean {
  if (text.length > MAX_POLICY_TEXT_LENGTH) return false;
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return false;
  }
  if (!isObject(document)) return false;
  const statements = document.Statement;
  if (Array.isArray(statements)) {
    return statements.length > 0 && statements.every((s) => isValidStatement(s, isKnownAccount));
  }
  return isValidStatement(statements, isKnownAccount);
}
