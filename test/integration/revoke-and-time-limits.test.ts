// Revoking and time-bound requests as a user meets them in Slack: `/ecr-access revoke` reads what
// the revoke would do and answers, in place of its interim line, with a Revoke button behind a
// confirm dialog (or why there is nothing to revoke, or why the user may not), and the click takes
// the account out of the live policy; `request … --for 7d` asks for access with an end. Signed requests over the bot's real
// HTTP receiver, against the local DynamoDB, ECR emulator and Slack simulator.
import { MAX_REASON_LENGTH } from '../../src/domain/command';
import { DAY_MS } from '../../src/domain/duration';
import { canPull, MANAGED_SID, parsePolicy, READ_ONLY_ACTIONS } from '../../src/domain/policy';
import { blockActionsPayload, findButton } from '../../sandbox/slack/payloads';
import { REVOKE_ACTION } from '../../src/slack/blocks/revoke-confirmation';
import { CI_PUSH_STATEMENT, HAND_MADE_READ_STATEMENT, SANDBOX, startBotWorld, type BotWorld } from '../support/bot-world';

const ACCOUNT = '222233334444';
const OTHER_ACCOUNT = '333344445555';
const HAND_ADDED = '111122223333';

function seedPolicy(w: BotWorld, statements: unknown[]) {
  w.world.ecr.putPolicy('common-images', JSON.stringify({ Version: '2012-10-17', Statement: statements }));
}

/** A request by the requester, approved by the approver: the grant a revoke takes away. */
async function granted(w: BotWorld, account = ACCOUNT, extra = '') {
  await w.command(`request common-images ${account}${extra}`);
  const card = w.cards().find((c) => JSON.stringify(c.blocks).includes(account))!;
  await w.click(card, 'approve');
  const request = (await w.requests()).find((r) => r.account === account && r.state === 'GRANTED');
  if (!request) throw new Error(`no grant for ${account}`);
  return { card, request };
}

/** `/ecr-access revoke …` as `user`: the one ephemeral line it leaves, the answer in place of the interim line. */
async function askToRevoke(w: BotWorld, text: string, user: string) {
  const { ack, replies } = await w.command(`revoke ${text}`, user);
  const answers = w.world.slack.ephemerals(user).filter((e) => e.responseUrlId !== undefined && ack.responseUrl.endsWith(`/${e.responseUrlId}`));
  if (answers.length !== 1) throw new Error(`the revoke command left ${answers.length} lines instead of one`);
  const [answer] = answers;
  const confirmation = findButton(answer!.blocks, REVOKE_ACTION) ? answer : undefined;
  return { ack, replies, answer: answer!, confirmation };
}

/** The answer's Revoke button, or undefined when the answer offers none. */
const revokeButtonOf = (answer: { blocks?: unknown[] }) => findButton(answer.blocks as Parameters<typeof findButton>[0], REVOKE_ACTION);

/** Runs the command, then clicks Revoke (Slack has shown the confirm dialog and the user confirmed). */
async function revoke(w: BotWorld, text: string, user: string = SANDBOX.approver) {
  const { confirmation } = await askToRevoke(w, text, user);
  if (!confirmation) throw new Error('the revoke command put up no confirmation');
  const click = await w.world.slack.clickButton({ user, channel: SANDBOX.approvalChannel, messageTs: confirmation.ts, actionId: REVOKE_ACTION });
  await w.bot.idle();
  return { click, replies: w.repliesTo(click.responseUrl), confirmation };
}

const managedAccountsIn = (w: BotWorld) =>
  ((w.policy()?.Statement.find((s) => s.Sid === MANAGED_SID)?.Principal as { AWS?: string | string[] } | undefined)?.AWS ?? []).toString();

describe('revoking pull access', () => {
  let w: BotWorld;
  beforeEach(async () => {
    w = await startBotWorld();
  });
  afterEach(async () => w.close());

  it('answers the command with what will be removed and a Revoke button behind a confirm dialog, changing nothing yet', async () => {
    seedPolicy(w, [CI_PUSH_STATEMENT]);
    await granted(w);
    const before = w.world.ecr.policyText('common-images');
    const { confirmation } = await askToRevoke(w, `common-images ${ACCOUNT} project ended`, SANDBOX.approver);
    const shown = JSON.stringify(confirmation!.blocks);
    expect(shown).toContain(ACCOUNT);
    expect(shown).toContain('project ended');
    const button = (confirmation!.blocks as Array<{ type: string; elements?: Array<Record<string, unknown>> }>)
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === REVOKE_ACTION)!;
    expect(button.confirm).toMatchObject({
      title: { text: 'Revoke pull access?' },
      confirm: { text: 'Revoke' },
      deny: { text: 'Cancel' },
    });
    expect(w.world.ecr.policyText('common-images')).toBe(before);
    expect((await w.requests()).map((r) => r.state)).toEqual(['GRANTED']);
  });

  it('revokes for an approver: records who and why, keeps other statements, and tells the thread, the card and the requester', async () => {
    seedPolicy(w, [CI_PUSH_STATEMENT]);
    await granted(w, OTHER_ACCOUNT);
    const { card, request } = await granted(w);
    const { replies } = await revoke(w, `common-images ${ACCOUNT} project ended`);

    expect(await w.store.get(request.id)).toMatchObject({
      state: 'REVOKED',
      ending: { kind: 'revoke', by: SANDBOX.approver, reason: 'project ended' },
    });
    const policy = parsePolicy(w.world.ecr.policyText('common-images'));
    expect(canPull(policy, ACCOUNT)).toBe(false);
    expect(canPull(policy, OTHER_ACCOUNT)).toBe(true);
    expect(w.policy()!.Statement).toContainEqual(CI_PUSH_STATEMENT);
    expect(replies.join('\n')).toMatch(/Revoked request r-[0-9a-z]{10}: `222233334444` is no longer in `common-images`'s policy, as read back from ECR/);

    const thread = w.world.slack.thread(SANDBOX.approvalChannel, card.ts).slice(1).map((m) => m.text).join('\n');
    expect(thread).toContain(`was revoked by <@${SANDBOX.approver}> (project ended)`);
    expect(JSON.stringify(w.cards().find((c) => c.ts === card.ts)!.blocks)).toContain(`revoked by <@${SANDBOX.approver}>`);
    expect(w.world.slack.dms(SANDBOX.requester).map((m) => m.text).join('\n')).toMatch(/to `common-images` \(request r-[0-9a-z]+\) was revoked by/);
  });

  it('replaces its interim line with the confirmation, leaving one line', async () => {
    await granted(w);
    const { answer } = await askToRevoke(w, `common-images ${ACCOUNT}`, SANDBOX.approver);
    expect(answer.text).toBe('Revoke pull access for `222233334444` from `common-images`?');
  });

  it('reads an account typed in groups, and says how it read it', async () => {
    await granted(w);
    const { confirmation } = await askToRevoke(w, 'common-images 2222 3333 4444', SANDBOX.approver);
    expect(confirmation!.text).toBe('Revoke pull access for `222233334444` (read from `2222 3333 4444`) from `common-images`?');
  });

  it('answers a repository ecr-access does not share at once, with no interim line', async () => {
    const { ack } = await w.command(`revoke secret-images ${ACCOUNT}`);
    expect(JSON.parse(ack.body).text).toMatch(/^:x: `secret-images` is not one of the repositories ecr-access shares/);
    expect(w.world.slack.responses.filter((r) => r.url === ack.responseUrl)).toEqual([]);
  });

  it('replaces the confirmation with the answer, so its Revoke button is gone', async () => {
    await granted(w);
    const { confirmation } = await revoke(w, `common-images ${ACCOUNT}`);
    const now = w.world.slack.ephemerals(SANDBOX.approver).find((e) => e.ts === confirmation.ts)!;
    expect(now.text).toMatch(/^:white_check_mark: Revoked/);
    expect(JSON.stringify(now.blocks ?? [])).not.toContain(REVOKE_ACTION);
  });

  it('deletes the policy when the revoked account was the last one in it', async () => {
    await granted(w);
    expect(w.world.ecr.policyText('common-images')).toBeDefined();
    await revoke(w, `common-images ${ACCOUNT}`);
    expect(w.world.ecr.policyText('common-images')).toBeUndefined();
    expect((await w.requests())[0]).toMatchObject({ state: 'REVOKED' });
  });

  it('lets the requester revoke their own grant', async () => {
    const { request } = await granted(w);
    const { replies } = await revoke(w, `common-images ${ACCOUNT} no longer needed`, SANDBOX.requester);
    expect(await w.store.get(request.id)).toMatchObject({ state: 'REVOKED', ending: { by: SANDBOX.requester, reason: 'no longer needed' } });
    expect(replies.join('\n')).toMatch(/^:white_check_mark: Revoked/);
    expect(w.world.ecr.policyText('common-images')).toBeUndefined();
  });

  it('refuses anyone else before offering a Revoke button, naming who may revoke, and changes nothing', async () => {
    const { request } = await granted(w);
    const before = w.world.ecr.policyText('common-images');
    const { replies, answer } = await askToRevoke(w, `common-images ${ACCOUNT}`, SANDBOX.other);
    expect(replies.join('\n')).toContain(`Only ecr-access approvers, or <@${SANDBOX.requester}> who asked for it (request ${request.id}), can revoke`);
    expect(revokeButtonOf(answer)).toBeUndefined();
    expect(w.world.ecr.policyText('common-images')).toBe(before);
    expect(await w.store.get(request.id)).toMatchObject({ state: 'GRANTED' });
    expect((await w.store.get(request.id))!.ending).toBeUndefined();
  });

  it('revokes an account added by hand for an approver: recorded as from outside, told in the approvers’ channel', async () => {
    seedPolicy(w, [CI_PUSH_STATEMENT, HAND_MADE_READ_STATEMENT]);
    const { replies } = await revoke(w, `common-images ${HAND_ADDED} nobody knows who added it`);
    expect(replies.join('\n')).toMatch(/^:white_check_mark: Revoked/);
    const [record, ...others] = await w.requests();
    expect(others).toEqual([]);
    expect(record).toMatchObject({ account: HAND_ADDED, origin: 'outside', state: 'REVOKED', ending: { by: SANDBOX.approver, reason: 'nobody knows who added it' } });
    expect(canPull(parsePolicy(w.world.ecr.policyText('common-images')), HAND_ADDED)).toBe(false);
    expect(w.policy()!.Statement).toEqual([CI_PUSH_STATEMENT]);
    const channel = w.world.slack.messages(SANDBOX.approvalChannel).map((m) => m.text).join('\n');
    expect(channel).toMatch(/`111122223333` to `common-images` \(it had been added to the policy outside ecr-access\) was revoked by/);
  });

  it('refuses to let a non-approver revoke an account added by hand, with no Revoke button', async () => {
    seedPolicy(w, [CI_PUSH_STATEMENT, HAND_MADE_READ_STATEMENT]);
    const before = w.world.ecr.policyText('common-images');
    const { replies, answer } = await askToRevoke(w, `common-images ${HAND_ADDED}`, SANDBOX.requester);
    expect(replies.join('\n')).toMatch(/only an ecr-access approver can revoke it; nothing changed/);
    expect(revokeButtonOf(answer)).toBeUndefined();
    expect(w.world.ecr.policyText('common-images')).toBe(before);
    expect(await w.requests()).toEqual([]);
  });

  it('names the statement through which a revoked account can still pull', async () => {
    seedPolicy(w, [CI_PUSH_STATEMENT]);
    const { request } = await granted(w);
    const legacy = { Sid: 'legacyPull', Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: [...READ_ONLY_ACTIONS] };
    const live = w.policy()!;
    seedPolicy(w, [...live.Statement, legacy]);

    const { replies } = await revoke(w, `common-images ${ACCOUNT}`);
    expect(await w.store.get(request.id)).toMatchObject({ state: 'REVOKED', stillPullsThrough: ['legacyPull'] });
    expect(replies.join('\n')).toContain('It can still pull through `legacyPull`, which ecr-access does not manage.');
    expect(managedAccountsIn(w)).not.toContain(ACCOUNT);
    // ECR hands the statement back reformatted: the account as its root ARN.
    expect(w.policy()!.Statement.find((s) => s.Sid === 'legacyPull')).toMatchObject({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } });
  });

  it('says there is nothing to revoke for an account only a statement it does not manage lets pull, naming it, with no Revoke button', async () => {
    const legacy = { Sid: 'legacyPull', Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: [...READ_ONLY_ACTIONS] };
    seedPolicy(w, [legacy]);
    const before = w.world.ecr.policyText('common-images');
    const { replies, answer } = await askToRevoke(w, `common-images ${ACCOUNT}`, SANDBOX.approver);
    expect(replies.join('\n')).toMatch(/nothing for ecr-access to revoke; nothing changed\. It can pull through `legacyPull`/);
    expect(revokeButtonOf(answer)).toBeUndefined();
    expect(w.world.ecr.policyText('common-images')).toBe(before);
  });

  it.each([
    ['an account that is not 12 digits', 'common-images 12345 x'],
    ['a repository name ECR would refuse', `Common_Images ${ACCOUNT}`],
    ['a reason over the limit', `common-images ${ACCOUNT} ${'x'.repeat(MAX_REASON_LENGTH + 1)}`],
    ['no account at all', 'common-images'],
  ])('refuses a Revoke button whose value has %s, changing nothing', async (_name, value) => {
    const { request } = await granted(w);
    const { confirmation } = await askToRevoke(w, `common-images ${ACCOUNT}`, SANDBOX.approver);
    const { blockId, button } = revokeButtonOf(confirmation!)!;
    const responseUrl = w.world.slack.newResponseUrl({ user: SANDBOX.approver, channel: SANDBOX.approvalChannel, messageTs: confirmation!.ts, messageIsEphemeral: true });
    const click = blockActionsPayload({
      app: w.world.slack.identity,
      user: { id: SANDBOX.approver, name: 'bob' },
      channel: { id: SANDBOX.approvalChannel, name: 'ecr-approvals' },
      messageTs: confirmation!.ts,
      blockId,
      button: { ...button, value },
      responseUrl,
    });
    const tampered = await w.replay(click);
    expect(tampered.status).toBe(200);
    // The listener answers this one itself, right after the acknowledgement.
    const answer = await w.world.slack.waitFor(() => w.repliesTo(responseUrl)[0]);
    expect(answer).toMatch(/does not name a repository and an account to revoke; nothing changed/);
    expect(await w.store.get(request.id)).toMatchObject({ state: 'GRANTED' });
  });
});

describe('asking for access for a while', () => {
  let w: BotWorld;
  beforeEach(async () => {
    w = await startBotWorld();
  });
  afterEach(async () => w.close());

  it('says for how long, shows it on the card, and once approved records and shows the end', async () => {
    const { replies } = await w.command(`request common-images ${ACCOUNT} --for 7d load test`);
    expect(replies.join('\n')).toMatch(/for `222233334444` for 7 days\./);
    const [pending] = await w.requests();
    expect(pending).toMatchObject({ durationMs: 7 * DAY_MS, reason: 'load test' });
    expect(JSON.stringify(w.cards()[0]!.blocks)).toContain('*For*\\n7 days once approved');

    await w.click(w.cards()[0]!, 'approve');
    const [grant] = await w.requests();
    expect(grant!.state).toBe('GRANTED');
    expect(Date.parse(grant!.expiresAt!) - Date.parse(grant!.grantedAt!)).toBe(7 * DAY_MS);
    const card = JSON.stringify(w.cards()[0]!.blocks);
    expect(card).toContain('*Ends*');
    expect(card).toContain(grant!.expiresAt);
  });

  it('lists when a time-bound grant ends, as a date Slack shows in each reader\'s time zone', async () => {
    await w.command(`request common-images ${ACCOUNT} --for 7d`);
    await w.click(w.cards()[0]!, 'approve');
    const [grant] = await w.requests();
    await w.command('list common-images');
    const list = JSON.stringify(w.world.slack.responses.at(-1)!.body);
    expect(list).toContain(`, ends <!date^${Math.floor(Date.parse(grant!.expiresAt!) / 1000)}^{date_short_pretty} {time}|${grant!.expiresAt}> (${grant!.id})`);
  });

  it('extends a live grant: the card says until when, and approval moves the end without writing the policy', async () => {
    const { request: live } = await granted(w, ACCOUNT, ' --for 1d');
    const { replies } = await w.command(`request common-images ${ACCOUNT} --for 7d`);
    expect(replies.join('\n')).toContain(`It extends your live grant ${live.id}`);
    const extension = w.cards().find((c) => c.ts !== live.card!.ts)!;
    const shown = JSON.stringify(extension.blocks);
    expect(shown).toContain(`*Extends*\\n${live.id} until`);
    expect(shown).toContain('7 days from approval; the policy is not written');

    const writes = () => w.world.ecr.calls.filter((c) => c.action === 'SetRepositoryPolicy').length;
    const before = writes();
    await w.click(extension, 'approve');
    expect(writes()).toBe(before);
    const longer = (await w.requests()).find((r) => r.id !== live.id)!;
    expect(longer).toMatchObject({ state: 'GRANTED', extends: live.id });
    expect(Date.parse(longer.expiresAt!)).toBeGreaterThan(Date.parse(live.expiresAt!));
  });

  it('refuses a duration the command cannot read, recording nothing', async () => {
    const { ack } = await w.command(`request common-images ${ACCOUNT} --for 7w`);
    expect(JSON.stringify(ack.body)).toMatch(/a duration is a whole number of hours or days/);
    expect(await w.requests()).toEqual([]);
  });
});

describe('a deployment with a longest grant', () => {
  let w: BotWorld;
  beforeAll(async () => {
    w = await startBotWorld({ botEnv: { ECR_ACCESS_MAX_GRANT: '30d' } });
  });
  afterAll(async () => w.close());

  it('refuses a request for longer, saying the most it may ask for, and records nothing', async () => {
    const { replies } = await w.command(`request common-images ${ACCOUNT} --for 60d`);
    expect(replies.join('\n')).toMatch(/access here lasts at most 30 days, not 60 days/);
    expect(await w.requests()).toEqual([]);
    expect(w.cards()).toEqual([]);
  });
});
