// Slack sends a request again, with X-Slack-Retry-Num, when the first delivery was not answered
// in time; over Socket Mode, an envelope again with retry_attempt. That delivery reached us and
// is being answered, so a retry is acknowledged and goes no further: one click, one decision,
// one reply; one command, one submission. Should the first delivery have failed before its job
// started, Slack has shown the user an error and they try again, which is a new request.
import type { AnyMiddlewareArgs, App, Middleware } from '@slack/bolt';

export const acknowledgeRetriesOnly: Middleware<AnyMiddlewareArgs> = async (args) => {
  const { retryNum, retryReason } = args.context;
  // A Socket Mode envelope may carry retry_attempt 0 on its first delivery, as Events API envelopes do.
  if (retryNum === undefined || retryNum === 0) {
    await args.next();
    return;
  }
  args.logger.info(`acknowledged Slack's retry ${retryNum} (${retryReason ?? 'no reason given'}) without acting on it again`);
  // Events API requests are acknowledged by Bolt itself and carry no ack.
  if ('ack' in args && args.ack) await (args.ack as () => Promise<void>)();
};

export function registerRetryGuard(app: App): void {
  app.use(acknowledgeRetriesOnly);
}
