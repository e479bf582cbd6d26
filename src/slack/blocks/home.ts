// A person's App Home tab: their grants (with when each ends, Extend and Revoke), their requests,
// and, for an approver, the requests waiting for a decision (Approve and Deny, as on the card) and
// the last decisions. Within Slack's 100 blocks: long lists show their first items and how many more.
import type { types } from '@slack/bolt';
import * as z from 'zod';
import { Grantee } from '../../domain/organizational-unit';
import { accountWithOwner } from './account-owner';
import { type AccessRequest, denialReason } from '../../domain/access-request';
import { COMMAND } from '../../domain/command';
import { DAY_MS, formatDuration, HOUR_MS, MAX_DURATION_MS } from '../../domain/duration';
import { RepositoryName } from '../../domain/repository';
import type { Home } from '../../service/home';
import { approvalProgress, approvedBy, decider, endingWords, failureText, mentionOrBot } from '../messages';
import { type Block, context, day, divider, escapeText, header, lineSections, section } from './kit';
import { APPROVE_ACTION, DENY_ACTION, homeDecisionValue } from './request-card';

export const HOME_REQUEST_ACTION = 'ecr_access_home_request';
export const EXTEND_ACTION = 'ecr_access_extend';
export const HOME_REVOKE_ACTION = 'ecr_access_home_revoke';

/** Slack's limit on a Home tab (docs.slack.dev/reference/views/home-tab-views): 100 blocks. */
export const HOME_BLOCK_LIMIT = 100;
/** How many items of each list are shown; the rest is counted. Two blocks each at most: within the limit with room to spare. */
const WAITING_SHOWN = 12;
const GRANTS_SHOWN = 12;
const REQUESTS_SHOWN = 20;

/** What an Extend or a Revoke button in the Home tab carries, read back as outside input when clicked. */
export const HomeGrant = z
  .string()
  .transform((value) => value.split(' '))
  .pipe(
    z.union([
      z.tuple([RepositoryName, Grantee]),
      z.tuple([RepositoryName, Grantee, z.string().regex(/^\d{1,12}$/)]),
      z.tuple([RepositoryName, Grantee, z.string().regex(/^\d{1,12}$/), z.literal('lambda')]),
    ]),
  )
  .transform(([repository, account, duration, lambda]) => ({
    repository,
    account,
    ...(duration !== undefined && { durationMs: Number(duration) }),
    ...(lambda !== undefined && { lambda: true as const }),
  }))
  .refine((grant) => grant.durationMs === undefined || (grant.durationMs >= HOUR_MS && grant.durationMs <= MAX_DURATION_MS));

const MINUTE_MS = 60_000;

/** "ends in 3 days": how long until a moment, rounded to the largest unit that fits, as the Home tab was published. */
export function endsIn(iso: string, now: number): string {
  const left = Date.parse(iso) - now;
  const rounded = (unit: number) => `ends in ${formatDuration(Math.round(left / unit) * unit)}`;
  if (left <= 0) return 'ends now';
  // A 7-day grant a moment after it was granted ends in 7 days, not 6.
  if (left >= DAY_MS - HOUR_MS / 2) return rounded(DAY_MS);
  if (left >= HOUR_MS - MINUTE_MS / 2) return rounded(HOUR_MS);
  if (left >= MINUTE_MS) return rounded(MINUTE_MS);
  return 'ends in less than a minute';
}

/** A request's account (with its owner, where owners are looked up) and repository. */
const what = (r: AccessRequest, owners: Home['owners']) => `${accountWithOwner(r.account, owners)} on \`${r.repository}\`${r.lambda ? ', also for Lambda' : ''}`;
const more = (count: number, where: string) => context(`…and ${count} more; see ${where}.`);
const button = (text: string, action_id: string, value: string, style?: 'primary' | 'danger', confirm?: types.ConfirmationDialog): types.Button => ({
  type: 'button',
  action_id,
  text: { type: 'plain_text', text },
  value,
  ...(style && { style }),
  ...(confirm && { confirm }),
});

/** A request's state, in a few words, for the viewer's list. */
function stateWords(r: AccessRequest, now: number): string {
  switch (r.state) {
    case 'PENDING':
      return r.firstApproval ? `${approvalProgress(r)}, waiting for a second approver` : 'waiting for an approver';
    case 'APPROVED':
      return r.ending ? `${endingWords(r)} before it was applied` : `approved by ${approvedBy(r)}, being applied`;
    case 'GRANTED': {
      const ending = endingWords(r);
      if (ending) return ending;
      return r.expiresAt ? `granted, ${endsIn(r.expiresAt, now)}` : 'granted, no end';
    }
    case 'FAILED':
      return r.partlyGranted ? `granted in some regions only: ${failureText(r.failure)}` : `approved, but the grant failed: ${failureText(r.failure)}`;
    case 'DENIED': {
      const reason = denialReason(r);
      return `denied by ${mentionOrBot(r.decidedBy)}${reason ? `: ${escapeText(reason)}` : ''}`;
    }
    case 'REVOKED':
      return `revoked by ${mentionOrBot(r.ending?.by)} ${day(r.endedAt)}`;
    case 'EXPIRED':
      return r.grantedAt ? `ended ${day(r.endedAt)}, as asked` : 'lapsed: nobody decided in time';
  }
}

function waitingBlocks(r: AccessRequest, home: Home): Block[] {
  const viewer = home.viewer;
  const lasting = r.durationMs === undefined ? 'no end' : `for ${formatDuration(r.durationMs)}`;
  const lines = [
    `*${what(r, home.owners)}* — asked by <@${r.requester}> ${day(r.createdAt)}, ${lasting} (${r.id})`,
    r.reason ? `_${escapeText(r.reason)}_` : '_no reason given_',
    ...(r.state === 'FAILED' ? [`:warning: Approved by ${approvedBy(r)}, but the grant failed: ${failureText(r.failure)}`] : []),
    ...(r.state === 'PENDING' && r.firstApproval ? [`:heavy_check_mark: ${approvalProgress(r)} · waiting for a second approver`] : []),
  ];
  const value = homeDecisionValue(r);
  if (r.requester === viewer) return [section(lines.join('\n')), context('Your own request: another approver decides it.')];
  // Under the two-person rule, the first approver may still deny, but the second approval is someone else's.
  const approvedFirst = r.state === 'PENDING' && r.firstApproval?.by === viewer;
  // A request whose card was never recorded can be decided only on its card.
  if (!value) return [section(lines.join('\n'))];
  const approve = r.state === 'FAILED' ? 'Retry' : 'Approve';
  const confirm: types.ConfirmationDialog = {
    title: { type: 'plain_text', text: 'Grant pull access?' },
    text: { type: 'mrkdwn', text: `Account \`${r.account}\` will be able to pull every image in \`${r.repository}\`.` },
    confirm: { type: 'plain_text', text: approve },
    deny: { type: 'plain_text', text: 'Cancel' },
  };
  const deny = button('Deny', DENY_ACTION, value, 'danger');
  if (approvedFirst) return [section(lines.join('\n')), context('You approved it: another approver must approve it too.'), { type: 'actions', elements: [deny] }];
  // Granted in some regions already: it is retried or revoked, not denied.
  return [section(lines.join('\n')), { type: 'actions', elements: [button(approve, APPROVE_ACTION, value, 'primary', confirm), ...(r.partlyGranted ? [] : [deny])] }];
}

function grantBlocks(r: AccessRequest, home: Home, now: number): Block[] {
  const ends = r.expiresAt ? `${endsIn(r.expiresAt, now)} (${day(r.expiresAt)})` : r.state === 'APPROVED' ? 'being applied' : 'no end';
  const target = `${r.repository} ${r.account}`;
  const revokes =
    home.approver === 'yes'
      ? `As an approver, you end every live grant of \`${r.account}\` on \`${r.repository}\`, not only yours.`
      : `Your grant ${r.id} ends. Other people's grants of \`${r.account}\`, if any, stay.`;
  const elements: types.Button[] = [
    ...(r.durationMs !== undefined ? [button('Extend', EXTEND_ACTION, `${target} ${r.durationMs}${r.lambda ? ' lambda' : ''}`)] : []),
    button('Revoke', HOME_REVOKE_ACTION, target, 'danger', {
      title: { type: 'plain_text', text: 'Revoke pull access?' },
      text: { type: 'mrkdwn', text: revokes },
      confirm: { type: 'plain_text', text: 'Revoke' },
      deny: { type: 'plain_text', text: 'Cancel' },
      style: 'danger',
    }),
  ];
  return [section(`*${what(r, home.owners)}* — ${ends} (${r.id})`), { type: 'actions', elements }];
}

function decisionLine(r: AccessRequest, home: Home, now: number): string {
  const icon = r.state === 'DENIED' ? ':no_entry_sign:' : ':heavy_check_mark:';
  const who = r.state === 'DENIED' ? decider(r) : approvedBy(r);
  const verb = r.state === 'DENIED' ? 'denied' : 'approved';
  return `${icon} ${who} ${verb} ${what(r, home.owners)} for <@${r.requester}> ${day(r.decidedAt)} (${r.id}): now ${stateWords(r, now)}`;
}

export function homeView(home: Home, now: number): types.HomeView {
  const blocks: Block[] = [
    header('ecr-access'),
    {
      type: 'section',
      text: { type: 'mrkdwn', text: 'Read-only pull access to shared ECR repositories, for the AWS accounts your workloads run in.' },
      accessory: button('Request access', HOME_REQUEST_ACTION, 'request', 'primary'),
    },
  ];
  if (home.approver === 'unknown') blocks.push(context(':warning: Slack could not say just now whether you are an approver, so the requests waiting for a decision are not shown. Open this tab again in a minute.'));

  if (home.waiting) {
    blocks.push(header(`Waiting for a decision (${home.waiting.length})`));
    if (home.waiting.length === 0) blocks.push(section('_Nothing is waiting for the approvers._'));
    for (const r of home.waiting.slice(0, WAITING_SHOWN)) blocks.push(...waitingBlocks(r, home));
    if (home.waiting.length > WAITING_SHOWN) blocks.push(more(home.waiting.length - WAITING_SHOWN, `\`${COMMAND} list\``));
    blocks.push(divider());
  }

  blocks.push(header('Your grants'));
  if (home.grants.length === 0) blocks.push(section('_None live. Press *Request access* to ask for some._'));
  for (const r of home.grants.slice(0, GRANTS_SHOWN)) blocks.push(...grantBlocks(r, home, now));
  if (home.grants.length > GRANTS_SHOWN) blocks.push(more(home.grants.length - GRANTS_SHOWN, `\`${COMMAND} list\``));

  blocks.push(header('Your requests'));
  const lines = home.requests.slice(0, REQUESTS_SHOWN).map((r) => `• ${what(r, home.owners)} — ${stateWords(r, now)}, asked ${day(r.createdAt)} (${r.id})`);
  blocks.push(...(lines.length > 0 ? lineSections(lines) : [section('_You have not asked for access yet._')]));
  if (home.requests.length > REQUESTS_SHOWN) blocks.push(more(home.requests.length - REQUESTS_SHOWN, `\`${COMMAND} history\``));

  if (home.decisions) {
    blocks.push(divider(), header('Last decisions'));
    blocks.push(...(home.decisions.length > 0 ? lineSections(home.decisions.map((r) => decisionLine(r, home, now))) : [section('_No decisions yet._')]));
  }
  // Each list is bounded above; this keeps the whole within Slack's limit whatever the texts' lengths.
  const shown = blocks.length > HOME_BLOCK_LIMIT ? [...blocks.slice(0, HOME_BLOCK_LIMIT - 1), context(`…more than a Home tab holds; see \`${COMMAND} list\`.`)] : blocks;
  return { type: 'home', callback_id: 'ecr_access_home', blocks: shown };
}
