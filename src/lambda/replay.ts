// Runs again the jobs that failed every try: each record Lambda's on-failure destination left in
// the dead-letter queue holds the job event as it was sent. A job still young enough for Slack
// to take its answer runs again through its use case, which finds what an earlier try did; one
// too old is not run, and its user is told by DM. `npm run replay` and the function's
// { "ecr-access": "replay" } event both come here.
import * as z from 'zod';
import type { EcrAccess } from '../app';
import type { DeadLetterQueue } from '../aws/dead-letter-queue';
import type { Logger } from '../logger';
import type { Job, RunJob } from '../slack/jobs';
import { jobNotDone } from '../slack/messages';
import { JobEvent } from './job-event';

/**
 * Slack takes answers at a response_url for 30 minutes after it was given; a replayed job may
 * take the function's 180 s, so one is replayed only while it is younger than this.
 */
const REPLAYABLE_FOR_MS = 25 * 60_000;

/** How long a taken record stays hidden: longer than the ten jobs of one take could run. */
const HIDE_SECONDS = 15 * 60;

/** The part of Lambda's invocation record a replay reads: the event the failed invocation was given. */
const InvocationRecord = z.object({
  requestContext: z.object({ condition: z.string().optional(), approximateInvokeCount: z.number().optional() }).optional(),
  requestPayload: z.unknown(),
});

export interface ReplayReport {
  /** Jobs run again to the end, and answered. */
  readonly replayed: number;
  /** Jobs too old to run again, whose users were told by DM. */
  readonly toldNotDone: number;
  /** Jobs that failed again: they wait in the queue for the next replay. */
  readonly failed: number;
  /** Records that hold no job (a sweep pass's, which the schedule runs again anyway, or an unreadable one), and Home tab publishes too old to run: deleted. */
  readonly discarded: number;
}

async function replayWaitingJobs(parts: {
  queue: DeadLetterQueue;
  /** Throws when the job fails again. */
  runJob: RunJob;
  /** Tells the user by DM that the job was not done. */
  tellNotDone: (job: Job, askedAt: number | undefined) => Promise<void>;
  logger: Logger;
  now: () => number;
  /** No job is started after this long, so an invocation ends within the function's timeout. */
  budgetMs: number;
}): Promise<ReplayReport> {
  const { queue, logger, now } = parts;
  const report = { replayed: 0, toldNotDone: 0, failed: 0, discarded: 0 };
  const stopAt = now() + parts.budgetMs;
  // A record that fails again stays hidden until the next replay, so each take brings new ones.
  while (now() < stopAt) {
    const letters = await queue.take(HIDE_SECONDS);
    if (letters.length === 0) break;
    for (const letter of letters) {
      if (now() >= stopAt) break;
      const settled = await settle(parts, letter.body, report);
      if (settled) await queue.remove(letter);
    }
  }
  logger.info('replayed the jobs waiting in the dead-letter queue', { ...report });
  return report;
}

/** Runs one record's job again or tells its user; true when the record may go. */
async function settle(parts: Parameters<typeof replayWaitingJobs>[0], body: string, report: { -readonly [K in keyof ReplayReport]: number }): Promise<boolean> {
  const { logger, now } = parts;
  let record: z.infer<typeof InvocationRecord> | undefined;
  try {
    record = InvocationRecord.parse(JSON.parse(body));
  } catch {
    logger.error('discarded a dead-letter record that is not a Lambda invocation record', { body: body.slice(0, 500) });
    report.discarded += 1;
    return true;
  }
  const event = JobEvent.safeParse(record.requestPayload);
  if (!event.success) {
    logger.warn('discarded a dead-letter record that holds no job', { payload: JSON.stringify(record.requestPayload).slice(0, 500) });
    report.discarded += 1;
    return true;
  }
  const { ecrAccessJob: job, at } = event.data;
  const about = { kind: job.kind, user: job.user, askedAt: at, tries: record.requestContext?.approximateInvokeCount };
  const tooOld = at === undefined || now() - at > REPLAYABLE_FOR_MS;
  // A Home tab is published again whenever it is opened: an old publish is neither run nor told.
  if (tooOld && job.kind === 'home') {
    logger.info('discarded a Home tab publish too old to run again', about);
    report.discarded += 1;
    return true;
  }
  if (tooOld) {
    try {
      await parts.tellNotDone(job, at);
    } catch (error) {
      logger.error('could not tell a user that their job was not done; it waits for the next replay', { ...about, error });
      report.failed += 1;
      return false;
    }
    logger.warn('a job was too old to run again; its user was told by DM', about);
    report.toldNotDone += 1;
    return true;
  }
  try {
    await parts.runJob(job);
  } catch {
    // The runner logged why and told the user it will run again.
    report.failed += 1;
    return false;
  }
  logger.info('ran a waiting job again', about);
  report.replayed += 1;
  return true;
}

/** A replay with the app's own job runner (one that throws a failure) and its Slack client for the DMs. */
export function replayer(ecrAccess: EcrAccess, queue: DeadLetterQueue, budgetMs: number): () => Promise<ReplayReport> {
  return () =>
    replayWaitingJobs({
      queue,
      runJob: ecrAccess.runJob,
      tellNotDone: async (job, askedAt) => {
        await ecrAccess.app.client.chat.postMessage({ channel: job.user, text: jobNotDone(job, askedAt) });
      },
      logger: ecrAccess.deps.logger,
      now: () => ecrAccess.deps.clock.now(),
      budgetMs,
    });
}
