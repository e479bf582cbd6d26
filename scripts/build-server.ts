// `npm run build`: the HTTP server and create-table as plain JavaScript in dist/server/, so a
// server runs them with `node` and only the runtime dependencies (`npm ci --omit=dev`): our code
// compiled into one file per entry point, the packages it uses left as imports.
import { join } from 'node:path';
import { build } from 'esbuild';

const ROOT = join(__dirname, '..');
/** What a server runs: `node --enable-source-maps dist/server/<name>.js`. */
const ENTRY_POINTS = ['server', 'create-table', 'sweep', 'replay'];

export async function buildServer(outdir = join(ROOT, 'dist', 'server')): Promise<void> {
  await build({
    entryPoints: ENTRY_POINTS.map((name) => join(ROOT, 'src', `${name}.ts`)),
    outdir,
    bundle: true,
    // Installed by `npm ci --omit=dev` beside the build, not copied into it.
    packages: 'external',
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    // With --enable-source-maps, stack traces name the lines of src/*.ts.
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}

if (require.main === module) {
  buildServer().then(
    () => process.stdout.write(`Built ${ENTRY_POINTS.map((name) => `dist/server/${name}.js`).join(', ')}.\n`),
    (error: unknown) => {
      process.stderr.write(`The build failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
