// The bot behind a firewall: `npm start` with SLACK_APP_TOKEN, as its own process, connected to
// the Slack simulator over Socket Mode and listening on no port. A request, an approval and a
// revoke arrive as envelopes on its connection, and so do the request form (its shortcut, its
// submissions, answered in their acks) and the Home tab's app_home_opened; Slack's request to reconnect in the middle of
// an approval, and Slack sending an envelope again because its ack was lost, change nothing.
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { spawnSocketModeBot, type SocketModeBotProcess } from '../../sandbox/bot-process';
import { startLocalWorld, SANDBOX, type LocalWorld } from '../../sandbox/local-world';
import type { SimMessage } from '../../sandbox/slack-simulator';
import { dynamoTable } from '../../src/aws/dynamo';
import { dynamoRequestStore } from '../../src/aws/request-store';
import { isRequestKey } from '../../src/aws/table-schema';
import type { AccessRequest } from '../../src/domain/access-request';
import { APPROVE_ACTION } from '../../src/slack/blocks/request-card';
import { REQUEST_SHORTCUT } from '../../src/slack/blocks/request-form';
import { REVOKE_ACTION } from '../../src/slack/blocks/revoke-confirmation';

const ACCOUNT = '222233334444';
/** A process's start, a job and Bolt's 5 s before it reconnects all fit well inside it. */
const WAIT_MS = 20_000;

let world: LocalWorld;
let bot: SocketModeBotProcess;
let clients: ReturnType<LocalWorld['clients']>;

beforeEach(async () => {
  world = await startLocalWorld({ socketMode: true });
  clients = world.clients();
  // A write held while the bot reconnects must not count as unanswered (5 s by default).
  bot = await spawnSocketModeBot({ ...world.env, LOG_LEVEL: 'info', ECR_ACCESS_AWS_TIMEOUT_SECONDS: '30' });
});

afterEach(async () => {
  await bot?.stop();
  clients?.ecr.destroy();
  clients?.dynamo.destroy();
  await world?.close();
});

const { approvalChannel: CHANNEL, requester, approver } = SANDBOX;

const cards = (): SimMessage[] => world.slack.messages(CHANNEL);
const threadReplies = (card: SimMessage) => world.slack.thread(CHANNEL, card.ts).slice(1);
const repliesTo = (responseUrl: string) => world.slack.responses.filter((r) => r.url === responseUrl).map((r) => String(r.body.text ?? ''));

async function requests(): Promise<AccessRequest[]> {
  const store = dynamoRequestStore(dynamoTable(clients.dynamo, SANDBOX.table));
  const out = await clients.dynamo.send(new ScanCommand({ TableName: SANDBOX.table, ConsistentRead: true }));
  const ids = (out.Items ?? []).filter((i) => isRequestKey(i.pk?.S)).map((i) => i.id?.S ?? '');
  return (await Promise.all(ids.map((id) => store.get(id)))).filter((r): r is AccessRequest => r !== undefined);
}

/** Resolves once the bot has logged a line containing `text`. */
function logged(text: string): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (!bot.lines.some((line) => line.includes(text))) return;
      bot.child.stdout?.off('data', check);
      resolve();
    };
    // The bot's lines are collected from the same stream, before this listener hears it.
    bot.child.stdout?.on('data', check);
    check();
  });
}

/** The retry guard's line: Slack's retry was acknowledged and went no further. */
const RETRY_GUARDED = "acknowledged Slack's retry 1 (timeout) without acting on it again";

/** alice asks; resolves with the command's ack and the card once it is before the approvers. */
async function request(account = ACCOUNT) {
  const ack = await world.slack.slashCommand({ user: requester, channel: CHANNEL, text: `request common-images ${account} nightly builds` });
  const card = await world.slack.waitFor(() => cards().find((c) => c.text.includes(account)), WAIT_MS);
  return { ack, card };
}

const approve = (card: SimMessage) => world.slack.clickButton({ user: approver, channel: CHANNEL, messageTs: card.ts, actionId: APPROVE_ACTION });

/** The grant told everywhere it is told: the verified policy in the thread, and alice's direct message. */
const granted = (card: SimMessage) =>
  world.slack.waitFor(() => threadReplies(card).length > 0 && world.slack.dms(requester).some((m) => m.text.includes('can now pull')), WAIT_MS);

/** alice revokes: the command's answer (it checks first) puts up a Revoke button in place of its interim line, and her click on it starts the revoke. */
async function revoke(account = ACCOUNT) {
  const command = await world.slack.slashCommand({ user: requester, channel: CHANNEL, text: `revoke common-images ${account} done with it` });
  expect(JSON.parse(command.body)).toMatchObject({ text: expect.stringContaining('Checking what revoking') });
  const confirmation = await world.slack.waitFor(
    () => world.slack.ephemerals(requester).find((e) => command.responseUrl.endsWith(`/${e.responseUrlId}`) && JSON.stringify(e.blocks ?? []).includes(REVOKE_ACTION)),
    WAIT_MS,
  );
  const click = await world.slack.clickButton({ user: requester, channel: CHANNEL, messageTs: confirmation.ts, actionId: REVOKE_ACTION });
  await world.slack.waitFor(() => repliesTo(click.responseUrl).length > 0, WAIT_MS);
  return click;
}

describe('Socket Mode', () => {
  it('connects with the app-level token and listens on no port', () => {
    expect(world.slack.calls.filter((c) => c.method === 'apps.connections.open').map((c) => c.ok)).toEqual([true]);
    expect(world.slack.socketModeConnections).toBe(1);
    expect(bot.lines.join('\n')).not.toContain('ecr-access is listening');
  });

  it('stops at start, saying what to check, when Slack refuses the app-level token', async () => {
    const refused = await spawnSocketModeBot({ ...world.env, SLACK_APP_TOKEN: 'xapp-1-A0OTHERAPP-1-not-this-apps-token' }).then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(refused).toContain('exited with 1');
    expect(refused).toContain("ecr-access cannot start: Slack did not open a Socket Mode connection (An API error occurred: invalid_auth). SLACK_APP_TOKEN must be this Slack app's app-level token");
    expect(refused).not.toContain('xapp-1-A0OTHERAPP');
  });

  it('takes a request, its approval and its revoke as envelopes, each acted on once', async () => {
    const { ack, card } = await request();
    // The command's immediate answer travels in its ack, and Slack shows it.
    expect(JSON.parse(ack.body)).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Checking your request') });
    expect(world.slack.ephemerals(requester).map((e) => e.text)).toContainEqual(expect.stringContaining('Checking your request'));
    await approve(card);
    await granted(card);
    expect(world.ecr.policyText('common-images')).toContain(`arn:aws:iam::${ACCOUNT}:root`);

    const click = await revoke();
    expect(repliesTo(click.responseUrl)).toEqual([expect.stringContaining(ACCOUNT)]);
    expect(world.ecr.policyText('common-images') ?? '').not.toContain(ACCOUNT);
    expect((await requests()).map((r) => [r.account, r.state, r.decidedBy])).toEqual([[ACCOUNT, 'REVOKED', approver]]);
    expect(cards()).toHaveLength(1);
    // Four deliveries (request, approve, revoke, its confirmation), each sent once and acknowledged on the one connection.
    expect(world.slack.envelopes.map((e) => [e.type, e.retry_attempt, e.ackedOn])).toEqual([
      ['slash_commands', 0, 'C1'],
      ['interactive', 0, 'C1'],
      ['slash_commands', 0, 'C1'],
      ['interactive', 0, 'C1'],
    ]);
  });

  it('reconnects when Slack asks in the middle of an approval, and nothing is lost or done twice', async () => {
    const { card } = await request();
    // The approval's policy write is held: the job is in the middle of it while the connection changes.
    world.ecr.setFaults({ hang: true, actions: ['SetRepositoryPolicy'] });
    await approve(card);
    await world.ecr.waitForCalls('SetRepositoryPolicy', 1, WAIT_MS);

    world.slack.requestSocketModeReconnect('refresh_requested');
    await world.slack.waitFor(() => world.slack.socketModeConnections === 1, WAIT_MS);
    world.ecr.clearFaults();
    await granted(card);

    // The next revoke travels on the new connection.
    await revoke();
    await world.slack.waitFor(() => threadReplies(card).length >= 2, WAIT_MS);
    expect(world.slack.calls.filter((c) => c.method === 'apps.connections.open').map((c) => c.ok)).toEqual([true, true]);
    expect(world.slack.envelopes.map((e) => [e.type, e.retry_attempt, e.ackedOn])).toEqual([
      ['slash_commands', 0, 'C1'],
      ['interactive', 0, 'C1'],
      ['slash_commands', 0, 'C2'],
      ['interactive', 0, 'C2'],
    ]);
    // One write to grant, one to revoke; one thread post for each.
    expect(world.ecr.countCalls('SetRepositoryPolicy') + world.ecr.countCalls('DeleteRepositoryPolicy')).toBe(2);
    expect(threadReplies(card)).toHaveLength(2);
    expect(world.slack.dms(requester).filter((m) => m.text.includes('can now pull'))).toHaveLength(1);
    expect((await requests()).map((r) => r.state)).toEqual(['REVOKED']);
    expect(bot.lines.join('\n')).toContain('the Socket Mode connection closed; opening a new one');
  });

  it('submits a command once when its ack is lost and Slack sends it again', async () => {
    world.slack.loseSocketModeAcks(1);
    const { ack } = await request();
    // The retry reaches the retry guard, which acknowledges it with no answer and goes no further.
    expect(ack.body).toBe('');
    expect(world.slack.envelopes.map((e) => [e.retry_attempt, e.ackLost ?? false, e.ackedAt !== undefined])).toEqual([
      [0, true, false],
      [1, false, true],
    ]);
    await world.slack.waitFor(() => repliesTo(ack.responseUrl).length > 0, WAIT_MS);
    expect(repliesTo(ack.responseUrl)).toEqual([expect.stringContaining('is with the approvers')]);
    await logged(RETRY_GUARDED);
    expect(await requests()).toHaveLength(1);
    expect(cards()).toHaveLength(1);
  });

  it('decides a click once when its ack is lost and Slack sends it again', async () => {
    const { card } = await request();
    world.slack.loseSocketModeAcks(1);
    const click = await approve(card);
    await granted(card);
    await logged(RETRY_GUARDED);
    expect(world.slack.envelopes.filter((e) => e.type === 'interactive').map((e) => [e.retry_attempt, e.ackLost ?? false])).toEqual([
      [0, true],
      [1, false],
    ]);
    expect(world.ecr.countCalls('SetRepositoryPolicy')).toBe(1);
    expect(threadReplies(card)).toHaveLength(1);
    expect((await requests()).map((r) => [r.state, r.decidedBy])).toEqual([['GRANTED', approver]]);
    // A second decision would have been refused and said so here.
    expect(repliesTo(click.responseUrl).filter((text) => text.includes('already'))).toEqual([]);
  });
  it('opens the request form from the shortcut, answers its submissions in their acks, and publishes the Home tab, all over the connection', async () => {
    const opened = await world.slack.runShortcut({ user: requester, callbackId: REQUEST_SHORTCUT });
    expect(opened.status).toBe(200);
    expect(world.slack.modals(requester).map((m) => m.view.callback_id)).toEqual(['ecr_access_request_form']);

    // The registry's own account is refused under its field, in the submission's ack.
    const refused = await world.slack.submitView({ user: requester, values: { repository: 'common-images', account: '123456789012' } });
    expect(refused).toMatchObject({ outcome: 'errors', errors: { account: expect.stringContaining('owns the registry') } });

    const sent = await world.slack.submitView({ user: requester, values: { repository: 'common-images', account: ACCOUNT } });
    expect(sent.outcome).toBe('updated');
    const card = await world.slack.waitFor(() => cards().find((c) => c.text.includes(ACCOUNT)), WAIT_MS);
    expect(card).toBeDefined();

    // The Events API's app_home_opened comes as an events_api envelope; the tab shows the request.
    await world.slack.openHome({ user: requester });
    const home = await world.slack.waitFor(() => {
      const view = world.slack.home(requester);
      return view && JSON.stringify(view.blocks).includes(ACCOUNT) && view;
    }, WAIT_MS);
    expect(home).toBeDefined();
    expect(world.slack.envelopes.map((e) => [e.type, e.retry_attempt])).toEqual([
      ['interactive', 0],
      ['interactive', 0],
      ['interactive', 0],
      ['events_api', 0],
    ]);
    expect((await requests()).map((r) => [r.account, r.state])).toEqual([[ACCOUNT, 'PENDING']]);
  });
});
