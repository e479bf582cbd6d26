// The two-person rule across two bot processes, through their real HTTP receivers: two approvers
// clicking at once, and one approver clicking in both at once. Exactly one policy write, after
// the second approval; the card, the thread and the requester told the truth, once.
import { SANDBOX } from '../../sandbox/local-world';
import type { SimMessage } from '../../sandbox/slack-simulator';
import { APPROVE_ACTION } from '../../src/slack/blocks/request-card';
import { startMultiBot, type MultiBot } from '../support/multi-bot';

const BOB = SANDBOX.approver;
const CAROL = SANDBOX.other;
// The requester is an approver too: under the rule their own request still needs two others.
const TWO_PERSON = { ECR_ACCESS_APPROVERS: `${BOB},${CAROL},${SANDBOX.requester}`, ECR_ACCESS_APPROVALS: '2' };

/** Everything a card says, its blocks included. */
const shown = (card: SimMessage) => JSON.stringify(card.blocks ?? card.text);
const hasApprove = (card: SimMessage) => shown(card).includes(APPROVE_ACTION);

describe('the two-person rule across two bot processes', () => {
  let m: MultiBot;
  beforeAll(async () => {
    m = await startMultiBot({ slack: { rateLimits: 'off' }, env: TWO_PERSON });
  }, 60_000);
  afterAll(async () => m.close());

  const current = (card: SimMessage) => m.cards().find((c) => c.ts === card.ts) as SimMessage;
  const dmsAbout = (account: string) => m.world.slack.dms(SANDBOX.requester).filter((dm) => dm.text.includes(`\`${account}\``));
  const waitingDm = (account: string) => dmsAbout(account).filter((dm) => dm.text.includes('1 of 2 approvals'));
  const grantedDm = (account: string) => dmsAbout(account).filter((dm) => dm.text.includes('can now pull'));

  it('two approvers at once in two processes: one is first, the other second, and the policy is written once', async () => {
    const card = await m.request('510000000001', 0);
    m.world.ecr.resetCalls();
    const clicks = await Promise.all([m.click(card, 'approve', 0, BOB), m.click(card, 'approve', 1, CAROL)]);
    // The first approver's process shows the approval, then tells the requester: after that DM, its card work is done.
    await m.world.slack.waitFor(() => grantedDm('510000000001').length === 1 && waitingDm('510000000001').length === 1 && shown(current(card)).includes('granted'), 30_000);

    expect(m.world.ecr.countCalls('SetRepositoryPolicy')).toBe(1);
    const [request] = (await m.requests()).filter((r) => r.account === '510000000001');
    expect(request).toMatchObject({ state: 'GRANTED' });
    expect([request?.firstApproval?.by, request?.decidedBy].sort()).toEqual([BOB, CAROL].sort());
    expect(m.threadReplies(card)).toHaveLength(1);
    expect(shown(current(card))).toContain(`Approved by <@${request?.firstApproval?.by}> and <@${request?.decidedBy}>`);
    expect(hasApprove(current(card))).toBe(false);
    // Nobody was refused anything.
    expect(clicks.flatMap((c) => m.repliesTo(c.responseUrl))).toEqual([]);
  }, 60_000);

  it('one approver in both processes at once: one approval recorded, the other click told, nothing written until another approves', async () => {
    const card = await m.request('510000000002', 1);
    m.world.ecr.resetCalls();
    const clicks = await Promise.all([m.click(card, 'approve', 0, BOB), m.click(card, 'approve', 1, BOB)]);
    const replies = () => clicks.flatMap((c) => m.repliesTo(c.responseUrl));
    await m.world.slack.waitFor(() => replies().length === 1 && waitingDm('510000000002').length === 1, 30_000);

    expect(replies()).toEqual([expect.stringContaining('You approved request')]);
    expect(replies()[0]).toContain('another approver must approve it');
    expect(m.world.ecr.countCalls('SetRepositoryPolicy')).toBe(0);
    const [request] = (await m.requests()).filter((r) => r.account === '510000000002');
    expect(request).toMatchObject({ state: 'PENDING', firstApproval: { by: BOB } });
    expect(request?.history?.filter((event) => event.kind === 'approved')).toHaveLength(1);
    expect(shown(current(card))).toContain(`1 of 2 approvals, by <@${BOB}>`);
    expect(hasApprove(current(card))).toBe(true);
    expect(m.threadReplies(card)).toEqual([]);

    await m.click(current(card), 'approve', 0, CAROL);
    await m.world.slack.waitFor(() => grantedDm('510000000002').length === 1 && shown(current(card)).includes('granted'), 30_000);
    expect(m.world.ecr.countCalls('SetRepositoryPolicy')).toBe(1);
    expect(m.threadReplies(card)).toHaveLength(1);
    expect(waitingDm('510000000002')).toHaveLength(1);
  }, 60_000);

  it('refuses the requester, an approver here, approving their own request, first or second', async () => {
    const card = await m.request('510000000003', 0);
    m.world.ecr.resetCalls();
    const asFirst = await m.click(card, 'approve', 1, SANDBOX.requester);
    await m.world.slack.waitFor(() => m.repliesTo(asFirst.responseUrl).length === 1, 15_000);
    expect(m.repliesTo(asFirst.responseUrl)[0]).toContain('You asked for this access yourself');
    await m.click(card, 'approve', 0, BOB);
    await m.world.slack.waitFor(() => waitingDm('510000000003').length === 1, 15_000);
    const asSecond = await m.click(current(card), 'approve', 1, SANDBOX.requester);
    await m.world.slack.waitFor(() => m.repliesTo(asSecond.responseUrl).length === 1, 15_000);
    expect(m.repliesTo(asSecond.responseUrl)[0]).toContain('You asked for this access yourself');
    const [request] = (await m.requests()).filter((r) => r.account === '510000000003');
    expect(request).toMatchObject({ state: 'PENDING', firstApproval: { by: BOB } });
    expect(m.world.ecr.countCalls('SetRepositoryPolicy')).toBe(0);
  }, 30_000);
});
