// The revoke command's confirmation: what it shows, and its Revoke button's value read back as
// outside input.
import fc from 'fast-check';
import { MAX_REASON_LENGTH } from '../../../../src/domain/command';
import { REVOKE_ACTION, revokeConfirmation, revokeTargetOf, type RevokeEffect, type RevokeTarget } from '../../../../src/slack/blocks/revoke-confirmation';

const ALICES: RevokeEffect = { kind: 'grants', ending: [{ id: 'r-0000000001', requester: 'U0REQUESTER' }], keptBy: [] };

interface Button {
  action_id: string;
  value: string;
  style?: string;
  confirm: { title: { text: string }; text: { text: string }; confirm: { text: string }; deny: { text: string } };
}

function revokeButton(target: RevokeTarget, effect: RevokeEffect = ALICES): Button {
  const blocks = revokeConfirmation(target, effect).blocks as Array<{ type: string; elements?: Button[] }>;
  const button = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === REVOKE_ACTION);
  if (!button) throw new Error('no Revoke button');
  return button;
}

const TARGET = { repository: 'common-images', account: '222233334444', reason: 'project ended' };

describe('revokeConfirmation', () => {
  it('names the account, the repository and the reason', () => {
    const { text, blocks } = revokeConfirmation(TARGET, ALICES);
    expect(text).toBe('Revoke pull access for `222233334444` from `common-images`?');
    expect(JSON.stringify(blocks)).toContain('project ended');
  });

  it("says the account's Lambda functions leave the Lambda statement, unless a grant for Lambda stays", () => {
    const forLambda = { id: 'r-0000000001', requester: 'U0REQUESTER', lambda: true as const };
    expect(JSON.stringify(revokeConfirmation(TARGET, { kind: 'grants', ending: [forLambda], keptBy: [] }).blocks)).toContain('and its Lambda functions out of `lambdaCrossAccountPull`');
    expect(JSON.stringify(revokeConfirmation(TARGET, ALICES).blocks)).not.toContain('Lambda');
    const both = { kind: 'grants' as const, ending: [forLambda], keptBy: [{ ...forLambda, id: 'r-0000000002' }] };
    expect(JSON.stringify(revokeConfirmation(TARGET, both).blocks)).not.toContain('lambdaCrossAccountPull');
  });

  it('puts the Revoke button behind a confirm dialog with Revoke and Cancel', () => {
    expect(revokeButton(TARGET)).toMatchObject({
      style: 'danger',
      confirm: { title: { text: 'Revoke pull access?' }, confirm: { text: 'Revoke' }, deny: { text: 'Cancel' } },
    });
    expect(revokeButton(TARGET).confirm.text.text).toContain('`222233334444`');
  });

  it('escapes a reason so it can neither ping nor link', () => {
    expect(JSON.stringify(revokeConfirmation({ ...TARGET, reason: '<!channel> <https://x|y>' }, ALICES).blocks)).toContain('&lt;!channel&gt; &lt;https://x|y&gt;');
  });

  it('names the grant it ends and says the account leaves the policy', () => {
    const text = JSON.stringify(revokeConfirmation(TARGET, ALICES).blocks);
    expect(text).toContain('This ends grant r-0000000001 (asked by <@U0REQUESTER>). ecr-access takes `222233334444` out of the `crossAccountAllowRead` statement');
  });

  it("names every grant an approver's revoke ends", () => {
    const both: RevokeEffect = { kind: 'grants', ending: [{ id: 'r-0000000001', requester: 'U0REQUESTER' }, { id: 'r-0000000002', requester: 'U0SAM' }], keptBy: [] };
    expect(JSON.stringify(revokeConfirmation(TARGET, both).blocks)).toContain('This ends 2 grants, r-0000000001 (asked by <@U0REQUESTER>), r-0000000002 (asked by <@U0SAM>): every live grant of the account.');
  });

  it('says whose grant keeps the account in, on the card and in the confirm dialog, when only the own grant ends', () => {
    const own: RevokeEffect = { kind: 'grants', ending: [{ id: 'r-0000000001', requester: 'U0REQUESTER' }], keptBy: [{ id: 'r-0000000002', requester: 'U0SAM' }] };
    expect(JSON.stringify(revokeConfirmation(TARGET, own).blocks)).toContain('r-0000000002 (asked by <@U0SAM>) stays live and keeps `222233334444` in `common-images`');
    expect(revokeButton(TARGET, own).confirm.text.text).toBe('Grant r-0000000001 will end; `222233334444` can still pull from `common-images` through the grants that stay.');
  });

  it('says an account added by hand is taken out and recorded', () => {
    expect(JSON.stringify(revokeConfirmation(TARGET, { kind: 'outside' }).blocks)).toContain('was put in the statement by hand, with no ecr-access grant behind it');
  });

  it('keeps the button value within Slack’s 2,000 characters for the longest repository name and reason', () => {
    const longest = { repository: `${'a'.repeat(255)}b`, account: '222233334444', reason: '"\\'.repeat(MAX_REASON_LENGTH / 2) };
    expect(revokeButton(longest).value.length).toBeLessThanOrEqual(2000);
  });
});

describe('revokeTargetOf', () => {
  it('reads back what the button was built with, reason or none', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('common-images', 'team/base', 'a.b_c-d'),
        fc.stringMatching(/^\d{12}$/),
        fc.option(fc.string({ minLength: 1, maxLength: MAX_REASON_LENGTH }), { nil: undefined }),
        (repository, account, reason) => {
          const target = { repository, account, ...(reason !== undefined && { reason }) };
          expect(revokeTargetOf(revokeButton(target).value)).toEqual(target);
        },
      ),
    );
  });

  it.each([
    ['nothing', undefined],
    ['an empty value', ''],
    ['a repository alone', 'common-images'],
    ['an account that is not 12 digits', 'common-images 12345'],
    ['a repository name ECR would refuse', 'Common_Images 222233334444'],
    ['a reason over the limit', `common-images 222233334444 ${'x'.repeat(MAX_REASON_LENGTH + 1)}`],
    ['a request ID, as an Approve button carries', 'r-0123456789'],
  ])('refuses %s', (_name, value) => {
    expect(revokeTargetOf(value)).toBeUndefined();
  });

  it('keeps a reason as it was typed, spaces and all', () => {
    expect(revokeTargetOf('common-images 222233334444 two  spaces\nand a line')).toEqual({
      repository: 'common-images',
      account: '222233334444',
      reason: 'two  spaces\nand a line',
    });
  });
});
