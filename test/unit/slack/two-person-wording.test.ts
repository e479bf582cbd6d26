// What people read under the two-person rule: the card, the Home tab, `list`, the nudge and the
// replies say how far a request has come ("1 of 2 approvals, by @bob"), and a decided request
// names both approvers.
import type { AccessRequest } from '../../../src/domain/access-request';
import type { Home } from '../../../src/service/home';
import { homeView } from '../../../src/slack/blocks/home';
import { listReport } from '../../../src/slack/blocks/list-report';
import { firstApprovalMessage, nudgeMessage, requesterMessage } from '../../../src/slack/blocks/outcome';
import { APPROVE_ACTION, DENY_ACTION, decidedCard, requestCard } from '../../../src/slack/blocks/request-card';
import { decideReply } from '../../../src/slack/messages';

const NOW = Date.parse('2026-12-01T09:00:00Z');

function request(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return {
    id: 'r-0000000001',
    repository: 'common-images',
    account: '222233334444',
    requester: 'U0ALICE',
    state: 'PENDING',
    createdAt: '2026-12-01T08:00:00.000Z',
    card: { channel: 'C0APPROVALS', ts: '1700000000.000001' },
    attempts: 0,
    owed: [],
    ...overrides,
  };
}

const firstBy = (by: string) => ({ firstApproval: { by, at: '2026-12-01T08:30:00.000Z' } });
const once = request(firstBy('U0BOB'));
const shown = (blocks: unknown) => JSON.stringify(blocks);

describe('the request card under the two-person rule', () => {
  it('shows the first approval and keeps both buttons for the second approver', () => {
    const card = shown(requestCard(once, '{}', 2).blocks);
    expect(card).toContain('1 of 2 approvals, by <@U0BOB>');
    expect(card).toContain('waiting for a second approver');
    expect(card).toContain(APPROVE_ACTION);
    expect(card).toContain(DENY_ACTION);
  });

  it('says two approvers must approve from the start, and shows no progress before the first approval', () => {
    expect(shown(requestCard(request(), '{}', 2).blocks)).toContain('two different approvers, neither the requester, must approve');
    expect(shown(requestCard(request(), '{}', 2).blocks)).not.toContain('of 2 approvals');
    expect(shown(requestCard(request(), '{}', 1).blocks)).toContain('only approvers can decide');
  });

  it('names both approvers once granted, and only the denier on a denial', () => {
    const granted = request({ ...firstBy('U0BOB'), state: 'GRANTED', decidedBy: 'U0CAROL', grantedAt: '2026-12-01T09:00:00.000Z' });
    expect(shown(decidedCard(granted).blocks)).toContain('Approved by <@U0BOB> and <@U0CAROL>');
    expect(requesterMessage(granted)).toContain('approved by <@U0BOB> and <@U0CAROL>');
    const denied = request({ ...firstBy('U0BOB'), state: 'DENIED', decidedBy: 'U0CAROL', decidedAt: '2026-12-01T09:00:00.000Z' });
    expect(shown(decidedCard(denied).blocks)).toContain('Denied by <@U0CAROL>');
    expect(shown(decidedCard(denied).blocks)).not.toContain('U0BOB');
  });
});

describe('the other places a pending request shows', () => {
  it("tells the requester once it waits for a second approver, and nudges the approvers for a second approval", () => {
    expect(firstApprovalMessage(once)).toContain('has 1 of 2 approvals, by <@U0BOB>. It waits for a second approver');
    expect(nudgeMessage(once)).toContain('has 1 of 2 approvals, by <@U0BOB>, and is still waiting for a second approval');
    expect(nudgeMessage(request())).toContain('still waiting for an approver');
  });

  it("shows the progress in an approver's Home tab, and leaves the first approver only Deny", () => {
    const forCarol: Home = { viewer: 'U0CAROL', approver: 'yes', requests: [], grants: [], waiting: [once], decisions: [] };
    expect(shown(homeView(forCarol, NOW).blocks)).toContain('1 of 2 approvals, by <@U0BOB>');
    expect(shown(homeView(forCarol, NOW).blocks)).toContain(APPROVE_ACTION);
    const forBob: Home = { ...forCarol, viewer: 'U0BOB' };
    expect(shown(homeView(forBob, NOW).blocks)).toContain('You approved it: another approver must approve it too.');
    expect(shown(homeView(forBob, NOW).blocks)).not.toContain(APPROVE_ACTION);
    expect(shown(homeView(forBob, NOW).blocks)).toContain(DENY_ACTION);
  });

  it("names both approvers among an approver's last decisions", () => {
    const granted = request({ ...firstBy('U0BOB'), state: 'GRANTED', decidedBy: 'U0CAROL', decidedAt: '2026-12-01T08:45:00.000Z', grantedAt: '2026-12-01T08:45:01.000Z' });
    const home: Home = { viewer: 'U0DAVE', approver: 'yes', requests: [], grants: [], waiting: [], decisions: [granted] };
    expect(shown(homeView(home, NOW).blocks)).toContain('<@U0BOB> and <@U0CAROL> approved');
  });

  it('shows the progress of a pending request in `list`', () => {
    const report = listReport([{ repository: 'common-images', everyone: false, pullers: [], ous: [], removedOutside: [], open: [once] }]);
    expect(shown(report)).toContain('pending, 1 of 2 approvals, by <@U0BOB>');
  });

  it('answers the first approver with nothing (the card says it) and a second click by them with what to do', () => {
    expect(decideReply({ code: 'first-approval', request: once })).toBeUndefined();
    expect(decideReply({ code: 'approved-already', request: once })).toBe(
      ':x: You approved request r-0000000001 already (1 of 2 approvals, by <@U0BOB>); another approver must approve it before ecr-access writes the policy. Nothing changed.',
    );
  });
});
