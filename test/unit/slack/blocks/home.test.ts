// A person's Home tab: their grants with when each ends, Extend and Revoke; their requests; and,
// for an approver, what waits for a decision (the card's own buttons, naming the card) and the
// last decisions; within Slack's 100 blocks.
import type { AccessRequest } from '../../../../src/domain/access-request';
import { DAY_MS, HOUR_MS } from '../../../../src/domain/duration';
import type { Home } from '../../../../src/service/home';
import { DecisionValue } from '../../../../src/slack/blocks/request-card';
import { EXTEND_ACTION, endsIn, HOME_BLOCK_LIMIT, HOME_REVOKE_ACTION, HomeGrant, homeView } from '../../../../src/slack/blocks/home';

const NOW = Date.parse('2026-12-01T09:00:00Z');
let sequence = 0;

function request(overrides: Partial<AccessRequest> = {}): AccessRequest {
  sequence += 1;
  return {
    id: `r-${String(sequence).padStart(10, '0')}`,
    repository: 'common-images',
    account: '222233334444',
    requester: 'U0ALICE',
    state: 'PENDING',
    createdAt: '2026-11-30T09:00:00.000Z',
    card: { channel: 'C0APPROVALS', ts: `1700000000.${String(sequence).padStart(6, '0')}` },
    attempts: 0,
    owed: [],
    ...overrides,
  };
}

const granted = (overrides: Partial<AccessRequest> = {}) =>
  request({ state: 'GRANTED', decidedBy: 'U0BOB', decidedAt: '2026-11-30T10:00:00.000Z', grantedAt: '2026-11-30T10:00:01.000Z', ...overrides });

type Button = { action_id: string; value: string; text: { text: string }; confirm?: { text: { text: string } } };
/** The buttons in the tab's actions blocks (Request access, a section's accessory, is not among them). */
const buttons = (home: Home) => homeView(home, NOW).blocks.flatMap((b) => ((b as { elements?: Button[] }).elements ?? []).filter((e) => 'action_id' in e));
const text = (home: Home) => JSON.stringify(homeView(home, NOW).blocks);

describe('endsIn', () => {
  it.each([
    [3 * DAY_MS + 5 * HOUR_MS, 'ends in 3 days'],
    [7 * DAY_MS - 2_000, 'ends in 7 days'],
    [DAY_MS, 'ends in 1 day'],
    [23 * HOUR_MS + 59 * 60_000, 'ends in 1 day'],
    [20 * HOUR_MS + 10 * 60_000, 'ends in 20 hours'],
    [20 * 60_000 + 20_000, 'ends in 20 minutes'],
    [30_000, 'ends in less than a minute'],
    [0, 'ends now'],
  ])('says %i ms left as %j', (left, words) => {
    expect(endsIn(new Date(NOW + left).toISOString(), NOW)).toBe(words);
  });
});

describe("a requester's Home tab", () => {
  const grant = granted({ durationMs: 7 * DAY_MS, expiresAt: new Date(NOW + 3 * DAY_MS).toISOString() });
  const home: Home = { viewer: 'U0ALICE', approver: 'no', requests: [grant], grants: [grant] };

  it('shows each live grant with when it ends, as words and as a Slack date', () => {
    expect(text(home)).toContain(`ends in 3 days (<!date^${Math.floor((NOW + 3 * DAY_MS) / 1000)}^{date_short_pretty} {time}|`);
  });

  it('offers Extend, for as long again, and Revoke behind a confirm dialog that says only this grant ends', () => {
    const [extend, revoke] = buttons(home);
    expect(extend).toMatchObject({ action_id: EXTEND_ACTION, value: `common-images 222233334444 ${7 * DAY_MS}` });
    expect(HomeGrant.parse(extend!.value)).toEqual({ repository: 'common-images', account: '222233334444', durationMs: 7 * DAY_MS });
    expect(revoke).toMatchObject({ action_id: HOME_REVOKE_ACTION, value: 'common-images 222233334444' });
    expect(revoke!.confirm!.text.text).toContain(`Your grant ${grant.id} ends. Other people's grants`);
  });

  it('offers no Extend for a grant without end', () => {
    const forever = granted();
    expect(buttons({ ...home, grants: [forever], requests: [forever] }).map((b) => b.action_id)).not.toContain(EXTEND_ACTION);
  });

  it('lists their requests with their state, and shows nothing of the approvers’', () => {
    const denied = request({ state: 'DENIED', decidedBy: 'U0BOB', denialNote: { by: 'U0BOB', at: '2026-11-30T10:00:00.000Z', reason: 'use the mirror' } });
    const shown = text({ ...home, requests: [denied, grant] });
    expect(shown).toContain('denied by <@U0BOB>: use the mirror');
    expect(shown).not.toContain('Waiting for a decision');
    expect(shown).not.toContain('Last decisions');
  });

  it('says so when Slack could not tell whether they are an approver', () => {
    expect(text({ ...home, approver: 'unknown' })).toContain('Slack could not say just now whether you are an approver');
  });
});

describe("an approver's Home tab", () => {
  it("offers the card's Approve and Deny on each waiting request, naming its card, with Approve behind the card's confirm dialog", () => {
    const waiting = request();
    const [approve, deny] = buttons({ viewer: 'U0BOB', approver: 'yes', requests: [], grants: [], waiting: [waiting], decisions: [] });
    expect(approve).toMatchObject({ action_id: 'ecr_access_approve', text: { text: 'Approve' }, confirm: { text: { text: expect.stringContaining('will be able to pull every image') } } });
    expect(deny).toMatchObject({ action_id: 'ecr_access_deny' });
    expect(DecisionValue.parse(approve!.value)).toEqual({ requestId: waiting.id, target: { repository: 'common-images', account: '222233334444' }, card: waiting.card });
  });

  it('offers no buttons on their own request, and says another approver decides it', () => {
    const own = request({ requester: 'U0BOB' });
    const home: Home = { viewer: 'U0BOB', approver: 'yes', requests: [own], grants: [], waiting: [own], decisions: [] };
    expect(buttons(home)).toEqual([]);
    expect(text(home)).toContain('Your own request: another approver decides it.');
  });

  it('says Retry on an approval whose grant failed', () => {
    const failed = request({ state: 'FAILED', decidedBy: 'U0SAM' });
    expect(buttons({ viewer: 'U0BOB', approver: 'yes', requests: [], grants: [], waiting: [failed], decisions: [] }).map((b) => b.text.text)).toEqual(['Retry', 'Deny']);
  });

  it('warns that revoking their own grant ends every live grant of the account', () => {
    const grant = granted({ requester: 'U0BOB' });
    const revoke = buttons({ viewer: 'U0BOB', approver: 'yes', requests: [grant], grants: [grant], waiting: [], decisions: [] }).find((b) => b.action_id === HOME_REVOKE_ACTION);
    expect(revoke!.confirm!.text.text).toContain('As an approver, you end every live grant of `222233334444` on `common-images`, not only yours.');
  });

  it('lists the last decisions, who decided what for whom and what became of it', () => {
    const decided = granted({ expiresAt: new Date(NOW + DAY_MS).toISOString() });
    expect(text({ viewer: 'U0BOB', approver: 'yes', requests: [], grants: [], waiting: [], decisions: [decided] })).toContain(
      `<@U0BOB> approved \`222233334444\` on \`common-images\` for <@U0ALICE>`,
    );
  });

  it('keeps within 100 blocks however much waits, and says how many more', () => {
    const many = Array.from({ length: 80 }, () => request());
    const grants = Array.from({ length: 80 }, () => granted({ requester: 'U0BOB' }));
    const decisions = Array.from({ length: 20 }, () => granted());
    const view = homeView({ viewer: 'U0BOB', approver: 'yes', requests: grants, grants, waiting: many, decisions }, NOW);
    expect(view.blocks.length).toBeLessThanOrEqual(HOME_BLOCK_LIMIT);
    const shown = JSON.stringify(view.blocks);
    expect(shown).toContain('…and 68 more; see `/ecr-access list`.');
    expect(shown).toContain('…and 60 more; see `/ecr-access history`.');
  });
});
