// The approvers' card for a request, in each state it can be in.
import * as z from 'zod';
import { Grantee } from '../../domain/organizational-unit';
import { MessageRef, RequestId, type AccessRequest, type Approvals, denialReason } from '../../domain/access-request';
import { RepositoryName } from '../../domain/repository';
import { formatDuration } from '../../domain/duration';
import { LAMBDA_SID, MANAGED_SID, OU_SID } from '../../domain/policy';
import { ouPathText } from '../../domain/account-owner';
import type { AccountOwner } from '../../domain/account-owner';
import { approvalProgress, approvedBy, decider, endingWords, failureText, mentionOrBot, regionsText, unitText, whoPulls } from '../messages';
import { ownerField } from './account-owner';
import { type Block, context, day, escapeText, fields, header, section } from './kit';

export const APPROVE_ACTION = 'ecr_access_approve';
export const DENY_ACTION = 'ecr_access_deny';
const DECISION_BLOCK = 'ecr_access_decision';

/**
 * The decision buttons carry the request ID, then the repository and account its card names
 * (so an approval can take the repository while the decision is written); cards posted before
 * carry the ID alone. The same buttons in a Home tab also name the request's card, since a click
 * there comes from no card: the decision's write checks it is the request's card, as it checks a
 * click on the card itself. Either way the store's request is what counts.
 */
export const DecisionValue = z
  .string()
  .transform((value) => value.split(' '))
  .pipe(
    z.union([
      z.tuple([RequestId]),
      z.tuple([RequestId, RepositoryName, Grantee]),
      z.tuple([RequestId, RepositoryName, Grantee, MessageRef.shape.channel, MessageRef.shape.ts]),
    ]),
  )
  .transform(([requestId, repository, account, channel, ts]) => ({
    requestId,
    ...(repository && account && { target: { repository, account } }),
    ...(channel && ts && { card: { channel, ts } }),
  }));
export type DecisionValue = z.infer<typeof DecisionValue>;

const decisionValue = (request: AccessRequest) => `${request.id} ${request.repository} ${request.account}`;

/** A decision button's value away from the card (the Home tab): it names the card too. Undefined for a request with no card. */
export const homeDecisionValue = (request: AccessRequest): string | undefined =>
  request.card && `${decisionValue(request)} ${request.card.channel} ${request.card.ts}`;

/** `owner` is absent where owners are not looked up (no accounts source): the card then shows none. */
function facts(request: AccessRequest, owner: AccountOwner | undefined): Block {
  const ownerLine = ownerField(owner);
  const grantee =
    request.orgPath !== undefined
      ? [
          `*Organizational unit*\n\`${request.account}\`${request.unit ? ` · ${escapeText(ouPathText(request.unit.names))}` : ''}`,
          `*Every account under*\n\`${request.orgPath}\`${request.unit ? `\n${request.unit.accounts} ${request.unit.accounts === 1 ? 'account' : 'accounts'} today` : ''}`,
        ]
      : [`*AWS account*\n\`${request.account}\`${request.lambda ? '\nand its Lambda functions' : ''}`, ...(ownerLine ? [ownerLine] : [])];
  const regions = regionsText(request);
  return fields([
    `*Requested by*\n<@${request.requester}>`,
    `*Repository*\n\`${request.repository}\``,
    ...(regions ? [`*Regions*\n${regions}`] : []),
    ...grantee,
    `*Reason*\n${request.reason ? escapeText(request.reason) : '_none given_'}`,
    ...(request.expiresAt
      ? [`*Ends*\n${day(request.expiresAt)}`]
      : request.durationMs !== undefined
        ? [
            request.extends
              ? `*Extends*\n${request.extends} until ${day(new Date(Date.parse(request.createdAt) + request.durationMs).toISOString())} if approved now (${formatDuration(request.durationMs)} from approval; the policy is not written)`
              : `*For*\n${formatDuration(request.durationMs)} once approved`,
          ]
        : []),
  ]);
}

function decisionButtons(request: AccessRequest, approveLabel: string): Block {
  const deny = {
    type: 'button' as const,
    action_id: DENY_ACTION,
    text: { type: 'plain_text' as const, text: 'Deny' },
    style: 'danger' as const,
    value: decisionValue(request),
  };
  return {
    type: 'actions',
    block_id: DECISION_BLOCK,
    elements: [
      {
        type: 'button',
        action_id: APPROVE_ACTION,
        text: { type: 'plain_text', text: approveLabel },
        style: 'primary',
        value: decisionValue(request),
        confirm: {
          title: { type: 'plain_text', text: 'Grant pull access?' },
          text: {
            type: 'mrkdwn',
            text: `${request.orgPath !== undefined ? 'Every account under' : 'Account'} ${request.orgPath !== undefined ? unitText(request) : whoPulls(request)} will be able to pull every image in \`${request.repository}\`.`,
          },
          confirm: { type: 'plain_text', text: approveLabel },
          deny: { type: 'plain_text', text: 'Cancel' },
        },
      },
      // Granted in some regions already: it is revoked, not denied.
      ...(request.partlyGranted ? [] : [deny]),
    ],
  };
}

/** The card while the request waits for approvers: the buttons, and under the two-person rule how far it has come. */
export function requestCard(request: AccessRequest, statementPreview: string, approvals: Approvals = 1, owner?: AccountOwner): { text: string; blocks: Block[] } {
  const progress = approvalProgress(request);
  return {
    text: `<@${request.requester}> asks for pull access to ${request.repository} from ${request.account}`,
    blocks: [
      header('Pull access request'),
      facts(request, owner),
      section(`*Merged into the repository policy on approval*\n\`\`\`${escapeText(statementPreview)}\`\`\``),
      context(
        request.orgPath !== undefined
          ? `The OU's path joins those already in \`${OU_SID}\`; accounts moved into the OU later can pull too, and accounts moved out cannot; other statements stay as they are.`
          : `The account joins those already in \`${MANAGED_SID}\`${request.lambda ? `, and its functions those in \`${LAMBDA_SID}\`` : ''}; other statements stay as they are.`,
      ),
      ...(request.coveredBy
        ? [
            section(
              `:information_source: \`${request.account}\` can pull already: it is covered by the OU grant of ${unitText({ account: request.coveredBy.ou })} (${escapeText(request.coveredBy.name)}), ${request.coveredBy.requestId}. Approving gives it its own entry, which stays if that OU grant is revoked.`,
            ),
          ]
        : []),
      ...(progress ? [section(`:heavy_check_mark: ${progress} · waiting for a second approver, who cannot be <@${request.firstApproval?.by}> or the requester`)] : []),
      decisionButtons(request, 'Approve'),
      context(`Request ${request.id} · ${approvals === 2 ? 'two different approvers, neither the requester, must approve' : 'only approvers can decide'}`),
    ],
  };
}

function outcomeLine(request: AccessRequest): string {
  const by = approvedBy(request);
  switch (request.state) {
    case 'GRANTED':
      if (request.ending) return `:hourglass_flowing_sand: Granted ${day(request.grantedAt)} · ${endingWords(request)} · ${day(request.ending.at)}`;
      return `:white_check_mark: Approved by ${by} · granted ${day(request.grantedAt)} · verified policy in the thread`;
    case 'DENIED': {
      const reason = denialReason(request);
      return `:no_entry_sign: Denied by ${decider(request)} · ${day(request.decidedAt)}${reason ? `\n*Reason:* ${escapeText(reason)}` : ''}`;
    }
    case 'FAILED':
      if (request.partlyGranted) return `:warning: Approved by ${by}, granted in some regions only: ${failureText(request.failure)}`;
      return `:warning: Approved by ${by}, but the grant failed: ${failureText(request.failure)}`;
    case 'APPROVED':
      if (request.ending) return `:hourglass_flowing_sand: Approved by ${by} · ${endingWords(request)} before it was applied · ${day(request.ending.at)}`;
      return `:hourglass_flowing_sand: Approved by ${by} · applying the grant`;
    case 'REVOKED':
      return request.grantedAt
        ? `:no_entry: Granted ${day(request.grantedAt)}, revoked by ${mentionOrBot(request.ending?.by)} · ${day(request.endedAt)}`
        : `:no_entry: Approved by ${by}, revoked by ${mentionOrBot(request.ending?.by)} before it was applied · ${day(request.endedAt)}`;
    case 'EXPIRED':
      return request.grantedAt
        ? `:hourglass: Granted ${day(request.grantedAt)}, expired ${day(request.endedAt)}`
        : `:hourglass: Expired ${day(request.endedAt)}: nobody decided in time`;
    default:
      return `Waiting for an approver`;
  }
}

/** The card after a decision: the buttons give way to the outcome; a failure keeps Retry and Deny. */
export function decidedCard(request: AccessRequest, owner?: AccountOwner): { text: string; blocks: Block[] } {
  const blocks: Block[] = [header('Pull access request'), facts(request, owner), section(outcomeLine(request))];
  if (request.state === 'FAILED') blocks.push(decisionButtons(request, 'Retry'));
  blocks.push(context(`Request ${request.id}`));
  return { text: `Pull access to ${request.repository} for ${request.account}: ${request.state.toLowerCase()}`, blocks };
}
