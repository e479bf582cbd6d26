// A running bot (real HTTP receiver, in this process) inside the local world, with the
// few moves the integration tests make over and over.
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { createAwsClients } from '../../src/aws/clients';
import type { AccessRequest } from '../../src/domain/access-request';
import { dynamoTable } from '../../src/aws/dynamo';
import { dynamoRequestStore } from '../../src/aws/request-store';
import { isRequestKey } from '../../src/aws/table-schema';
import { loadConfig } from '../../src/config';
import { startLocalWorld, SANDBOX, type LocalWorld, type LocalWorldOptions } from '../../sandbox/local-world';
import type { BlockActionsPayload, SimMessage } from '../../sandbox/slack-simulator';
import { encodeInteractionPayload } from '../../sandbox/slack/payloads';
import { startServer } from '../../src/server';
import { APPROVE_ACTION, DENY_ACTION } from '../../src/slack/blocks/request-card';

export { SANDBOX };
/** The statements a platform team writes by hand, as the sandbox seeds them. */
export { CI_PUSH_STATEMENT, HAND_MADE_READ_STATEMENT } from '../../sandbox/seed';

export type BotWorld = Awaited<ReturnType<typeof startBotWorld>>;

export async function startBotWorld(
  options: LocalWorldOptions & {
    botEnv?: Record<string, string>;
    /** Longest wait for one AWS call (default 5 s, as in production). */
    callTimeoutMs?: number;
    /** Put something (such as a fault proxy) between the bot and DynamoDB. */
    dynamoEndpoint?: (direct: string) => Promise<string>;
  } = {},
) {
  const world: LocalWorld = await startLocalWorld(options);
  const clients = world.clients();
  const config = loadConfig({ ...world.env, LOG_LEVEL: 'info', ...options.botEnv });
  // The bot gets the production clients (timeouts, retries), only pointed at the local world.
  const botClients = createAwsClients({
    region: config.region,
    callTimeoutMs: options.callTimeoutMs ?? config.awsTimeoutMs,
    endpoints: {
      ecr: world.ecr.url,
      dynamodb: options.dynamoEndpoint ? await options.dynamoEndpoint(world.dynamoUrl) : world.dynamoUrl,
      organizations: world.organizations.url,
      sts: world.sts.url,
    },
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // What the entry point does with ECR_ACCESS_ORGANIZATIONS_ROLE_ARN when it makes its own clients (src/app.ts).
    ...(config.accounts?.source === 'organizations' && config.accounts.roleArn && { organizationsRoleArn: config.accounts.roleArn }),
  });
  /** Every line the bot logged. */
  const logs: string[] = [];
  const bot = await startServer(config, {
    clients: botClients,
    log: (line) => logs.push(line),
  });
  if (bot.url === undefined) throw new Error('startBotWorld drives the bot over HTTP: leave SLACK_APP_TOKEN out of botEnv');
  world.slack.setBotUrl(bot.url);
  const store = dynamoRequestStore(dynamoTable(clients.dynamo, SANDBOX.table));

  /** Runs a slash command and waits until the bot has finished everything it started. */
  const command = async (text: string, user: string = SANDBOX.requester) => {
    const ack = await world.slack.slashCommand({ user, channel: SANDBOX.approvalChannel, text });
    await bot.idle();
    const replies = world.slack.responses.filter((r) => r.url === ack.responseUrl).map((r) => String(r.body.text ?? ''));
    return { ack, replies };
  };

  const cards = (): SimMessage[] =>
    world.slack.messages(SANDBOX.approvalChannel).filter((m) => !m.thread_ts || m.thread_ts === m.ts);

  /** Clicks Approve or Deny on a card; Deny asks first, and its form is sent (with `reason`, if given). */
  const click = async (card: SimMessage, decision: 'approve' | 'deny', user: string = SANDBOX.approver, reason?: string) => {
    const ack = await world.slack.clickButton({
      user,
      channel: SANDBOX.approvalChannel,
      messageTs: card.ts,
      actionId: decision === 'approve' ? APPROVE_ACTION : DENY_ACTION,
    });
    if (decision === 'deny' && world.slack.modals(user).length > 0) await world.slack.submitView({ user, values: { reason } });
    await bot.idle();
    const replies = world.slack.responses.filter((r) => r.url === ack.responseUrl).map((r) => String(r.body.text ?? ''));
    return { ack, replies };
  };

  /** Sends a block_actions payload again, as Slack does on a retry or a double-click, optionally altered. */
  const replay = async (payload: BlockActionsPayload, alter: (p: BlockActionsPayload) => BlockActionsPayload = (p) => p) => {
    const reply = await world.slack.postToBot(encodeInteractionPayload(alter(payload)), {
      contentType: 'application/x-www-form-urlencoded',
    });
    await bot.idle();
    return reply;
  };

  /** Replies sent to a response_url, in order. */
  const repliesTo = (responseUrl: string) =>
    world.slack.responses.filter((r) => r.url === responseUrl).map((r) => String(r.body.text ?? ''));

  /** The policy as stored in the emulator, parsed. */
  const policy = (repository = 'common-images') => {
    const text = world.ecr.policyText(repository);
    return text === undefined ? undefined : (JSON.parse(text) as { Statement: Array<Record<string, unknown>> });
  };

  const requests = async (): Promise<AccessRequest[]> => {
    const out = await clients.dynamo.send(new ScanCommand({ TableName: SANDBOX.table }));
    const ids = (out.Items ?? []).filter((i) => isRequestKey(i.pk?.S)).map((i) => i.id?.S ?? '');
    return (await Promise.all(ids.map((id) => store.get(id)))).filter((r): r is AccessRequest => r !== undefined);
  };

  return {
    world,
    bot,
    logs,
    store,
    command,
    cards,
    click,
    replay,
    repliesTo,
    policy,
    requests,
    async close() {
      await bot.stop();
      clients.ecr.destroy();
      clients.dynamo.destroy();
      botClients.destroy();
      await world.close();
    },
  };
}
