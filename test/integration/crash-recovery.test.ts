// A bot process killed from outside (SIGKILL) at the worst moments leaves nothing stuck and
// nothing untold: its lease runs out, and the next click, approval or sweep pass finishes its work.
import { setTimeout as sleep } from 'node:timers/promises';
import { MANAGED_SID, canPull, parsePolicy } from '../../src/domain/policy';
import { spawnBot, type BotProcess } from '../../sandbox/bot-process';
import { startLocalWorld, SANDBOX, type LocalWorld } from '../../sandbox/local-world';
import type { SimMessage, SimulatorEvent } from '../../sandbox/slack-simulator';
import { dynamoTable } from '../../src/aws/dynamo';
import { dynamoRequestStore } from '../../src/aws/request-store';
import { APPROVE_ACTION } from '../../src/slack/blocks/request-card';
import { startDynamoFaults, type DynamoFaults } from '../support/dynamo-faults';
import { startMultiBot, type MultiBot } from '../support/multi-bot';
import { hasButtons, runSweepProcess } from '../support/sweep-process';
import { seededRandom } from '../support/seeded-random';

/** Short lease times, so a dead holder's lease runs out within the test; the processes share this machine's clock. */
const QUICK = { ECR_ACCESS_LEASE_SECONDS: '4', ECR_ACCESS_WRITE_LANDING_SECONDS: '3', ECR_ACCESS_CLOCK_MARGIN_SECONDS: '2', ECR_ACCESS_ANNOUNCE_RETRY_SECONDS: '1', ECR_ACCESS_WAIT_SECONDS: '20' };

/** Kills `bot` the moment the ECR emulator receives its SetRepositoryPolicy for `repository`. */
function killAtWrite(m: MultiBot, bot: BotProcess, repository: string) {
  const unsubscribe = m.world.ecr.on('call', (call) => {
    if (call.action === 'SetRepositoryPolicy' && call.repositoryName === repository) {
      bot.child.kill('SIGKILL');
      unsubscribe();
    }
  });
}

describe('a bot process killed while it writes the policy', () => {
  let m: MultiBot;
  beforeAll(async () => {
    m = await startMultiBot({ repositories: ['retry-click', 'next-approval'], processes: [QUICK, QUICK, QUICK] });
  }, 60_000);
  afterAll(async () => m.close());

  const principals = (repository: string) => {
    const statement = (JSON.parse(m.world.ecr.policyText(repository)!) as { Statement: Array<{ Sid?: string; Principal: { AWS: string[] } }> }).Statement.find((s) => s.Sid === MANAGED_SID)!;
    return ([] as string[]).concat(statement.Principal.AWS);
  };

  it('is completed by a second click on Approve, with one principal and one record', async () => {
    const card = await m.request('222233334444', 0, 'retry-click');
    killAtWrite(m, m.bots[1]!, 'retry-click');
    await m.click(card, 'approve', 1);
    expect(await m.bots[1]!.exited).toBeNull();
    expect((await m.requests()).find((r) => r.repository === 'retry-click')!.state).toBe('APPROVED');

    const retry = await m.click(card, 'approve', 0);
    await m.world.slack.waitFor(() => m.threadReplies(card).length > 0, 20_000);
    const records = (await m.requests()).filter((r) => r.repository === 'retry-click');
    expect(records.map((r) => r.state)).toEqual(['GRANTED']);
    expect(principals('retry-click')).toEqual(['arn:aws:iam::222233334444:root']);
    const reply = await m.world.slack.waitFor(() => m.repliesTo(retry.responseUrl)[0], 20_000);
    expect(reply).toMatch(/already approved by <@U0APPROVER> and is granted/);
    expect(m.threadReplies(card)).toHaveLength(1);
  }, 60_000);

  it('is completed by the next approval for the same repository', async () => {
    const first = await m.request('333344445555', 0, 'next-approval');
    const second = await m.request('444455556666', 0, 'next-approval');
    killAtWrite(m, m.bots[2]!, 'next-approval');
    await m.click(first, 'approve', 2);
    expect(await m.bots[2]!.exited).toBeNull();

    await m.click(second, 'approve', 0);
    await m.world.slack.waitFor(() => m.threadReplies(first).length > 0 && m.threadReplies(second).length > 0, 20_000);
    const states = (await m.requests()).filter((r) => r.repository === 'next-approval').map((r) => r.state);
    expect(states).toEqual(['GRANTED', 'GRANTED']);
    expect(principals('next-approval').sort()).toEqual(['arn:aws:iam::333344445555:root', 'arn:aws:iam::444455556666:root']);
    expect(canPull(parsePolicy(m.world.ecr.policyText('next-approval')), '333344445555')).toBe(true);
  }, 60_000);
});

describe('a bot process killed between recording a grant and announcing it', () => {
  let world: LocalWorld;
  let faults: DynamoFaults;
  let bots: BotProcess[];
  beforeAll(async () => {
    world = await startLocalWorld();
    faults = await startDynamoFaults(world.dynamoUrl);
    bots = await Promise.all([
      spawnBot({ ...world.env, LOG_LEVEL: 'info', ...QUICK }),
      spawnBot({ ...world.env, LOG_LEVEL: 'info', ...QUICK, AWS_ENDPOINT_URL_DYNAMODB: faults.url }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(bots.map((b) => b.stop()));
    await faults.close();
    await world.close();
  });

  const card = (): SimMessage => world.slack.messages(SANDBOX.approvalChannel)[0]!;
  const click = (botUrl: string) =>
    world.slack.clickButton({ user: SANDBOX.approver, channel: SANDBOX.approvalChannel, messageTs: card().ts, actionId: APPROVE_ACTION, botUrl });

  it('is told on the card, in the thread and to the requester by the next click, each once', async () => {
    await world.slack.slashCommand({ user: SANDBOX.requester, channel: SANDBOX.approvalChannel, text: 'request common-images 222233334444', botUrl: bots[0]!.url });
    await world.slack.waitFor(() => world.slack.messages(SANDBOX.approvalChannel)[0], 15_000);

    // The grant is recorded in DynamoDB; the bot never hears so, and dies.
    const recorded = faults.holdAnswerWhen('UpdateItem', '"GRANTED"');
    await click(bots[1]!.url);
    await recorded;
    bots[1]!.child.kill('SIGKILL');
    await bots[1]!.exited;
    expect(world.slack.thread(SANDBOX.approvalChannel, card().ts)).toHaveLength(1);
    expect(world.slack.dms(SANDBOX.requester)).toHaveLength(0);

    // Once the dead announcer's claim is abandoned (its retry time and the clock margin, 1 s + 2 s), a click on the card (it still shows Approve) finishes the job.
    const grace = Date.now() + 3_500;
    while (Date.now() < grace) await sleep(100);
    await click(bots[0]!.url);
    await world.slack.waitFor(() => world.slack.dms(SANDBOX.requester).length > 0 && world.slack.thread(SANDBOX.approvalChannel, card().ts).length > 1, 15_000);

    expect(world.slack.thread(SANDBOX.approvalChannel, card().ts).slice(1)).toHaveLength(1);
    expect(world.slack.dms(SANDBOX.requester)).toHaveLength(1);
    expect(card().text).toMatch(/granted/);
    expect(world.slack.calls.filter((c) => c.method === 'chat.update' && c.ok)).toHaveLength(1);
  }, 60_000);
});

describe('a bot process killed between Slack taking its thread post and ticking it off', () => {
  let world: LocalWorld;
  let bots: BotProcess[];
  beforeAll(async () => {
    world = await startLocalWorld();
    bots = await Promise.all([spawnBot({ ...world.env, LOG_LEVEL: 'info', ...QUICK }), spawnBot({ ...world.env, LOG_LEVEL: 'info', ...QUICK })]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(bots.map((b) => b.stop()));
    await world.close();
  });

  it('leaves the sweep that finishes its announcement nothing to post twice', async () => {
    await world.slack.slashCommand({ user: SANDBOX.requester, channel: SANDBOX.approvalChannel, text: 'request common-images 222233334444', botUrl: bots[0]!.url });
    const card = await world.slack.waitFor(() => world.slack.messages(SANDBOX.approvalChannel)[0], 15_000);
    // The thread post is in Slack the moment the bot dies: it cannot tick it off (nor, perhaps, post the DM).
    const killAtThreadPost = (event: SimulatorEvent) => {
      if (event.kind === 'message_posted' && event.message.thread_ts === card.ts && event.message.ts !== card.ts) bots[1]!.child.kill('SIGKILL');
    };
    world.slack.on('event', killAtThreadPost);
    await world.slack.clickButton({ user: SANDBOX.approver, channel: SANDBOX.approvalChannel, messageTs: card.ts, actionId: APPROVE_ACTION, botUrl: bots[1]!.url });
    await bots[1]!.exited;
    world.slack.off('event', killAtThreadPost);
    expect(world.slack.thread(SANDBOX.approvalChannel, card.ts).slice(1)).toHaveLength(1);

    // A pass takes the announcement over once its announcer has been quiet for a second; a pass before that leaves it.
    const clients = world.clients();
    const store = dynamoRequestStore(dynamoTable(clients.dynamo, SANDBOX.table));
    const owed = async () => (await store.listByRepository('common-images'))[0]!.owed;
    let log = '';
    for (let pass = 0; pass < 5 && (await owed()).length > 0; pass += 1) {
      const run = await runSweepProcess({ ...world.env, ...QUICK });
      expect(run.code).toBe(0);
      log += run.log;
    }

    expect(await owed()).toEqual([]);
    clients.dynamo.destroy();
    clients.ecr.destroy();
    expect(world.slack.thread(SANDBOX.approvalChannel, card.ts).slice(1)).toHaveLength(1);
    expect(world.slack.dms(SANDBOX.requester)).toHaveLength(1);
    expect(log).toMatch(/an outcome was told before its announcer stopped; ticking it off without telling it again.*"part":"thread"/);
  }, 90_000);
});

describe('a bot process waiting out Slack’s rate limit for longer than ECR_ACCESS_ANNOUNCE_RETRY_SECONDS', () => {
  let world: LocalWorld;
  let bot: BotProcess;
  beforeAll(async () => {
    world = await startLocalWorld();
    bot = await spawnBot({ ...world.env, LOG_LEVEL: 'info', ...QUICK });
  }, 60_000);
  afterAll(async () => {
    await bot.stop();
    await world.close();
  });

  it('keeps its announcement: a sweep meanwhile does not take it over, and the thread is told once', async () => {
    await world.slack.slashCommand({ user: SANDBOX.requester, channel: SANDBOX.approvalChannel, text: 'request common-images 222233334444', botUrl: bot.url });
    const card = await world.slack.waitFor(() => world.slack.messages(SANDBOX.approvalChannel)[0], 15_000);
    // The thread post, the first post of the announcement, is answered 429 with a Retry-After of six seconds.
    world.slack.setFault('chat.postMessage', { ratelimited: { retryAfterSeconds: 6 }, times: 1 });
    await world.slack.clickButton({ user: SANDBOX.approver, channel: SANDBOX.approvalChannel, messageTs: card.ts, actionId: APPROVE_ACTION, botUrl: bot.url });
    await world.slack.waitFor(() => world.slack.rateLimitedCalls.length === 1, 15_000);
    const clients = world.clients();
    const store = dynamoRequestStore(dynamoTable(clients.dynamo, SANDBOX.table));
    const [granted] = await store.listByRepository('common-images');
    const recordedAt = Date.parse(granted!.history!.at(-1)!.at);

    // Passes until one runs after the announcer's first claim would have been abandoned (1 s + the 2 s clock margin), while the post still waits.
    let passedAt = 0;
    while (passedAt <= recordedAt + 3_000) {
      const run = await runSweepProcess({ ...world.env, ...QUICK });
      expect(run.code).toBe(0);
      const swept = run.log.split('\n').find((line) => line.includes('"message":"swept"'));
      expect(JSON.parse(swept!)).toMatchObject({ announced: 0 });
      passedAt = Date.parse((JSON.parse(swept!) as { time: string }).time);
    }
    expect(world.slack.thread(SANDBOX.approvalChannel, card.ts).slice(1)).toHaveLength(0);

    await world.slack.waitFor(() => world.slack.thread(SANDBOX.approvalChannel, card.ts).length > 1 && world.slack.dms(SANDBOX.requester).length > 0, 15_000);
    expect(world.slack.thread(SANDBOX.approvalChannel, card.ts).slice(1)).toHaveLength(1);
    expect(world.slack.dms(SANDBOX.requester)).toHaveLength(1);
    clients.dynamo.destroy();
    clients.ecr.destroy();
  }, 90_000);
});

describe('bots killed at random moments during bursts of approvals, then one sweep pass', () => {
  /** Short times, so the dead holders' leases and their jobs' waits run out within the test. */
  const SWEEPABLE = { ...QUICK, ECR_ACCESS_WAIT_SECONDS: '2' };
  const REPOSITORIES = ['burst-one', 'burst-two'];
  const random = seededRandom();
  let m: MultiBot;
  beforeAll(async () => {
    m = await startMultiBot({ repositories: REPOSITORIES, processes: [SWEEPABLE, SWEEPABLE, SWEEPABLE] });
  }, 60_000);
  afterAll(async () => m.close());

  it('leaves every approved request GRANTED or FAILED, announced once, and no decided card with buttons', () => random.reporting(async () => {
    const cards: SimMessage[] = [];
    for (let i = 0; i < 12; i++) cards.push(await m.request(String(500000000000 + i), 0, REPOSITORIES[i % 2]));

    // Bursts on bots 1 and 2 (bot 1 approves burst-one, bot 2 burst-two), each bot killed (SIGKILL)
    // at a random moment of its work: after a random number of its repository's ECR calls, and a
    // random few milliseconds more, so between any two of its steps.
    const kills = [1, 2].map(
      (b) =>
        new Promise<void>((resolve) => {
          const repository = REPOSITORIES[b - 1]!;
          let calls = 1 + random.below(6);
          const unsubscribe = m.world.ecr.on('call', (call) => {
            if (call.repositoryName !== repository || --calls > 0) return;
            unsubscribe();
            setTimeout(() => {
              m.bots[b]!.child.kill('SIGKILL');
              void m.bots[b]!.exited.then(() => resolve());
            }, random.below(40));
          });
        }),
    );
    const clicks = cards.map((card, i) => m.click(card, 'approve', 1 + (i % 2)).catch(() => undefined));
    await Promise.all([...clicks, ...kills]);

    // Past the dead holders' leases (4 s), their jobs' waits (2 s) and the time an announcer's claim takes to be abandoned (1 s + the 2 s clock margin).
    await sleep(5_000);
    const run = await runSweepProcess({ ...m.world.env, ...SWEEPABLE, ECR_ACCESS_REPOSITORIES: REPOSITORIES.join(',') });
    expect(run.code).toBe(0);

    const requests = await m.requests();
    const decided = requests.filter((r) => r.state !== 'PENDING');
    expect(decided.length).toBeGreaterThan(0);
    // A click that died before its decision was written decided nothing: that card still asks, as it should.
    expect(decided.map((r) => r.state).filter((s) => s !== 'GRANTED' && s !== 'FAILED')).toEqual([]);
    for (const request of requests) {
      const card = m.cards().find((c) => c.ts === request.card?.ts)!;
      expect({ id: request.id, buttons: hasButtons(card) }).toEqual({ id: request.id, buttons: request.state === 'PENDING' });
      if (request.state === 'PENDING') continue;
      expect({ id: request.id, owed: request.owed, replies: m.threadReplies(card).length }).toEqual({ id: request.id, owed: [], replies: 1 });
    }
    // A kill between a DM and its tick-off leaves the DM owed; the pass that takes it over finds it in Slack and does not send it again.
    const dms = m.world.slack.dms(SANDBOX.requester).map((d) => d.text);
    for (const request of decided.filter((r) => r.state === 'GRANTED')) {
      expect({ account: request.account, told: dms.filter((text) => text.includes(request.account)).length }).toEqual({ account: request.account, told: 1 });
    }
    for (const repository of REPOSITORIES) {
      const policy = parsePolicy(m.world.ecr.policyText(repository));
      for (const request of requests.filter((r) => r.repository === repository)) {
        expect({ account: request.account, pulls: canPull(policy, request.account) }).toEqual({ account: request.account, pulls: request.state === 'GRANTED' });
      }
    }
  }), 120_000);
});
