// What the thread and the requester are told once a request is settled.
import type { AccessRequest } from '../../domain/access-request';
import { failureText } from '../messages';
import { type Block, codeSections, context, section } from './kit';

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
        `:white_check_mark: \`${request.account}\` can now pull from \`${request.repository}\`. This is the repository policy as read back from ECR after the change:`,
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

export function requesterMessage(request: AccessRequest): string {
  const by = request.decidedBy ? `<@${request.decidedBy}>` : 'an approver';
  switch (request.state) {
    case 'GRANTED':
      return `:white_check_mark: Your request ${request.id} was approved by ${by}: \`${request.account}\` can now pull from \`${request.repository}\`.`;
    case 'DENIED':
      return `:no_entry_sign: Your request ${request.id} for \`${request.account}\` on \`${request.repository}\` was denied by ${by}. Ask them if you need to know why.`;
    case 'FAILED':
      return `:warning: Your request ${request.id} was approved by ${by}, but applying it failed: ${failureText(request.failure)} The approvers can retry it.`;
    default:
      return `Your request ${request.id} is ${request.state.toLowerCase()}.`;
  }
}
