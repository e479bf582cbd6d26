// `npm run sandbox` without the command line: the local world (dynalite, the ECR emulator, the
// Slack simulator), the bot started exactly as `npm start` starts it, and the page to drive it.
// The bot takes Slack's requests over HTTP, or over its Socket Mode connection (socketMode).
import { rm, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createAwsClients } from '../src/aws/clients';
import { loadConfig } from '../src/config';
import type { LogLevel } from '../src/logger';
import { startServer } from '../src/server';
import { loadConversations, recordConversations } from './conversation-file';
import { lockDataDir } from './data-dir-lock';
import { SANDBOX, startLocalWorld, type LocalWorld } from './local-world';
import { MessageTimes } from './message-times';
import { SandboxClock } from './sandbox-clock';
import { SANDBOX_REPOSITORIES, SANDBOX_SETTINGS_FILE, seedRepositories } from './seed';
import { startSandboxPage } from './web/page-server';
import type { Persona } from './web/page-state';

export interface SandboxOptions {
  /** Where DynamoDB, ECR and Slack keep their state between runs. */
  dataDir: string;
  /** Forget the saved state and seed again. */
  fresh?: boolean;
  /** The page's port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  /** The bot's log level; its JSON log lines go to stdout. */
  logLevel?: LogLevel;
  /** The Slack app in Socket Mode: the bot connects to the simulator with its app-level token and listens on no port. */
  socketMode?: boolean;
  /** The two-person rule (ECR_ACCESS_APPROVALS=2): carol approves too, and each request needs bob and carol. */
  twoPerson?: boolean;
}

export interface Sandbox {
  /** The one address to open. */
  readonly url: string;
  readonly world: LocalWorld;
  /** Whether this run seeded the repositories (a fresh start, or the first one). */
  readonly seeded: boolean;
  /** Stops the page, lets the bot finish what it started, saves the state and stops the world. */
  close(): Promise<void>;
}

/** The sandbox sweeps far more often than a deployment (ECR_ACCESS_SWEEP_MINUTES), so time's effects show at once. */
const SWEEP_EVERY_MS = 5_000;

const PERSONAS: readonly Persona[] = [
  { id: SANDBOX.requester, name: 'alice', role: 'requester', title: 'App team · asks for access' },
  { id: SANDBOX.approver, name: 'bob', role: 'approver', title: 'Platform team · approves' },
  { id: SANDBOX.other, name: 'carol', role: 'member', title: 'Team lead · approves the team-* repositories' },
];

/** Under the two-person rule carol is the second approver a request needs. */
const TWO_PERSON_PERSONAS: readonly Persona[] = PERSONAS.map((p) =>
  p.id === SANDBOX.other ? { ...p, role: 'approver', title: 'Platform team · the second approver' } : p,
);
const TWO_PERSON_ENV = { ECR_ACCESS_APPROVERS: `${SANDBOX.approver},${SANDBOX.other}`, ECR_ACCESS_APPROVALS: '2' };

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const { dataDir } = options;
  const lock = await lockDataDir(dataDir);
  const undo: Array<() => Promise<unknown>> = [() => lock.release()];
  /** Undoes every step taken so far, newest first, even when one fails; the first failure is thrown. */
  const unwind = async (): Promise<void> => {
    const failures: unknown[] = [];
    for (const step of undo.splice(0).reverse()) await step().catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  };
  try {
    if (options.fresh) {
      for (const entry of await readdir(dataDir)) {
        if (entry !== lock.fileName) await rm(join(dataDir, entry), { recursive: true, force: true });
      }
    }
    const seeded = !existsSync(join(dataDir, 'ecr.json'));

    const clock = await SandboxClock.load(join(dataDir, 'clock.json'));
    const world = await startLocalWorld({
      repositories: [...SANDBOX_REPOSITORIES],
      dataDir,
      // The repositories, their approvers and where owners come from (the local Organizations, seeded
      // with a small organization: sandbox/seed.ts) are in the settings file, as a deployment's can be.
      env: { LOG_LEVEL: options.logLevel ?? 'warn', ECR_ACCESS_REPOSITORIES: '', ECR_ACCESS_SETTINGS_FILE: SANDBOX_SETTINGS_FILE, ...(options.twoPerson && TWO_PERSON_ENV) },
      socketMode: options.socketMode ?? false,
      // Slack's time is the sandbox's: messages are stamped when the moved clock says they were posted.
      slack: { now: clock.now },
    });
    undo.push(() => world.close());
    if (seeded) seedRepositories(world.ecr);

    const conversationsPath = join(dataDir, 'slack.json');
    const saved = await loadConversations(conversationsPath);
    const times = new MessageTimes(saved?.postedAt, clock.now);
    if (saved) world.slack.restoreHistory(saved.history);
    const recorder = recordConversations(world.slack, times, conversationsPath, (error) => {
      process.stderr.write(`Could not save the Slack conversations to ${conversationsPath}: ${error instanceof Error ? error.message : String(error)}\n`);
    });
    undo.push(() => recorder.stop());

    // The production clients (timeouts, retries), pointed at the local world with its own
    // credentials: left to this process's environment, they could find a laptop's real AWS.
    const config = loadConfig(world.env);
    const clients = createAwsClients({
      region: config.region,
      callTimeoutMs: config.awsTimeoutMs,
      endpoints: { ecr: world.ecr.url, dynamodb: world.dynamoUrl, organizations: world.organizations.url, sts: world.sts.url },
      credentials: { accessKeyId: world.env.AWS_ACCESS_KEY_ID ?? 'local', secretAccessKey: world.env.AWS_SECRET_ACCESS_KEY ?? 'local' },
      ...(config.accounts?.source === 'organizations' && config.accounts.roleArn && { organizationsRoleArn: config.accounts.roleArn }),
    });
    undo.push(async () => clients.destroy());
    const bot = await startServer(config, { clients, clock });
    undo.push(() => bot.stop());
    // In Socket Mode the bot has no URL: the simulator sends over the connection the bot opened.
    if (bot.url !== undefined) world.slack.setBotUrl(bot.url);
    // The server's own sweep timer runs every few minutes; the sandbox also asks for a pass every
    // few seconds, so a person sees a reminder or an expiry the moment time passes it.
    const sweeping = setInterval(() => void bot.sweep.passNow(), SWEEP_EVERY_MS).unref();
    undo.push(async () => clearInterval(sweeping));

    const page = await startSandboxPage(
      {
        slack: world.slack,
        ecr: world.ecr,
        times,
        personas: options.twoPerson ? TWO_PERSON_PERSONAS : PERSONAS,
        clock: {
          now: clock.now,
          // Time moves, then the sweep looks at once: what the move made due happens before the page hears back.
          advance: async (ms) => {
            await clock.advance(ms);
            await bot.sweep.passNow();
          },
        },
      },
      { port: options.port ?? 0 },
    );
    undo.push(() => page.close());

    let closing: Promise<void> | undefined;
    return {
      url: page.url,
      world,
      seeded,
      close: () => (closing ??= unwind()),
    };
  } catch (error) {
    await unwind().catch(() => undefined);
    throw error;
  }
}
