/**
 * A process trusts its clock while it is within half the clock margin of AWS's, and otherwise
 * says why in the log, at most once a minute.
 */
import { awsClockCheck } from '../../../src/aws/clock-check';
import { createLogger } from '../../../src/logger';

const MARGIN_MS = 60_000;

/** A check over an offset the test sets, with the log it writes and the time it warns by. */
class World {
  at = Date.parse('2026-12-01T09:00:00.000Z');
  readonly lines: string[] = [];
  readonly check = awsClockCheck(
    { offsetMs: () => this.aheadMs },
    { marginMs: MARGIN_MS, logger: createLogger({ level: 'debug', write: (line) => this.lines.push(line) }), now: () => this.at },
  );
  constructor(public aheadMs: number | undefined) {}

  entries(level: string) {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.level === level);
  }
}

const world = (aheadMs: number | undefined) => new World(aheadMs);

describe('awsClockCheck', () => {
  it.each([0, 29_999, 30_000, -30_000])('trusts a clock %i ms ahead of AWS’s, within half the margin, and logs nothing', (aheadMs) => {
    const w = world(aheadMs);
    expect(w.check.trusted()).toBe(true);
    expect(w.lines).toEqual([]);
  });

  it.each([30_001, 45_000, 120_000, -45_000])('does not trust a clock %i ms ahead of AWS’s, more than half the margin', (aheadMs) => {
    expect(world(aheadMs).check.trusted()).toBe(false);
  });

  it('does not trust a clock before AWS has answered, and says so', () => {
    const w = world(undefined);
    expect(w.check.trusted()).toBe(false);
    expect(w.entries('warn')).toEqual([expect.objectContaining({ message: expect.stringContaining('no answer from AWS yet'), clockMarginMs: MARGIN_MS })]);
  });

  it('answers the offset it was given', () => {
    expect(world(-1_234).check.offsetMs()).toBe(-1_234);
    expect(world(undefined).check.offsetMs()).toBeUndefined();
  });

  it('warns with the offset and the margin', () => {
    const w = world(120_400);
    w.check.trusted();
    expect(w.entries('warn')).toEqual([
      expect.objectContaining({ message: expect.stringContaining('ECR_ACCESS_CLOCK_MARGIN_SECONDS'), aheadOfAwsMs: 120_400, clockMarginMs: MARGIN_MS }),
    ]);
  });

  it('warns at most once a minute while the clock stays untrusted', () => {
    const w = world(120_000);
    w.check.trusted();
    w.at += 10_000;
    w.check.trusted();
    w.at += 49_999;
    w.check.trusted();
    expect(w.entries('warn')).toHaveLength(1);
    w.at += 1;
    w.check.trusted();
    expect(w.entries('warn')).toHaveLength(2);
  });

  it('warns again at once when its clock has gone back since the last warning', () => {
    const w = world(120_000);
    w.check.trusted();
    w.at -= 1_000;
    w.check.trusted();
    expect(w.entries('warn')).toHaveLength(2);
  });

  it('says once that the clock agrees again, and warns at once if it strays again', () => {
    const w = world(120_000);
    w.check.trusted();
    w.aheadMs = 200;
    w.at += 1_000;
    expect(w.check.trusted()).toBe(true);
    expect(w.check.trusted()).toBe(true);
    expect(w.entries('info')).toEqual([expect.objectContaining({ message: expect.stringContaining('agrees with AWS’s again'), aheadOfAwsMs: 200 })]);
    w.aheadMs = -90_000;
    w.at += 1_000;
    w.check.trusted();
    expect(w.entries('warn')).toHaveLength(2);
  });
});
