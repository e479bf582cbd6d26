// Requests Slack would never send, or that someone crafted: refused, nothing changed.
import { canPull, parsePolicy } from '../../src/domain/policy';
import { encodeSlashCommand, slashCommandFields } from '../../sandbox/slack/payloads';
import { SANDBOX, startBotWorld, type BotWorld } from '../support/bot-world';

describe('signatures', () => {
  let w: BotWorld;
  beforeAll(async () => {
    w = await startBotWorld();
  });
  afterAll(async () => w.close());

  const body = () =>
    encodeSlashCommand(
      slashCommandFields({
        app: w.world.slack.identity,
        user: { id: SANDBOX.requester, name: 'alice' },
        channel: { id: SANDBOX.approvalChannel, name: 'ecr-approvals' },
        command: '/ecr-access',
        text: 'request common-images 222233334444',
        responseUrl: `${w.world.slack.url}/response/forged`,
      }),
    );

  it.each([
    ['no signature headers', { headers: { 'X-Slack-Signature': '', 'X-Slack-Request-Timestamp': '' } }],
    ['a signature made with another secret', { signature: 'v0=6a6f7c0b0e2d1b1a4b5b6b7b8b9babbbcbdbebfb0c1c2c3c4c5c6c7c8c9cacbc' }],
    ['a correctly signed request older than five minutes', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }],
  ])('answers 401 to %s, and does nothing', async (_name, options) => {
    const reply = await w.world.slack.postToBot(body(), options);
    expect(reply.status).toBe(401);
    await w.bot.idle();
    expect(await w.requests()).toEqual([]);
    expect(w.world.slack.calls).toEqual([]);
    expect(w.world.ecr.calls).toEqual([]);
  });
});

describe('button payloads', () => {
  let w: BotWorld;
  beforeEach(async () => {
    w = await startBotWorld();
  });
  afterEach(async () => w.close());

  const twoRequests = async () => {
    await w.command('request common-images 222233334444');
    await w.command('request common-images 333344445555');
    const [first, second] = w.cards();
    const requests = await w.requests();
    const idOf = (account: string) => requests.find((r) => r.account === account)!.id;
    return { first: first!, second: second!, firstId: idOf('222233334444'), secondId: idOf('333344445555') };
  };

  const withValue = (value: string) => (p: Parameters<BotWorld['replay']>[0]) => ({
    ...p,
    actions: p.actions.map((a: (typeof p.actions)[number]) => ({ ...a, value })),
  });

  it('refuses a click on one card that names another request', async () => {
    const { first, secondId } = await twoRequests();
    const { ack } = await w.click(first, 'deny', SANDBOX.other);
    await w.replay(ack.payload, (p) => ({ ...withValue(secondId)(p), user: { ...p.user, id: SANDBOX.approver } }));
    expect(w.repliesTo(ack.responseUrl).join('\n')).toMatch(/does not belong to request/);
    expect((await w.requests()).map((r) => r.state)).toEqual(['PENDING', 'PENDING']);
  });

  it.each([
    ['a request that does not exist', 'r-0000000000', /There is no request r-0000000000/],
    ['something that is not a request ID', '{"account":"999999999999"}', /does not name an ecr-access request/],
  ])('refuses a click naming %s', async (_name, value, message) => {
    const { first } = await twoRequests();
    const { ack } = await w.click(first, 'deny', SANDBOX.other);
    await w.replay(ack.payload, (p) => ({ ...withValue(value)(p), user: { ...p.user, id: SANDBOX.approver } }));
    // The listener answers this one itself, right after the acknowledgement.
    await w.world.slack.waitFor(() => w.repliesTo(ack.responseUrl)[1]);
    expect(w.repliesTo(ack.responseUrl).join('\n')).toMatch(message);
    expect((await w.requests()).map((r) => r.state)).toEqual(['PENDING', 'PENDING']);
  });

  it('refuses a decision on a request that was already denied', async () => {
    const { first } = await twoRequests();
    const { ack } = await w.click(first, 'deny');
    await w.replay(ack.payload, (p) => ({ ...p, actions: p.actions.map((a: (typeof p.actions)[number]) => ({ ...a, action_id: 'ecr_access_approve' })) }));
    expect(w.repliesTo(ack.responseUrl).join('\n')).toMatch(/already denied by <@U0APPROVER>/);
    expect(w.world.ecr.countCalls('SetRepositoryPolicy')).toBe(0);
  });

  it('grants what is stored, not what an altered message shows', async () => {
    const { first } = await twoRequests();
    const { ack } = await w.click(first, 'deny', SANDBOX.other);
    const altered = JSON.parse(JSON.stringify(ack.payload).replace(/222233334444/g, '999999999999')) as typeof ack.payload;
    await w.replay(altered, (p) => ({
      ...p,
      user: { ...p.user, id: SANDBOX.approver },
      actions: p.actions.map((a: (typeof p.actions)[number]) => ({ ...a, action_id: 'ecr_access_approve' })),
    }));
    const policy = parsePolicy(w.world.ecr.policyText('common-images'));
    expect(canPull(policy, '222233334444')).toBe(true);
    expect(canPull(policy, '999999999999')).toBe(false);
  });

  it('checks approver rights at click time', async () => {
    await w.close();
    w = await startBotWorld({ botEnv: { ECR_ACCESS_APPROVERS: '', ECR_ACCESS_APPROVER_GROUP: SANDBOX.approverGroup } });
    await w.command('request common-images 222233334444');
    w.world.slack.setUsergroup(SANDBOX.approverGroup, []);
    const { replies } = await w.click(w.cards()[0]!, 'approve');
    expect(replies.join('\n')).toMatch(/Only ecr-access approvers/);
    expect((await w.requests())[0]!.state).toBe('PENDING');
  });
});

describe('secrets', () => {
  it('never appear in logs or in anything sent to Slack, even at debug level', async () => {
    const w = await startBotWorld({ botEnv: { LOG_LEVEL: 'debug' } });
    try {
      await w.command('request common-images 222233334444 token xoxb-should-not-echo');
      await w.click(w.cards()[0]!, 'approve');
      await w.command('list');
      const everything = [...w.logs, JSON.stringify(w.world.slack.calls), JSON.stringify(w.world.slack.responses)].join('\n');
      expect(w.logs.length).toBeGreaterThan(10);
      expect(everything).not.toContain(SANDBOX.botToken);
      expect(everything).not.toContain(SANDBOX.signingSecret);
      expect(w.logs.every((line) => typeof JSON.parse(line) === 'object')).toBe(true);
    } finally {
      await w.close();
    }
  });
});
