// The server (`npm start` from source; dist/server/server.js once built): the bot on one of Bolt's
// receivers. Over HTTP, commands and interactivity arrive at POST /slack/events and health checks
// at GET /healthz; with an app-level token (SLACK_APP_TOKEN) it opens a Socket Mode connection to
// Slack instead and listens on no port. Everything past the receiver is the same either way.
// The Slack secrets come from the environment, or from SSM Parameter Store where it names
// their parameters; they are read once, before the server takes any request.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTPReceiver, SocketModeReceiver, type App, type Receiver } from '@slack/bolt';
import type { AwsClientSources } from './aws/clients';
import { readSlackSecrets } from './aws/slack-secrets';
import { createEcrAccess } from './app';
import type { Config } from './config';
import { loadConfigOrExit } from './entry-point';
import { EcrAccessError, ErrorCode, isEcrAccessError } from './errors';
import { createLogger, type Logger } from './logger';
import type { Clock } from './service/ports';
import { startSweepTimer } from './sweep-timer';
import { boltLogger } from './slack/bolt-logger';
import { inProcessDefer } from './slack/jobs';
import { isAcceptableSlackTimestamp, SLACK_TIMESTAMP_HEADER } from './slack/request-verification';

/** How Slack's requests reach this process, and what to say once they can. */
interface SlackConnection {
  readonly receiver: Receiver;
  /** Starts taking requests; resolves with where Slack sends them (over HTTP) and the fields of the start-up line. */
  start(app: App): Promise<{ url?: string; message: string; fields: Record<string, unknown> }>;
}

function httpRequests(signingSecret: string, port: number, logger: Logger): SlackConnection {
  const receiver = new HTTPReceiver({
    signingSecret,
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
  return {
    receiver,
    async start(app) {
      const server = (await app.start(port)) as Server;
      const listening = (server.address() as AddressInfo).port;
      return { url: `http://127.0.0.1:${listening}/slack/events`, message: 'ecr-access is listening', fields: { port: listening, endpoint: '/slack/events' } };
    },
  };
}

/**
 * Socket Mode: this process calls apps.connections.open with the app-level token and takes
 * commands and clicks as envelopes on the WebSocket it is given; Slack authenticates that
 * connection, so no request is signed or dated. Bolt reconnects when Slack asks it to (a
 * `disconnect` message) or the connection drops; a retried envelope carries retry_attempt,
 * which reaches the retry guard as an HTTP retry's X-Slack-Retry-Num does.
 */
function socketMode(appToken: string, config: Config, logger: Logger): SlackConnection {
  const receiver = new SocketModeReceiver({
    appToken,
    logger: boltLogger(logger),
    // apps.connections.open is a Web API method: it goes where the bot's other calls go.
    ...(config.slack.apiUrl && { installerOptions: { clientOptions: { slackApiUrl: config.slack.apiUrl } } }),
  });
  // Slack refreshes connections routinely; a line per reconnection shows how often.
  receiver.client.on('reconnecting', () => logger.info('the Socket Mode connection closed; opening a new one'));
  return {
    receiver,
    async start(app) {
      try {
        await app.start();
      } catch (error) {
        // Bolt retries what may pass (Slack busy); what is left is Slack's no, such as invalid_auth, or no way to reach it.
        const reason = error instanceof Error ? error.message : String(error);
        throw new EcrAccessError(
          ErrorCode.Slack,
          `ecr-access cannot start: Slack did not open a Socket Mode connection (${reason}). SLACK_APP_TOKEN must be this Slack app's app-level token, with the connections:write scope, and the app must have Socket Mode on (manifest.socket-mode.yml).`,
          { cause: error },
        );
      }
      return { message: 'ecr-access is connected to Slack over Socket Mode', fields: {} };
    },
  };
}

export async function startServer(config: Config, options: { clients?: AwsClientSources; log?: (line: string) => void; clock?: Clock } = {}) {
  const secrets = await readSlackSecrets(config.slack.secrets, { region: config.region });
  const logger = createLogger({
    level: config.logLevel,
    secrets: Object.values(secrets),
    ...(options.log && { write: options.log }),
  });
  const slack = 'appToken' in secrets ? socketMode(secrets.appToken, config, logger) : httpRequests(secrets.signingSecret, config.port, logger);
  let defer: ReturnType<typeof inProcessDefer> | undefined;
  const ecrAccess = createEcrAccess(config, {
    botToken: secrets.botToken,
    receiver: slack.receiver,
    logger,
    defer: (run) => (defer = inProcessDefer(run, logger)),
    ...(options.clients && { clients: options.clients }),
    ...(options.clock && { clock: options.clock }),
  });
  const started = await slack.start(ecrAccess.app);
  const sweep = startSweepTimer(ecrAccess.deps, config.sweep, config.sweepEveryMs);
  logger.info(started.message, { ...started.fields, sweepEveryMinutes: config.sweepEveryMs / 60_000 });
  return {
    ...ecrAccess,
    logger,
    /** Where Slack's HTTP requests go; undefined over Socket Mode, where this process connects to Slack instead. */
    url: started.url,
    /** Resolves when every job started so far has finished. */
    idle: () => defer?.idle() ?? Promise.resolve(),
    /** The sweep's timer: a pass runs every ECR_ACCESS_SWEEP_MINUTES; `sweep.passNow()` runs one at once. */
    sweep,
    /** Stops taking requests and sweeping, then lets jobs, a pass and the Home tabs they changed finish. */
    async stop() {
      await ecrAccess.app.stop();
      await Promise.all([sweep.stop(), defer?.idle()]);
      await ecrAccess.homes.settled();
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
