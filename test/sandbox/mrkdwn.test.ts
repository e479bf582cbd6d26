/**
 * The sandbox page's mrkdwn: what Slack shows for the text a bot sends, as HTML, with nothing
 * in the text able to become markup.
 */
import { formatDate, mrkdwn, plainText } from '../../sandbox/web/public/mrkdwn';

const NOW = new Date('2026-01-10T12:00:00Z');
const ctx = {
  userName: (id: string) => ({ U0APPROVER: 'bob', U0REQUESTER: 'alice' })[id],
  channelName: (id: string) => ({ C0APPROVALS: 'ecr-approvals' })[id],
  now: NOW,
  timeZone: 'UTC',
};
const at = (iso: string) => Date.parse(iso) / 1000;

describe('mrkdwn', () => {
  it('shows *bold*, _italic_ and ~strike~', () => {
    expect(mrkdwn('*a* _b_ ~c~', ctx)).toBe('<strong>a</strong> <em>b</em> <del>c</del>');
  });

  it('leaves marks inside words alone, as in snake_case_names and 2*3*4', () => {
    expect(mrkdwn('snake_case_name and 2*3*4', ctx)).toBe('snake_case_name and 2*3*4');
  });

  it('keeps `inline code` literal, and lets bold wrap it', () => {
    expect(mrkdwn('`*not bold*` *`bold code`*', ctx)).toBe('<code>*not bold*</code> <strong><code>bold code</code></strong>');
  });

  it('shows a ``` block as preformatted text, with the escaped characters Slack sends decoded once', () => {
    expect(mrkdwn('*Policy*\n```{\n  "a": "&lt;b&gt; &amp;"\n}```\nafter', ctx)).toBe(
      '<strong>Policy</strong><pre class="code-block">{\n  &quot;a&quot;: &quot;&lt;b&gt; &amp;&quot;\n}</pre>after',
    );
  });

  it('names a mentioned user, and highlights a mention of the viewer', () => {
    expect(mrkdwn('<@U0APPROVER>', ctx)).toBe('<span class="mention" data-user-id="U0APPROVER">@bob</span>');
    expect(mrkdwn('<@U0APPROVER>', { ...ctx, currentUser: 'U0APPROVER' })).toContain('class="mention mention-self"');
  });

  it('names channels, user groups and broadcasts', () => {
    expect(mrkdwn('<#C0APPROVALS> <!subteam^S0APPROVERS|@approvers> <!here>', ctx)).toBe(
      '<span class="mention channel">#ecr-approvals</span> <span class="mention">@approvers</span> <span class="mention broadcast">@here</span>',
    );
  });

  it('shows a <!date> in the viewer’s time zone, with today for today', () => {
    expect(mrkdwn(`granted <!date^${at('2026-01-10T09:15:00Z')}^{date_short_pretty} {time}|2026-01-10T09:15:00Z>`, ctx)).toMatch(
      /granted <time class="date" datetime="2026-01-10T09:15:00.000Z" title="Saturday, January 10th, 2026 9:15:00 AM">Today 9:15 AM<\/time>/,
    );
  });

  it('links only web and mail addresses', () => {
    expect(mrkdwn('<https://example.com/x?a=1&amp;b=2|docs>', ctx)).toBe(
      '<a href="https://example.com/x?a=1&amp;b=2" target="_blank" rel="noopener">docs</a>',
    );
    expect(mrkdwn('<javascript:alert(1)|click me>', ctx)).toBe('click me');
  });

  it('escapes everything else, so text can never become markup', () => {
    expect(mrkdwn('&lt;img src=x onerror=alert(1)&gt; "quoted"', ctx)).toBe('&lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot;');
    expect(mrkdwn('<@U1"><script>|x>', ctx)).not.toContain('<script');
  });

  it('turns known :shortcodes: into emoji and leaves unknown ones as typed', () => {
    expect(mrkdwn(':white_check_mark: :no_such_emoji:', ctx)).toBe(
      '<span class="emoji" title=":white_check_mark:">✅</span> :no_such_emoji:',
    );
  });

  it('shows lines starting with > as a quote and keeps line breaks', () => {
    expect(mrkdwn('&gt; quoted\n&gt; still\nnot', ctx)).toBe('<blockquote>quoted<br>still</blockquote>not');
    expect(mrkdwn('one\ntwo', ctx)).toBe('one<br>two');
  });
});

describe('plain_text', () => {
  it('is literal, with emoji unless turned off', () => {
    expect(plainText('*Approve* <b> :tada:')).toBe('*Approve* &lt;b&gt; <span class="emoji" title=":tada:">🎉</span>');
    expect(plainText(':tada:', false)).toBe(':tada:');
  });
});

describe('Slack date tokens', () => {
  const options = { now: NOW, timeZone: 'UTC' };
  const seconds = at('2025-12-03T16:05:09Z');

  it.each([
    ['{date_num}', '2025-12-03'],
    ['{date}', 'December 3rd, 2025'],
    ['{date_short}', 'Dec 3, 2025'],
    ['{date_long}', 'Wednesday, December 3rd, 2025'],
    ['{time}', '4:05 PM'],
    ['{time_secs}', '4:05:09 PM'],
    ['{ago}', '1 month ago'],
    ['{date_pretty} at {time}', 'December 3rd, 2025 at 4:05 PM'],
  ])('formats %s', (format, shown) => {
    expect(formatDate(seconds, format, options)).toBe(shown);
  });

  it('says yesterday and tomorrow, capitalised only at the start', () => {
    expect(formatDate(at('2026-01-09T10:00:00Z'), '{date_pretty}', options)).toBe('Yesterday');
    expect(formatDate(at('2026-01-11T10:00:00Z'), 'due {date_pretty}', options)).toBe('due tomorrow');
  });
});
