// What the person who confirmed a revoke is told, for every outcome of the revoke.
import type { AccessRequest } from '../../../src/domain/access-request';
import { ErrorCode } from '../../../src/errors';
import type { RevokeOutcome } from '../../../src/service/revoke';
import { revokeReply } from '../../../src/slack/messages';

const GRANT: AccessRequest = {
  id: 'r-0123456789',
  repository: 'common-images',
  account: '222233334444',
  requester: 'U0REQUESTER',
  state: 'GRANTED',
  createdAt: '2026-01-01T00:00:00.000Z',
  grantedAt: '2026-01-01T00:05:00.000Z',
  attempts: 1,
  owed: [],
};
const ENDING = { kind: 'revoke' as const, by: 'U0APPROVER', at: '2026-02-01T00:00:00.000Z', reason: 'project ended' };
const REVOKED: AccessRequest = { ...GRANT, state: 'REVOKED', ending: ENDING, endedAt: ENDING.at };

describe('revokeReply', () => {
  it('confirms a verified revoke and says who else is told', () => {
    expect(revokeReply({ code: 'settled', requests: [REVOKED], keptBy: [] })).toBe(
      ":white_check_mark: Revoked request r-0123456789: `222233334444` is no longer in `common-images`'s policy, as read back from ECR. The request's thread and <@U0REQUESTER> are told.",
    );
  });

  it("says whose grant keeps the account able to pull when the requester ended only their own", () => {
    const reply = revokeReply({ code: 'settled', requests: [REVOKED], keptBy: [{ id: 'r-9999999999', requester: 'U0SAM', expiresAt: '2026-03-01T00:00:00.000Z' }] });
    expect(reply).toContain(
      "<@U0SAM>'s grant r-9999999999 (until <!date^1772323200^{date_short_pretty} {time}|2026-03-01T00:00:00.000Z>) keeps `222233334444` in `common-images`'s policy, so it can still pull.",
    );
  });

  it('names every request an approver ended', () => {
    const other = { ...REVOKED, id: 'r-1111111111' };
    expect(revokeReply({ code: 'settled', requests: [REVOKED, other], keptBy: [] })).toMatch(/^:white_check_mark: Revoked requests r-0123456789, r-1111111111: /);
  });

  it('names the statements through which the account can still pull', () => {
    const reply = revokeReply({ code: 'settled', requests: [{ ...REVOKED, stillPullsThrough: ['legacyPull', 'teamB'] }], keptBy: [] });
    expect(reply).toContain('It can still pull through `legacyPull`, `teamB`, which ecr-access does not manage.');
  });

  it('tells an approver who revoked an account added by hand that the approvers’ channel is told', () => {
    expect(revokeReply({ code: 'settled', requests: [{ ...REVOKED, origin: 'outside' }], keptBy: [] })).toMatch(/The approvers' channel is told\.$/);
  });

  it('says ECR refused the removal and the account can still pull', () => {
    const refused = { ...GRANT, endFailure: { code: ErrorCode.PolicyRejected, detail: 'Invalid parameter' } };
    const reply = revokeReply({ code: 'settled', requests: [refused], keptBy: [] });
    expect(reply).toMatch(/^:warning: Removing `222233334444` from `common-images` failed: ECR refused the new policy \(Invalid parameter\)/);
    expect(reply).toContain('The account can still pull');
  });

  it('says a held revoke is recorded, finished on its own, and that the account can pull until then', () => {
    const reply = revokeReply({ code: 'pending', requests: [{ ...GRANT, ending: ENDING }], keptBy: [] });
    expect(reply).toMatch(/recorded, but not applied yet/);
    expect(reply).toContain("finishes it on its own and says so in the request's thread; until then the account can still pull.");
    expect(revokeReply({ code: 'pending', requests: [{ ...GRANT, ending: ENDING, origin: 'outside' }], keptBy: [] })).toContain("in the approvers' channel");
  });

  it('names who may revoke when the clicker may not', () => {
    expect(revokeReply({ code: 'not-allowed', grant: GRANT })).toBe(
      ':x: Only ecr-access approvers, or <@U0REQUESTER> who asked for it (request r-0123456789), can revoke pull access for `222233334444` to `common-images`; nothing changed. Ask one of them.',
    );
  });

  it('names who is already revoking it, or that it is running out', () => {
    expect(revokeReply({ code: 'already-ending', request: { ...GRANT, ending: ENDING } })).toContain('is already being revoked by <@U0APPROVER>; nothing more to do.');
    expect(revokeReply({ code: 'already-ending', request: { ...GRANT, ending: { ...ENDING, kind: 'expire', by: 'ecr-access' } } })).toContain(
      'is ending, as asked when it was granted',
    );
  });

  it.each<[string, RevokeOutcome, RegExp]>([
    ['a repository it does not share', { code: 'not-shareable', repository: 'private', repositories: ['common-images'] }, /`private` is not one of the repositories ecr-access shares \(`common-images`\).*nothing changed/],
    ['an account with nothing to revoke', { code: 'no-access', repository: 'common-images', account: '222233334444', pullsThrough: [] }, /has no ecr-access grant on `common-images` and is not in its `crossAccountAllowRead` statement.*nothing changed\.$/],
    ['an account another statement lets pull', { code: 'no-access', repository: 'common-images', account: '222233334444', pullsThrough: ['legacyPull'] }, /It can pull through `legacyPull`, which ecr-access does not manage: ask the platform team/],
    ['a hand-added account for a non-approver', { code: 'outside-needs-approver', repository: 'common-images', account: '111122223333' }, /only an ecr-access approver can revoke it; nothing changed/],
    ['an approver check Slack could not answer', { code: 'approver-unknown', reason: 'ratelimited' }, /could not confirm you are an approver \(ratelimited\); nothing changed\. Try again in a minute\./],
    ['a policy it cannot change', { code: 'policy-problem', repository: 'common-images', failure: { code: ErrorCode.ForeignStatement, detail: 'the crossAccountAllowRead statement has a Condition' } }, /cannot change `common-images`'s policy, so nothing changed: the crossAccountAllowRead statement has a Condition$/],
  ])('refuses %s, saying nothing changed', (_name, outcome, message) => {
    expect(revokeReply(outcome)).toMatch(message);
  });

  it('escapes what came from Slack or ECR', () => {
    expect(revokeReply({ code: 'approver-unknown', reason: '<!channel>' })).toContain('&lt;!channel&gt;');
    expect(revokeReply({ code: 'settled', requests: [{ ...REVOKED, stillPullsThrough: ['<@U1>'] }], keptBy: [] })).toContain('`&lt;@U1&gt;`');
  });
});
