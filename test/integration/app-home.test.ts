// The app's Home tab as people meet it in Slack: opening it publishes it; a requester sees their
// requests and grants (Extend, Revoke), an approver also what waits for a decision, with the
// card's own Approve and Deny; and each Home is published again when a request that concerns its
// person changes. Signed requests and events over the bot's real HTTP receiver, against the local
// DynamoDB, ECR emulator and Slack simulator.
import type { SimBlock } from '../../sandbox/slack-simulator';
import { SANDBOX, startBotWorld, type BotWorld } from '../support/bot-world';

const ACCOUNT = '222233334444';
const ARN = `arn:aws:iam::${ACCOUNT}:root`;

const shown = (blocks: readonly SimBlock[] | undefined) => JSON.stringify(blocks ?? []);
/** Every button in the Home tab's actions blocks, by its label. */
const buttonsIn = (blocks: readonly SimBlock[] | undefined) =>
  (blocks ?? []).flatMap((b) => (b.type === 'actions' ? (b.elements as Array<{ action_id: string; value: string; text: { text: string } }>) : []));

describe('the Home tab', () => {
  let w: BotWorld;
  beforeEach(async () => {
    w = await startBotWorld();
  });
  afterEach(async () => w.close());

  /** A person opens the Home tab; resolves once the bot has published it. */
  async function openHome(user: string) {
    const reply = await w.world.slack.openHome({ user });
    expect(reply.status).toBe(200);
    await w.bot.idle();
    const home = w.world.slack.home(user);
    if (!home) throw new Error(`no Home tab was published for ${user}`);
    return home;
  }

  /** A Home tab whose text, once published again, satisfies `seen`. */
  const homeShowing = (user: string, seen: (text: string) => boolean) => w.world.slack.waitFor(() => {
    const home = w.world.slack.home(user);
    return home && seen(shown(home.blocks)) && home;
  });

  /** Clicks the first button so labelled in the person's Home tab, and waits until the bot has finished. */
  const clickInHome = async (user: string, label: string) => {
    const home = w.world.slack.home(user)!;
    const block = home.blocks.find((b) => b.type === 'actions' && buttonsIn([b]).some((e) => e.text.text === label));
    const button = buttonsIn(block ? [block] : []).find((e) => e.text.text === label);
    if (!block || !button) throw new Error(`no ${label} button in ${user}'s Home tab`);
    const reply = await w.world.slack.clickInView({ user, surface: 'home', actionId: button.action_id, blockId: block.block_id! });
    await w.bot.idle();
    return reply;
  };

  it("shows a requester their requests, and no approvers' part", async () => {
    await w.command(`request common-images ${ACCOUNT} nightly builds`);
    const home = await openHome(SANDBOX.requester);
    const text = shown(home.blocks);
    expect(text).toMatch(/Your requests/);
    expect(text).toContain(`\`${ACCOUNT}\` on \`common-images\` — waiting for an approver`);
    expect(text).not.toContain('Waiting for a decision');
    expect(home.blocks.length).toBeLessThanOrEqual(100);
  });

  it("shows an approver what waits for a decision, with the card's Approve and Deny", async () => {
    await w.command(`request common-images ${ACCOUNT} nightly builds`);
    const home = await openHome(SANDBOX.approver);
    expect(shown(home.blocks)).toContain('Waiting for a decision (1)');
    expect(buttonsIn(home.blocks).map((b) => b.text.text)).toEqual(['Approve', 'Deny']);
  });

  it('approves from the Home tab exactly as from the card: one decision, the card updated, the requester told, both Home tabs published again', async () => {
    await w.command(`request common-images ${ACCOUNT}`);
    const [request] = await w.requests();
    await openHome(SANDBOX.requester);
    await openHome(SANDBOX.approver);
    await clickInHome(SANDBOX.approver, 'Approve');
    expect((await w.requests())[0]).toMatchObject({ state: 'GRANTED', decidedBy: SANDBOX.approver });
    expect(w.world.ecr.policyText('common-images')).toContain(ARN);
    expect(shown(w.cards()[0]!.blocks)).toContain(`Approved by <@${SANDBOX.approver}>`);
    expect(w.world.slack.dms(SANDBOX.requester).map((m) => m.text).join('\n')).toContain('can now pull');
    await homeShowing(SANDBOX.approver, (text) => text.includes('Waiting for a decision (0)') && text.includes(`<@${SANDBOX.approver}> approved`));
    const requesterHome = await homeShowing(SANDBOX.requester, (text) => text.includes('granted, no end'));
    expect(buttonsIn(requesterHome.blocks).map((b) => b.text.text)).toEqual(['Revoke']);
    expect(request!.card).toBeDefined();
  });

  it('refuses a Home button that names another card than its request’s, by direct message, and changes nothing', async () => {
    await w.command(`request common-images ${ACCOUNT}`);
    const [request] = await w.requests();
    const home = await openHome(SANDBOX.approver);
    // The click arrives as Slack sends it, but its button names a message that is not the request's card.
    const block = home.blocks.find((b) => b.type === 'actions')!;
    const approve = buttonsIn([block]).find((b) => b.text.text === 'Approve')!;
    const forged = approve.value.replace(/\d+\.\d+$/, '1700000000.999999');
    const payload = {
      type: 'block_actions',
      user: { id: SANDBOX.approver, username: 'bob', name: 'bob', team_id: w.world.slack.teamId },
      api_app_id: w.world.slack.identity.apiAppId,
      token: w.world.slack.identity.verificationToken,
      container: { type: 'view', view_id: home.id },
      trigger_id: '1.2.forged',
      team: { id: w.world.slack.teamId, domain: 'sandbox' },
      view: home,
      actions: [{ action_id: approve.action_id, block_id: block.block_id, text: approve.text, value: forged, type: 'button', action_ts: '1.2' }],
    };
    await w.world.slack.postToBot(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
    await w.bot.idle();
    expect(w.world.slack.dms(SANDBOX.approver).map((m) => m.text)).toEqual([expect.stringContaining(`does not belong to request ${request!.id}'s card`)]);
    expect((await w.requests())[0]!.state).toBe('PENDING');
    expect(w.world.ecr.countCalls('SetRepositoryPolicy')).toBe(0);
  });

  it('denies from the Home tab with a reason, asked for first as on the card', async () => {
    await w.command(`request common-images ${ACCOUNT}`);
    await openHome(SANDBOX.approver);
    await clickInHome(SANDBOX.approver, 'Deny');
    expect(w.world.slack.modals(SANDBOX.approver)[0]!.view.title?.text).toBe('Deny request');
    await w.world.slack.submitView({ user: SANDBOX.approver, values: { reason: 'use the public mirror' } });
    await w.bot.idle();
    expect((await w.requests())[0]).toMatchObject({ state: 'DENIED', decidedBy: SANDBOX.approver });
    expect(w.world.slack.dms(SANDBOX.requester).map((m) => m.text).join('\n')).toContain('was denied by <@U0APPROVER>: use the public mirror');
    await homeShowing(SANDBOX.approver, (text) => text.includes(`<@${SANDBOX.approver}> denied`));
  });

  it("lets the requester revoke their own grant from the Home tab, told once, and the tab shows it ended", async () => {
    await w.command(`request common-images ${ACCOUNT} --for 7d`);
    await w.click(w.cards()[0]!, 'approve');
    const home = await openHome(SANDBOX.requester);
    expect(shown(home.blocks)).toContain('ends in 7 days');
    expect(buttonsIn(home.blocks).map((b) => b.text.text)).toEqual(['Extend', 'Revoke']);
    const dmsBefore = w.world.slack.dms(SANDBOX.requester).length;
    await clickInHome(SANDBOX.requester, 'Revoke');
    expect((await w.requests())[0]).toMatchObject({ state: 'REVOKED', ending: { by: SANDBOX.requester } });
    expect(w.world.ecr.policyText('common-images') ?? '').not.toContain(ARN);
    // The revoke's own announcement, and nothing more.
    expect(w.world.slack.dms(SANDBOX.requester).slice(dmsBefore).map((m) => m.text)).toEqual([expect.stringContaining('was revoked by <@U0REQUESTER>')]);
    await homeShowing(SANDBOX.requester, (text) => text.includes('None live') && text.includes('revoked by <@U0REQUESTER>'));
  });

  it('extends a grant from the Home tab through the request form, filled in from the grant', async () => {
    await w.command(`request common-images ${ACCOUNT} --for 7d`);
    await w.click(w.cards()[0]!, 'approve');
    await openHome(SANDBOX.requester);
    await clickInHome(SANDBOX.requester, 'Extend');
    const [form] = w.world.slack.modals(SANDBOX.requester);
    const inputs = Object.fromEntries(form!.view.blocks.filter((b) => b.type === 'input').map((b) => [b.block_id, b.element as Record<string, unknown>]));
    expect(inputs.repository).toMatchObject({ initial_option: { value: 'common-images' } });
    expect(inputs.account).toMatchObject({ initial_value: ACCOUNT });
    expect(inputs.duration).toMatchObject({ initial_option: { value: String(7 * 86_400_000) } });
    await w.world.slack.submitView({ user: SANDBOX.requester });
    await w.bot.idle();
    const extension = (await w.requests()).find((r) => r.state === 'PENDING');
    expect(extension).toMatchObject({ extends: expect.stringMatching(/^r-/), durationMs: 7 * 86_400_000 });
  });

  it('opens the request form from its Request access button', async () => {
    await openHome(SANDBOX.other);
    const home = w.world.slack.home(SANDBOX.other)!;
    const accessory = home.blocks.find((b) => (b.accessory as { action_id?: string } | undefined)?.action_id === 'ecr_access_home_request')!;
    await w.world.slack.clickInView({ user: SANDBOX.other, surface: 'home', actionId: 'ecr_access_home_request', blockId: accessory.block_id! });
    expect(w.world.slack.modals(SANDBOX.other)[0]!.view.callback_id).toBe('ecr_access_request_form');
  });

  it("publishes an approver's Home tab again when a request comes in, without their opening it", async () => {
    await openHome(SANDBOX.approver);
    await w.command(`request common-images ${ACCOUNT}`);
    await homeShowing(SANDBOX.approver, (text) => text.includes('Waiting for a decision (1)'));
  });
});
