// Whose an AWS account is, as the bot tells approvers: its name and where it sits in the
// organization (or the team the accounts file names), that it is outside the organization, or
// that nobody could say. Pure: the AccountDirectory port finds it, src/slack words it.

/** The OU names from the root down, as `Root / Engineering / Analytics`. */
const OU_PATH_SEPARATOR = ' / ';

export type AccountOwner =
  /** In the organization (or in the accounts file): its name, and its OU path or owning team. */
  /** `orgPath`: its place as IAM names it in `aws:PrincipalOrgPaths` (`o-…/r-…/ou-…/`), where Organizations said, so an OU grant can be seen to cover it. */
  | { readonly kind: 'member'; readonly name: string; readonly ouPath?: readonly string[]; readonly orgPath?: string; readonly team?: string }
  /** Not in the organization, or missing from the accounts file: maybe a typo, maybe a stranger's account. */
  | { readonly kind: 'outside' }
  /** The lookup failed (throttled, denied, unreachable): nothing is known either way. */
  | { readonly kind: 'unknown'; readonly reason: string };

/** The OU path as one line: `Root / Engineering / Analytics`. */
export function ouPathText(path: readonly string[]): string {
  return path.join(OU_PATH_SEPARATOR);
}
