// Requests Slack would never send, or that someone crafted: refused, nothing changed.
import { canPull, parsePolicy } from '../../src/domain/policy';
import type { BlockActionsPayload } from '../../sandbox/slack-simulator';
import { encodeInteractionPayload, encodeSlashCommand, slashCommandFields } from '../../sandbox/slack/payloads';
import { SANDBOX, startBotWorld, type BotWorld } from '../support/bot-world';

/** The headers Slack adds when it sends a request again because it thinks the first one failed. */
const SLACK_RETRY = { 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' };

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
    ['a correctly signed request dated more than five minutes ahead', { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 }],
    ['a Slack retry signed with another secret', { signature: 'v0=6a6f7c0b0e2d1b1a4b5b6b7b8b9babbbcbdbebfb0c1c2c3c4c5c6c7c8c9cacbc', headers: SLACK_RETRY }],
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

  /** A click as the approver, on Approve, whatever button the payload was first clicked on. */
  const asApproval = (p: BlockActionsPayload): BlockActionsPayload => ({
    ...p,
    user: { ...p.user, id: SANDBOX.approver },
    actions: p.actions.map((a: (typeof p.actions)[number]) => ({ ...a, action_id: 'ecr_access_approve' })),
  });

  it('refuses a click on one card that names another request', async () => {
    const { first, secondId } = await twoRequests();
    const { ack } = await w.click(first, 'deny', SANDBOX.other);
    await w.replay(ack.payload, (p) => asApproval(withValue(secondId)(p)));
    expect(w.repliesTo(ack.responseUrl).join('\n')).toMatch(/does not belong to request/);
    expect((await w.requests()).map((r) => r.state)).toEqual(['PENDING', 'PENDING']);
  });

  it.each([
    ['a request that does not exist', 'r-0000000000', /There is no request r-0000000000/],
    ['something that is not a request ID', '{"account":"999999999999"}', /does not name an ecr-access request/],
  ])('refuses a click naming %s', async (_name, value, message) => {
    const { first } = await twoRequests();
    const { ack } = await w.click(first, 'deny', SANDBOX.other);
    await w.replay(ack.payload, (p) => asApproval(withValue(value)(p)));
    // The listener answers one of them itself, right after the acknowledgement.
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
    // Everything the click carries but its button's value, which names the request.
    const altered = (p: BlockActionsPayload): BlockActionsPayload => {
      const { actions, ...rest } = p;
      return { ...(JSON.parse(JSON.stringify(rest).replace(/222233334444/g, '999999999999')) as typeof rest), actions };
    };
    await w.replay(ack.payload, (p) => ({
      ...altered(p),
      user: { ...p.user, id: SANDBOX.approver },
      actions: p.actions.map((a: (typeof p.actions)[number]) => ({ ...a, action_id: 'ecr_access_approve' })),
    }));
    const policy = parsePolicy(w.world.ecr.policyText('common-images'));
    expect(canPull(policy, '222233334444')).toBe(true);
    expect(canPull(policy, '999999999999')).toBe(false);
  });

  it('refuses an Approve button that names another account and shareable repository, and changes nothing', async () => {
    await w.close();
    w = await startBotWorld({ repositories: ['common-images', 'other-images'] });
    const { first, firstId } = await twoRequests();
    const { ack } = await w.click(first, 'approve', SANDBOX.other);
    expect(ack.payload.actions[0]?.value).toBe(`${firstId} common-images 222233334444`);
    await w.replay(ack.payload, (p) => ({ ...withValue(`${firstId} other-images 999999999999`)(p), user: { ...p.user, id: SANDBOX.approver } }));
    expect(w.repliesTo(ack.responseUrl).join('\n')).toMatch(/does not belong to request/);
    expect(w.world.ecr.policyText('other-images')).toBeUndefined();
    expect(w.world.ecr.countCalls('SetRepositoryPolicy')).toBe(0);
    expect((await w.requests()).find((r) => r.id === firstId)?.state).toBe('PENDING');
  });

  it.each([
    ['no container, channel or message', ({ container: _c, channel: _ch, message: _m, ...rest }: BlockActionsPayload) => rest],
    [
      'a container without the message it was in',
      ({ container, channel: _ch, message: _m, ...rest }: BlockActionsPayload) => ({ ...rest, container: { ...container, message_ts: '' } }),
    ],
  ])('refuses a click whose payload has %s, instead of skipping the card check', async (_name, dropCard) => {
    const { first } = await twoRequests();
    const { ack } = await w.click(first, 'deny', SANDBOX.other);
    const before = w.world.slack.calls.length;
    await w.replay(ack.payload, (p) => ({
      ...(dropCard(p) as BlockActionsPayload),
      user: { ...p.user, id: SANDBOX.approver },
      actions: p.actions.map((a: (typeof p.actions)[number]) => ({ ...a, action_id: 'ecr_access_approve' })),
    }));
    await w.world.slack.waitFor(() => w.repliesTo(ack.responseUrl)[1]);
    expect(w.repliesTo(ack.responseUrl)[1]).toMatch(/^:x: .*does not say which request card.*nothing changed/);
    expect((await w.requests()).map((r) => r.state)).toEqual(['PENDING', 'PENDING']);
    // The listener refused it: no job ran, so the bot called Slack for nothing.
    expect(w.world.slack.calls.slice(before)).toEqual([]);
    expect(w.world.ecr.countCalls('SetRepositoryPolicy')).toBe(0);
  });

  it('checks approver rights at click time', async () => {
    await w.close();
    w = await startBotWorld({ botEnv: { ECR_ACCESS_APPROVERS: '', ECR_ACCESS_APPROVER_GROUP: SANDBOX.approverGroup } });
    await w.command('request common-images 222233334444');
    w.world.slack.setUsergroup(SANDBOX.approverGroup, []);
    const { replies } = await w.click(w.cards()[0]!, 'approve');
    expect(replies.join('\n')).toMatch(/Only the approvers of `common-images`/);
    expect((await w.requests())[0]!.state).toBe('PENDING');
  });

  it('says Slack could not confirm an approver, rather than "not an approver", while Slack rate-limits the check', async () => {
    await w.close();
    w = await startBotWorld({ botEnv: { ECR_ACCESS_APPROVERS: '', ECR_ACCESS_APPROVER_GROUP: SANDBOX.approverGroup } });
    await w.command('request common-images 222233334444');
    w.world.slack.setFault('usergroups.users.list', { ratelimited: { retryAfterSeconds: 0 } });
    const { replies } = await w.click(w.cards()[0]!, 'approve');
    expect(replies).toEqual([expect.stringMatching(/Slack could not confirm you are an approver \(ratelimited\).*nothing changed.*Try again/)]);
    expect((await w.requests())[0]!.state).toBe('PENDING');

    w.world.slack.clearFaults();
    const again = await w.click(w.cards()[0]!, 'approve');
    expect(again.replies.join('\n')).not.toMatch(/could not confirm/);
    expect((await w.requests())[0]!.state).toBe('GRANTED');
  });
});

describe('Slack retries', () => {
  let w: BotWorld;
  beforeEach(async () => {
    w = await startBotWorld();
  });
  afterEach(async () => w.close());

  /** Everything the bot has done so far that a second submission or decision would add to. */
  const sideEffects = async () => ({
    slackCalls: w.world.slack.calls.length,
    responses: w.world.slack.responses.length,
    ecrCalls: w.world.ecr.calls.length,
    requests: (await w.requests()).map((r) => `${r.id} ${r.state}`),
  });

  it('acknowledges a retried click and acts on it once: no second decision, no second reply', async () => {
    await w.command('request common-images 222233334444');
    const { ack } = await w.click(w.cards()[0]!, 'approve');
    expect((await w.requests())[0]!.state).toBe('GRANTED');
    const before = await sideEffects();

    const retry = await w.world.slack.postToBot(encodeInteractionPayload(ack.payload), { headers: SLACK_RETRY });
    await w.bot.idle();

    expect(retry.status).toBe(200);
    expect(await sideEffects()).toEqual(before);
  });

  it('acknowledges a retried slash command and submits it once', async () => {
    const first = await w.world.slack.slashCommand({ user: SANDBOX.requester, channel: SANDBOX.approvalChannel, text: 'request common-images 222233334444' });
    await w.bot.idle();
    expect(w.repliesTo(first.responseUrl)).toEqual([expect.stringContaining('is with the approvers')]);
    const before = await sideEffects();

    const retry = await w.world.slack.postToBot(encodeSlashCommand(first.fields), { headers: SLACK_RETRY });
    await w.bot.idle();

    expect(retry).toMatchObject({ status: 200, body: '' });
    expect(await sideEffects()).toEqual(before);
    expect(w.cards()).toHaveLength(1);
  });
});

describe('echoed input', () => {
  let w: BotWorld;
  beforeAll(async () => {
    w = await startBotWorld();
  });
  afterAll(async () => w.close());

  /** What Slack would turn into a ping, a channel link or a hyperlink. */
  const LIVE = /<[!@#]|<[a-z][a-z0-9+.-]*:/i;

  it.each([
    ['an account that is a channel ping', 'request common-images <!channel>', '&lt;!channel&gt;'],
    ['a repository that is a user mention', 'request <@U0OTHER> 222233334444', '&lt;@U0OTHER&gt;'],
    ['a reason that is a link', `request common-images 222233334444 <https://evil.example|click> ${'x'.repeat(500)}`, '&lt;https://evil.example|click&gt;'],
    ['an unknown subcommand that is a ping', '<!here>', '&lt;!here&gt;'],
    ['an unknown subcommand that is a link', '<https://evil.example|help>', '&lt;https://evil.example|help&gt;'],
  ])('shows %s literally in the acknowledgement, never live', async (_name, text, shown) => {
    const { ack } = await w.command(text);
    expect(ack.status).toBe(200);
    const answer = JSON.parse(ack.body) as { text: string; blocks?: unknown };
    expect(answer.text).toContain(shown);
    expect(JSON.stringify(answer)).not.toMatch(LIVE);
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
