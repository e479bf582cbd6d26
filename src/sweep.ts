// `npm run sweep` (dist/server/sweep.js once built): one pass of the sweep from a shell, with the
// settings `npm start` takes. Prints the pass's report as one JSON line on stdout (logs go to
// stderr) and exits non-zero when the pass failed or left something unfinished.
import { createEcrAccess } from './app';
import { readSlackSecrets } from './aws/slack-secrets';
import type { Config } from './config';
import { loadConfigOrExit, NO_REQUESTS } from './entry-point';
import { isEcrAccessError } from './errors';
import { createLogger } from './logger';
import { type SweepReport, sweepOnce } from './service/sweep';
import { inProcessDefer } from './slack/jobs';

/** A pass takes no requests, over HTTP or Socket Mode: its app is never started. */

async function sweepFromShell(config: Config): Promise<SweepReport> {
  const secrets = await readSlackSecrets(config.slack.secrets, { region: config.region });
  const logger = createLogger({ level: config.logLevel, secrets: Object.values(secrets), write: (line) => process.stderr.write(`${line}\n`) });
  // The app is built as every runtime builds it, for its Slack client.
  const { deps, homes } = createEcrAccess(config, {
    botToken: secrets.botToken,
    receiver: NO_REQUESTS,
    logger,
    defer: (run) => inProcessDefer(run, logger),
  });
  const report = await sweepOnce(deps, config.sweep);
  // The pass's outcomes change Home tabs: they are published before the process exits.
  await homes.settled();
  return report;
}

if (require.main === module) {
  const config = loadConfigOrExit();
  sweepFromShell(config).then(
    (report) => {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      if (report.failures > 0) process.stderr.write(`The sweep could not finish ${report.failures} item(s); they stay due and the next pass tries again (see the log above).\n`);
      process.exit(report.failures > 0 ? 1 : 0);
    },
    (error: unknown) => {
      process.stderr.write(`The sweep failed: ${isEcrAccessError(error) ? error.message : error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
