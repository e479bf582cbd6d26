// What an AWS account is to ecr-access: a 12-digit ID, written in policies as its root ARN.
import * as z from 'zod';

export const AccountId = z
  .string()
  .regex(/^\d{12}$/, { message: 'an AWS account ID is exactly 12 digits, like 222233334444' });
export type AccountId = z.infer<typeof AccountId>;

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
