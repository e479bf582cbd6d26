// Whether a request's Slack timestamp is one we accept, for every runtime. Bolt checks the
// signature and refuses requests dated over five minutes ago, but takes any date in the future;
// a signed request from the future could be replayed for as long as its date lies ahead.

export const SLACK_TIMESTAMP_HEADER = 'x-slack-request-timestamp';

/** How far, either way, a request's date may be from our clock: Slack's own replay window. */
export const SLACK_TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

/** True when the X-Slack-Request-Timestamp value (unix seconds) is within five minutes of now, either way. */
export function isAcceptableSlackTimestamp(header: string | undefined, nowMs: number): boolean {
  if (header === undefined || !/^\d{1,12}$/.test(header)) return false;
  return Math.abs(Number(header) - Math.floor(nowMs / 1000)) <= SLACK_TIMESTAMP_TOLERANCE_SECONDS;
}
