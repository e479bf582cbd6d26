// The app's use cases in the bench's own process, on the production adapters (timeouts,
// retries) pointed at the local world: for parts that time a service call without an HTTP
// request or a process start-up in the way.
import { HTTPReceiver } from '@slack/bolt';
import { createEcrAccess } from '../src/app';
import { createAwsClients } from '../src/aws/clients';
import type { Config } from '../src/config';
import { createLogger } from '../src/logger';
import type { ServiceDeps } from '../src/service/deps';
import { inProcessDefer } from '../src/slack/jobs';
import { type BenchWorld, SANDBOX } from './bench-world';

/** The service's deps for `config`, and the call that closes their clients. */
export function inProcessApp(w: BenchWorld, config: Config): { deps: ServiceDeps; close: () => void } {
  const logger = createLogger({ level: 'warn', write: () => undefined });
  const clients = createAwsClients({
    region: config.region,
    callTimeoutMs: config.awsTimeoutMs,
    endpoints: { ecr: w.world.ecr.url, dynamodb: w.world.dynamoUrl },
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const { deps } = createEcrAccess(config, {
    clients,
    botToken: SANDBOX.botToken,
    receiver: new HTTPReceiver({ signingSecret: SANDBOX.signingSecret }),
    logger,
    defer: (run) => inProcessDefer(run, logger),
  });
  return { deps, close: () => clients.destroy() };
}
