// The settings file (ECR_ACCESS_SETTINGS_FILE, YAML): the repositories ecr-access shares, each
// name or pattern with its own terms, and where the accounts' owners come from.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { RepositoriesSetting, type RuleEntry, soundEntries } from './domain/repository-rules';

/** Where the owners of accounts are read from: AWS Organizations, or a file that lists them. */
type AccountsSource = { readonly source: 'organizations'; readonly roleArn?: string } | { readonly source: 'file'; readonly path: string };

const RoleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, { message: 'must be an IAM role ARN, like arn:aws:iam::111122223333:role/ecr-access-read-organization' });

const SettingsContent = z.strictObject(
  {
    accounts: z.string({ message: 'must be organizations, or the path of the accounts file' }).min(1, { message: 'must be organizations, or the path of the accounts file' }).optional(),
    organizationsRoleArn: RoleArn.optional(),
    repositories: RepositoriesSetting,
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `has no setting ${issue.keys.map((key) => `"${key}"`).join(', ')}: the file sets accounts, organizationsRoleArn and repositories`
        : issue.code === 'invalid_type'
          ? 'must be a YAML map with repositories (and, if you like, accounts and organizationsRoleArn)'
          : undefined,
  },
);

/** What the settings file says, its relative paths taken from the file's own folder. */
export interface Settings {
  readonly rules: readonly RuleEntry[];
  readonly accounts?: AccountsSource;
}

/**
 * Reads and checks the settings file at an absolute path: its settings, or every problem in it,
 * each named by its key (`repositories."team-*".maxGrant`), with what of it is sound (`partial`)
 * for the checks that look beyond the file.
 */
export function readSettingsFile(path: string): { settings: Settings } | { problems: string[]; partial?: Settings } {
  let content: unknown;
  try {
    content = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    const why = (error as { code?: string }).code ?? (error instanceof Error ? error.message.split('\n')[0] : String(error));
    return { problems: [`names ${path}, which cannot be read as YAML (${why})`] };
  }
  const parsed = SettingsContent.safeParse(content ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${keyPath(issue.path)}${issue.message}`);
    const given = (typeof content === 'object' && content !== null ? content : {}) as Record<string, unknown>;
    const accounts = SettingsContent.shape.accounts.safeParse(given.accounts);
    const source = accounts.success ? accountsSource(path, accounts.data) : undefined;
    return { problems, partial: { rules: soundEntries(given.repositories), ...(source && { accounts: source }) } };
  }
  const { accounts, organizationsRoleArn, repositories } = parsed.data;
  if (organizationsRoleArn !== undefined && accounts !== 'organizations') {
    return { problems: ['organizationsRoleArn is set, and accounts is not organizations: the role is only for reading AWS Organizations'] };
  }
  const source = accountsSource(path, accounts, organizationsRoleArn);
  return { settings: { rules: repositories, ...(source && { accounts: source }) } };
}

/** Where `accounts` says the owners are; an accounts file's path is taken from the settings file's folder. */
function accountsSource(path: string, accounts: string | undefined, roleArn?: string): AccountsSource | undefined {
  if (accounts === undefined) return undefined;
  if (accounts === 'organizations') return { source: 'organizations', ...(roleArn && { roleArn }) };
  return { source: 'file', path: isAbsolute(accounts) ? accounts : resolve(dirname(path), accounts) };
}

/** `repositories."team-*".maxGrant: `, as the file's keys read; the top of the file has none. */
function keyPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '';
  const keys = path.map((key, i) => (i > 0 && typeof key === 'string' && !/^[A-Za-z][A-Za-z0-9]*$/.test(key) ? `"${key}"` : String(key)));
  return `${keys.join('.')}: `;
}
