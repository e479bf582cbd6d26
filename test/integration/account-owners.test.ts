// Who owns the account, as approvers and requesters see it: the card, `list`, `history` and the
// App Home name the account and its OU path; an account outside the organization is flagged, or
// refused before any card with ECR_ACCESS_ORGANIZATION_ONLY; Organizations throttled or denied
// leaves the card posted, saying the owner is unknown. Signed requests over the bot's real HTTP
// receiver, against the local DynamoDB, ECR, Organizations emulator and Slack simulator.
import { HAND_MADE_READ_STATEMENT, SANDBOX, startBotWorld, type BotWorld } from '../support/bot-world';
import { NOT_IN_ORGANIZATION, OWNER_UNKNOWN } from '../../src/slack/blocks/account-owner';

const MEMBER = '222233334444';
const OUTSIDER = '999988887777';
const MEMBER_OWNER = 'sales-dashboards · Root / Engineering / Analytics';

describe('account owners', () => {
  let w: BotWorld;
  afterEach(async () => w.close());

  const start = async (botEnv: Record<string, string> = {}) => {
    w = await startBotWorld({ botEnv: { ECR_ACCESS_ACCOUNTS: 'organizations', ...botEnv } });
  };
  const cardText = () => JSON.stringify(w.cards()[0]?.blocks ?? []);
  const lastResponse = () => JSON.stringify(w.world.slack.responses.at(-1)?.body ?? {});

  it('names the account and its OU path on the card, and keeps it there once decided', async () => {
    await start();
    await w.command(`request common-images ${MEMBER} dashboards`);
    expect(cardText()).toContain(`*Owner*\\n${MEMBER_OWNER}`);
    await w.click(w.cards()[0]!, 'approve');
    expect(cardText()).toContain(`Approved by <@${SANDBOX.approver}>`);
    expect(cardText()).toContain(MEMBER_OWNER);
  });

  it('flags an account outside the organization plainly on the card', async () => {
    await start();
    await w.command(`request common-images ${OUTSIDER} typo?`);
    expect(cardText()).toContain(`*Owner*\\n${NOT_IN_ORGANIZATION}`);
  });

  it('refuses an account outside the organization before any card, with ECR_ACCESS_ORGANIZATION_ONLY', async () => {
    await start({ ECR_ACCESS_ORGANIZATION_ONLY: 'true' });
    const { replies } = await w.command(`request common-images ${OUTSIDER} typo?`);
    expect(replies.join('\n')).toContain(`\`${OUTSIDER}\` is not in your organization`);
    expect(replies.join('\n')).toContain('Check the account ID for a typo');
    expect(w.cards()).toHaveLength(0);
    expect(await w.requests()).toHaveLength(0);
  });

  it('refuses an outsider from the request form on its account field, with ECR_ACCESS_ORGANIZATION_ONLY', async () => {
    await start({ ECR_ACCESS_ORGANIZATION_ONLY: 'true' });
    await w.world.slack.slashCommand({ user: SANDBOX.requester, channel: SANDBOX.approvalChannel, text: '' });
    const outcome = await w.world.slack.submitView({ user: SANDBOX.requester, values: { repository: 'common-images', account: OUTSIDER } });
    await w.bot.idle();
    expect(JSON.stringify(outcome)).toContain('is not in your organization');
    expect(w.cards()).toHaveLength(0);
  });

  it('still takes a member of the organization with ECR_ACCESS_ORGANIZATION_ONLY', async () => {
    await start({ ECR_ACCESS_ORGANIZATION_ONLY: 'true' });
    await w.command(`request common-images ${MEMBER} dashboards`);
    expect(cardText()).toContain(MEMBER_OWNER);
  });

  it.each([
    ['throttled', 'throttle', 'AWS Organizations is throttling the bot'],
    ['denied', 'denied', 'the bot may not read AWS Organizations'],
  ] as const)('posts the card when Organizations is %s, saying the owner is unknown and why', async (_what, fault, reason) => {
    await start({ ECR_ACCESS_ORGANIZATION_ONLY: 'true' });
    w.world.organizations.setFault(fault);
    await w.command(`request common-images ${MEMBER} dashboards`);
    expect(w.cards()).toHaveLength(1);
    expect(cardText()).toContain(`*Owner*\\n${OWNER_UNKNOWN} (${reason}; check the account ID before approving)`);
  });

  it('shows owners in `list`, `history` and the App Home, looking each account up once', async () => {
    await start();
    w.world.ecr.putPolicy('common-images', JSON.stringify({ Version: '2012-10-17', Statement: [HAND_MADE_READ_STATEMENT] }));
    await w.command(`request common-images ${MEMBER} dashboards`);
    await w.click(w.cards()[0]!, 'approve');
    w.world.organizations.resetCalls();

    await w.command('list common-images');
    expect(lastResponse()).toContain(`\`${MEMBER}\` (${MEMBER_OWNER}) — approved by`);
    // Added by hand, and not in the organization.
    expect(lastResponse()).toContain(`\`111122223333\` (${NOT_IN_ORGANIZATION}) — added outside ecr-access`);
    await w.command(`history ${MEMBER}`);
    expect(lastResponse()).toContain(`\`${MEMBER}\` (${MEMBER_OWNER}) on \`common-images\``);
    // The card's lookup is still cached; only the hand-added account was asked about.
    expect(w.world.organizations.countCalls('DescribeAccount')).toBe(1);

    await w.world.slack.openHome({ user: SANDBOX.requester });
    await w.bot.idle();
    expect(JSON.stringify(w.world.slack.home(SANDBOX.requester)?.blocks ?? [])).toContain(`\`${MEMBER}\` (${MEMBER_OWNER}) on \`common-images\``);
  });

  it('shows no owner where no accounts source is configured', async () => {
    w = await startBotWorld();
    await w.command(`request common-images ${MEMBER} dashboards`);
    expect(cardText()).not.toContain('*Owner*');
    expect(w.world.organizations.calls).toEqual([]);
  });
});
