// Parses `/ecr-access …` text into a command, with messages that say how to fix a bad one.
import * as z from 'zod';
import { isDigitGroups, TypedAccountId } from './account';
import { DurationText } from './duration';
import { looksLikeOu, OuId } from './organizational-unit';
import { RepositoryName } from './repository';

export const COMMAND = '/ecr-access';
export const MAX_REASON_LENGTH = 500;

/** Whose history to show: one repository's, or one account's (or organizational unit's). */
type HistorySubject = { repository: string } | { account: string; typedAccount?: string };

export type Command =
  /** Nothing after the command: the request form. */
  | { kind: 'form' }
  | { kind: 'help' }
  | { kind: 'unknown'; word: string }
  | { kind: 'invalid'; problems: string[]; usage: string }
  | { kind: 'request'; repository: string; account: string; typedAccount?: string; reason?: string; durationMs?: number; lambda?: true }
  | { kind: 'revoke'; repository: string; account: string; typedAccount?: string; reason?: string }
  | { kind: 'list'; repository?: string }
  | { kind: 'history'; subject?: HistorySubject };

export const REQUEST_USAGE = `${COMMAND} request <repository> <12-digit account ID | ou-… OU ID> [--for <N>h|<N>d] [--lambda] [reason]`;
export const REVOKE_USAGE = `${COMMAND} revoke <repository> <12-digit account ID | ou-… OU ID> [reason]`;
export const LIST_USAGE = `${COMMAND} list [repository]`;
export const HISTORY_USAGE = `${COMMAND} history [repository | 12-digit account ID | ou-…]`;

/** Why someone asks: free text, checked here when typed and again when a job carries it. */
export const Reason = z
  .string()
  .max(MAX_REASON_LENGTH, { message: `the reason has at most ${MAX_REASON_LENGTH} characters` });

function shown(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}…` : value;
}

function problemsOf(result: z.ZodSafeParseResult<unknown>, label: string, value: string): string[] {
  if (result.success) return [];
  return result.error.issues.map((issue) => `${label} \`${shown(value)}\`: ${issue.message}`);
}

// Phones and Macs turn a typed `--` into a dash, so `—for` and `–for` are read as `--for`, and
// so is `-for`, a dash short.
const FOR = /^(?:-{1,2}|[—–])for(?:=(.*))?$/i;
const LAMBDA = /^(?:-{1,2}|[—–])lambda$/i;
// Any other word like an option is refused rather than read as part of the reason, so a
// mistyped `--fro 7d` cannot quietly become a request with no time limit.
const OPTION_LIKE = /^(?:--|[—–])\p{L}/u;

/**
 * A request's options taken out of its words, wherever they stand after `request`: `--for 7d`
 * or `--for=7d`, and `--lambda`. What is left is the repository, the account and the reason, in that order.
 */
function takeOptions(args: string[]): { words: string[]; durationMs?: number; lambda: boolean; problems: string[] } {
  const words: string[] = [];
  const values: (string | undefined)[] = [];
  const problems: string[] = [];
  let lambda = false;
  const queue = [...args];
  for (let word = queue.shift(); word !== undefined; word = queue.shift()) {
    const match = FOR.exec(word);
    if (match) values.push(match[1] ?? queue.shift());
    else if (LAMBDA.test(word)) lambda = true;
    else if (OPTION_LIKE.test(word)) problems.push(`option \`${shown(word)}\`: a request has two options, --for, like --for 7d, and --lambda`);
    else words.push(word);
  }
  if (values.length === 0) return { words, lambda, problems };
  if (values.length > 1) return { words, lambda, problems: [...problems, '--for is given more than once: give one duration, like --for 7d'] };
  const [value] = values;
  if (!value) return { words, lambda, problems: [...problems, '--for needs a duration after it, like --for 12h or --for 7d'] };
  const duration = DurationText.safeParse(value);
  if (!duration.success) return { words, lambda, problems: [...problems, ...problemsOf(duration, '--for', value)] };
  return { words, durationMs: duration.data, lambda, problems };
}

/**
 * What is wrong with a repository name; a name with capitals that is right in lowercase gets that
 * name as a suggestion, since ECR names are lowercase and people capitalise them by habit.
 */
function repositoryProblems(repository: string): string[] {
  const problems = problemsOf(RepositoryName.safeParse(repository), 'repository', repository);
  const lowercase = repository.toLowerCase();
  if (problems.length > 0 && lowercase !== repository && RepositoryName.safeParse(lowercase).success) {
    return [`repository \`${shown(repository)}\`: repository names are lowercase: did you mean \`${shown(lowercase)}\`?`];
  }
  return problems;
}

const digitCount = (text: string) => text.replace(/\D/g, '').length;

/**
 * The account at the start of `words`: one word, or the digit groups of an ID typed with spaces
 * (`2222 3333 4444`), taken together once they make 12 digits. The words after it are left.
 */
function takeAccount(words: readonly string[]): { typed: string; rest: string[] } | undefined {
  const [first, ...rest] = words;
  if (first === undefined) return undefined;
  let typed = first;
  let taken = 0;
  for (const next of rest) {
    if (!isDigitGroups(typed) || !isDigitGroups(next) || digitCount(typed) + digitCount(next) > 12) break;
    typed = `${typed} ${next}`;
    taken += 1;
  }
  // Groups that do not make an ID are not one: the first word alone is refused, and named.
  if (taken > 0 && digitCount(typed) !== 12) return { typed: first, rest };
  return { typed, rest: rest.slice(taken) };
}

/** An account as typed, read as its 12 digits, with the typed form kept when it was written otherwise. */
function readAccount(typed: string): { account: string; typedAccount?: string; problems: string[] } {
  const parsed = TypedAccountId.safeParse(typed);
  if (!parsed.success) return { account: typed, problems: problemsOf(parsed, 'account', typed) };
  return { account: parsed.data, ...(parsed.data !== typed && { typedAccount: typed }), problems: [] };
}

/** An account, or an organizational unit (`ou-…`, read in lowercase as AWS writes it) whose accounts should all pull. */
function readGrantee(typed: string): { account: string; typedAccount?: string; problems: string[] } {
  if (!looksLikeOu(typed)) return readAccount(typed);
  const ou = typed.toLowerCase();
  const parsed = OuId.safeParse(ou);
  if (!parsed.success) return { account: typed, problems: problemsOf(parsed, 'organizational unit', typed) };
  return { account: ou, ...(ou !== typed && { typedAccount: typed }), problems: [] };
}

/** The repository, the account and the words after them, with what is wrong with either. */
function readTarget(words: readonly string[]) {
  const [repository, ...afterRepository] = words;
  const taken = takeAccount(afterRepository);
  if (repository === undefined || taken === undefined) return undefined;
  const { problems: accountProblems, ...account } = readGrantee(taken.typed);
  return { repository, ...account, rest: taken.rest, problems: [...repositoryProblems(repository), ...accountProblems] };
}

function parseRequest(args: string[]): Command {
  const { words, durationMs, lambda, problems: forProblems } = takeOptions(args);
  const target = readTarget(words);
  if (!target) {
    const missing = 'a request names a repository and the AWS account that should pull from it';
    return { kind: 'invalid', problems: [missing, ...forProblems], usage: REQUEST_USAGE };
  }
  const { repository, account, typedAccount, rest } = target;
  const reason = rest.join(' ');
  // Lambda's statement names one account's functions; an OU has none of its own.
  const lambdaProblems = lambda && looksLikeOu(account) ? ['--lambda is for one account\'s Lambda functions, not an organizational unit: ask for the OU without --lambda, and for each account whose functions need it with --lambda'] : [];
  // In the order of the usage, wherever --for was written.
  const problems = [...target.problems, ...forProblems, ...lambdaProblems, ...problemsOf(Reason.safeParse(reason), 'reason', reason)];
  if (problems.length > 0) return { kind: 'invalid', problems, usage: REQUEST_USAGE };
  return {
    kind: 'request',
    repository,
    account,
    ...(typedAccount && { typedAccount }),
    ...(reason && { reason }),
    ...(durationMs !== undefined && { durationMs }),
    ...(lambda && { lambda: true as const }),
  };
}

function parseRevoke(args: string[]): Command {
  const target = readTarget(args);
  if (!target) {
    const missing = 'a revoke names a repository and the AWS account that should stop pulling from it';
    return { kind: 'invalid', problems: [missing], usage: REVOKE_USAGE };
  }
  const { repository, account, typedAccount, rest } = target;
  const reason = rest.join(' ');
  const problems = [...target.problems, ...problemsOf(Reason.safeParse(reason), 'reason', reason)];
  if (problems.length > 0) return { kind: 'invalid', problems, usage: REVOKE_USAGE };
  return { kind: 'revoke', repository, account, ...(typedAccount && { typedAccount }), ...(reason && { reason }) };
}

function parseList(args: string[]): Command {
  if (args.length > 1) {
    return { kind: 'invalid', problems: ['list takes at most one repository name'], usage: LIST_USAGE };
  }
  const [repository] = args;
  if (repository === undefined) return { kind: 'list' };
  const problems = repositoryProblems(repository);
  return problems.length > 0 ? { kind: 'invalid', problems, usage: LIST_USAGE } : { kind: 'list', repository };
}

// Digits (and the dashes the AWS console writes between them) are read as an account, so a
// mistyped ID is refused as an account rather than looked up as a repository of that name.
const ACCOUNT_LIKE = /^\d[\d-]*$/;

function parseHistory(args: string[]): Command {
  // An account typed in groups with spaces is one subject.
  const subject = args.length > 1 && args.every(isDigitGroups) ? args.join(' ') : args[0];
  if (args.length > 1 && subject === args[0]) {
    return { kind: 'invalid', problems: ['history takes at most one repository name, account ID or organizational unit'], usage: HISTORY_USAGE };
  }
  if (subject === undefined) return { kind: 'history' };
  if (ACCOUNT_LIKE.test(subject) || isDigitGroups(subject) || looksLikeOu(subject)) {
    const { problems, ...account } = readGrantee(subject);
    return problems.length > 0 ? { kind: 'invalid', problems, usage: HISTORY_USAGE } : { kind: 'history', subject: account };
  }
  const problems = repositoryProblems(subject);
  return problems.length > 0 ? { kind: 'invalid', problems, usage: HISTORY_USAGE } : { kind: 'history', subject: { repository: subject } };
}

export function parseCommand(text: string): Command {
  const words = text.trim().split(/\s+/).filter((w) => w.length > 0);
  const [subcommand, ...args] = words;
  if (subcommand === undefined) return { kind: 'form' };
  switch (subcommand.toLowerCase()) {
    case 'help':
      return { kind: 'help' };
    case 'request':
      return parseRequest(args);
    case 'revoke':
      return parseRevoke(args);
    case 'list':
      return parseList(args);
    case 'history':
      return parseHistory(args);
    default:
      return { kind: 'unknown', word: subcommand.length > 40 ? `${subcommand.slice(0, 37)}…` : subcommand };
  }
}
