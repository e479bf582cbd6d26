// The revoke command's answer: what will be removed, and a Revoke button behind Slack's confirm
// dialog. The button carries the revoke itself, so it is read back here as outside input.
import * as z from 'zod';
import { AccountId } from '../../domain/account';
import { Reason } from '../../domain/command';
import { MANAGED_SID } from '../../domain/policy';
import { RepositoryName } from '../../domain/repository';
import { type Block, context, escapeText, section } from './kit';

export const REVOKE_ACTION = 'ecr_access_revoke';
const REVOKE_BLOCK = 'ecr_access_revoke';

/** What a Revoke click asks for; checked again when the click comes back. */
export const RevokeTarget = z.object({ repository: RepositoryName, account: AccountId, reason: Reason.optional() });
export type RevokeTarget = z.infer<typeof RevokeTarget>;

/**
 * `<repository> <account> [reason]`, as typed: neither a repository name nor an account holds a
 * space, so the reason is the rest. Nothing is escaped, so a 500-character reason stays well
 * inside Slack's 2,000 characters for a button value.
 */
function revokeButtonValue(target: RevokeTarget): string {
  return [target.repository, target.account, ...(target.reason ? [target.reason] : [])].join(' ');
}

/** A button value read back as a revoke, or undefined when it is not one. */
export function revokeTargetOf(value: string | undefined): RevokeTarget | undefined {
  const match = /^(\S+) (\S+)(?: (.+))?$/s.exec(value ?? '');
  if (!match) return undefined;
  const [, repository, account, reason] = match;
  const parsed = RevokeTarget.safeParse({ repository, account, ...(reason !== undefined && { reason }) });
  return parsed.success ? parsed.data : undefined;
}

export function revokeConfirmation(target: RevokeTarget): { text: string; blocks: Block[] } {
  const what = `\`${target.account}\` from \`${target.repository}\``;
  const text = `Revoke pull access for ${what}?`;
  return {
    text,
    blocks: [
      section(
        `:warning: *${text}*\necr-access will take \`${target.account}\` out of the \`${MANAGED_SID}\` statement of \`${target.repository}\`'s repository policy, read the policy back to verify it, and record who revoked it${target.reason ? ` and why: _${escapeText(target.reason)}_` : ''}. Other statements stay as they are.`,
      ),
      {
        type: 'actions',
        block_id: REVOKE_BLOCK,
        elements: [
          {
            type: 'button',
            action_id: REVOKE_ACTION,
            text: { type: 'plain_text', text: 'Revoke' },
            style: 'danger',
            value: revokeButtonValue(target),
            confirm: {
              title: { type: 'plain_text', text: 'Revoke pull access?' },
              text: { type: 'mrkdwn', text: `Account \`${target.account}\` will no longer pull from \`${target.repository}\` through ecr-access.` },
              confirm: { type: 'plain_text', text: 'Revoke' },
              deny: { type: 'plain_text', text: 'Cancel' },
              style: 'danger',
            },
          },
        ],
      },
      context('Approvers can revoke any grant, and whoever asked for a grant can revoke it. Nothing changes until you confirm.'),
    ],
  };
}
