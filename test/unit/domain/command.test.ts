/**
 * `/ecr-access …` text into a command: help, request, revoke, list, history, or a refusal that
 * says what to fix.
 */
import fc from 'fast-check';
import {
  HISTORY_USAGE,
  LIST_USAGE,
  MAX_REASON_LENGTH,
  REQUEST_USAGE,
  REVOKE_USAGE,
  parseCommand,
  type Command,
} from '../../../src/domain/command';
import { DAY_MS, HOUR_MS, MAX_DURATION_MS } from '../../../src/domain/duration';
import { runs } from './property-runs';

const KINDS: ReadonlySet<Command['kind']> = new Set(['form', 'help', 'unknown', 'invalid', 'request', 'revoke', 'list', 'history']);
const FORM = 'a duration is a whole number of hours or days, like 12h or 7d';

function problemsOf(command: Command): string[] {
  if (command.kind !== 'invalid') throw new Error(`expected an invalid command, got ${JSON.stringify(command)}`);
  return command.problems;
}

describe('parseCommand', () => {
  describe('help', () => {
    it.each(['help', 'HELP', '  Help  ', 'help me please'])('answers %j with help', (text) => {
      expect(parseCommand(text)).toEqual({ kind: 'help' });
    });
  });

  describe('the request form', () => {
    it.each(['', '   ', '\n\t '])('opens for %j, the command alone', (text) => {
      expect(parseCommand(text)).toEqual({ kind: 'form' });
    });
  });

  describe('request', () => {
    it('reads a repository and an account', () => {
      expect(parseCommand('request common-images 222233334444')).toEqual({
        kind: 'request',
        repository: 'common-images',
        account: '222233334444',
      });
    });

    it('reads everything after the account as the reason', () => {
      expect(parseCommand('request team/base 222233334444 nightly builds for payments')).toMatchObject({
        kind: 'request',
        reason: 'nightly builds for payments',
      });
    });

    it('leaves the reason out when none is given', () => {
      expect(parseCommand('request common-images 222233334444   ')).not.toHaveProperty('reason');
    });

    it('tolerates extra spaces, tabs and a capitalised subcommand', () => {
      expect(parseCommand('  Request\tcommon-images   222233334444  ')).toEqual({
        kind: 'request',
        repository: 'common-images',
        account: '222233334444',
      });
    });

    it(`accepts a reason of ${MAX_REASON_LENGTH} characters`, () => {
      const reason = 'r'.repeat(MAX_REASON_LENGTH);
      expect(parseCommand(`request common-images 222233334444 ${reason}`)).toMatchObject({ kind: 'request', reason });
    });

    it(`refuses a reason longer than ${MAX_REASON_LENGTH} characters and says the limit`, () => {
      const command = parseCommand(`request common-images 222233334444 ${'r'.repeat(MAX_REASON_LENGTH + 1)}`);
      expect(problemsOf(command)).toEqual([expect.stringMatching(new RegExp(`^reason \`r+…\`: .*at most ${MAX_REASON_LENGTH} characters`))]);
    });

    it(`counts a reason's length after joining its words with single spaces`, () => {
      const words = `${'r'.repeat(MAX_REASON_LENGTH - 2)}   r`; // 500 characters once the spaces are one
      expect(parseCommand(`request common-images 222233334444 ${words}`)).toMatchObject({ kind: 'request', reason: `${'r'.repeat(MAX_REASON_LENGTH - 2)} r` });
    });

    it('refuses an 11-digit account and says an account ID has 12 digits', () => {
      const problems = problemsOf(parseCommand('request common-images 22223333444'));
      expect(problems).toEqual([expect.stringMatching(/^account `22223333444`: .*12 digits/)]);
    });

    it.each(['2222333344445', '22223333444a', 'arn:aws:iam::222233334444:root', '2222-3333-444', '2222--3333-4444'])(
      'refuses the account %s',
      (account) => {
        expect(problemsOf(parseCommand(`request common-images ${account}`))).toEqual([expect.stringMatching(/^account `.*12 digits/)]);
      },
    );

    it.each([
      ['dashes', '2222-3333-4444'],
      ['spaces', '2222 3333 4444'],
      ['dashes and spaces', '2222-3333 4444'],
    ])('reads an account typed in groups with %s as its 12 digits, keeping how it was typed', (_, typed) => {
      expect(parseCommand(`request common-images ${typed} nightly builds`)).toEqual({
        kind: 'request',
        repository: 'common-images',
        account: '222233334444',
        typedAccount: typed,
        reason: 'nightly builds',
      });
    });

    it('reads a reason that starts with digits as the reason once the account has its 12 digits', () => {
      expect(parseCommand('request common-images 222233334444 2024 migration')).toMatchObject({ account: '222233334444', reason: '2024 migration' });
      expect(parseCommand('request common-images 2222 3333 4444 2024 migration')).toMatchObject({ account: '222233334444', reason: '2024 migration' });
    });

    it('refuses digit groups that do not make 12 digits, naming the first group', () => {
      expect(problemsOf(parseCommand('request common-images 2222 3333 444 nightly'))).toEqual([expect.stringMatching(/^account `2222`: .*12 digits/)]);
    });

    it('suggests the lowercase name for a repository typed with capitals', () => {
      expect(problemsOf(parseCommand('request Common-Images 222233334444'))).toEqual([
        'repository `Common-Images`: repository names are lowercase: did you mean `common-images`?',
      ]);
    });

    it.each([
      ['uppercase letters that are wrong in lowercase too', 'Common_Images!'],
      ['a leading separator', '-images'],
      ['a trailing separator', 'images-'],
      ['two separators in a row', 'common--images'],
      ['an empty path segment', 'team//base'],
      ['a trailing slash', 'team/'],
      ['a character ECR does not allow', 'common_images!'],
      ['a #channel-like name', '#common-images'],
    ])('refuses a repository name with %s, by ECR’s rule', (_, repository) => {
      expect(problemsOf(parseCommand(`request ${repository} 222233334444`))).toEqual([
        expect.stringMatching(/^repository `.*`: a repository name is lowercase letters and digits/),
      ]);
    });

    it('refuses a one-character repository name and says the least length', () => {
      expect(problemsOf(parseCommand('request a 222233334444'))).toEqual([expect.stringMatching(/^repository `a`: .*at least 2 characters/)]);
    });

    it('refuses a repository name of 257 characters and says the greatest length', () => {
      expect(problemsOf(parseCommand(`request ${'a'.repeat(257)} 222233334444`))).toEqual([
        expect.stringMatching(/^repository `a+…`: .*at most 256 characters/),
      ]);
    });

    it.each(['ab', 'common-images', 'team/base', 'a.b_c-d/e0', `${'a'.repeat(256)}`])('accepts the repository name %s', (repository) => {
      expect(parseCommand(`request ${repository} 222233334444`)).toMatchObject({ kind: 'request', repository });
    });

    it('reports every problem at once, in the order of the words', () => {
      expect(problemsOf(parseCommand(`request Common 1234 ${'r'.repeat(MAX_REASON_LENGTH + 1)}`))).toEqual([
        expect.stringMatching(/^repository `Common`/),
        expect.stringMatching(/^account `1234`/),
        expect.stringMatching(/^reason `/),
      ]);
    });

    it('shows a bad value of 60 characters in full', () => {
      const account = '9'.repeat(60);
      expect(problemsOf(parseCommand(`request common-images ${account}`))).toEqual([expect.stringMatching(new RegExp(`^account \`${account}\`:`))]);
    });

    it('shows a bad value of 61 characters as its first 57 and an ellipsis', () => {
      const account = `${'9'.repeat(57)}8765`;
      expect(problemsOf(parseCommand(`request common-images ${account}`))).toEqual([expect.stringMatching(new RegExp(`^account \`${'9'.repeat(57)}…\`:`))]);
    });

    it.each(['request', 'request common-images'])('refuses %j and says a request names a repository and an account', (text) => {
      expect(parseCommand(text)).toEqual({
        kind: 'invalid',
        problems: [expect.stringMatching(/names a repository and the AWS account/)],
        usage: REQUEST_USAGE,
      });
    });
  });

  describe('request for a time', () => {
    it('reads --for in hours', () => {
      expect(parseCommand('request common-images 222233334444 --for 12h')).toEqual({
        kind: 'request',
        repository: 'common-images',
        account: '222233334444',
        durationMs: 12 * HOUR_MS,
      });
    });

    it('reads --for in days, before the reason', () => {
      expect(parseCommand('request common-images 222233334444 --for 7d nightly builds')).toEqual({
        kind: 'request',
        repository: 'common-images',
        account: '222233334444',
        durationMs: 7 * DAY_MS,
        reason: 'nightly builds',
      });
    });

    it('reads --for=7d as --for 7d', () => {
      expect(parseCommand('request common-images 222233334444 --for=7d')).toMatchObject({ kind: 'request', durationMs: 7 * DAY_MS });
    });

    it('reads --for after the reason and keeps it out of the reason', () => {
      expect(parseCommand('request common-images 222233334444 nightly builds --for 7d')).toMatchObject({
        kind: 'request',
        reason: 'nightly builds',
        durationMs: 7 * DAY_MS,
      });
    });

    it('reads --for in the middle of the reason and joins the words around it', () => {
      expect(parseCommand('request common-images 222233334444 nightly --for 7d builds')).toMatchObject({
        reason: 'nightly builds',
        durationMs: 7 * DAY_MS,
      });
    });

    it('reads --for before the repository and the account', () => {
      expect(parseCommand('request --for 12h common-images 222233334444')).toEqual({
        kind: 'request',
        repository: 'common-images',
        account: '222233334444',
        durationMs: 12 * HOUR_MS,
      });
    });

    it.each(['--FOR 7D', '—for 7d', '–for 7d', '-for 7d', '—for=7d'])('reads %s, as a phone or a hurried hand writes --for 7d', (option) => {
      expect(parseCommand(`request common-images 222233334444 ${option}`)).toMatchObject({ kind: 'request', durationMs: 7 * DAY_MS });
    });

    it('leaves durationMs out when no --for is given', () => {
      expect(parseCommand('request common-images 222233334444 nightly builds')).not.toHaveProperty('durationMs');
    });

    it('accepts 365d, the greatest time', () => {
      expect(parseCommand('request common-images 222233334444 --for 365d')).toMatchObject({ durationMs: MAX_DURATION_MS });
    });

    it('refuses 366d and says the greatest time', () => {
      expect(parseCommand('request common-images 222233334444 --for 366d')).toEqual({
        kind: 'invalid',
        problems: ['--for `366d`: a duration is at most 365d (8760h)'],
        usage: REQUEST_USAGE,
      });
    });

    it('accepts 1h, the least time', () => {
      expect(parseCommand('request common-images 222233334444 --for 1h')).toMatchObject({ durationMs: HOUR_MS });
    });

    it('refuses 0h and says the least time', () => {
      expect(problemsOf(parseCommand('request common-images 222233334444 --for 0h'))).toEqual([
        '--for `0h`: a duration is at least 1h, like 12h or 7d',
      ]);
    });

    it.each(['1.5h', '2w', '-3d', '12', 'tomorrow'])('refuses --for %s and says the accepted form', (value) => {
      expect(problemsOf(parseCommand(`request common-images 222233334444 --for ${value}`))).toEqual([`--for \`${value}\`: ${FORM}`]);
    });

    it.each(['--for', '--for='])('refuses %j with no duration and says how to give one', (option) => {
      expect(problemsOf(parseCommand(`request common-images 222233334444 ${option}`))).toEqual([
        '--for needs a duration after it, like --for 12h or --for 7d',
      ]);
    });

    it('refuses --for given twice', () => {
      expect(problemsOf(parseCommand('request common-images 222233334444 --for 7d --for 12h'))).toEqual([
        '--for is given more than once: give one duration, like --for 7d',
      ]);
    });

    it('refuses another option rather than read it as the reason, so a typo cannot drop the time', () => {
      expect(problemsOf(parseCommand('request common-images 222233334444 --fro 7d'))).toEqual([
        'option `--fro`: a request has two options, --for, like --for 7d, and --lambda',
      ]);
    });

    it('refuses --for run into its value', () => {
      expect(problemsOf(parseCommand('request common-images 222233334444 --for7d'))).toEqual([
        'option `--for7d`: a request has two options, --for, like --for 7d, and --lambda',
      ]);
    });

    it('reads --lambda wherever it stands, and keeps it out of the reason', () => {
      expect(parseCommand('request common-images 222233334444 --lambda nightly builds')).toEqual({
        kind: 'request',
        repository: 'common-images',
        account: '222233334444',
        reason: 'nightly builds',
        lambda: true,
      });
      expect(parseCommand('request --LAMBDA common-images 222233334444 --for 7d')).toMatchObject({ lambda: true, durationMs: 7 * DAY_MS });
      expect(parseCommand('request common-images 222233334444 nightly —lambda')).toMatchObject({ lambda: true, reason: 'nightly' });
    });

    it('leaves lambda out when no --lambda is given, and refuses --lambda run into a value', () => {
      expect(parseCommand('request common-images 222233334444 nightly')).not.toHaveProperty('lambda');
      expect(problemsOf(parseCommand('request common-images 222233334444 --lambda=yes'))).toEqual([
        'option `--lambda=yes`: a request has two options, --for, like --for 7d, and --lambda',
      ]);
    });

    it('reads words that only begin with a dash, or are dashes, as the reason', () => {
      expect(parseCommand('request common-images 222233334444 builds -- for -x 7d')).toMatchObject({
        kind: 'request',
        reason: 'builds -- for -x 7d',
      });
    });

    it('does not count --for and its value in the reason length', () => {
      const reason = 'r'.repeat(MAX_REASON_LENGTH);
      expect(parseCommand(`request common-images 222233334444 --for 7d ${reason}`)).toMatchObject({ reason, durationMs: 7 * DAY_MS });
    });

    it('reports every problem in the order of the usage, wherever --for was written', () => {
      expect(problemsOf(parseCommand(`request --for 2w Common 1234 ${'r'.repeat(MAX_REASON_LENGTH + 1)}`))).toEqual([
        expect.stringMatching(/^repository `Common`/),
        expect.stringMatching(/^account `1234`/),
        `--for \`2w\`: ${FORM}`,
        expect.stringMatching(/^reason `/),
      ]);
    });

    it('reports a bad --for with a missing account too', () => {
      expect(parseCommand('request common-images --for 2w')).toEqual({
        kind: 'invalid',
        problems: ['a request names a repository and the AWS account that should pull from it', `--for \`2w\`: ${FORM}`],
        usage: REQUEST_USAGE,
      });
    });
  });

  describe('request for an organizational unit', () => {
    it('reads an OU ID in place of the account, with --for and a reason as an account takes them', () => {
      expect(parseCommand('request common-images ou-ab12-11111111 --for 7d analytics team')).toEqual({
        kind: 'request',
        repository: 'common-images',
        account: 'ou-ab12-11111111',
        reason: 'analytics team',
        durationMs: 7 * DAY_MS,
      });
    });

    it('reads an OU ID typed in capitals in lowercase, as AWS writes it, and says how it was typed', () => {
      expect(parseCommand('request common-images OU-AB12-11111111')).toEqual({ kind: 'request', repository: 'common-images', account: 'ou-ab12-11111111', typedAccount: 'OU-AB12-11111111' });
    });

    it('refuses a malformed OU ID with the form it should take', () => {
      expect(problemsOf(parseCommand('request common-images ou-ab12'))).toEqual(['organizational unit `ou-ab12`: an organizational unit ID looks like ou-ab12-11111111']);
    });

    it('refuses --lambda for an OU, saying to ask for each account instead', () => {
      expect(problemsOf(parseCommand('request common-images ou-ab12-11111111 --lambda'))).toEqual([
        "--lambda is for one account's Lambda functions, not an organizational unit: ask for the OU without --lambda, and for each account whose functions need it with --lambda",
      ]);
    });

    it('revokes an OU grant by its OU ID', () => {
      expect(parseCommand('revoke common-images ou-ab12-11111111 moved away')).toEqual({ kind: 'revoke', repository: 'common-images', account: 'ou-ab12-11111111', reason: 'moved away' });
    });
  });

  describe('revoke', () => {
    it('reads a repository and an account', () => {
      expect(parseCommand('revoke common-images 222233334444')).toEqual({
        kind: 'revoke',
        repository: 'common-images',
        account: '222233334444',
      });
    });

    it('reads everything after the account as the reason', () => {
      expect(parseCommand('Revoke team/base 222233334444 project   ended')).toEqual({
        kind: 'revoke',
        repository: 'team/base',
        account: '222233334444',
        reason: 'project ended',
      });
    });

    it(`accepts a reason of ${MAX_REASON_LENGTH} characters`, () => {
      const reason = 'r'.repeat(MAX_REASON_LENGTH);
      expect(parseCommand(`revoke common-images 222233334444 ${reason}`)).toMatchObject({ kind: 'revoke', reason });
    });

    it(`refuses a reason longer than ${MAX_REASON_LENGTH} characters and says the limit`, () => {
      expect(parseCommand(`revoke common-images 222233334444 ${'r'.repeat(MAX_REASON_LENGTH + 1)}`)).toEqual({
        kind: 'invalid',
        problems: [`reason \`${'r'.repeat(57)}…\`: the reason has at most ${MAX_REASON_LENGTH} characters`],
        usage: REVOKE_USAGE,
      });
    });

    it('reports a bad repository and a bad account at once', () => {
      expect(parseCommand('revoke Common 1234')).toEqual({
        kind: 'invalid',
        problems: ['repository `Common`: repository names are lowercase: did you mean `common`?', 'account `1234`: an AWS account ID is exactly 12 digits, like 222233334444'],
        usage: REVOKE_USAGE,
      });
    });

    it.each(['revoke', 'revoke common-images'])('refuses %j and says a revoke names a repository and an account', (text) => {
      expect(parseCommand(text)).toEqual({
        kind: 'invalid',
        problems: ['a revoke names a repository and the AWS account that should stop pulling from it'],
        usage: REVOKE_USAGE,
      });
    });

    it('takes --for as part of the reason, since a revoke has no time', () => {
      expect(parseCommand('revoke common-images 222233334444 --for 7d')).toMatchObject({ kind: 'revoke', reason: '--for 7d' });
    });
  });

  describe('list', () => {
    it('lists every repository when none is named', () => {
      expect(parseCommand('list')).toEqual({ kind: 'list' });
    });

    it('lists one repository', () => {
      expect(parseCommand('list team/base')).toEqual({ kind: 'list', repository: 'team/base' });
    });

    it('refuses a bad repository name with the list usage and says what is wrong with it', () => {
      expect(parseCommand('list team//base')).toEqual({
        kind: 'invalid',
        problems: [expect.stringMatching(/^repository `team\/\/base`: a repository name is lowercase/)],
        usage: LIST_USAGE,
      });
    });

    it('refuses more than one repository and says list takes one', () => {
      expect(parseCommand('list a1 b2')).toEqual({ kind: 'invalid', problems: [expect.stringMatching(/at most one repository/)], usage: LIST_USAGE });
    });
  });

  describe('history', () => {
    it('shows all history when nothing is named', () => {
      expect(parseCommand('history')).toEqual({ kind: 'history' });
    });

    it('reads a capitalised subcommand', () => {
      expect(parseCommand('  HISTORY  ')).toEqual({ kind: 'history' });
    });

    it('reads a repository name as the repository whose history to show', () => {
      expect(parseCommand('history team/base')).toEqual({ kind: 'history', subject: { repository: 'team/base' } });
    });

    it('reads an organizational unit, in any case, as the OU whose history to show; a malformed one is refused as an OU', () => {
      expect(parseCommand('history OU-AB12-11111111')).toEqual({ kind: 'history', subject: { account: 'ou-ab12-11111111', typedAccount: 'OU-AB12-11111111' } });
      expect(parseCommand('history ou-ab12')).toMatchObject({ kind: 'invalid', usage: expect.stringContaining('ou-…') });
    });

    it('reads 12 digits as the account whose history to show', () => {
      expect(parseCommand('history 222233334444')).toEqual({ kind: 'history', subject: { account: '222233334444' } });
    });

    it.each(['22223333444', '2222333344445', '2222-3333-444'])('refuses %s as an account, not a repository, and says 12 digits', (account) => {
      expect(parseCommand(`history ${account}`)).toEqual({
        kind: 'invalid',
        problems: [`account \`${account}\`: an AWS account ID is exactly 12 digits, like 222233334444`],
        usage: HISTORY_USAGE,
      });
    });

    it('reads a name that starts with letters and has digits as a repository', () => {
      expect(parseCommand('history team2/base-2024')).toEqual({ kind: 'history', subject: { repository: 'team2/base-2024' } });
    });

    it('refuses a bad repository name and says what is wrong with it', () => {
      expect(parseCommand('history team//base')).toEqual({
        kind: 'invalid',
        problems: [expect.stringMatching(/^repository `team\/\/base`: a repository name is lowercase/)],
        usage: HISTORY_USAGE,
      });
    });

    it('suggests the lowercase name for a repository typed with capitals', () => {
      expect(parseCommand('history Team/Base')).toEqual({
        kind: 'invalid',
        problems: ['repository `Team/Base`: repository names are lowercase: did you mean `team/base`?'],
        usage: HISTORY_USAGE,
      });
    });

    it.each(['2222-3333-4444', '2222 3333 4444'])('reads the account %s typed in groups', (typed) => {
      expect(parseCommand(`history ${typed}`)).toEqual({ kind: 'history', subject: { account: '222233334444', typedAccount: typed } });
    });

    it('refuses more than one argument and says history takes one', () => {
      expect(parseCommand('history team/base 222233334444')).toEqual({
        kind: 'invalid',
        problems: ['history takes at most one repository name, account ID or organizational unit'],
        usage: HISTORY_USAGE,
      });
    });
  });

  describe('an unknown subcommand', () => {
    it('is named in the result', () => {
      expect(parseCommand('grant common-images 222233334444')).toEqual({ kind: 'unknown', word: 'grant' });
    });

    it('is shortened when it is very long', () => {
      const command = parseCommand('x'.repeat(500));
      expect(command).toEqual({ kind: 'unknown', word: `${'x'.repeat(37)}…` });
    });

    it('is named in full up to 40 characters', () => {
      expect(parseCommand('x'.repeat(40))).toEqual({ kind: 'unknown', word: 'x'.repeat(40) });
    });

    it('is shortened from 41 characters', () => {
      expect(parseCommand('x'.repeat(41))).toEqual({ kind: 'unknown', word: `${'x'.repeat(37)}…` });
    });
  });
});

// ---- properties -----------------------------------------------------------------------------

const segment = fc.stringMatching(/^[a-z0-9]{1,6}([._-][a-z0-9]{1,6}){0,2}$/);
const repositoryName = fc
  .array(segment, { minLength: 1, maxLength: 3 })
  .map((parts) => parts.join('/'))
  .filter((name) => name.length >= 2 && name.length <= 256);
const accountId = fc.stringMatching(/^\d{12}$/);
// Words that are not options: anything else starting with -- or a long dash is one.
const reasonWords = fc
  .array(fc.stringMatching(/^[^\s]{1,12}$/).filter((word) => !/^(?:--|[—–]|-for)/i.test(word)), { maxLength: 8 })
  .map((words) => words.join(' '));
const duration = fc.oneof(
  fc.integer({ min: 1, max: 8760 }).map((hours) => ({ text: `${hours}h`, ms: hours * HOUR_MS })),
  fc.integer({ min: 1, max: 365 }).map((days) => ({ text: `${days}d`, ms: days * DAY_MS })),
);

describe('parseCommand over arbitrary text', () => {
  it('never throws and always answers with one of its kinds', () => {
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc
        .array(
          fc.oneof(
            fc.constantFrom('request', 'revoke', 'list', 'history', 'help', 'REQUEST', '--for', '--for=', '7d', ' ', '\t', '\n', '222233334444', 'common-images'),
            fc.string({ maxLength: 8 }),
          ),
        )
        .map((words) => words.join(' ')),
    );
    fc.assert(
      fc.property(text, (t) => {
        const command = parseCommand(t);
        expect(KINDS.has(command.kind)).toBe(true);
        if (command.kind === 'invalid') expect(command.problems.length).toBeGreaterThan(0);
      }),
      runs(10_000),
    );
  });

  it('reads back every valid request it could be given', () => {
    fc.assert(
      fc.property(repositoryName, accountId, reasonWords, (repository, account, reason) => {
        const command = parseCommand(`request ${repository} ${account} ${reason}`);
        expect(command).toEqual(reason ? { kind: 'request', repository, account, reason } : { kind: 'request', repository, account });
      }),
      runs(1_000),
    );
  });

  it('reads back every valid timed request, wherever --for stands among the reason words', () => {
    fc.assert(
      fc.property(repositoryName, accountId, reasonWords, duration, fc.nat(), (repository, account, reason, { text, ms }, at) => {
        const words = reason ? reason.split(' ') : [];
        words.splice(at % (words.length + 1), 0, '--for', text);
        const command = parseCommand(`request ${repository} ${account} ${words.join(' ')}`);
        expect(command).toEqual({ kind: 'request', repository, account, durationMs: ms, ...(reason && { reason }) });
      }),
      runs(1_000),
    );
  });

  it('reads back every valid revoke it could be given', () => {
    fc.assert(
      fc.property(repositoryName, accountId, reasonWords, (repository, account, reason) => {
        const command = parseCommand(`revoke ${repository} ${account} ${reason}`);
        expect(command).toEqual({ kind: 'revoke', repository, account, ...(reason && { reason }) });
      }),
      runs(1_000),
    );
  });
});
