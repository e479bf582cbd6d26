// `npm run bundle`: the Lambda function as one minified CommonJS file, dist/lambda/index.js,
// which is all serverless.yml packages. The AWS SDK is bundled, so the function runs the SDK
// version the tests ran, not whatever the runtime ships. Leaving it to the runtime would halve
// the file (1.38 MB → 0.65 MB) and load roughly 50 ms of CPU faster (measured on Node 20).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';

const ROOT = join(__dirname, '..');
export const BUNDLE = join(ROOT, 'dist', 'lambda', 'index.js');
/** esbuild's account of every input, for size reports and for the test that keeps the sandbox out. */
export const METAFILE = join(ROOT, 'dist', 'lambda.meta.json');

/**
 * Bolt's index loads every receiver, and with them express, Socket Mode (and undici) and the
 * OAuth installer: more than half the bundle, none of it used behind AwsLambdaReceiver.
 * They are replaced by a stub that fails loudly if anything ever does call it.
 */
export const LEFT_OUT = ['express', 'raw-body', '@slack/socket-mode', '@slack/oauth'];

const leaveOut: Plugin = {
  name: 'leave-out-unused-receivers',
  setup(b) {
    const filter = new RegExp(`^(${LEFT_OUT.map((m) => m.replace(/[/.]/g, '\\$&')).join('|')})$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'left-out' }));
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

export async function bundleLambda(): Promise<void> {
  mkdirSync(join(ROOT, 'dist', 'lambda'), { recursive: true });
  const result = await build({
    entryPoints: [join(ROOT, 'src', 'lambda.ts')],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    // Kept beside the bundle for reading stack traces, not packaged: the function starts faster without it.
    sourcemap: 'external',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    plugins: [leaveOut],
  });
  writeFileSync(METAFILE, JSON.stringify(result.metafile));
}

if (require.main === module) {
  bundleLambda().then(
    () => process.stdout.write(`Bundled ${BUNDLE}\n`),
    (error: unknown) => {
      process.stderr.write(`Bundling failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
