// Bot processes whose clock is set 45 s ahead (faketime), inside the minute README allows but past
// half the clock margin: they measure it from AWS's answers, take no repository lease, and run no
// sweep step (no end, no lapse, no announcement taken over), and say why in their log. A process
// whose clock agrees finishes the work.
import { dynamoTable } from '../../src/aws/dynamo';
import { dynamoRequestStore } from '../../src/aws/request-store';
import { spawnBot, type BotProcess } from '../../sandbox/bot-process';
import { SANDBOX, startLocalWorld, type LocalWorld } from '../../sandbox/local-world';
import { APPROVE_ACTION } from '../../src/slack/blocks/request-card';
import { faketimeProblem } from '../support/faketime';
import { describeNeeding } from '../support/needs-installed';
import { runSweepProcess } from '../support/sweep-process';

const AHEAD_SECONDS = 45;
const QUICK = { LOG_LEVEL: 'info', ECR_ACCESS_WAIT_SECONDS: '2', ECR_ACCESS_ANNOUNCE_RETRY_SECONDS: '1', ECR_ACCESS_CLOCK_MARGIN_SECONDS: '60' };
const UNTRUSTED = /this process’s clock is more than half ECR_ACCESS_CLOCK_MARGIN_SECONDS away from AWS’s/;

describeNeeding('bot processes whose clock is 45 s ahead of AWS’s', faketimeProblem(), () => {
  let world: LocalWorld;
  let clients: ReturnType<LocalWorld['clients']>;
  let agreeing: BotProcess;
  let ahead: BotProcess;
  beforeAll(async () => {
    world = await startLocalWorld({ repositories: ['common-images', 'other-images'] });
    clients = world.clients();
    [agreeing, ahead] = await Promise.all([
      spawnBot({ ...world.env, ...QUICK, ECR_ACCESS_REPOSITORIES: 'common-images,other-images' }),
      spawnBot({ ...world.env, ...QUICK, ECR_ACCESS_REPOSITORIES: 'common-images,other-images' }, { clockAheadSeconds: AHEAD_SECONDS }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([agreeing?.stop(), ahead?.stop()]);
    clients?.dynamo.destroy();
    clients?.ecr.destroy();
    await world?.close();
  });

  const store = () => dynamoRequestStore(dynamoTable(clients.dynamo, SANDBOX.table));
  const writes = () => world.ecr.calls.filter((c) => c.action === 'SetRepositoryPolicy').length;

  async function requestCard(repository: string, account: string) {
    await world.slack.slashCommand({ user: SANDBOX.requester, channel: SANDBOX.approvalChannel, text: `request ${repository} ${account}`, botUrl: agreeing.url });
    return world.slack.waitFor(() => world.slack.messages(SANDBOX.approvalChannel).find((m) => m.text.includes(account) && m.text.includes(repository)), 15_000);
  }
  const approve = (ts: string, bot: BotProcess) =>
    world.slack.clickButton({ user: SANDBOX.approver, channel: SANDBOX.approvalChannel, messageTs: ts, actionId: APPROVE_ACTION, botUrl: bot.url });

  it('records an approval but takes no lease and writes nothing; a process whose clock agrees grants it', async () => {
    const card = await requestCard('common-images', '222233334444');
    const before = writes();
    const click = await approve(card.ts, ahead);
    const reply = await world.slack.waitFor(() => world.slack.responses.find((r) => r.url === click.responseUrl)?.body.text as string | undefined, 20_000);
    expect(reply).toMatch(/is approved and waits behind other changes to `common-images`/);
    expect(writes()).toBe(before);
    const [approved] = (await store().listByRepository('common-images')).filter((r) => r.account === '222233334444');
    expect(approved).toMatchObject({ state: 'APPROVED', decidedBy: SANDBOX.approver });
    expect(ahead.lines.some((line) => UNTRUSTED.test(line))).toBe(true);

    // The same card clicked again through a process whose clock agrees: it takes the repository and grants.
    await approve(card.ts, agreeing);
    await world.slack.waitFor(() => world.slack.thread(SANDBOX.approvalChannel, card.ts).length > 1, 20_000);
    expect((await store().get(approved!.id))!.state).toBe('GRANTED');
    expect(writes()).toBe(before + 1);
  }, 60_000);

  it('takes over no announcement a dead process left owed; a sweep whose clock agrees tells it, once', async () => {
    const card = await requestCard('other-images', '333344445555');
    const [pending] = await store().listByRepository('other-images');
    // Approved and granted by a process that died before telling anyone, a while ago.
    await store().decide(pending!.id, { to: 'APPROVED', from: ['PENDING'], by: SANDBOX.approver, at: new Date().toISOString(), card: { channel: SANDBOX.approvalChannel, ts: card.ts }, announcer: 'dead-process' });
    const verdict = { outcome: { state: 'GRANTED' as const }, at: new Date().toISOString(), policyHashBefore: '0', policyHash: '1', verifiedPolicy: '{}', pullsThrough: [] };
    await store().record(pending!.id, verdict, { by: 'dead-process', at: Date.now() - 120_000 });

    const skewed = await runSweepProcess({ ...world.env, ...QUICK, ECR_ACCESS_REPOSITORIES: 'common-images,other-images' }, { clockAheadSeconds: AHEAD_SECONDS });
    expect(skewed.code).toBe(1);
    expect(skewed.report).toMatchObject({ announced: 0, failures: 1 });
    expect(skewed.log).toMatch(UNTRUSTED);
    expect(world.slack.thread(SANDBOX.approvalChannel, card.ts)).toHaveLength(1);
    expect((await store().get(pending!.id))!.owed).toEqual(['card', 'dm', 'thread']);

    // The skewed pass did nothing at all; a pass whose clock agrees tells it.
    const agreeingPass = await runSweepProcess({ ...world.env, ...QUICK, ECR_ACCESS_REPOSITORIES: 'common-images,other-images' });
    expect(agreeingPass.report).toMatchObject({ announced: 1 });
    expect(world.slack.thread(SANDBOX.approvalChannel, card.ts)).toHaveLength(2);
    expect((await store().get(pending!.id))!.owed).toEqual([]);
  }, 60_000);
});
