// Run by plain `node` as a fresh process (no tsx, nothing preloaded), as Lambda would start
// the function: load the bundle (which builds the app at module scope), then hand its handler
// one signed slash command (`help`, answered in the acknowledgement, no AWS or Slack call).
// Prints one line of JSON. performance.now() counts from the start of this process.
const { performance } = require('node:perf_hooks');

async function main() {
  const [bundle, eventJson] = process.argv.slice(2);
  const beforeLoad = performance.now();
  const mod = require(bundle);
  const loaded = performance.now();
  const handler = mod.handler;
  let status;
  if (typeof handler === 'function') {
    const answer = await handler(JSON.parse(eventJson), { functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, getRemainingTimeInMillis: () => 3000 });
    status = answer && answer.statusCode;
  }
  const answered = performance.now();
  process.stdout.write(`${JSON.stringify({ beforeLoad, loaded, answered, status, exports: Object.keys(mod) })}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stdout.write(`${JSON.stringify({ error: String(error && error.stack ? error.stack : error) })}\n`);
    process.exit(1);
  },
);
