// Parses `/ecr-access …` text into a command, with messages that say how to fix a bad one.
import * as z from 'zod';
import { AccountId } from './account';
import { RepositoryName } from './repository';

export const COMMAND = '/ecr-access';
export const MAX_REASON_LENGTH = 500;

export type Command =
  | { kind: 'help' }
  | { kind: 'unknown'; word: string }
  | { kind: 'invalid'; problems: string[]; usage: string }
  | { kind: 'request'; repository: string; account: string; reason?: string }
  | { kind: 'list'; repository?: string };

export const REQUEST_USAGE = `${COMMAND} request <repository> <12-digit account ID> [reason]`;
export const LIST_USAGE = `${COMMAND} list [repository]`;

/** Why someone asks: free text, checked here when typed and again when a job carries it. */
export const Reason = z
  .string()
  .max(MAX_REASON_LENGTH, { message: `the reason has at most ${MAX_REASON_LENGTH} characters` });

function problemsOf(result: z.ZodSafeParseResult<unknown>, label: string, value: string): string[] {
  if (result.success) return [];
  const shown = value.length > 60 ? `${value.slice(0, 57)}…` : value;
  return result.error.issues.map((issue) => `${label} \`${shown}\`: ${issue.message}`);
}

function parseRequest(args: string[]): Command {
  const [repository, account, ...rest] = args;
  if (repository === undefined || account === undefined) {
    return {
      kind: 'invalid',
      problems: ['a request names a repository and the AWS account that should pull from it'],
      usage: REQUEST_USAGE,
    };
  }
  const reason = rest.join(' ').trim();
  const problems = [
    ...problemsOf(RepositoryName.safeParse(repository), 'repository', repository),
    ...problemsOf(AccountId.safeParse(account), 'account', account),
    ...problemsOf(Reason.safeParse(reason), 'reason', reason),
  ];
  if (problems.length > 0) return { kind: 'invalid', problems, usage: REQUEST_USAGE };
  return reason ? { kind: 'request', repository, account, reason } : { kind: 'request', repository, account };
}

function parseList(args: string[]): Command {
  if (args.length > 1) {
    return { kind: 'invalid', problems: ['list takes at most one repository name'], usage: LIST_USAGE };
  }
  const [repository] = args;
  if (repository === undefined) return { kind: 'list' };
  const problems = problemsOf(RepositoryName.safeParse(repository), 'repository', repository);
  return problems.length > 0 ? { kind: 'invalid', problems, usage: LIST_USAGE } : { kind: 'list', repository };
}

export function parseCommand(text: string): Command {
  const words = text.trim().split(/\s+/).filter((w) => w.length > 0);
  const [subcommand, ...args] = words;
  if (subcommand === undefined) return { kind: 'help' };
  switch (subcommand.toLowerCase()) {
    case 'help':
      return { kind: 'help' };
    case 'request':
      return parseRequest(args);
    case 'list':
      return parseList(args);
    default:
      return { kind: 'unknown', word: subcommand.length > 40 ? `${subcommand.slice(0, 37)}…` : subcommand };
  }
}
