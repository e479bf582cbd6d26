/**
 * `/ecr-access …` text into a command: help, request, list, or a refusal that says what to fix.
 */
import fc from 'fast-check';
import { LIST_USAGE, MAX_REASON_LENGTH, REQUEST_USAGE, parseCommand, type Command } from '../../../src/domain/command';
import { runs } from './property-runs';

const KINDS: ReadonlySet<Command['kind']> = new Set(['help', 'unknown', 'invalid', 'request', 'list']);

function problemsOf(command: Command): string[] {
  if (command.kind !== 'invalid') throw new Error(`expected an invalid command, got ${JSON.stringify(command)}`);
  return command.problems;
}

describe('parseCommand', () => {
  describe('help', () => {
    it.each(['', '   ', '\n\t ', 'help', 'HELP', '  Help  ', 'help me please'])('answers %j with help', (text) => {
      expect(parseCommand(text)).toEqual({ kind: 'help' });
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

    it.each(['2222333344445', '22223333444a', 'arn:aws:iam::222233334444:root', '2222-3333-4444'])(
      'refuses the account %s',
      (account) => {
        expect(problemsOf(parseCommand(`request common-images ${account}`))).toEqual([expect.stringMatching(/^account `.*12 digits/)]);
      },
    );

    it.each([
      ['uppercase letters', 'Common-Images'],
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

  describe('list', () => {
    it('lists every repository when none is named', () => {
      expect(parseCommand('list')).toEqual({ kind: 'list' });
    });

    it('lists one repository', () => {
      expect(parseCommand('list team/base')).toEqual({ kind: 'list', repository: 'team/base' });
    });

    it('refuses a bad repository name with the list usage and says what is wrong with it', () => {
      expect(parseCommand('list Team/Base')).toEqual({
        kind: 'invalid',
        problems: [expect.stringMatching(/^repository `Team\/Base`: a repository name is lowercase/)],
        usage: LIST_USAGE,
      });
    });

    it('refuses more than one repository and says list takes one', () => {
      expect(parseCommand('list a1 b2')).toEqual({ kind: 'invalid', problems: [expect.stringMatching(/at most one repository/)], usage: LIST_USAGE });
    });
  });

  describe('an unknown subcommand', () => {
    it('is named in the result', () => {
      expect(parseCommand('revoke common-images 222233334444')).toEqual({ kind: 'unknown', word: 'revoke' });
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
const reasonWords = fc.array(fc.stringMatching(/^[^\s]{1,12}$/), { maxLength: 8 }).map((words) => words.join(' '));

describe('parseCommand over arbitrary text', () => {
  it('never throws and always answers with one of its kinds', () => {
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.array(fc.oneof(fc.constantFrom('request', 'list', 'help', 'REQUEST', ' ', '\t', '\n', '222233334444', 'common-images'), fc.string({ maxLength: 8 }))).map((words) => words.join(' ')),
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
});
