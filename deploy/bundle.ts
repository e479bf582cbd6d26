// `npm run bundle`: the Lambda function as two minified CommonJS files, which are all
// serverless.yml packages: dist/lambda/index.js (the handler: Bolt, zod, our code) and
// dist/lambda/aws-sdk.js (the AWS SDK clients). The SDK is bundled, so the function runs the
// SDK version the tests ran, not whatever the runtime ships. It sits in a file of its own,
// loaded with the first AWS call: since the Slack secrets are read from SSM, that is the first
// invocation of every container. Within the file each client loads only when first used, so
// answering Slack never loads the ECR or DynamoDB client.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build, type Plugin } from 'esbuild';

const ROOT = join(__dirname, '..');
export const BUNDLE = join(ROOT, 'dist', 'lambda', 'index.js');
/** The AWS SDK clients, loaded by the handler with its first AWS call. */
export const SDK_BUNDLE = join(ROOT, 'dist', 'lambda', 'aws-sdk.js');
/** The SDK packages the handler imports (on first use only, with `await import`). */
const SDK_PACKAGES = [
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/util-dynamodb',
  '@aws-sdk/client-ecr',
  '@aws-sdk/client-lambda',
  '@aws-sdk/client-ssm',
  '@aws-sdk/client-sqs',
  '@aws-sdk/client-organizations',
  '@aws-sdk/credential-providers',
];
/** esbuild's account of every input, for size reports and for the test that keeps the sandbox out. */
const METAFILE = join(ROOT, 'dist', 'lambda.meta.json');

/**
 * Bolt's index loads every receiver, and with them express, Socket Mode (and undici) and the
 * OAuth installer: more than half the bundle, none of it used behind AwsLambdaReceiver.
 * They are replaced by a stub that fails loudly if anything ever does call it.
 */
const LEFT_OUT = ['express', 'raw-body', '@slack/socket-mode', '@slack/oauth'];

/** Matches exactly these import paths, nothing that merely starts or ends with one. */
const exactly = (paths: readonly string[]) => new RegExp(`^(${paths.map((p) => p.replace(/[/.]/g, '\\$&')).join('|')})$`);

const leaveOut: Plugin = {
  name: 'leave-out-unused-receivers',
  setup(b) {
    b.onResolve({ filter: exactly(LEFT_OUT) }, (args) => ({ path: args.path, namespace: 'left-out' }));
    b.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({
      contents: `const fail = () => { throw new Error(${JSON.stringify(`${args.path} is left out of the ecr-access Lambda bundle (deploy/bundle.ts)`)}); };
module.exports = new Proxy(function leftOut() {}, {
  get: (target, key) => (key === '__esModule' || typeof key === 'symbol' || key in target ? Reflect.get(target, key) : fail()),
  apply: fail,
  construct: fail,
});`,
      loader: 'js',
    }));
  },
};

const SDK_FILE = `./${basename(SDK_BUNDLE)}`;

/** In the handler's file, each SDK package is a pointer into the SDK file, required when first imported. */
const sdkInItsOwnFile: Plugin = {
  name: 'aws-sdk-in-its-own-file',
  setup(b) {
    b.onResolve({ filter: exactly(SDK_PACKAGES) }, (args) => ({ path: args.path, namespace: 'aws-sdk-file' }));
    b.onResolve({ filter: exactly([SDK_FILE]) }, (args) => ({ path: args.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: 'aws-sdk-file' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(SDK_FILE)})[${JSON.stringify(args.path)}];`,
      loader: 'js',
    }));
  },
};

/** The SDK file: each package behind a getter, so loading one client does not start the others. */
const SDK_ENTRY = SDK_PACKAGES.map(
  (name) => `Object.defineProperty(exports, ${JSON.stringify(name)}, { enumerable: true, get: () => require(${JSON.stringify(name)}) });`,
).join('\n');

const COMMON = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  // Kept beside the bundle for reading stack traces, not packaged: the function starts faster without it.
  sourcemap: 'external',
  legalComments: 'none',
  logLevel: 'warning',
} as const;

/** Writes both files (and the handler's metafile) under `dist` (by default the project's dist/). */
export async function bundleLambda(dist = join(ROOT, 'dist')): Promise<void> {
  mkdirSync(join(dist, 'lambda'), { recursive: true });
  const [handler] = await Promise.all([
    build({ ...COMMON, entryPoints: [join(ROOT, 'src', 'lambda.ts')], outfile: join(dist, 'lambda', basename(BUNDLE)), metafile: true, plugins: [leaveOut, sdkInItsOwnFile] }),
    build({ ...COMMON, stdin: { contents: SDK_ENTRY, resolveDir: ROOT, sourcefile: 'aws-sdk-entry.js', loader: 'js' }, outfile: join(dist, 'lambda', basename(SDK_BUNDLE)) }),
  ]);
  writeFileSync(join(dist, basename(METAFILE)), JSON.stringify(handler.metafile));
}

if (require.main === module) {
  bundleLambda().then(
    () => process.stdout.write(`Bundled ${BUNDLE} and ${SDK_BUNDLE}\n`),
    (error: unknown) => {
      process.stderr.write(`Bundling failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
