// Deny asks first: a small modal naming the request, with an optional reason the requester is
// told. What it carries (the request, the card its button sat on, where to answer) rides in its
// private_metadata and is read back as outside input.
import type { types } from '@slack/bolt';
import * as z from 'zod';
import { Grantee } from '../../domain/organizational-unit';
import { MessageRef, RequestId } from '../../domain/access-request';
import { MAX_REASON_LENGTH, Reason } from '../../domain/command';
import { RepositoryName } from '../../domain/repository';
import { ResponseUrl } from '../responder';
import { context, section } from './kit';

export const DENY_FORM = 'ecr_access_deny_form';
const REASON = 'reason';

/** What a Deny click named: the request, the card it decides from, and the card's response_url (none from a Home tab). */
export const DenyTarget = z.object({
  requestId: RequestId,
  target: z.object({ repository: RepositoryName, account: Grantee }).optional(),
  card: MessageRef,
  responseUrl: ResponseUrl.optional(),
});
export type DenyTarget = z.infer<typeof DenyTarget>;

export function denyForm(deny: DenyTarget): types.ModalView {
  const what = deny.target ? `pull access to \`${deny.target.repository}\` for \`${deny.target.account}\`` : 'this request';
  return {
    type: 'modal',
    callback_id: DENY_FORM,
    title: { type: 'plain_text', text: 'Deny request' },
    submit: { type: 'plain_text', text: 'Deny' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify(deny),
    blocks: [
      section(`Deny request ${deny.requestId}: ${what}?`),
      {
        type: 'input',
        block_id: REASON,
        optional: true,
        label: { type: 'plain_text', text: 'Why' },
        hint: { type: 'plain_text', text: 'The requester is told this reason; the card and the history show it.' },
        element: { type: 'plain_text_input', action_id: REASON, multiline: true, max_length: MAX_REASON_LENGTH },
      },
      context('Nothing changes until you press *Deny*.'),
    ],
  };
}

/** The Deny form when the denial could not even be asked for: what went wrong, and a button to close it. */
export function denyFormAnswer(text: string): types.ModalView {
  return { type: 'modal', title: { type: 'plain_text', text: 'Deny request' }, close: { type: 'plain_text', text: 'Close' }, blocks: [section(text)] };
}

const Submitted = z.object({
  private_metadata: z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
  }).pipe(DenyTarget),
  state: z.object({ values: z.record(z.string(), z.record(z.string(), z.object({ value: z.string().nullish() }))) }),
});

/** The submitted Deny form: the denial it asks for with its reason, or what is wrong with the reason; undefined when it is not one of ours. */
export function readDenyForm(view: unknown): { ok: true; deny: DenyTarget; reason?: string } | { ok: false; errors: Record<string, string> } | undefined {
  const parsed = Submitted.safeParse(view);
  if (!parsed.success) return undefined;
  const typed = parsed.data.state.values[REASON]?.[REASON]?.value?.trim() ?? '';
  const reason = Reason.safeParse(typed);
  if (!reason.success) return { ok: false, errors: { [REASON]: `The reason has at most ${MAX_REASON_LENGTH} characters.` } };
  return { ok: true, deny: parsed.data.private_metadata, ...(reason.data && { reason: reason.data }) };
}
