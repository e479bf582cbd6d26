// The revoke command's answer: what will be removed, and a Revoke button behind Slack's confirm
// dialog. The button carries the revoke itself, so it is read back here as outside input.
import * as z from 'zod';
import { Grantee } from '../../domain/organizational-unit';
import type { AccessRequest } from '../../domain/access-request';
import { Reason } from '../../domain/command';
import { LAMBDA_SID, MANAGED_SID } from '../../domain/policy';
import { RepositoryName } from '../../domain/repository';
import { accountAsRead } from '../messages';
import { type Block, context, escapeText, section } from './kit';

export const REVOKE_ACTION = 'ecr_access_revoke';
const REVOKE_BLOCK = 'ecr_access_revoke';

/** What a Revoke click asks for; checked again when the click comes back. */
export const RevokeTarget = z.object({ repository: RepositoryName, account: Grantee, reason: Reason.optional() });
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

/** What pressing Revoke ends, as read when the confirmation was made (src/service/revoke.ts planRevoke). */
export type RevokeEffect =
  | { kind: 'grants'; ending: ReadonlyArray<Pick<AccessRequest, 'id' | 'requester' | 'lambda'>>; keptBy: ReadonlyArray<Pick<AccessRequest, 'id' | 'requester' | 'lambda'>> }
  /** The account is in the statement with no grant behind it: added by hand. */
  | { kind: 'outside' };

const grantNames = (grants: ReadonlyArray<Pick<AccessRequest, 'id' | 'requester'>>) => grants.map((g) => `${g.id} (asked by <@${g.requester}>)`).join(', ');

function effectText(target: RevokeTarget, effect: RevokeEffect): string {
  // Its functions leave the Lambda statement too, unless a grant for Lambda stays.
  const lambda = effect.kind === 'grants' && effect.ending.some((g) => g.lambda) && !effect.keptBy.some((g) => g.lambda) ? `, and its Lambda functions out of \`${LAMBDA_SID}\`` : '';
  const leaves = `ecr-access takes \`${target.account}\` out of the \`${MANAGED_SID}\` statement of \`${target.repository}\`'s repository policy${lambda}, reads the policy back to verify it`;
  if (effect.kind === 'outside') {
    return `\`${target.account}\` was put in the statement by hand, with no ecr-access grant behind it. ${leaves}, and records the removal`;
  }
  const { ending, keptBy } = effect;
  const ends = `This ends ${ending.length === 1 ? 'grant' : `${ending.length} grants,`} ${grantNames(ending)}${ending.length > 1 ? ': every live grant of the account' : ''}.`;
  if (keptBy.length > 0) {
    return `${ends} ${grantNames(keptBy)} ${keptBy.length === 1 ? 'stays live and keeps' : 'stay live and keep'} \`${target.account}\` in \`${target.repository}\`'s policy, so it can still pull. ecr-access records the end`;
  }
  return `${ends} ${leaves}`;
}

/** The confirm dialog's line: whether the account stops pulling through ecr-access, or only this grant ends. */
function confirmText(target: RevokeTarget, effect: RevokeEffect): string {
  if (effect.kind === 'grants' && effect.keptBy.length > 0) {
    return `${effect.ending.length === 1 ? 'Grant' : 'Grants'} ${effect.ending.map((g) => g.id).join(', ')} will end; \`${target.account}\` can still pull from \`${target.repository}\` through the grants that stay.`;
  }
  return `Account \`${target.account}\` will no longer pull from \`${target.repository}\` through ecr-access.`;
}

/** `typedAccount`: the account as typed, when it was written in groups (`2222-3333-4444`), so the answer says how it was read. */
export function revokeConfirmation(target: RevokeTarget, effect: RevokeEffect, typedAccount?: string): { text: string; blocks: Block[] } {
  const what = `${accountAsRead(target.account, typedAccount)} from \`${target.repository}\``;
  const text = `Revoke pull access for ${what}?`;
  return {
    text,
    blocks: [
      section(
        `:warning: *${text}*\n${effectText(target, effect)}, and who revoked it${target.reason ? ` and why: _${escapeText(target.reason)}_` : ''}. Other statements stay as they are.`,
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
              text: { type: 'mrkdwn', text: confirmText(target, effect) },
              confirm: { type: 'plain_text', text: 'Revoke' },
              deny: { type: 'plain_text', text: 'Cancel' },
              style: 'danger',
            },
          },
        ],
      },
      context("A requester's revoke ends their own grants; an approver's ends every live grant of the account. Nothing changes until you confirm."),
    ],
  };
}
