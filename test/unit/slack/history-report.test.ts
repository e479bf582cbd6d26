// The history message: within Slack's limits, every event with who, when and both hashes, and a
// button whose value is checked on the way back.
import { HistoryPage, historyReport, OLDER_HISTORY_ACTION } from '../../../src/slack/blocks/history';
import type { HistoryEntry } from '../../../src/service/history';

const HASH = 'a'.repeat(64);

function entry(i: number): HistoryEntry {
  const at = new Date(Date.parse('2026-12-01T09:00:00Z') - i * 60_000).toISOString();
  return {
    position: { at, source: 'r-000000000a', index: i },
    repository: 'common-images',
    request: { id: 'r-000000000a', account: '222233334444', requester: 'U0REQUESTER' },
    event: { kind: 'revoked', at, by: 'U0APPROVER', policyHashBefore: HASH, policyHash: 'b'.repeat(64), detail: 'x'.repeat(500) },
  };
}

describe('history report', () => {
  it('stays within 50 blocks and 3000 characters a section for a full page of long events', () => {
    const entries = Array.from({ length: 20 }, (_, i) => entry(i));
    const { blocks } = historyReport({ code: 'history', entries, older: entries[19]!.position, continued: false });
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const block of blocks) if (block.type === 'section') expect(block.text?.text.length).toBeLessThanOrEqual(3000);
    const text = blocks.map((b) => (b.type === 'section' ? b.text?.text : '')).join('\n');
    expect(text).toContain(`\`${HASH}\` → \`${'b'.repeat(64)}\``);
    expect(text).toContain('<@U0APPROVER>');
    expect(text).toContain('<!date^');
  });

  it('offers older events with a value the button listener accepts back', () => {
    const entries = [entry(0)];
    const { blocks } = historyReport({ code: 'history', subject: { account: '222233334444' }, entries, older: entries[0]!.position, continued: false });
    const actions = blocks.find((b) => b.type === 'actions');
    const button = actions?.type === 'actions' ? actions.elements[0] : undefined;
    expect(button).toMatchObject({ action_id: OLDER_HISTORY_ACTION });
    const value = button && 'value' in button ? button.value : undefined;
    expect(HistoryPage.parse(JSON.parse(value ?? ''))).toEqual({ subject: { account: '222233334444' }, before: entries[0]!.position });
  });

  it('refuses a forged page value', () => {
    expect(HistoryPage.safeParse({ before: { at: 'yesterday', source: 'r-000000000a', index: 0 } }).success).toBe(false);
    expect(HistoryPage.safeParse({ subject: { repository: 'x', extra: 1 }, before: { at: '2026-12-01T09:00:00.000Z', source: 'r-1', index: 0 } }).success).toBe(false);
  });

  it('says so when nothing happened yet', () => {
    const { blocks } = historyReport({ code: 'history', subject: { repository: 'common-images' }, entries: [], continued: false });
    expect(JSON.stringify(blocks)).toContain('Nothing has happened to');
  });
});
