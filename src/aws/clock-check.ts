// The ClockCheck port from what AWS's answers taught (src/aws/aws-clock.ts): a process trusts
// its clock only within half the clock margin of AWS's, because two processes that are each
// that close to AWS are within the whole margin of each other, which is what a lease's landing
// time allows for (src/aws/repository-lease.ts).
import type { Logger } from '../logger';
import type { ClockCheck } from '../service/ports';

/** How often, at most, an untrusted clock is reported: often enough to be seen, not so often that it drowns the log. */
const WARN_EVERY_MS = 60_000;

export function awsClockCheck(
  offset: { offsetMs(): number | undefined },
  options: {
    /** How far two processes' clocks may disagree (ECR_ACCESS_CLOCK_MARGIN_SECONDS). */
    marginMs: number;
    logger: Logger;
    /** Times the warnings; the wall clock by default. */
    now?: () => number;
  },
): ClockCheck {
  const { marginMs, logger } = options;
  const now = options.now ?? Date.now;
  let warnedAt: number | undefined;

  const warn = (aheadOfAwsMs: number | undefined) => {
    const at = now();
    // A clock that went back since the last warning is news of its own.
    if (warnedAt !== undefined && at >= warnedAt && at - warnedAt < WARN_EVERY_MS) return;
    warnedAt = at;
    if (aheadOfAwsMs === undefined) {
      // Not trusted blind: every use case reads or writes DynamoDB before it takes a lease or an
      // announcement, so an unknown offset means it was asked too early, and a refusal says so.
      logger.warn('this process has had no answer from AWS yet, so it cannot tell whether its clock agrees with AWS’s; it does not trust it until then', {
        clockMarginMs: marginMs,
      });
      return;
    }
    logger.warn('this process’s clock is more than half ECR_ACCESS_CLOCK_MARGIN_SECONDS away from AWS’s; it does not trust it until it is set right (check NTP)', {
      aheadOfAwsMs: Math.round(aheadOfAwsMs),
      clockMarginMs: marginMs,
    });
  };

  return {
    offsetMs: () => offset.offsetMs(),
    trusted() {
      const aheadOfAwsMs = offset.offsetMs();
      const trusted = aheadOfAwsMs !== undefined && Math.abs(aheadOfAwsMs) <= marginMs / 2;
      if (!trusted) warn(aheadOfAwsMs);
      else if (warnedAt !== undefined) {
        warnedAt = undefined;
        logger.info('this process’s clock agrees with AWS’s again', { aheadOfAwsMs: Math.round(aheadOfAwsMs), clockMarginMs: marginMs });
      }
      return trusted;
    },
  };
}
