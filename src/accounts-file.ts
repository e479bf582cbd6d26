// The accounts file: for deployments without AWS Organizations, a YAML file that maps each
// account ID to its name and owning team. An account missing from it is outside the
// organization. Read and checked once at start (src/config.ts lists its problems with the rest).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import * as z from 'zod';
import { AccountId } from './domain/account';
import type { AccountOwner } from './domain/account-owner';
import type { AccountDirectory } from './service/ports';

/**
 * One entry: `name` is required, `team` optional.
 *
 *     222233334444:
 *       name: analytics-prod
 *       team: Data Platform
 */
const AccountEntry = z
  .object({
    name: z.string({ message: 'needs a name' }).trim().min(1, { message: 'needs a name' }).max(100, { message: 'has a name longer than 100 characters' }),
    team: z.string().trim().min(1, { message: 'has an empty team' }).max(100, { message: 'has a team longer than 100 characters' }).optional(),
  }, {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? `may hold only name and team, not ${issue.keys.join(', ')}` : 'must be a mapping with a name (and a team if you like)',
  })
  .strict();

const AccountsMapping = z.record(AccountId, AccountEntry, { message: 'must map 12-digit account IDs to their name and team' });
export type AccountsFile = z.infer<typeof AccountsMapping>;

/** The file's accounts, or every problem found in it, each naming where. */
export function readAccountsFile(path: string): { accounts: AccountsFile } | { problems: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { problems: [`names ${path}, which cannot be read (${(error as { code?: string }).code ?? String(error)})`] };
  }
  let document: unknown;
  try {
    // Every scalar as text: an account ID like 012345678901 read as a number would lose its 0.
    document = parse(text, { schema: 'failsafe' }) ?? {};
  } catch (error) {
    return { problems: [`names ${path}, which is not YAML (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`] };
  }
  const parsed = AccountsMapping.safeParse(document);
  if (parsed.success) return { accounts: parsed.data };
  return {
    problems: parsed.error.issues.map((issue) => {
      const where = issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
      const key = issue.code === 'invalid_key' ? ' has a key that is not a 12-digit account ID' : '';
      return `names ${path}, whose entry${where}${key || ` ${issue.message}`}`;
    }),
  };
}

/** The AccountDirectory port on the accounts file: no I/O after start, so it never fails. */
export function fileDirectory(accounts: AccountsFile): AccountDirectory {
  return {
    async owners(ids) {
      return new Map(
        ids.map((id): [string, AccountOwner] => {
          const entry = accounts[id];
          return [id, entry ? { kind: 'member', name: entry.name, ...(entry.team && { team: entry.team }) } : { kind: 'outside' }];
        }),
      );
    },
  };
}
