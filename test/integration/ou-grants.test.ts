// OU grants as people meet them in Slack: `request <repository> ou-…` asks that every account
// under an organizational unit may pull; approval writes the OU statement, read back and checked;
// revoke takes it out; an account the OU grant covers is told so, and so are the approvers; list
// shows both. Signed requests over the bot's real HTTP receiver, against the local DynamoDB, ECR
// emulator, Organizations emulator (the sandbox's organization) and Slack simulator.
import { findButton } from '../../sandbox/slack/payloads';
import { canPull, OU_SID, ouCanPull, parsePolicy, READ_ONLY_ACTIONS } from '../../src/domain/policy';
import { REVOKE_ACTION } from '../../src/slack/blocks/revoke-confirmation';
import { CI_PUSH_STATEMENT, SANDBOX, startBotWorld, type BotWorld } from '../support/bot-world';

// The sandbox's organization (sandbox/seed.ts): Analytics, under Engineering, holds sales-dashboards and, one level down, ml-experiments.
const ANALYTICS = 'ou-ecra-00000002';
const ANALYTICS_PATH = 'o-ecraccess01/r-ecra/ou-ecra-00000001/ou-ecra-00000002/';
const COVERED = '222233334444';
const livePolicy = (w: BotWorld) => parsePolicy(w.world.ecr.policyText('common-images'));
const answerTo = (w: BotWorld, responseUrl: string) => JSON.stringify(w.world.slack.responses.filter((r) => r.url === responseUrl).at(-1)?.body);

async function grantedOu(w: BotWorld) {
  await w.command(`request common-images ${ANALYTICS} analytics notebooks`);
  const card = w.cards().find((c) => JSON.stringify(c.blocks).includes(ANALYTICS))!;
  await w.click(card, 'approve');
  const request = (await w.requests()).find((r) => r.account === ANALYTICS && r.state === 'GRANTED');
  if (!request) throw new Error('not granted');
  return { card, request };
}

describe('an OU grant, with accounts from AWS Organizations', () => {
  let w: BotWorld;
  beforeEach(async () => {
    w = await startBotWorld({ botEnv: { ECR_ACCESS_ACCOUNTS: 'organizations' } });
    w.world.ecr.putPolicy('common-images', JSON.stringify({ Version: '2012-10-17', Statement: [CI_PUSH_STATEMENT] }));
  });
  afterEach(async () => w.close());

  it('shows the OU’s path and count on the card, writes the OU statement in its exact shape, and tells the thread', async () => {
    const { card, request } = await grantedOu(w);
    expect(request).toMatchObject({ orgPath: ANALYTICS_PATH, unit: { names: ['Root', 'Engineering', 'Analytics'], accounts: 2 } });
    const posted = JSON.stringify(w.world.slack.messages(SANDBOX.approvalChannel).find((m) => m.ts === card.ts)?.blocks);
    expect(posted).toContain('Root / Engineering / Analytics');
    expect(posted).toContain(ANALYTICS_PATH);
    expect(posted).toContain('2 accounts today');

    // The policy as the ECR emulator stores it.
    const stored = JSON.parse(w.world.ecr.policyText('common-images') ?? '{}') as { Statement: unknown[] };
    expect(stored.Statement).toEqual([
      CI_PUSH_STATEMENT,
      {
        Sid: OU_SID,
        Effect: 'Allow',
        Principal: '*',
        Action: [...READ_ONLY_ACTIONS],
        Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${ANALYTICS_PATH}*`] } },
      },
    ]);
    expect(ouCanPull(livePolicy(w), ANALYTICS_PATH)).toBe(true);
    const thread = JSON.stringify(w.world.slack.thread(SANDBOX.approvalChannel, card.ts).slice(1));
    expect(thread).toContain(`every account under \`${ANALYTICS}\` (Root / Engineering / Analytics) can now pull from \`common-images\``);
  });

  it('is revoked out of the policy, every other statement kept', async () => {
    await grantedOu(w);
    const { ack } = await w.command(`revoke common-images ${ANALYTICS} team moved`, SANDBOX.approver);
    const answer = w.world.slack.ephemerals(SANDBOX.approver).find((e) => e.responseUrlId !== undefined && ack.responseUrl.endsWith(`/${e.responseUrlId}`));
    expect(findButton(answer!.blocks, REVOKE_ACTION)).toBeDefined();
    await w.world.slack.clickButton({ user: SANDBOX.approver, channel: SANDBOX.approvalChannel, messageTs: answer!.ts, actionId: REVOKE_ACTION });
    await w.bot.idle();
    expect((await w.requests()).map((r) => r.state)).toEqual(['REVOKED']);
    expect(w.policy()!.Statement).toEqual([CI_PUSH_STATEMENT]);
  });

  it('tells an account under the OU, and the approvers, that the OU grant covers it; approved, its own entry outlives the OU grant', async () => {
    const { request: ouGrant } = await grantedOu(w);
    const { ack } = await w.command(`request common-images ${COVERED} its own grant`);
    expect(answerTo(w, ack.responseUrl)).toContain(`can pull already through the OU grant of \`${ANALYTICS}\` (Analytics), ${ouGrant.id}`);
    const card = w.cards().find((c) => JSON.stringify(c.blocks).includes(`\`${COVERED}\` can pull already`))!;
    expect(JSON.stringify(card.blocks)).toContain('Approving gives it its own entry, which stays if that OU grant is revoked');
    await w.click(card, 'approve');
    expect((await w.requests()).filter((r) => r.account === COVERED).map((r) => r.state)).toEqual(['GRANTED']);

    await w.command(`revoke common-images ${ANALYTICS}`, SANDBOX.approver);
    const answer = w.world.slack.ephemerals(SANDBOX.approver).at(-1);
    await w.world.slack.clickButton({ user: SANDBOX.approver, channel: SANDBOX.approvalChannel, messageTs: answer!.ts, actionId: REVOKE_ACTION });
    await w.bot.idle();
    expect(canPull(livePolicy(w), COVERED)).toBe(true);
    expect(livePolicy(w).statements.some((s) => s.Sid === OU_SID)).toBe(false);
  });

  it('is listed with its path and count of accounts, beside an account granted on its own', async () => {
    await grantedOu(w);
    await w.command('request common-images 333344445555 nightly builds');
    await w.click(w.cards().find((c) => JSON.stringify(c.blocks).includes('333344445555'))!, 'approve');
    const { ack } = await w.command('list common-images');
    const list = answerTo(w, ack.responseUrl);
    expect(list).toContain(`every account under \`${ANALYTICS}\` (Root / Engineering / Analytics) · \`${ANALYTICS_PATH}\`, 2 accounts today — approved by`);
    expect(list).toContain('333344445555');
    expect(list).toContain('nightly-builds');
  });

  it('refuses an OU the organization does not have, recording nothing', async () => {
    const { ack } = await w.command('request common-images ou-ecra-99999999');
    expect(answerTo(w, ack.responseUrl)).toContain('is not an organizational unit of your organization');
    expect(await w.requests()).toEqual([]);
  });
});

describe('an OU request without AWS Organizations', () => {
  it('says OU grants need accounts: organizations, and changes nothing', async () => {
    const w = await startBotWorld();
    try {
      const { ack } = await w.command(`request common-images ${ANALYTICS}`);
      expect(answerTo(w, ack.responseUrl)).toContain('OU grants need the bot to read AWS Organizations: ask the platform team to set `accounts: organizations`');
      expect(await w.requests()).toEqual([]);
      expect(w.world.organizations.calls).toEqual([]);
    } finally {
      await w.close();
    }
  });
});
