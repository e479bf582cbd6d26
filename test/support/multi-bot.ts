// Several bot processes sharing one local world, as several Lambda instances share AWS.
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { dynamoTable } from '../../src/aws/dynamo';
import { dynamoRequestStore } from '../../src/aws/request-store';
import { isRequestKey } from '../../src/aws/table-schema';
import type { AccessRequest } from '../../src/domain/access-request';
import { spawnBot, type BotProcess } from '../../sandbox/bot-process';
import { startLocalWorld, SANDBOX, type LocalWorld, type LocalWorldOptions } from '../../sandbox/local-world';
import type { SimMessage } from '../../sandbox/slack-simulator';
import { APPROVE_ACTION, DENY_ACTION } from '../../src/slack/blocks/request-card';

export type MultiBot = Awaited<ReturnType<typeof startMultiBot>>;

export async function startMultiBot(options: LocalWorldOptions & { processes?: Array<Record<string, string>> } = {}) {
  const world: LocalWorld = await startLocalWorld(options);
  const bots: BotProcess[] = await Promise.all(
    (options.processes ?? [{}, {}]).map((env) => spawnBot({ ...world.env, LOG_LEVEL: 'info', ...env })),
  );
  world.slack.setBotUrl(bots[0]!.url);
  const clients = world.clients();
  const store = dynamoRequestStore(dynamoTable(clients.dynamo, SANDBOX.table));

  const cards = (): SimMessage[] => world.slack.messages(SANDBOX.approvalChannel);
  const threadReplies = (card: SimMessage) => world.slack.thread(SANDBOX.approvalChannel, card.ts).slice(1);

  const requests = async (): Promise<AccessRequest[]> => {
    const out = await clients.dynamo.send(new ScanCommand({ TableName: SANDBOX.table, ConsistentRead: true }));
    const ids = (out.Items ?? []).filter((i) => isRequestKey(i.pk?.S)).map((i) => i.id?.S ?? '');
    return (await Promise.all(ids.map((id) => store.get(id)))).filter((r): r is AccessRequest => r !== undefined);
  };

  /** Sends a request through bot `via` and waits for its card. */
  const request = async (account: string, via = 0, repository = 'common-images') => {
    const seen = new Set(cards().map((c) => c.ts));
    await world.slack.slashCommand({ user: SANDBOX.requester, channel: SANDBOX.approvalChannel, text: `request ${repository} ${account}`, botUrl: bots[via]!.url });
    return world.slack.waitFor(() => cards().find((c) => !seen.has(c.ts) && c.text.includes(account) && c.text.includes(repository)), 15_000);
  };

  /** Clicks Approve or Deny through bot `via`; Deny asks first, and its form is sent through the same bot. */
  const click = async (card: SimMessage, decision: 'approve' | 'deny', via = 0, user: string = SANDBOX.approver) => {
    const botUrl = bots[via]!.url;
    const ack = await world.slack.clickButton({ user, channel: SANDBOX.approvalChannel, messageTs: card.ts, actionId: decision === 'approve' ? APPROVE_ACTION : DENY_ACTION, botUrl });
    if (decision === 'deny' && world.slack.modals(user).length > 0) await world.slack.submitView({ user, botUrl });
    return ack;
  };

  const repliesTo = (responseUrl: string) =>
    world.slack.responses.filter((r) => r.url === responseUrl).map((r) => String(r.body.text ?? ''));

  return {
    world,
    bots,
    store,
    cards,
    threadReplies,
    requests,
    request,
    click,
    repliesTo,
    async close() {
      await Promise.all(bots.map((b) => b.stop()));
      clients.ecr.destroy();
      clients.dynamo.destroy();
      await world.close();
    },
  };
}
