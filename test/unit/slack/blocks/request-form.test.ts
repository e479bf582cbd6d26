// The request form: what it offers (repositories, durations within the deployment's rules), and
// its submission read back as outside input, with a message for each field that is wrong.
import { DAY_MS, HOUR_MS } from '../../../../src/domain/duration';
import { durationChoices, readRequestForm, repositoryOptions, requestForm } from '../../../../src/slack/blocks/request-form';

/** A submission's state.values, as Slack sends it. */
function values(input: { repository?: string; account?: string; duration?: string; lambda?: boolean; reason?: string }) {
  const select = (value: string | undefined) => ({ type: 'static_select', selected_option: value === undefined ? null : { text: { type: 'plain_text', text: value }, value } });
  return {
    repository: { repository: select(input.repository) },
    account: { account: { type: 'plain_text_input', value: input.account ?? null } },
    duration: { duration: select(input.duration) },
    lambda: { lambda: { type: 'checkboxes', selected_options: input.lambda ? [{ text: { type: 'plain_text', text: 'Lambda' }, value: 'lambda' }] : [] } },
    reason: { reason: { type: 'plain_text_input', value: input.reason ?? null } },
  };
}

describe('durationChoices', () => {
  it('offers no end first, then each duration up to a year', () => {
    expect(durationChoices({}).map((c) => c.label)).toEqual([
      'No end: until someone revokes it',
      '1 hour',
      '12 hours',
      '1 day',
      '7 days',
      '30 days',
      '90 days',
      '180 days',
      '365 days',
    ]);
  });

  it('offers only durations within the longest allowed, and the longest itself', () => {
    expect(durationChoices({ maxMs: 14 * DAY_MS }).map((c) => c.durationMs)).toEqual([undefined, HOUR_MS, 12 * HOUR_MS, DAY_MS, 7 * DAY_MS, 14 * DAY_MS]);
  });

  it('offers no "no end" where every grant must end', () => {
    expect(durationChoices({ required: true, maxMs: DAY_MS }).map((c) => c.label)).toEqual(['1 hour', '12 hours', '1 day']);
  });
});

describe('repositoryOptions', () => {
  it('answers the repositories containing what was typed, those starting with it first', () => {
    expect(repositoryOptions(['base-images', 'team/images', 'images-ci'], 'images').map((o) => o.value)).toEqual(['images-ci', 'base-images', 'team/images']);
  });

  it('answers at most 100, as Slack shows', () => {
    expect(repositoryOptions(Array.from({ length: 150 }, (_, i) => `r${i}`), '')).toHaveLength(100);
  });
});

describe('requestForm', () => {
  it('starts with a grant’s repository, account and duration when it extends one', () => {
    const view = requestForm({ repositories: ['common-images'], durations: {}, start: { repository: 'common-images', account: '222233334444', durationMs: 7 * DAY_MS } });
    const elements = view.blocks.filter((b) => b.type === 'input').map((b) => (b as unknown as { element: Record<string, unknown> }).element);
    expect(elements[0]).toMatchObject({ initial_option: { value: 'common-images' } });
    expect(elements[1]).toMatchObject({ initial_value: '222233334444' });
    expect(elements[2]).toMatchObject({ initial_option: { value: String(7 * DAY_MS) } });
  });
});

describe('readRequestForm', () => {
  it('reads a permanent request with a reason', () => {
    expect(readRequestForm(values({ repository: 'common-images', account: '222233334444', duration: 'permanent', reason: ' builds ' }))).toEqual({
      ok: true,
      request: { repository: 'common-images', account: '222233334444', reason: 'builds' },
    });
  });

  it('reads a duration in milliseconds, and an account typed in groups, keeping how it was typed', () => {
    expect(readRequestForm(values({ repository: 'common-images', account: '222233334444', duration: 'permanent', lambda: true }))).toMatchObject({ ok: true, request: { lambda: true } });
    const unticked = readRequestForm(values({ repository: 'common-images', account: '222233334444', duration: 'permanent', lambda: false }));
    expect(unticked.ok && unticked.request).toEqual({ repository: 'common-images', account: '222233334444' });
    expect(readRequestForm(values({ repository: 'common-images', account: '2222 3333 4444', duration: String(DAY_MS) }))).toEqual({
      ok: true,
      request: { repository: 'common-images', account: '222233334444', typedAccount: '2222 3333 4444', durationMs: DAY_MS },
    });
  });

  it('says what is wrong with each field at once', () => {
    expect(readRequestForm(values({ account: '1234', duration: '5', reason: 'x'.repeat(501) }))).toEqual({
      ok: false,
      errors: {
        repository: 'Choose one of the repositories in the list.',
        account: 'An AWS account ID is exactly 12 digits, like 222233334444.',
        duration: 'Choose how long the access lasts.',
        reason: 'The reason has at most 500 characters.',
      },
    });
  });

  it('refuses a submission that is not shaped like Slack’s', () => {
    expect(readRequestForm({ repository: 'common-images' })).toMatchObject({ ok: false, errors: { repository: expect.any(String), account: expect.any(String) } });
  });
});
