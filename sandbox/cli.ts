// `npm run sandbox`: the whole product on this machine, no tokens and no cloud. Prints the one
// address to open; Ctrl-C stops everything and keeps the state for next time.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { join, relative } from 'node:path';
import { DataDirInUse } from './data-dir-lock';
import { olderNodeProblem } from './node-version';
import { startSandbox, type Sandbox } from './sandbox';
import { PortInUse } from './web/page-server';

const ROOT = join(__dirname, '..');
const DEFAULT_PORT = 3131;
/** Signals closer together than this are one Ctrl-C. */
const SAME_PRESS_MS = 1000;

const USAGE = `Usage: npm run sandbox [-- options]

  --fresh            forget the saved state and start again from the seeded repositories
  --port <n>         serve the page on this port (default ${DEFAULT_PORT}; 0 picks a free one)
  --data-dir <path>  keep the state here (default .sandbox/)
  --socket-mode      the Slack app in Socket Mode: the bot connects to Slack with an app-level
                     token and listens on no port, as behind a firewall (default: HTTP requests)
  --two-person       the two-person rule (ECR_ACCESS_APPROVALS=2): carol approves too, and
                     each request needs two different approvers, bob and carol
  --verbose          show the bot's log lines
  --help             this text
`;

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      fresh: { type: 'boolean', default: false },
      port: { type: 'string', default: String(DEFAULT_PORT) },
      'data-dir': { type: 'string', default: join(ROOT, '.sandbox') },
      verbose: { type: 'boolean', default: false },
      'socket-mode': { type: 'boolean', default: false },
      'two-person': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got '${values.port}'`);
  return { fresh: values.fresh, port, dataDir: values['data-dir'], verbose: values.verbose, socketMode: values['socket-mode'], twoPerson: values['two-person'], help: values.help };
}

async function main(): Promise<void> {
  // First of all: on a Node older than package.json's engines nothing here is tested, and the AWS SDK warns.
  const engines = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
  const nodeProblem = olderNodeProblem(process.version, engines);
  if (nodeProblem) {
    process.stderr.write(`${nodeProblem}\n`);
    process.exit(1);
  }
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }

  // Installed before starting, so a Ctrl-C during start-up still stops everything it started.
  let stopRequested = false;
  let stoppingSince: number | undefined;
  let sandbox: Sandbox | undefined;
  const stop = (): void => {
    if (stoppingSince !== undefined) {
      // One Ctrl-C can arrive twice (from the terminal, and relayed by a wrapper); a second press
      // later on, while stopping hangs, means "out now".
      if (Date.now() - stoppingSince > SAME_PRESS_MS) process.exit(130);
      return;
    }
    if (!sandbox) {
      stopRequested = true;
      return;
    }
    stoppingSince = Date.now();
    process.stdout.write('\nStopping the sandbox… (Ctrl-C again to force)\n');
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`The sandbox did not stop cleanly: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  sandbox = await startSandbox({
    dataDir: options.dataDir,
    fresh: options.fresh,
    port: options.port,
    logLevel: options.verbose ? 'info' : 'warn',
    socketMode: options.socketMode,
    twoPerson: options.twoPerson,
  });
  if (stopRequested) return stop();

  const state = sandbox.seeded ? 'a fresh start, seeded' : 'kept from the last run; --fresh starts over';
  process.stdout.write(
    [
      '',
      'ecr-access sandbox: the real bot, with a local Slack, ECR, Organizations and DynamoDB. No tokens, no cloud.',
      `State: ${relative(process.cwd(), options.dataDir) || '.'} (${state})`,
      `Slack reaches the bot ${options.socketMode ? 'over the Socket Mode connection it opened (--socket-mode)' : 'with signed HTTP requests; --socket-mode connects it over Socket Mode instead'}.`,
      options.twoPerson ? 'The two-person rule is on (--two-person): bob and carol must both approve each request.' : 'One approver decides; --two-person asks for two different approvers, bob and carol.',
      '',
      `  Open ${sandbox.url}`,
      '',
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  const known = error instanceof PortInUse || error instanceof DataDirInUse;
  process.stderr.write(`The sandbox could not start: ${known ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
