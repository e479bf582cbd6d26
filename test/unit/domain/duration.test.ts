/**
 * Time limits: typed as whole hours or days, carried as milliseconds, said back in words, and
 * held to a deployment's maximum or requirement.
 */
import fc from 'fast-check';
import { DAY_MS, DurationText, HOUR_MS, MAX_DURATION_MS, checkDuration, formatDuration } from '../../../src/domain/duration';
import { runs } from './property-runs';

function messagesOf(text: string): string[] {
  const result = DurationText.safeParse(text);
  if (result.success) throw new Error(`expected ${JSON.stringify(text)} to be refused, got ${result.data}`);
  return result.error.issues.map((issue) => issue.message);
}

describe('DurationText', () => {
  it.each([
    ['1h', HOUR_MS],
    ['12h', 12 * HOUR_MS],
    ['1d', DAY_MS],
    ['7d', 7 * DAY_MS],
    ['7D', 7 * DAY_MS],
    ['12H', 12 * HOUR_MS],
    ['012h', 12 * HOUR_MS],
  ])('reads %s', (text, ms) => {
    expect(DurationText.parse(text)).toBe(ms);
  });

  it('accepts 365 days, the greatest duration', () => {
    expect(DurationText.parse('365d')).toBe(MAX_DURATION_MS);
  });

  it('accepts 8760 hours, the same greatest duration', () => {
    expect(DurationText.parse('8760h')).toBe(MAX_DURATION_MS);
  });

  it.each(['366d', '8761h', `${'9'.repeat(400)}d`])('refuses %s and says the greatest duration', (text) => {
    expect(messagesOf(text)).toEqual(['a duration is at most 365d (8760h)']);
  });

  it.each(['0h', '0d', '00h'])('refuses %s and says the least duration', (text) => {
    expect(messagesOf(text)).toEqual(['a duration is at least 1h, like 12h or 7d']);
  });

  it.each(['1.5h', '2w', '-3d', '+3d', '12', 'h', 'd', '', '12 h', '12hours', '7days', '1d12h', '١٢h', 'PT12H'])(
    'refuses %j and says the accepted form',
    (text) => {
      expect(messagesOf(text)).toEqual(['a duration is a whole number of hours or days, like 12h or 7d']);
    },
  );
});

describe('formatDuration', () => {
  it.each([
    [HOUR_MS, '1 hour'],
    [12 * HOUR_MS, '12 hours'],
    [36 * HOUR_MS, '36 hours'],
    [DAY_MS, '1 day'],
    [48 * HOUR_MS, '2 days'],
    [MAX_DURATION_MS, '365 days'],
    [60_000, '1 minute'],
    [90 * 60_000, '90 minutes'],
    [1, '1 minute'],
  ])('says %d ms as %s', (ms, words) => {
    expect(formatDuration(ms)).toBe(words);
  });

  it('says back whatever DurationText read in the same number and unit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8760 }), (hours) => {
        const words = formatDuration(DurationText.parse(`${hours}h`));
        expect(words).toBe(hours % 24 === 0 ? `${hours / 24} day${hours === 24 ? '' : 's'}` : `${hours} hour${hours === 1 ? '' : 's'}`);
      }),
      runs(1_000),
    );
  });
});

describe('checkDuration', () => {
  it('lets a request without a time limit through when none is required', () => {
    expect(checkDuration(undefined, {})).toEqual([]);
  });

  it('refuses a request without a time limit when one is required, and says how to add it', () => {
    expect(checkDuration(undefined, { required: true })).toEqual([
      'every request here needs a time limit: add --for, like --for 12h or --for 7d',
    ]);
  });

  it('lets a time limit through when one is required', () => {
    expect(checkDuration(HOUR_MS, { required: true })).toEqual([]);
  });

  it('accepts a time limit of exactly the maximum', () => {
    expect(checkDuration(30 * DAY_MS, { maxMs: 30 * DAY_MS })).toEqual([]);
  });

  it('refuses a time limit one hour past the maximum and says both', () => {
    expect(checkDuration(30 * DAY_MS + HOUR_MS, { maxMs: 30 * DAY_MS })).toEqual([
      'access here lasts at most 30 days, not 721 hours: ask for 30 days or less',
    ]);
  });

  it('leaves a request without a time limit alone under a maximum, unless one is required', () => {
    expect(checkDuration(undefined, { maxMs: DAY_MS })).toEqual([]);
  });
});
