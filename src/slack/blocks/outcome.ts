// What the thread and the requester are told once a request is settled.
import { type AccessRequest, denialReason } from '../../domain/access-request';
import type { Drift } from '../../service/ports';
import { approvalProgress, approvedBy, decider, failureText, inRegions, mentionOrBot, removalRefused, stillPulls, whoPulls } from '../messages';

import { type Block, codeSections, context, day, escapeText, section } from './kit';

export function verifiedPolicyMessage(request: AccessRequest, policyText: string): { text: string; blocks: Block[] } {
  let pretty = policyText;
  try {
    pretty = JSON.stringify(JSON.parse(policyText), null, 2);
  } catch {
    // Shown as ECR returned it; verification already parsed it, so this is only cosmetic.
  }
  return {
    text: `Verified policy for ${request.repository}: ${request.account} can pull`,
    blocks: [
      section(
        `:white_check_mark: ${whoPulls(request)} can now pull from \`${request.repository}\`${inRegions(request)}${request.expiresAt ? ` until ${day(request.expiresAt)}` : ''}. This is the repository policy as read back from ECR after the change${request.regions && request.regions.length > 1 ? ' (the last region verified; each region was read back the same way)' : ''}:`,
      ),
      ...codeSections(pretty),
      context(`sha256 ${request.policyHash ?? 'unknown'} · request ${request.id}`),
    ],
  };
}

export function failureMessage(request: AccessRequest): { text: string; blocks: Block[] } {
  const text = `:warning: The grant for \`${request.account}\` on \`${request.repository}\` failed: ${failureText(request.failure)}\nNothing was recorded as granted. An approver can press *Retry* on the card once the cause is fixed.`;
  return { text, blocks: [section(text)] };
}

/** The thread post (or channel post, for an account added by hand) once a grant has ended. */
export function endedMessage(request: AccessRequest): { text: string; blocks: Block[] } {
  const how =
    request.state === 'REVOKED'
      ? `was revoked by ${mentionOrBot(request.ending?.by)}${request.grantedAt || request.origin === 'outside' ? '' : ' before it was applied'}${request.ending?.reason ? ` (${escapeText(request.ending.reason)})` : ''}`
      : 'expired';
  const origin = request.origin === 'outside' ? ' (it had been added to the policy outside ecr-access)' : '';
  const result = request.keptBy?.length ? 'this grant has ended, as read back from ECR.' : 'the account is no longer in the policy as read back from ECR.';
  const text = `:no_entry: Pull access for \`${request.account}\` to \`${request.repository}\`${origin} ${how}: ${result}${stillPulls(request)}`;
  return { text, blocks: [section(text), context(`sha256 ${request.policyHashBefore ?? 'unknown'} → ${request.policyHash ?? 'unknown'} · request ${request.id}`)] };
}

/** The thread post when ECR refused a removal: the grant stands. */
export function removalRefusedMessage(request: AccessRequest): { text: string; blocks: Block[] } {
  const text = removalRefused(request);
  return { text, blocks: [section(text)] };
}

export function reminderMessage(request: AccessRequest): string {
  return `:hourglass_flowing_sand: Pull access for \`${request.account}\` to \`${request.repository}\` (request ${request.id}) ends ${day(request.expiresAt)}. To keep it, ask again before then: \`/ecr-access request ${request.repository} ${request.account} --for <N>d\`.`;
}

export function nudgeMessage(request: AccessRequest): string {
  const progress = approvalProgress(request);
  return progress
    ? `:bell: This request from <@${request.requester}> has ${progress}, and is still waiting for a second approval (asked ${day(request.createdAt)}).`
    : `:bell: This request from <@${request.requester}> is still waiting for an approver (asked ${day(request.createdAt)}).`;
}

/** The requester's one message between asking and the decision: the first of two approvals is in. */
export function firstApprovalMessage(request: AccessRequest): string {
  return `:heavy_check_mark: Your request ${request.id} for \`${request.account}\` on \`${request.repository}\` has ${approvalProgress(request) ?? '1 of 2 approvals'}. It waits for a second approver; nothing is written until then, and you will hear here when it is decided.`;
}

export function driftMessage(repository: string, drift: Drift): { text: string; blocks: Block[] } {
  const lines = [
    ...drift.appeared.map((account) => `• \`${account}\` can pull, but no ecr-access grant explains it (added outside ecr-access)`),
    ...drift.disappeared.map((account) => `• \`${account}\` was granted through ecr-access, but can no longer pull (removed outside ecr-access)`),
  ];
  const text = `:mag: The policy of \`${repository}\` changed outside ecr-access:\n${lines.join('\n')}`;
  return { text, blocks: [section(text), context('An approver can revoke an account added by hand with /ecr-access revoke.')] };
}

export function requesterMessage(request: AccessRequest): string {
  const by = approvedBy(request);
  switch (request.state) {
    case 'GRANTED':
      return `:white_check_mark: Your request ${request.id} was approved by ${by}: ${whoPulls(request)} can now pull from \`${request.repository}\`${inRegions(request)}${request.expiresAt ? ` until ${day(request.expiresAt)}; you will be reminded before it ends` : ''}.`;
    case 'DENIED':
    {
      const reason = denialReason(request);
      const why = reason ? `: ${escapeText(reason)}` : '. They gave no reason; ask them if you need to know why.';
      return `:no_entry_sign: Your request ${request.id} for \`${request.account}\` on \`${request.repository}\` was denied by ${decider(request)}${why}`;
    }
    case 'FAILED':
      return `:warning: Your request ${request.id} was approved by ${by}, but applying it failed: ${failureText(request.failure)} The approvers can retry it.`;
    case 'REVOKED':
      return `:no_entry: Pull access for \`${request.account}\` to \`${request.repository}\` (request ${request.id}) was revoked by ${mentionOrBot(request.ending?.by)}${request.grantedAt ? '' : ' before it was applied'}${request.ending?.reason ? `: ${escapeText(request.ending.reason)}` : '.'}${stillPulls(request)}`;
    case 'EXPIRED':
      return request.grantedAt
        ? `:hourglass: Pull access for \`${request.account}\` to \`${request.repository}\` (request ${request.id}) has ended, as asked.${stillPulls(request)}`
        : `:hourglass: Your request ${request.id} for \`${request.account}\` on \`${request.repository}\` expired: no approver decided in time. Ask again if you still need it.`;
    default:
      return `Your request ${request.id} is ${request.state.toLowerCase()}.`;
  }
}
