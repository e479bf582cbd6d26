// The account's owner in words, as the card, list, history and Home tab show it.
import type { AccessRequest } from '../../../../src/domain/access-request';
import { accountWithOwner, NOT_IN_ORGANIZATION, ownerField, OWNER_UNKNOWN } from '../../../../src/slack/blocks/account-owner';
import { requestCard } from '../../../../src/slack/blocks/request-card';

const request: AccessRequest = {
  id: 'r-0123456789',
  repository: 'common-images',
  account: '222233334444',
  requester: 'U0REQUESTER',
  state: 'PENDING',
  createdAt: '2026-01-10T09:00:00.000Z',
  attempts: 0,
  owed: [],
};

describe('account owner texts', () => {
  it('names a member with its OU path, or with its team from the accounts file', () => {
    expect(accountWithOwner('222233334444', new Map([['222233334444', { kind: 'member', name: 'analytics', ouPath: ['Root', 'Engineering', 'Analytics'] }]]))).toBe(
      '`222233334444` (analytics · Root / Engineering / Analytics)',
    );
    expect(ownerField({ kind: 'member', name: 'analytics', team: 'Data Platform' })).toBe('*Owner*\nanalytics · team Data Platform');
  });

  it('flags an outsider plainly, and says why an owner is unknown on the card', () => {
    expect(ownerField({ kind: 'outside' })).toBe(`*Owner*\n${NOT_IN_ORGANIZATION}`);
    expect(NOT_IN_ORGANIZATION).toBe(':warning: not in your organization');
    expect(ownerField({ kind: 'unknown', reason: 'AWS Organizations is throttling the bot' })).toBe(
      `*Owner*\n${OWNER_UNKNOWN} (AWS Organizations is throttling the bot; check the account ID before approving)`,
    );
  });

  it('shows the ID alone, and no owner field, where owners are not looked up', () => {
    expect(accountWithOwner('222233334444', new Map())).toBe('`222233334444`');
    expect(accountWithOwner('222233334444', undefined)).toBe('`222233334444`');
    expect(ownerField(undefined)).toBeUndefined();
    expect(JSON.stringify(requestCard(request, '{}').blocks)).not.toContain('Owner');
  });

  it('shows names as written, never as Slack markup, and cuts a very deep path of long names short', () => {
    const name = `<!channel> ${'x'.repeat(50)}`;
    const ouPath = ['Root', ...Array.from({ length: 5 }, (_, i) => `${i}${'y'.repeat(127)}`)];
    const text = accountWithOwner('222233334444', new Map([['222233334444', { kind: 'member', name, ouPath }]]));
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).not.toContain('<!channel>');
    expect(text.length).toBeLessThan(340);
    const card = requestCard(request, '{}', 1, { kind: 'member', name, ouPath });
    const fields = (card.blocks[1] as { fields: Array<{ text: string }> }).fields;
    expect(fields.length).toBeLessThanOrEqual(10);
    expect(fields.every((field) => field.text.length <= 2000)).toBe(true);
    expect(fields.map((field) => field.text)).toContain(`*Owner*\n${text.slice('`222233334444` ('.length, -1)}`);
  });
});
