/**
 * Signs requests the way Slack signs what it sends to an app: v0 HMAC-SHA256 over
 * `v0:<timestamp>:<raw body>`. The one place tests and the simulator build these headers.
 */
import { createHmac } from 'node:crypto';

export interface SlackSignatureHeaders {
  'X-Slack-Request-Timestamp': string;
  'X-Slack-Signature': string;
}

/** `v0=<hex digest>` for one body at one timestamp (unix seconds). */
function slackSignature(signingSecret: string, rawBody: string, timestampSeconds: number): string {
  const digest = createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${rawBody}`).digest('hex');
  return `v0=${digest}`;
}

export function signSlackRequest(
  signingSecret: string,
  rawBody: string,
  timestampSeconds: number = nowSeconds(),
): SlackSignatureHeaders {
  return {
    'X-Slack-Request-Timestamp': String(timestampSeconds),
    'X-Slack-Signature': slackSignature(signingSecret, rawBody, timestampSeconds),
  };
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
