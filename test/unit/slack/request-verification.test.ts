// Which X-Slack-Request-Timestamp values are accepted: within five minutes of now, either way.
import { isAcceptableSlackTimestamp, SLACK_TIMESTAMP_TOLERANCE_SECONDS } from '../../../src/slack/request-verification';

const NOW_MS = 1_700_000_000_500;
const nowSeconds = Math.floor(NOW_MS / 1000);
const at = (offsetSeconds: number) => String(nowSeconds + offsetSeconds);

describe('isAcceptableSlackTimestamp', () => {
  it('allows five minutes either way, as Slack does', () => {
    expect(SLACK_TIMESTAMP_TOLERANCE_SECONDS).toBe(300);
  });

  it.each([
    ['now', at(0)],
    ['five minutes ago', at(-300)],
    ['five minutes ahead', at(300)],
  ])('accepts a request dated %s', (_name, header) => {
    expect(isAcceptableSlackTimestamp(header, NOW_MS)).toBe(true);
  });

  it.each([
    ['more than five minutes ahead', at(301)],
    ['far in the future', at(365 * 24 * 3600)],
    ['more than five minutes ago', at(-301)],
    ['with no date', undefined],
    ['with an empty date', ''],
    ['with a date that is not a number', 'soon'],
    ['with a fractional date', `${nowSeconds}.5`],
    ['with a negative date', '-1'],
    ['with a date in milliseconds', String(NOW_MS)],
  ])('refuses a request dated %s', (_name, header) => {
    expect(isAcceptableSlackTimestamp(header, NOW_MS)).toBe(false);
  });
});
