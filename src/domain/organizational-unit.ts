// What an organizational unit is to ecr-access: an OU ID, as AWS Organizations writes it, and
// its path from the organization down (`o-…/r-…/ou-…/`), which policies match with
// `aws:PrincipalOrgPaths`. A grant names an account or an OU: its grantee.
import * as z from 'zod';
import { AccountId } from './account';

export const OuId = z.string().regex(/^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/, { message: 'an organizational unit ID looks like ou-ab12-11111111' });
export type OuId = z.infer<typeof OuId>;

/** An OU's path from its organization and root down to itself, each ID followed by `/`, as `aws:PrincipalOrgPaths` writes it. */
export const OrgPath = z
  .string()
  .regex(/^o-[0-9a-z]{10,32}\/r-[0-9a-z]{4,32}\/(?:ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}\/)+$/, { message: 'an organizational path looks like o-abc123defg/r-ab12/ou-ab12-11111111/' });
export type OrgPath = z.infer<typeof OrgPath>;

/** Who a grant is for: one AWS account, or every account under an organizational unit. */
export const Grantee = z.union([AccountId, OuId]);
export type Grantee = z.infer<typeof Grantee>;

export const isOuId = (grantee: string): boolean => OuId.safeParse(grantee).success;

/** Whether text is meant as an OU ID (so it is checked as one, not as an account). */
export const looksLikeOu = (text: string): boolean => /^ou-/i.test(text);

/** The OU an org path ends with. */
export const ouOfPath = (orgPath: string): string | undefined => /(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32})\/$/.exec(orgPath)?.[1];

/**
 * Whether an account whose own org path (its parent's path, as AWS gives it to its principals) is
 * `accountPath` sits under the OU whose path is `ouPath`, directly or deeper.
 */
export const isUnder = (accountPath: string, ouPath: string): boolean => accountPath.startsWith(ouPath);

/** What the bot shows of an OU: its names from the root down, its path of IDs, and how many accounts it holds, at every depth. */
export interface OrganizationalUnit {
  readonly id: OuId;
  readonly names: readonly string[];
  readonly orgPath: OrgPath;
  readonly accounts: number;
}

/** The OU's name: the last of its names. */
export const unitName = (unit: Pick<OrganizationalUnit, 'names' | 'id'>): string => unit.names.at(-1) ?? unit.id;
