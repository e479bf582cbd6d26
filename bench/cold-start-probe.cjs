// Run by plain `node` as a fresh process (no tsx, nothing preloaded), as Lambda would start
// the function: load the bundle, then hand its handler one signed slash command, which first
// reads the Slack secrets from SSM and builds the app: `help` (answered in the acknowledgement,
// no other AWS or Slack call) or `request` (acknowledged once its job is handed to Lambda's Invoke API).
// Prints one line of JSON. performance.now() counts from the start of this process.
const { performance } = require('node:perf_hooks');

async function main() {
  const [bundle, eventJson] = process.argv.slice(2);
  const beforeLoad = performance.now();
  const mod = require(bundle);
  const loaded = performance.now();
  const handler = mod.handler;
  let status;
  let text;
  if (typeof handler === 'function') {
    const answer = await handler(JSON.parse(eventJson), { functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, getRemainingTimeInMillis: () => 3000 });
    status = answer?.statusCode;
    // A refusal would be answered 200 as well: report the text, for the caller to check.
    text = answer?.body ? String(JSON.parse(answer.body).text || '') : '';
  }
  const answered = performance.now();
  process.stdout.write(`${JSON.stringify({ beforeLoad, loaded, answered, status, text, exports: Object.keys(mod) })}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stdout.write(`${JSON.stringify({ error: String(error?.stack ? error.stack : error) })}\n`);
    process.exit(1);
  },
);
