// A grant whose end is begun and not yet verified is still in the policy: the card, list and the
// Home tab say it is being revoked (or removed, its time up) until its verdict replaces that.
import type { AccessRequest, Ending } from '../../../src/domain/access-request';
import { homeView } from '../../../src/slack/blocks/home';
import { listReport } from '../../../src/slack/blocks/list-report';
import { decidedCard } from '../../../src/slack/blocks/request-card';

const NOW = Date.parse('2026-12-01T09:00:00Z');
const REVOKE: Ending = { kind: 'revoke', by: 'U0CAROL', at: '2026-12-01T08:59:00.000Z' };
const EXPIRE: Ending = { kind: 'expire', by: 'ecr-access', at: '2026-12-01T08:59:00.000Z' };

function grant(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return {
    id: 'r-0000000001',
    repository: 'common-images',
    account: '222233334444',
    requester: 'U0ALICE',
    state: 'GRANTED',
    createdAt: '2026-12-01T08:00:00.000Z',
    card: { channel: 'C0APPROVALS', ts: '1700000000.000001' },
    decidedBy: 'U0BOB',
    decidedAt: '2026-12-01T08:01:00.000Z',
    grantedAt: '2026-12-01T08:01:00.000Z',
    expiresAt: '2026-12-02T08:01:00.000Z',
    attempts: 1,
    owed: [],
    ...overrides,
  };
}

const shown = (blocks: unknown) => JSON.stringify(blocks);
const listed = (request: AccessRequest, open = false) =>
  shown(
    listReport([
      { repository: 'common-images', everyone: false, pullers: open ? [] : [{ account: request.account, grant: request }], ous: [], removedOutside: [], open: open ? [request] : [] },
    ]).blocks,
  );
const home = (request: AccessRequest) => shown(homeView({ viewer: 'U0ALICE', approver: 'no', requests: [request], grants: [] }, NOW).blocks);

describe('a grant whose end is under way', () => {
  it('is being revoked, by whom, on the card, in list and on the Home tab', () => {
    const ending = grant({ ending: REVOKE });
    expect(shown(decidedCard(ending).blocks)).toContain('being revoked by <@U0CAROL>');
    expect(shown(decidedCard(ending).blocks)).not.toContain('verified policy in the thread');
    expect(listed(ending)).toContain('being revoked by <@U0CAROL>');
    expect(listed(ending)).not.toContain('ends <!date');
    expect(home(ending)).toContain('being revoked by <@U0CAROL>');
  });

  it('has its time up and is being removed, when it expires', () => {
    const ending = grant({ ending: EXPIRE });
    for (const text of [shown(decidedCard(ending).blocks), listed(ending), home(ending)]) expect(text).toContain('its time is up, being removed');
  });

  it('is being revoked before it was applied, for an approval not yet verified', () => {
    const approved = grant({ state: 'APPROVED', grantedAt: undefined, expiresAt: undefined, ending: REVOKE });
    expect(shown(decidedCard(approved).blocks)).toContain('being revoked by <@U0CAROL> before it was applied');
    expect(listed(approved, true)).toContain('approved, being revoked by <@U0CAROL>');
    expect(home(approved)).toContain('being revoked by <@U0CAROL> before it was applied');
  });

  it('says nothing of an end while none is under way', () => {
    const live = grant();
    expect(shown(decidedCard(live).blocks)).toContain('verified policy in the thread');
    expect(listed(live)).not.toContain('being');
    expect(listed(grant({ state: 'APPROVED' }), true)).toContain('— approved, asked by');
  });
});
