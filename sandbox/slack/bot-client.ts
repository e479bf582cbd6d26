/**
 * Sends a request to the bot's endpoint as Slack does: a form body, signed with the app's
 * signing secret. Overrides let tests send what Slack never would (stale, forged, altered).
 */
import { performance } from 'node:perf_hooks';
import { nowSeconds, signSlackRequest } from './signature';
import type { BotReply } from './types';

export interface PostToBotOptions {
  /** Defaults to Slack's `application/x-www-form-urlencoded`. */
  contentType?: string;
  /** Unix seconds put in X-Slack-Request-Timestamp and signed; defaults to now. */
  timestamp?: number;
  /** Sent as X-Slack-Signature instead of the correct one. */
  signature?: string;
  /** Extra headers, e.g. X-Slack-Retry-Num; they win over the defaults. */
  headers?: Record<string, string>;
}

export async function postSignedToBot(
  botUrl: string,
  signingSecret: string,
  rawBody: string,
  options: PostToBotOptions = {},
): Promise<BotReply> {
  const signed = signSlackRequest(signingSecret, rawBody, options.timestamp ?? nowSeconds());
  const started = performance.now();
  const response = await fetch(botUrl, {
    method: 'POST',
    headers: {
      'Content-Type': options.contentType ?? 'application/x-www-form-urlencoded',
      'User-Agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      ...signed,
      ...(options.signature !== undefined ? { 'X-Slack-Signature': options.signature } : {}),
      ...options.headers,
    },
    body: rawBody,
  });
  const body = await response.text();
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers.entries()),
    body,
    elapsedMs: performance.now() - started,
  };
}
