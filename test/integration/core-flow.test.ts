// The core flow as a user meets it: signed slash commands and button clicks over the bot's
// real HTTP receiver, against the local DynamoDB, ECR emulator and Slack simulator.
import { ErrorCode } from '../../src/errors';
import { parsePolicy, canPull, READ_ONLY_ACTIONS, MANAGED_SID } from '../../src/domain/policy';
import { CI_PUSH_STATEMENT, HAND_MADE_READ_STATEMENT, SANDBOX, startBotWorld, type BotWorld } from '../support/bot-world';

const ACCOUNT = '222233334444';

function seedPolicy(w: BotWorld, statements: unknown[]) {
  w.world.ecr.putPolicy('common-images', JSON.stringify({ Version: '2012-10-17', Statement: statements }));
}

function buttonsOf(card: { blocks?: unknown[] }): string[] {
  return (card.blocks ?? [])
    .filter((b): b is { type: string; elements: Array<{ text: { text: string } }> } => (b as { type: string }).type === 'actions')
    .flatMap((b) => b.elements.map((e) => e.text.text));
}

describe('requesting and approving pull access', () => {
  let w: BotWorld;
  beforeEach(async () => {
    w = await startBotWorld({
      repositories: ['common-images', 'base-images'],
      botEnv: { ECR_ACCESS_REPOSITORIES: 'common-images,base-images,not-created' },
    });
    w.world.ecr.createRepository('private-images');
    seedPolicy(w, [CI_PUSH_STATEMENT]);
  });
  afterEach(async () => w.close());

  it('acknowledges a request, records it as pending and puts a card with Approve and Deny before the approvers', async () => {
    const { ack, replies } = await w.command(`request common-images ${ACCOUNT} pulls for the sales dashboards`);
    expect(ack.status).toBe(200);
    const [request, ...others] = await w.requests();
    expect(others).toHaveLength(0);
    expect(request).toMatchObject({ state: 'PENDING', repository: 'common-images', account: ACCOUNT, requester: SANDBOX.requester, reason: 'pulls for the sales dashboards' });
    const [card] = w.cards();
    expect(buttonsOf(card!)).toEqual(['Approve', 'Deny']);
    const cardText = JSON.stringify(card!.blocks);
    expect(cardText).toContain(ACCOUNT);
    expect(cardText).toContain('pulls for the sales dashboards');
    expect(cardText).toContain(`arn:aws:iam::${ACCOUNT}:root`);
    expect(replies.join('\n')).toContain(request!.id);
  });

  it('asks the approver to confirm before approving', async () => {
    await w.command(`request common-images ${ACCOUNT}`);
    const approve = JSON.stringify(w.cards()[0]!.blocks);
    expect(approve).toContain('"confirm"');
    expect(approve).toContain('Grant pull access?');
  });

  it('grants the five read-only actions, keeps other statements, records GRANTED and posts the verified policy', async () => {
    await w.command(`request common-images ${ACCOUNT} because`);
    const card = w.cards()[0]!;
    await w.click(card, 'approve');

    const stored = w.policy()!;
    expect(canPull(parsePolicy(JSON.stringify(stored)), ACCOUNT)).toBe(true);
    expect(stored.Statement).toContainEqual(CI_PUSH_STATEMENT);
    const managed = stored.Statement.find((s) => s.Sid === MANAGED_SID)!;
    expect(managed.Action).toEqual([...READ_ONLY_ACTIONS]);

    const [request] = await w.requests();
    expect(request).toMatchObject({ state: 'GRANTED', decidedBy: SANDBOX.approver });
    expect(request!.policyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(request!.grantedAt).toBeDefined();

    const thread = w.world.slack.thread(SANDBOX.approvalChannel, card.ts).slice(1);
    expect(thread).toHaveLength(1);
    const posted = JSON.stringify(thread[0]!.blocks);
    expect(posted).toContain(`arn:aws:iam::${ACCOUNT}:root`);
    expect(posted).toContain('arn:aws:iam::123456789012:role/ci');

    const updated = w.cards()[0]!;
    expect(buttonsOf(updated)).toEqual([]);
    expect(JSON.stringify(updated.blocks)).toContain(`Approved by <@${SANDBOX.approver}>`);

    const dms = w.world.slack.dms(SANDBOX.requester);
    expect(dms.map((m) => m.text).join('\n')).toContain(`can now pull from \`common-images\``);
  });

  it('adds the account to a hand-made crossAccountAllowRead statement', async () => {
    seedPolicy(w, [CI_PUSH_STATEMENT, HAND_MADE_READ_STATEMENT]);
    await w.command(`request common-images ${ACCOUNT}`);
    await w.click(w.cards()[0]!, 'approve');
    const managed = w.policy()!.Statement.filter((s) => s.Sid === MANAGED_SID);
    expect(managed).toHaveLength(1);
    expect(managed[0]!.Principal).toEqual({ AWS: ['arn:aws:iam::111122223333:root', `arn:aws:iam::${ACCOUNT}:root`] });
  });

  it('posts the whole verified policy in the thread even when it is long', async () => {
    const many = Array.from({ length: 200 }, (_, i) => `arn:aws:iam::${String(300000000000 + i)}:root`);
    seedPolicy(w, [CI_PUSH_STATEMENT, { ...HAND_MADE_READ_STATEMENT, Principal: { AWS: many } }]);
    await w.command(`request common-images ${ACCOUNT}`);
    const card = w.cards()[0]!;
    await w.click(card, 'approve');
    const posted = JSON.stringify(w.world.slack.thread(SANDBOX.approvalChannel, card.ts)[1]!.blocks);
    for (const arn of [...many, `arn:aws:iam::${ACCOUNT}:root`]) expect(posted).toContain(arn);
  });

  it("tells a requester who approves their own request that they are not an approver, and changes nothing", async () => {
    await w.command(`request common-images ${ACCOUNT}`);
    const before = w.world.ecr.policyText('common-images');
    const { replies } = await w.click(w.cards()[0]!, 'approve', SANDBOX.requester);
    expect(replies.join('\n')).toMatch(/Only the approvers of `common-images` can approve or deny its requests/);
    expect(w.world.ecr.policyText('common-images')).toBe(before);
    expect((await w.requests())[0]!.state).toBe('PENDING');
  });

  it("refuses a non-approver's click and changes nothing", async () => {
    await w.command(`request common-images ${ACCOUNT}`);
    const before = w.world.ecr.policyText('common-images');
    const { replies } = await w.click(w.cards()[0]!, 'approve', SANDBOX.other);
    expect(replies.join('\n')).toMatch(/Only the approvers of `common-images`/);
    expect(w.world.ecr.policyText('common-images')).toBe(before);
    expect((await w.requests())[0]!.state).toBe('PENDING');
    expect(buttonsOf(w.cards()[0]!)).toEqual(['Approve', 'Deny']);
  });

  it('denies: records DENIED, updates the card, tells the requester and leaves the policy alone', async () => {
    await w.command(`request common-images ${ACCOUNT}`);
    const before = w.world.ecr.policyText('common-images');
    await w.click(w.cards()[0]!, 'deny');
    expect((await w.requests())[0]).toMatchObject({ state: 'DENIED', decidedBy: SANDBOX.approver });
    expect(w.world.ecr.policyText('common-images')).toBe(before);
    expect(JSON.stringify(w.cards()[0]!.blocks)).toContain(`Denied by <@${SANDBOX.approver}>`);
    expect(buttonsOf(w.cards()[0]!)).toEqual([]);
    expect(w.world.slack.dms(SANDBOX.requester).map((m) => m.text).join('\n')).toMatch(/was denied by/);
  });

  it('asks for a reason before denying, in a modal that names the request, and decides nothing until it is sent', async () => {
    await w.command(`request common-images ${ACCOUNT}`);
    const [request] = await w.requests();
    await w.world.slack.clickButton({ user: SANDBOX.approver, channel: SANDBOX.approvalChannel, messageTs: w.cards()[0]!.ts, actionId: 'ecr_access_deny' });
    const [modal] = w.world.slack.modals(SANDBOX.approver);
    expect(modal!.view).toMatchObject({ title: { text: 'Deny request' }, submit: { text: 'Deny' } });
    expect(JSON.stringify(modal!.view.blocks)).toContain(`Deny request ${request!.id}: pull access to \`common-images\` for \`${ACCOUNT}\`?`);
    await w.bot.idle();
    expect((await w.requests())[0]!.state).toBe('PENDING');
  });

  it('denies with the reason given: the requester is told it, and the card and the history show it', async () => {
    await w.command(`request common-images ${ACCOUNT}`);
    await w.click(w.cards()[0]!, 'deny', SANDBOX.approver, 'use the public mirror');
    expect((await w.requests())[0]).toMatchObject({ state: 'DENIED', denialNote: { by: SANDBOX.approver, reason: 'use the public mirror' } });
    expect(w.world.slack.dms(SANDBOX.requester).map((m) => m.text)).toEqual([expect.stringMatching(/was denied by <@U0APPROVER>: use the public mirror$/)]);
    expect(JSON.stringify(w.cards()[0]!.blocks)).toContain('*Reason:* use the public mirror');
    await w.command('history common-images');
    expect(JSON.stringify(w.world.slack.responses.at(-1)!.body)).toMatch(/denied\*.*by <@U0APPROVER>\\n +_use the public mirror_/);
  });

  it('changes nothing when the approver cancels the Deny form', async () => {
    await w.command(`request common-images ${ACCOUNT}`);
    await w.world.slack.clickButton({ user: SANDBOX.approver, channel: SANDBOX.approvalChannel, messageTs: w.cards()[0]!.ts, actionId: 'ecr_access_deny' });
    await w.world.slack.closeView({ user: SANDBOX.approver });
    await w.bot.idle();
    expect((await w.requests())[0]).toMatchObject({ state: 'PENDING' });
    expect(buttonsOf(w.cards()[0]!)).toEqual(['Approve', 'Deny']);
  });

  it('refuses a second decision on the same request, naming who decided', async () => {
    await w.command(`request common-images ${ACCOUNT}`);
    const { ack: first } = await w.click(w.cards()[0]!, 'approve');
    const writes = w.world.ecr.countCalls('SetRepositoryPolicy');
    const denyInstead = (p: typeof first.payload) => ({
      ...p,
      actions: p.actions.map((a: (typeof p.actions)[number]) => ({ ...a, action_id: 'ecr_access_deny', text: { type: 'plain_text' as const, text: 'Deny' } })),
    });
    await w.replay(first.payload, denyInstead);
    await w.world.slack.submitView({ user: SANDBOX.approver, values: { reason: 'second thoughts' } });
    await w.bot.idle();
    expect(w.repliesTo(first.responseUrl).join('\n')).toContain(`already approved by <@${SANDBOX.approver}>`);
    expect((await w.requests())[0]!.state).toBe('GRANTED');
    expect(w.world.ecr.countCalls('SetRepositoryPolicy')).toBe(writes);
  });

  it.each([
    ['an 11-digit account', 'request common-images 22223333444', /12 digits/],
    ['a repository name ECR would refuse', `request Common_Images ${ACCOUNT}`, /repository name/],
    ['a repository that is not shareable', `request private-images ${ACCOUNT}`, /not one of the repositories ecr-access shares/],
    ['a shareable repository missing from ECR', `request not-created ${ACCOUNT}`, /does not exist in ECR/],
    ["the registry's own account", 'request common-images 123456789012', /owns the registry/],
  ])('refuses %s with an ephemeral message, recording and posting nothing', async (_name, text, message) => {
    const { ack, replies } = await w.command(text);
    const said = [JSON.stringify(ack.body), ...replies].join('\n');
    expect(said).toMatch(message);
    expect(await w.requests()).toEqual([]);
    expect(w.world.slack.calls.filter((c) => c.method === 'chat.postMessage')).toEqual([]);
  });

  it.each([
    ['an 11-digit account', 'request common-images 22223333444'],
    ['a repository that is not shareable', `request private-images ${ACCOUNT}`],
    ['a list of a repository that is not shareable', 'list private-images'],
    ['the history of a repository that is not shareable', 'history private-images'],
  ])('answers %s at once, in the acknowledgement, with no interim line and no job', async (_name, text) => {
    const { ack, replies } = await w.command(text);
    expect(JSON.parse(ack.body).text).toMatch(/^:x: /);
    expect(replies).toEqual([]);
    expect(w.world.ecr.calls).toEqual([]);
  });

  it('replaces the interim line with the answer, so the requester is left one line', async () => {
    const { ack } = await w.command(`request common-images ${ACCOUNT}`);
    expect(JSON.parse(ack.body).text).toBe(`:mag: Checking your request for \`${ACCOUNT}\` on \`common-images\`…`);
    const lines = w.world.slack.ephemerals(SANDBOX.requester);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.text).toMatch(/^:inbox_tray: Request r-[0-9a-z]{10} is with the approvers/);
  });

  it('reads an account typed with dashes as its 12 digits, and says how it read it', async () => {
    const { replies } = await w.command('request common-images 2222-3333-4444 nightly builds');
    expect(replies.join('\n')).toContain('for `222233334444` (read from `2222-3333-4444`).');
    expect(await w.requests()).toMatchObject([{ account: ACCOUNT, reason: 'nightly builds' }]);
  });

  it('suggests the lowercase name of a repository typed with capitals', async () => {
    const { ack } = await w.command(`request Common-Images ${ACCOUNT}`);
    expect(JSON.parse(ack.body).text).toContain('did you mean `common-images`?');
  });

  it('tells an account that can already pull so, without asking the approvers', async () => {
    seedPolicy(w, [CI_PUSH_STATEMENT, HAND_MADE_READ_STATEMENT]);
    const { replies } = await w.command('request common-images 111122223333');
    expect(replies.join('\n')).toMatch(/can already pull/);
    expect(await w.requests()).toEqual([]);
    expect(w.cards()).toEqual([]);
  });

  it('refuses a second pending request for the same repository and account, naming the first', async () => {
    await w.command(`request common-images ${ACCOUNT}`);
    const [first] = await w.requests();
    const { replies } = await w.command(`request common-images ${ACCOUNT} again`, SANDBOX.other);
    expect(replies.join('\n')).toContain(first!.id);
    expect(await w.requests()).toHaveLength(1);
    expect(w.cards()).toHaveLength(1);
  });

  it('lists who can pull, with approver and a date as Slack shows it, and accounts added outside ecr-access', async () => {
    seedPolicy(w, [CI_PUSH_STATEMENT, HAND_MADE_READ_STATEMENT]);
    await w.command(`request common-images ${ACCOUNT}`);
    await w.click(w.cards()[0]!, 'approve');
    await w.command('request common-images 444455556666');
    const { replies } = await w.command('list common-images', SANDBOX.other);
    const list = JSON.stringify(w.world.slack.responses.at(-1)!.body);
    expect(replies).toHaveLength(1);
    expect(list).toMatch(new RegExp(`${ACCOUNT}\` — approved by <@${SANDBOX.approver}>, granted <!date\\^\\d+\\^\\{date_short_pretty\\} \\{time\\}\\|`));
    expect(list).toContain('`111122223333` — added outside ecr-access');
    expect(list).toMatch(/Open requests.*444455556666.*pending/);
    expect(w.world.slack.responses.at(-1)!.body.response_type).toBe('ephemeral');
  });

  it('lists every shareable repository when none is named', async () => {
    await w.command('list');
    const list = JSON.stringify(w.world.slack.responses.at(-1)!.body);
    expect(list).toContain('common-images');
    expect(list).toContain('base-images');
    expect(list).toMatch(/not-created.*does not exist/);
  });

  it.each(['help', 'frobnicate'])('answers `%s` with help', async (text) => {
    const { ack } = await w.command(text);
    const said = JSON.stringify(ack.body);
    expect(said).toContain('/ecr-access request');
    if (text === 'frobnicate') expect(said).toContain('`frobnicate` is not an ecr-access command');
  });

  it('lets members of the approvers user group decide, checked at click time', async () => {
    await w.close();
    w = await startBotWorld({ botEnv: { ECR_ACCESS_APPROVERS: '', ECR_ACCESS_APPROVER_GROUP: SANDBOX.approverGroup } });
    w.world.slack.setUsergroup(SANDBOX.approverGroup, [SANDBOX.other]);
    await w.command(`request common-images ${ACCOUNT}`);
    const refused = await w.click(w.cards()[0]!, 'approve', SANDBOX.approver);
    expect(refused.replies.join('\n')).toMatch(/Only the approvers of `common-images`/);
    await w.click(w.cards()[0]!, 'approve', SANDBOX.other);
    expect((await w.requests())[0]).toMatchObject({ state: 'GRANTED', decidedBy: SANDBOX.other });
    expect(w.world.slack.calls.some((c) => c.method === 'usergroups.users.list')).toBe(true);
  });
});

describe('when ECR fails', () => {
  let w: BotWorld;
  beforeEach(async () => {
    w = await startBotWorld();
    seedPolicy(w, [CI_PUSH_STATEMENT]);
  });
  afterEach(async () => w.close());

  it('records FAILED with the reason, says so in the thread, and lets an approver retry', async () => {
    await w.command(`request common-images ${ACCOUNT}`);
    const card = w.cards()[0]!;
    w.world.ecr.failNext('SetRepositoryPolicy', 5, 'throttle');
    await w.click(card, 'approve');
    const [failed] = await w.requests();
    expect(failed).toMatchObject({ state: 'FAILED', failure: { code: ErrorCode.Registry } });
    expect(failed!.failure!.detail).toMatch(/SetRepositoryPolicy/);
    expect(canPull(parsePolicy(w.world.ecr.policyText('common-images')), ACCOUNT)).toBe(false);
    const thread = w.world.slack.thread(SANDBOX.approvalChannel, card.ts).slice(1);
    expect(thread.map((m) => m.text).join('\n')).toMatch(/failed/);
    expect(buttonsOf(w.cards()[0]!)).toEqual(['Retry', 'Deny']);

    w.world.ecr.clearFaults();
    await w.click(w.cards()[0]!, 'approve');
    expect((await w.requests())[0]).toMatchObject({ state: 'GRANTED' });
    expect(canPull(parsePolicy(w.world.ecr.policyText('common-images')), ACCOUNT)).toBe(true);
  });

  it('fails an approval whose policy ECR refuses, naming ECR’s reason', async () => {
    await w.command('request common-images 000000000000');
    await w.click(w.cards()[0]!, 'approve');
    const [failed] = await w.requests();
    expect(failed).toMatchObject({ state: 'FAILED', failure: { code: ErrorCode.PolicyRejected } });
    expect(failed!.failure!.detail).toMatch(/Invalid repository policy provided/);
    expect(w.world.ecr.policyText('common-images')).toBe(JSON.stringify({ Version: '2012-10-17', Statement: [CI_PUSH_STATEMENT] }));
  });
});

describe('signatures', () => {
  let w: BotWorld;
  beforeAll(async () => {
    w = await startBotWorld();
  });
  afterAll(async () => w.close());

  it('answers 401 to a request with a wrong signature and records nothing', async () => {
    const body = new URLSearchParams({ command: '/ecr-access', text: `request common-images ${ACCOUNT}`, user_id: SANDBOX.requester, response_url: `${w.world.slack.url}/response/x` }).toString();
    const reply = await w.world.slack.postToBot(body, { contentType: 'application/x-www-form-urlencoded', signature: 'v0=0000000000000000000000000000000000000000000000000000000000000000' });
    expect(reply.status).toBe(401);
    await w.bot.idle();
    expect(await w.requests()).toEqual([]);
  });
});
