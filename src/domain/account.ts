// What an AWS account is to ecr-access: a 12-digit ID, written in policies as its root ARN.
import * as z from 'zod';

export const AccountId = z
  .string()
  .regex(/^\d{12}$/, { message: 'an AWS account ID is exactly 12 digits, like 222233334444' });
export type AccountId = z.infer<typeof AccountId>;

/** Digits in groups, as the AWS console shows an account ID and people copy it: `2222-3333-4444`, `2222 3333 4444`. */
const GROUPED_DIGITS = /^\d+(?:[ -]\d+)*$/;

/**
 * An account ID as people type it: 12 digits, or 12 digits in groups separated by dashes or
 * spaces, read as the 12 digits. Anything else is refused with AccountId's message.
 */
export const TypedAccountId = z
  .string()
  .transform((text) => (GROUPED_DIGITS.test(text.trim()) ? text.trim().replace(/[ -]/g, '') : text))
  .pipe(AccountId);

/** Whether text is digits in groups: the start of an account ID typed with separators. */
export const isDigitGroups = (text: string): boolean => GROUPED_DIGITS.test(text);

// Only the commercial partition: ecr-access writes arn:aws: ARNs, and rewriting an aws-cn or
// aws-us-gov principal as one would change what it means.
const ROOT_ARN = /^arn:aws:iam::(\d{12}):root$/;

export function rootArn(account: AccountId): string {
  return `arn:aws:iam::${account}:root`;
}

/**
 * The account a policy principal stands for as a whole: a bare ID and its root ARN are one
 * principal. Roles, users and services are not the account, so they yield undefined.
 */
export function accountOfPrincipal(principal: string): AccountId | '*' | undefined {
  if (principal === '*') return '*';
  if (/^\d{12}$/.test(principal)) return principal;
  return ROOT_ARN.exec(principal)?.[1];
}
