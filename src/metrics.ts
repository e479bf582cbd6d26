// ecr-access's CloudWatch metrics, written as log lines in CloudWatch's Embedded Metric Format:
// CloudWatch Logs turns each line into data points, so a metric costs no API call and no wait,
// and the same line answers a log query. The server writes the very same lines.
// One namespace, and one dimension, the stage: the number of metrics stays the same however many
// repositories are shared. What a point is about (a repository, a request) is in its line, for
// Logs Insights, never in a dimension.
import type { Logger } from './logger';

export const METRIC_NAMESPACE = 'ecr-access';

/** Every metric, with its CloudWatch unit. */
export const METRIC_UNITS = {
  /** An approval became a grant: the account can pull in the policy read back. */
  Grants: 'Count',
  /** A grant ended (revoked or expired), verified in the policy read back. */
  Removals: 'Count',
  /** An approval that could not become a grant: the request is FAILED, and says why. */
  FailedGrants: 'Count',
  /** A removal ECR or the policy refused: the grant stands, and says why. */
  RefusedRemovals: 'Count',
  /** A part of an outcome (card, thread post, DM, reminder) that Slack did not take: it stays owed, and the sweep tells it again. */
  OwedAnnouncements: 'Count',
  /** What one pass of the sweep could not do (1 when it could do nothing): it stays due for the next pass. */
  SweepFailures: 'Count',
  /** A policy write went unanswered, so its repository stays held until that write can no longer land. */
  LeasesKeptAfterUnknownWrite: 'Count',
  /** A repository policy's length, as ecr-access writes it, as a percentage of ECR's 10,240 characters. */
  PolicySize: 'Percent',
  /** How long one pass of the sweep took. */
  SweepDuration: 'Milliseconds',
  /** Jobs that failed every try, waiting in the dead-letter queue for `npm run replay`, as the sweep counted them. */
  WaitingJobs: 'Count',
} as const;

type MetricName = keyof typeof METRIC_UNITS;

/** The dimension every metric has: which installation of ecr-access wrote it. */
export const STAGE_DIMENSION = 'Stage';

export interface Metrics {
  /**
   * Writes `values` as one log line titled `message`, with `about` beside them (a repository, a
   * request ID): the metrics in CloudWatch, the details for whoever reads the log.
   */
  put(message: string, values: Partial<Record<MetricName, number>>, about?: Record<string, unknown>): void;
}

/** Metrics as Embedded Metric Format lines, written through the app's one logger. */
export function emfMetrics(logger: Logger, stage: string, now: () => number = Date.now): Metrics {
  return {
    put(message, values, about = {}) {
      const names = (Object.keys(values) as MetricName[]).filter((name) => Number.isFinite(values[name]));
      if (names.length === 0) return;
      logger.metric(message, {
        ...about,
        [STAGE_DIMENSION]: stage,
        ...Object.fromEntries(names.map((name) => [name, values[name]])),
        _aws: {
          Timestamp: now(),
          CloudWatchMetrics: [{ Namespace: METRIC_NAMESPACE, Dimensions: [[STAGE_DIMENSION]], Metrics: names.map((name) => ({ Name: name, Unit: METRIC_UNITS[name] })) }],
        },
      });
    },
  };
}
