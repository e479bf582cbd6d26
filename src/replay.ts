// `npm run replay` (dist/server/replay.js once built): runs again, from a shell, the jobs a Lambda
// deployment could not finish, with the settings `npm run sweep` takes plus
// ECR_ACCESS_DEAD_LETTER_QUEUE (the stack's DeadLetterQueueUrl output). Invoking the function with
// { "ecr-access": "replay" } does the same inside AWS. Prints the report as one JSON line on stdout
// (logs go to stderr) and exits non-zero when a job failed again: it waits for the next replay.
import { createEcrAccess } from './app';
import { sqsClientOnDemand, sqsDeadLetterQueue } from './aws/dead-letter-queue';
import { readSlackSecrets } from './aws/slack-secrets';
import type { Config } from './config';
import { loadConfigOrExit, NO_REQUESTS } from './entry-point';
import { isEcrAccessError } from './errors';
import { type ReplayReport, replayer } from './lambda/replay';
import { createLogger } from './logger';
import { inProcessDefer } from './slack/jobs';

/** A shell has no function timeout; this only bounds a replay that keeps finding jobs. */
const BUDGET_MS = 10 * 60_000;

async function replayFromShell(config: Config, queueUrl: string): Promise<ReplayReport> {
  const secrets = await readSlackSecrets(config.slack.secrets, { region: config.region });
  const logger = createLogger({ level: config.logLevel, secrets: Object.values(secrets), write: (line) => process.stderr.write(`${line}\n`) });
  const queue = sqsDeadLetterQueue(sqsClientOnDemand(config.region), queueUrl);
  // The app is built as every runtime builds it; its receiver never listens, and a job that fails again stays in the queue.
  const ecrAccess = createEcrAccess(config, {
    botToken: secrets.botToken,
    receiver: NO_REQUESTS,
    logger,
    defer: (run) => inProcessDefer(run, logger),
    retriesJobs: true,
    waitingJobs: queue,
  });
  return replayer(ecrAccess, queue, BUDGET_MS)();
}

if (require.main === module) {
  const config = loadConfigOrExit();
  if (config.deadLetterQueue === undefined) {
    process.stderr.write('ECR_ACCESS_DEAD_LETTER_QUEUE is not set: give it the URL of the stack’s dead-letter queue (the DeadLetterQueueUrl output of `osls info --verbose`).\n');
    process.exit(1);
  }
  replayFromShell(config, config.deadLetterQueue).then(
    (report) => {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      if (report.failed > 0) process.stderr.write(`${report.failed} job(s) failed again; they wait in the queue for the next replay (see the log above).\n`);
      process.exit(report.failed > 0 ? 1 : 0);
    },
    (error: unknown) => {
      process.stderr.write(`The replay failed: ${isEcrAccessError(error) ? error.message : error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
