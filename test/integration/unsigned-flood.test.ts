// The endpoint holds under a flood of requests Slack did not send: every one is refused with 401
// before any listener sees it, nothing is started for any of them, an approval in flight when the
// flood starts still ends as a grant, told once, and a signed command after it is answered. How
// fast, and what it costs in memory and event-loop delay, is the bench's to measure (part 10).
import { canPull, parsePolicy } from '../../src/domain/policy';
import { APPROVE_ACTION } from '../../src/slack/blocks/request-card';
import { SANDBOX, startBotWorld, type BotWorld } from '../support/bot-world';
import { floodWithForgedRequests } from '../support/unsigned-flood';

const ACCOUNT = '222233334444';
const FLOOD = 2000;

let w: BotWorld;
beforeAll(async () => {
  // Each ECR call takes a moment, so the approval is still at work while the flood arrives.
  w = await startBotWorld({ repositories: ['common-images'], ecrLatencyMs: 200 });
});
afterAll(async () => w.close());

describe(`a flood of ${FLOOD} forged requests`, () => {
  it('refuses every one with 401, starts nothing for any, loses no approval in flight, and still answers a signed command', async () => {
    await w.command(`request common-images ${ACCOUNT} dashboards`);
    const [card] = w.cards();
    const slackCallsBefore = w.world.slack.calls.length;
    const approving = w.world.slack.clickButton({ user: SANDBOX.approver, channel: SANDBOX.approvalChannel, messageTs: card!.ts, actionId: APPROVE_ACTION });
    // The approval's job has begun: its first ECR call is on its way.
    await w.world.ecr.waitForCalls('GetRepositoryPolicy', 2);

    const flood = await floodWithForgedRequests(w.bot.url!, { count: FLOOD, overMs: 0 });

    expect(flood.statuses).toEqual({ 401: FLOOD });
    expect((await approving).status).toBe(200);
    const help = await w.command('help');
    expect(help.ack.status).toBe(200);
    expect(JSON.stringify(help.ack.body)).toContain('/ecr-access request');

    await w.bot.idle();
    expect(canPull(parsePolicy(w.world.ecr.policyText('common-images')), ACCOUNT)).toBe(true);
    expect(await w.requests()).toEqual([expect.objectContaining({ account: ACCOUNT, state: 'GRANTED', owed: [] })]);
    expect(w.world.slack.thread(SANDBOX.approvalChannel, card!.ts)).toHaveLength(2);
    // Nothing was started for a forged request: no Slack call and no reply names its user.
    expect(JSON.stringify(w.world.slack.calls.slice(slackCallsBefore))).not.toContain('U0FLOOD');
    expect(w.world.slack.responses.filter((r) => r.url.includes('/response/flood'))).toEqual([]);
  }, 120_000);
});
