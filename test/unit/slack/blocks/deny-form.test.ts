// The Deny form: it names the request, and its submission (what rides in private_metadata, and
// the reason) is read back as outside input.
import { denyForm, readDenyForm } from '../../../../src/slack/blocks/deny-form';

const DENY = {
  requestId: 'r-0123456789',
  target: { repository: 'common-images', account: '222233334444' },
  card: { channel: 'C0APPROVALS', ts: '1700000000.000100' },
  responseUrl: 'https://hooks.slack.com/actions/T0/1/abc',
};

const submitted = (privateMetadata: string, reason: string | null) => ({ private_metadata: privateMetadata, state: { values: { reason: { reason: { type: 'plain_text_input', value: reason } } } } });

describe('denyForm', () => {
  it('names the request, the repository and the account, and asks for an optional reason', () => {
    const view = denyForm(DENY);
    expect(JSON.stringify(view.blocks)).toContain('Deny request r-0123456789: pull access to `common-images` for `222233334444`?');
    expect(view.blocks[1]).toMatchObject({ type: 'input', optional: true, block_id: 'reason' });
    expect(view.submit).toEqual({ type: 'plain_text', text: 'Deny' });
  });
});

describe('readDenyForm', () => {
  it('reads back the denial it was opened for, with the reason trimmed', () => {
    expect(readDenyForm(submitted(denyForm(DENY).private_metadata!, '  use the public mirror '))).toEqual({ ok: true, deny: DENY, reason: 'use the public mirror' });
  });

  it('reads a denial with no reason', () => {
    expect(readDenyForm(submitted(denyForm(DENY).private_metadata!, null))).toEqual({ ok: true, deny: DENY });
  });

  it('shows a reason that is too long under the reason', () => {
    expect(readDenyForm(submitted(denyForm(DENY).private_metadata!, 'x'.repeat(501)))).toEqual({ ok: false, errors: { reason: 'The reason has at most 500 characters.' } });
  });

  it.each([
    ['metadata that is not JSON', 'not json'],
    ['metadata naming something that is not a request', JSON.stringify({ ...DENY, requestId: 'anything' })],
    ['metadata without the card', JSON.stringify({ requestId: DENY.requestId })],
  ])('refuses %s', (_name, metadata) => {
    expect(readDenyForm(submitted(metadata, 'x'))).toBeUndefined();
  });
});
