/**
 * The sandbox page's Block Kit rendering, fed the bot's own messages (built by the same
 * functions the bot uses) and the generic blocks any app may send.
 */
import type { AccessRequest } from '../../src/domain/access-request';
import { verifiedPolicyMessage } from '../../src/slack/blocks/outcome';
import { APPROVE_ACTION, DENY_ACTION, decidedCard, requestCard } from '../../src/slack/blocks/request-card';
import { findElement, renderBlocks, renderMessageBody, type Block } from '../../sandbox/web/public/block-kit';

const ctx = { userName: (id: string) => ({ U0APPROVER: 'bob', U0REQUESTER: 'alice' })[id], timeZone: 'UTC' };

const request: AccessRequest = {
  id: 'r-0123456789',
  repository: 'common-images',
  account: '222233334444',
  requester: 'U0REQUESTER',
  reason: 'pulls for <the> dashboards',
  state: 'PENDING',
  createdAt: '2026-01-10T09:00:00.000Z',
  attempts: 0,
  owed: [],
};

/** A message as it arrives at the page: JSON, as the simulator stored it. */
function overTheWire(message: { text: string; blocks: unknown[] }): { text: string; blocks: Block[] } {
  return JSON.parse(JSON.stringify(message)) as { text: string; blocks: Block[] };
}

/** The HTML as a reader sees it: tags dropped, entities decoded, spaces collapsed. */
function visibleText(html: string): string {
  return html
    .replace(/<br>/g, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

describe("the bot's request card", () => {
  const card = requestCard(request, '{"Sid":"crossAccountAllowRead"}');
  const html = renderMessageBody(overTheWire(card), ctx);

  it('shows the header, the facts as fields, and the statement as code', () => {
    expect(html).toContain('<div class="bk-header">Pull access request</div>');
    expect(html).toMatch(/<div class="bk-fields">.*Requested by.*@alice.*AWS account.*<code>222233334444<\/code>/s);
    expect(html).toContain('<pre class="code-block">{&quot;Sid&quot;:&quot;crossAccountAllowRead&quot;}</pre>');
  });

  it('shows the reason exactly as the requester typed it', () => {
    expect(visibleText(html)).toContain('pulls for <the> dashboards');
  });

  it('shows Approve as a primary button that asks for confirmation, and Deny as a danger button', () => {
    expect(html).toContain(`<button type="button" class="bk-button bk-button-primary" data-action-id="${APPROVE_ACTION}"`);
    expect(html).toMatch(new RegExp(`data-action-id="${APPROVE_ACTION}" data-block-id="[^"]*" data-confirm="true">Approve</button>`));
    expect(html).toMatch(new RegExp(`class="bk-button bk-button-danger" data-action-id="${DENY_ACTION}" data-block-id="[^"]*">Deny</button>`));
  });

  it("finds the Approve button's confirm dialog by action_id", () => {
    const found = findElement(overTheWire(card).blocks, APPROVE_ACTION);
    expect(found?.element.confirm).toMatchObject({ title: { text: 'Grant pull access?' }, deny: { text: 'Cancel' } });
  });
});

describe("the bot's other messages", () => {
  it('shows a decided card without buttons, naming the approver and the date', () => {
    const granted = { ...request, state: 'GRANTED' as const, decidedBy: 'U0APPROVER', grantedAt: '2026-01-10T09:15:00.000Z' };
    const html = renderMessageBody(overTheWire(decidedCard(granted)), ctx);
    expect(html).not.toContain('<button');
    expect(visibleText(html)).toMatch(/✅ Approved by @bob · granted .*2026.* 9:15 AM · verified policy in the thread/);
  });

  it('shows the verified policy whole, as code', () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'crossAccountAllowRead', Principal: { AWS: ['arn:aws:iam::222233334444:root'] } }] });
    const html = renderMessageBody(overTheWire(verifiedPolicyMessage({ ...request, state: 'GRANTED', policyHash: 'abc' }, policy)), ctx);
    expect(html).toContain('<pre class="code-block">{\n  &quot;Version&quot;');
    expect(visibleText(html)).toContain('"arn:aws:iam::222233334444:root"');
  });
});

describe('any Block Kit', () => {
  it('shows a message without blocks from its text', () => {
    expect(renderMessageBody({ text: 'hello *there*' })).toBe('<div class="bk-text">hello <strong>there</strong></div>');
  });

  it('shows context elements, dividers and a section accessory button', () => {
    const html = renderBlocks([
      { type: 'context', elements: [{ type: 'mrkdwn', text: '_small_' }, { type: 'plain_text', text: 'print' }] },
      { type: 'divider' },
      { type: 'section', text: { type: 'mrkdwn', text: 'pick' }, accessory: { type: 'button', action_id: 'go', text: { type: 'plain_text', text: 'Go' } } },
    ]);
    expect(html).toContain('<div class="bk-context"><span><em>small</em></span><span>print</span></div>');
    expect(html).toContain('<hr class="bk-divider">');
    expect(html).toContain('<div class="bk-accessory"><button type="button" class="bk-button" data-action-id="go"');
    expect(findElement([{ type: 'section', accessory: { type: 'button', action_id: 'go' } }], 'go')).toBeDefined();
  });

  it('shows rich_text as Slack’s composer sends it', () => {
    const html = renderBlocks([
      {
        type: 'rich_text',
        elements: [
          { type: 'rich_text_section', elements: [{ type: 'text', text: 'hi ', style: { bold: true } }, { type: 'user', user_id: 'U0APPROVER' }] },
          { type: 'rich_text_list', style: 'bullet', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: 'one' }] }] },
        ],
      },
    ], ctx);
    expect(html).toContain('<strong>hi </strong><span class="mention" data-user-id="U0APPROVER">@bob</span>');
    expect(html).toContain('<ul><li><span>one</span></li></ul>');
  });

  it('says so for a block it cannot show, instead of hiding it', () => {
    expect(renderBlocks([{ type: 'input' }])).toContain("This input block can't be shown in the sandbox.");
  });

  it('escapes what a block carries in attributes', () => {
    const html = renderBlocks([{ type: 'actions', block_id: '"><script>', elements: [{ type: 'button', action_id: 'a"b', text: { type: 'plain_text', text: '<i>' } }] }]);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<i>');
    expect(html).toContain('data-action-id="a&quot;b"');
  });
});
