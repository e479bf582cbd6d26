// The HTTP server (`npm start` from source; dist/server/server.js once built): the bot on Bolt's
// HTTP receiver, commands and interactivity at POST /slack/events, health checks at GET /healthz.
// The Slack secrets come from the environment, or from SSM Parameter Store where it names
// their parameters; they are read once, before the server listens.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTPReceiver } from '@slack/bolt';
import type { AwsClientSources } from './aws/clients';
import { readSlackSecrets } from './aws/slack-secrets';
import { createEcrAccess } from './app';
import type { Config } from './config';
import { loadConfigOrExit } from './entry-point';
import { isEcrAccessError } from './errors';
import { createLogger } from './logger';
import type { Clock } from './service/ports';
import { startSweepTimer } from './sweep-timer';
import { boltLogger } from './slack/bolt-logger';
import { inProcessDefer } from './slack/jobs';
import { isAcceptableSlackTimestamp, SLACK_TIMESTAMP_HEADER } from './slack/request-verification';

export async function startServer(config: Config, options: { clients?: AwsClientSources; log?: (line: string) => void; clock?: Clock } = {}) {
  const secrets = await readSlackSecrets(config.slack.secrets, { region: config.region });
  const logger = createLogger({
    level: config.logLevel,
    secrets: [secrets.botToken, secrets.signingSecret],
    ...(options.log && { write: options.log }),
  });
  const receiver = new HTTPReceiver({
    signingSecret: secrets.signingSecret,
    endpoints: '/slack/events',
    processBeforeResponse: false,
    // "This process serves HTTP", nothing more: it calls neither AWS nor Slack, so an outage of
    // theirs, which every replica shares, does not take every replica out of the load balancer.
    customRoutes: [{ path: '/healthz', method: 'GET', handler: (_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n') }],
    // Without it the receiver logs through its own console logger, outside the JSON lines.
    logger: boltLogger(logger),
  });
  // Bolt refuses requests dated too long ago; this one gate also refuses those dated too far ahead.
  const boltListener = receiver.requestListener;
  receiver.requestListener = (req, res) => {
    const timestamp = req.headers[SLACK_TIMESTAMP_HEADER];
    const fromSlack = req.method === 'POST' && req.url?.split('?')[0] === '/slack/events';
    if (fromSlack && !isAcceptableSlackTimestamp(typeof timestamp === 'string' ? timestamp : undefined, Date.now())) {
      logger.warn('refused a request not dated within five minutes of now', { timestamp });
      res.writeHead(401).end();
      return;
    }
    boltListener(req, res);
  };
  let defer: ReturnType<typeof inProcessDefer> | undefined;
  const ecrAccess = createEcrAccess(config, {
    botToken: secrets.botToken,
    receiver,
    logger,
    defer: (run) => (defer = inProcessDefer(run, logger)),
    ...(options.clients && { clients: options.clients }),
    ...(options.clock && { clock: options.clock }),
  });
  const server = (await ecrAccess.app.start(config.port)) as Server;
  const port = (server.address() as AddressInfo).port;
  const sweep = startSweepTimer(ecrAccess.deps, config.sweep, config.sweepEveryMs);
  logger.info('ecr-access is listening', { port, endpoint: '/slack/events', sweepEveryMinutes: config.sweepEveryMs / 60_000 });
  return {
    ...ecrAccess,
    logger,
    url: `http://127.0.0.1:${port}/slack/events`,
    /** Resolves when every job started so far has finished. */
    idle: () => defer?.idle() ?? Promise.resolve(),
    /** The sweep's timer: a pass runs every ECR_ACCESS_SWEEP_MINUTES; `sweep.passNow()` runs one at once. */
    sweep,
    /** Stops taking requests and sweeping, then lets jobs and a pass in flight finish. */
    async stop() {
      await ecrAccess.app.stop();
      await Promise.all([sweep.stop(), defer?.idle()]);
    },
  };
}

if (require.main === module) {
  const config = loadConfigOrExit();
  startServer(config).then(
    (server) => {
      const shutdown = () => {
        server.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    },
    (error: unknown) => {
      // Our own errors (such as secrets that could not be read) already say what failed and what to do.
      process.stderr.write(`${isEcrAccessError(error) ? error.message : `ecr-access could not start: ${error instanceof Error ? error.message : String(error)}`}\n`);
      process.exit(1);
    },
  );
}
