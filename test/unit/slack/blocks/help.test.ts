// The help text: every command, with an example of each option.
import { HISTORY_USAGE, REVOKE_USAGE } from '../../../../src/domain/command';
import { helpMessage } from '../../../../src/slack/blocks/help';

describe('helpMessage', () => {
  it('lists revoke and history, and shows a request with --for', () => {
    const { text } = helpMessage(['common-images']);
    expect(text).toContain(REVOKE_USAGE);
    expect(text).toContain(HISTORY_USAGE);
    expect(text).toContain('`/ecr-access request common-images 222233334444 --for 7d pulls for the sales dashboards`');
  });

  it('says the command alone and the shortcut open the request form', () => {
    expect(helpMessage(['common-images']).text).toContain('`/ecr-access` alone, or the shortcut *Request ECR pull access*, opens a form');
  });
});
