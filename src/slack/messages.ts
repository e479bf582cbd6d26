// Every sentence ecr-access says in reply to a command or a click, worded once from the
// outcomes the service answers. Text that came from a user or from a policy is escaped.
import { type AccessRequest, BOT_ACTOR, type Failure, type KeptBy } from '../domain/access-request';
import { REQUEST_USAGE } from '../domain/command';
import { formatDuration } from '../domain/duration';
import { ouPathText } from '../domain/account-owner';
import { MANAGED_SID } from '../domain/policy';
import { inRegion } from '../domain/regional';
import { ErrorCode } from '../errors';
import type { DecideOutcome } from '../service/decide';
import type { HistoryOutcome } from '../service/history';
import type { ListOutcome } from '../service/list-access';
import type { RevokeOutcome } from '../service/revoke';
import type { SubmitOutcome } from '../service/submit-request';
import type { Job } from './jobs';
import { escapeText } from './blocks/kit';
import type { FormField } from './blocks/request-form';
import { day } from './blocks/kit';

const code = (text: string) => `\`${escapeText(text).replace(/`/g, "'")}\``;
const clock = (at: number) => `<!date^${Math.floor(at / 1000)}^{time}|${new Date(at).toISOString().slice(11, 16)} UTC>`;
const mention = (user: string | undefined) => (user ? `<@${user}>` : 'someone');
/** A Slack user, or ecr-access itself for what it did on its own (an expiry). */
export const mentionOrBot = (user: string | undefined) => (user === undefined || user === BOT_ACTOR ? 'ecr-access' : `<@${user}>`);
/** How far a request under the two-person rule has come ("1 of 2 approvals, by @bob"); undefined before its first approval. */
export const approvalProgress = (request: AccessRequest): string | undefined => request.firstApproval && `1 of 2 approvals, by <@${request.firstApproval.by}>`;

/** Where a grant in several regions lets the account pull: ` in eu-west-1 and us-east-1`; nothing for one region. */
export const inRegions = (request: { readonly regions?: readonly string[] | undefined }): string => {
  const regions = request.regions ?? [];
  return regions.length > 0 ? ` in ${regions.length > 1 ? `${regions.slice(0, -1).join(', ')} and ${regions.at(-1)}` : regions[0]}` : '';
};

/** What each region of a grant in several regions has done with it: `eu-west-1 granted · ap-south-1 failed`; just the names before any verdict. */
export function regionsText(request: AccessRequest): string | undefined {
  if (!request.regions) return undefined;
  const word = (state: string) => (state === 'GRANTED' ? ' granted' : state === 'FAILED' ? ' failed' : state === 'REVOKED' || state === 'EXPIRED' ? ' removed' : '');
  return request.regions.map((region) => `${region}${request.state === 'PENDING' ? '' : word(inRegion(request, region).state)}`).join(' · ');
}

/** An OU grant's organizational unit: its ID and its names from the root (`Root / Engineering / Analytics`), when known. */
export const unitText = (request: Pick<AccessRequest, 'account' | 'unit'>): string => `\`${request.account}\`${request.unit ? ` (${ouPathText(request.unit.names)})` : ''}`;

/** Who a grant lets pull: the account, and its Lambda functions when it asked for Lambda; or every account under an OU. */
export const whoPulls = (request: Pick<AccessRequest, 'account' | 'lambda' | 'orgPath' | 'unit'>): string =>
  request.orgPath !== undefined ? `every account under ${unitText(request)}` : `\`${request.account}\`${request.lambda ? ' and its Lambda functions' : ''}`;

/** A grant whose end is begun and not yet verified: still in the policy until its verdict is recorded. */
export const endingWords = (request: AccessRequest): string | undefined =>
  request.ending && (request.ending.kind === 'expire' ? 'its time is up, being removed' : `being revoked by ${mentionOrBot(request.ending.by)}`);

/** Who made the decision (the second approver, under the two-person rule). */
export const decider = (request: AccessRequest): string => (request.decidedBy ? `<@${request.decidedBy}>` : 'an approver');

/** Who approved a decided request: both approvers under the two-person rule. */
export function approvedBy(request: AccessRequest): string {
  return request.firstApproval && request.firstApproval.by !== request.decidedBy ? `<@${request.firstApproval.by}> and ${decider(request)}` : decider(request);
}

const list = (names: readonly string[]) => names.map(code).join(', ');

/** Names and patterns shown before the rest is only counted: a message stays readable however many rules there are. */
const SHAREABLE_SHOWN = 20;

/**
 * What ecr-access shares, as its rules give it (names, and patterns standing for many names),
 * the first few of many, and what `*` means when a pattern is among them.
 */
export function shareableList(matches: readonly string[]): string {
  const shown = list(matches.slice(0, SHAREABLE_SHOWN));
  const more = matches.length > SHAREABLE_SHOWN ? ` and ${matches.length - SHAREABLE_SHOWN} more (\`/ecr-access list\` shows every one)` : '';
  const star = matches.some((match) => match.includes('*')) ? ' (`*` stands for any characters but `/`)' : '';
  return `${shown}${more}${star}`;
}

/** Statements that let an account pull and that ecr-access does not manage, by Sid. */
const statements = (sids: readonly string[]) => `${sids.map(code).join(', ')}, which ecr-access does not manage`;

/** Who keeps an account able to pull: other people's live grants, each with its end. */
function keptByGrants(grants: readonly KeptBy[]): string {
  return grants.map((g) => `${mention(g.requester)}'s grant ${g.id}${g.expiresAt ? ` (until ${day(g.expiresAt)})` : ''}`).join(' and ');
}

/** What still lets an account pull once this grant ended, if anything: another live grant, or a statement ecr-access does not manage. */
export function stillPulls(request: AccessRequest): string {
  const kept = request.keptBy ?? [];
  if (kept.length > 0) return ` ${keptByGrants(kept)} ${kept.length === 1 ? 'keeps' : 'keep'} ${code(request.account)} able to pull.`;
  const through = request.stillPullsThrough ?? [];
  return through.length > 0 ? ` It can still pull through ${statements(through)}.` : '';
}

/** Why a grant failed, in plain words, with the technical detail behind it. */
export function failureText(failure: Failure | undefined): string {
  const detail = failure ? ` (${escapeText(failure.detail)})` : '';
  switch (failure?.code) {
    case ErrorCode.NotShareable:
      return 'the repository is no longer one ecr-access shares.';
    case ErrorCode.RepositoryNotFound:
      return `the repository does not exist in ECR${detail}.`;
    case ErrorCode.PolicyRejected:
      return `ECR refused the new policy${detail}. This usually means the account does not exist.`;
    case ErrorCode.ChangedConcurrently:
      return `someone changed the policy at the same moment and the account was not in it afterwards${detail}. Retry to apply it again.`;
    case ErrorCode.InvalidPolicy:
    case ErrorCode.ForeignStatement:
    case ErrorCode.PolicyTooLarge:
    case ErrorCode.DeniedByPolicy:
      return failure ? `${escapeText(failure.detail)}` : 'the policy cannot take it.';
    case ErrorCode.Registry:
      return /AccessDenied/.test(failure.detail)
        ? `ecr-access is not allowed to change this repository's policy${detail}; the platform team needs to add it to the bot's IAM policy.`
        : `ECR did not do it${detail}; try again in a minute.`;
    default:
      return `something went wrong${detail}.`;
  }
}

/** An account as ecr-access read it, and how it was typed when that differed (`2222-3333-4444`). */
export const accountAsRead = (account: string, typedAccount: string | undefined) =>
  typedAccount && typedAccount !== account ? `${code(account)} (read from ${code(typedAccount)})` : code(account);

/** The answer to a request; `typedAccount` is the account as typed, when it was written in groups. */
export function submitReply(outcome: SubmitOutcome, typedAccount?: string): string {
  switch (outcome.code) {
    case 'submitted': {
      const { request } = outcome;
      const lasting = request.durationMs === undefined ? '' : ` for ${formatDuration(request.durationMs)}`;
      const extending = request.extends ? ` It extends your live grant ${request.extends}: approval moves its end.` : '';
      const forLambda = request.lambda ? ', and for its Lambda functions' : '';
      const who = request.orgPath !== undefined ? `every account under ${unitText(request)}, ${request.unit?.accounts ?? 0} today,` : accountAsRead(request.account, typedAccount);
      const covered = request.coveredBy
        ? ` ${code(request.account)} can pull already through the OU grant of ${code(request.coveredBy.ou)} (${escapeText(request.coveredBy.name)}), ${request.coveredBy.requestId}; approving gives it its own entry, which stays if that OU grant ends. The approvers are told.`
        : '';
      return `:inbox_tray: Request ${request.id} is with the approvers: pull access to ${code(request.repository)} for ${who}${forLambda}${lasting}.${extending}${covered} You will get a direct message when it is decided.`;
    }
    case 'ou-needs-organizations':
      return `:x: ${code(outcome.ou)} is an organizational unit, and OU grants need the bot to read AWS Organizations: ask the platform team to set \`accounts: organizations\` (ECR_ACCESS_ACCOUNTS=organizations). Nothing was recorded; until then, ask for each account by its 12-digit ID.`;
    case 'ou-not-found':
      return `:x: ${code(outcome.ou)} is not an organizational unit of your organization, so nothing was recorded. Check the OU ID in the AWS Organizations console (it looks like \`ou-ab12-11111111\`).`;
    case 'ou-unknown':
      return `:x: AWS Organizations could not say where ${code(outcome.ou)} is (${escapeText(outcome.reason)}), and the policy needs its path, so nothing was recorded. Try again in a minute.`;
    case 'duration-refused':
      return `:x: ${outcome.problems.map(escapeText).join('; ')}. Nothing was recorded.`;
    case 'not-shareable':
      return `:x: ${code(outcome.repository)} is not one of the repositories ecr-access shares. Shareable repositories: ${shareableList(outcome.repositories)}. If it should be shareable, ask the platform team to add it.`;
    case 'repository-missing':
      return `:x: ${code(outcome.repository)} is listed as shareable but does not exist in ECR. Ask the platform team to check the repository name.`;
    case 'own-registry':
      return `:x: ${accountAsRead(outcome.account, typedAccount)} is the account that owns the registry; it does not need a repository policy to pull. Request access for the account your workload runs in.`;
    case 'outside-organization':
      return `:x: ${accountAsRead(outcome.account, typedAccount)} is not in your organization, and ecr-access here shares repositories only with the organization's accounts, so nothing was recorded. Check the account ID for a typo; if the account is yours, ask the platform team to add it to the organization (or to the accounts file).`;
    case 'can-already-pull':
      return `:x: ${accountAsRead(outcome.account, typedAccount)} can already pull from ${code(outcome.repository)}; there is nothing to approve. \`/ecr-access list ${outcome.repository}\` shows who can pull.`;
    case 'policy-problem':
      return `:x: ${code(outcome.repository)} cannot take this request: ${failureText(outcome.failure)}`;
    case 'already-open':
      return `:x: There is already an open request for ${code(outcome.existing.account)} on ${code(outcome.existing.repository)}: ${outcome.existing.id} by ${mention(outcome.existing.requester)} (${outcome.existing.state.toLowerCase()}). Wait for the approvers' decision on it.`;
    case 'card-not-posted':
      return `:x: Your request could not reach the approvers' channel (${escapeText(outcome.detail)}), so nothing was recorded. Ask the platform team to invite the ecr-access bot to that channel, then try again.`;
  }
}

function alreadyDecided(request: AccessRequest): string {
  const who = mention(request.decidedBy);
  switch (request.state) {
    case 'DENIED':
      return `Request ${request.id} was already denied by ${who}.`;
    case 'GRANTED':
      return `Request ${request.id} was already approved by ${who} and is granted.`;
    case 'APPROVED':
      return `Request ${request.id} was already approved by ${who}; the grant is being applied.`;
    case 'FAILED':
      if (request.partlyGranted) {
        return `Request ${request.id} is granted in some of its regions already, so it cannot be denied; nothing changed. Press *Retry* to finish it, or revoke it to take it out of every region: ${failureText(request.failure)}`;
      }
      return `Request ${request.id} was approved by ${who}, but the grant failed: ${failureText(request.failure)}`;
    default:
      return `Request ${request.id} is ${request.state.toLowerCase()}; nothing changed.`;
  }
}

/** The clicker's private answer, or undefined when the card itself says it all. */
export function decideReply(outcome: DecideOutcome): string | undefined {
  switch (outcome.code) {
    case 'denied':
    case 'settled':
    // The card (and the Home tab) shows "1 of 2 approvals, by" the approver, buttons kept for the second.
    case 'first-approval':
      return undefined;
    case 'approved-already':
      return `:x: You approved request ${outcome.request.id} already (${approvalProgress(outcome.request) ?? '1 of 2 approvals'}); another approver must approve it before ecr-access writes the policy. Nothing changed.`;
    case 'no-such-request':
      return `:x: There is no request ${outcome.requestId}. It may have been withdrawn; nothing changed.`;
    case 'foreign-card':
      return `:x: That button does not belong to request ${outcome.request.id}'s card; nothing changed.`;
    case 'own-request':
      return `:x: You asked for this access yourself, so another approver has to ${outcome.decision} request ${outcome.request.id}.`;
    case 'not-an-approver':
      return `:x: Only the approvers of ${code(outcome.repository)} can approve or deny its requests; nothing changed. Ask the platform team if you should be one.`;
    case 'approver-unknown':
      return `:warning: Slack could not confirm you are an approver (${escapeText(outcome.reason)}); nothing changed. Try again in a minute.`;
    case 'not-shareable':
      return `:x: ${code(outcome.request.repository)} is no longer one of the repositories ecr-access shares (${shareableList(outcome.repositories)}), so request ${outcome.request.id} cannot be approved; nothing changed.`;
    case 'already-decided':
      return `:x: ${alreadyDecided(outcome.request)}`;
    case 'stalled':
      return outcome.stop === 'unconfirmed'
        ? `:hourglass_flowing_sand: Request ${outcome.request.id} is approved. ECR did not confirm the last policy write to ${code(outcome.request.repository)}, and may still apply it, so ecr-access writes nothing there until ${outcome.heldUntil ? clock(outcome.heldUntil) : 'that can no longer happen'}. It is then applied and verified on its own; the card will update.`
        : `:warning: Request ${outcome.request.id} is approved, but ECR could not be read or the write verified just now, so the grant is not applied or verified yet. Press *Approve* again in a minute to finish it; nothing is written twice.`;
    case 'queued':
      return `:hourglass_flowing_sand: Request ${outcome.request.id} is approved and waits behind other changes to ${code(outcome.request.repository)}; the card will update when it is applied and verified.`;
  }
}

/** Where a grant's removal is posted: its card's thread, or the approvers' channel for an account added by hand. */
const postedIn = (request: AccessRequest) => (request.origin === 'outside' ? "the approvers' channel" : "the request's thread");

/** Who hears about a removal besides the person who asked for it. */
function toldAbout(request: AccessRequest): string {
  return request.origin === 'outside' ? "The approvers' channel is told." : `The request's thread and ${mention(request.requester)} are told.`;
}

/** ECR refused to take an account out: the grant stands. */
export function removalRefused(request: AccessRequest): string {
  return `:warning: Removing ${code(request.account)} from ${code(request.repository)} failed: ${failureText(request.endFailure)} The account can still pull; try again once the cause is fixed.`;
}

/** The answer to a confirmed Revoke click, for every outcome of the revoke. */
export function revokeReply(outcome: RevokeOutcome): string {
  switch (outcome.code) {
    case 'not-shareable':
      return `:x: ${code(outcome.repository)} is not one of the repositories ecr-access shares (${shareableList(outcome.repositories)}), so it has nothing to revoke there; nothing changed.`;
    case 'no-access': {
      const { account, repository, pullsThrough } = outcome;
      const none = `:x: ${code(account)} has no ecr-access grant on ${code(repository)} and is not in its ${code(MANAGED_SID)} statement, so there is nothing for ecr-access to revoke; nothing changed.`;
      return pullsThrough.length > 0
        ? `${none} It can pull through ${statements(pullsThrough)}: ask the platform team to change that statement by hand.`
        : none;
    }
    case 'not-allowed': {
      const { grant } = outcome;
      return `:x: Only ecr-access approvers, or ${mention(grant.requester)} who asked for it (request ${grant.id}), can revoke pull access for ${code(grant.account)} to ${code(grant.repository)}; nothing changed. Ask one of them.`;
    }
    case 'outside-needs-approver':
      return `:x: ${code(outcome.account)} was put in ${code(outcome.repository)}'s policy outside ecr-access, with no request behind it, so only an ecr-access approver can revoke it; nothing changed. Ask the platform team.`;
    case 'approver-unknown':
      return `:warning: Slack could not confirm you are an approver (${escapeText(outcome.reason)}); nothing changed. Try again in a minute.`;
    case 'policy-problem':
      return `:x: ecr-access cannot change ${code(outcome.repository)}'s policy, so nothing changed: ${failureText(outcome.failure)}`;
    case 'already-ending': {
      const { request } = outcome;
      const how = request.ending?.kind === 'expire' ? 'is ending, as asked when it was granted' : `is already being revoked by ${mentionOrBot(request.ending?.by)}`;
      return `:hourglass_flowing_sand: Pull access for ${code(request.account)} to ${code(request.repository)} (request ${request.id}) ${how}; nothing more to do. ${toldAbout(request)}`;
    }
    case 'settled': {
      const [request] = outcome.requests;
      if (!request) return ':x: Nothing was revoked.';
      if (request.state === 'GRANTED' && request.endFailure) return removalRefused(request);
      const revoked = outcome.requests.filter((r) => r.state === 'REVOKED');
      if (revoked.length === 0) return `:x: Request ${request.id} is ${request.state.toLowerCase()}; nothing was revoked.`;
      const which = revoked.map((r) => r.id).join(', ');
      const kept = outcome.keptBy.length > 0;
      const result = kept
        ? `${keptByGrants(outcome.keptBy)} ${outcome.keptBy.length === 1 ? 'keeps' : 'keep'} ${code(request.account)} in ${code(request.repository)}'s policy, so it can still pull`
        : `${code(request.account)} is no longer in ${code(request.repository)}'s policy, as read back from ECR`;
      return `:white_check_mark: Revoked ${revoked.length === 1 ? 'request' : 'requests'} ${which}: ${result}.${kept ? '' : stillPulls(request)} ${toldAbout(request)}`;
    }
    case 'pending': {
      const [request] = outcome.requests;
      if (!request) return ':x: Nothing was revoked.';
      return `:hourglass_flowing_sand: The revoke of ${code(request.account)} on ${code(request.repository)} (${outcome.requests.map((r) => `request ${r.id}`).join(', ')}) is recorded, but not applied yet: ECR could not be read just now, or another change to the repository is still settling. ecr-access finishes it on its own and says so in ${postedIn(request)}; until then the account can still pull.`;
    }
  }
}

export function listRefusal(outcome: Extract<ListOutcome, { code: 'not-shareable' }>): string {
  return `:x: ${code(outcome.repository)} is not one of the repositories ecr-access shares. Shareable repositories: ${shareableList(outcome.repositories)}.`;
}

export function historyRefusal(outcome: Extract<HistoryOutcome, { code: 'not-shareable' }>): string {
  return `:x: ${code(outcome.repository)} is not one of the repositories ecr-access shares, so it has no history here. Shareable repositories: ${shareableList(outcome.repositories)}. \`/ecr-access history <12-digit account ID>\` shows an account's history.`;
}

/** Where a failed job is run again by itself (Lambda): it will be, and the user hears how it ends. */
export const JOB_RUNS_AGAIN =
  ':hourglass: ecr-access hit an unexpected error and could not finish this yet. It will be run again (the platform team is alerted if it keeps failing), and you will hear back here, or by DM if it is too late to answer here.';

/**
 * A refusal of the request form that belongs to one of its fields, worded to stand under it
 * (plain text: Slack shows field errors as typed), or undefined for one that does not.
 */
export function formFieldError(outcome: SubmitOutcome, typedAccount?: string): { field: FormField; text: string } | undefined {
  const account = (id: string) => (typedAccount && typedAccount !== id ? `${id} (read from ${typedAccount})` : id);
  switch (outcome.code) {
    case 'own-registry':
      return { field: 'account', text: `${account(outcome.account)} is the account that owns the registry; it pulls without a repository policy. Ask for the account your workload runs in.` };
    case 'outside-organization':
      return { field: 'account', text: `${account(outcome.account)} is not in your organization, and only the organization's accounts may pull here. Check the ID for a typo, or ask the platform team to add the account to the organization.` };
    case 'can-already-pull':
      return { field: 'account', text: `${account(outcome.account)} can already pull from ${outcome.repository}; there is nothing to approve.` };
    case 'already-open':
      return { field: 'account', text: `This account already has an open request on ${outcome.existing.repository}: ${outcome.existing.id} (${outcome.existing.state.toLowerCase()}). Wait for the approvers' decision on it.` };
    case 'not-shareable':
      return { field: 'repository', text: `ecr-access does not share ${outcome.repository}. Choose one of the repositories in the list.` };
    case 'duration-refused':
      return { field: 'duration', text: `${outcome.problems.map((p) => `${p[0]?.toUpperCase()}${p.slice(1)}`).join('. ')}.` };
    default:
      return undefined;
  }
}

/** The request form, once its checks passed: the request is on its way to the approvers. */
export const FORM_SENDING = ':hourglass_flowing_sand: Sending your request to the approvers… This window shows what became of it in a moment.';
/** The request form, when its checks took longer than Slack waits for an answer. */
export const FORM_STILL_CHECKING = ':mag: Still checking your request… This window shows the answer when it is ready; if you close it, you get it as a direct message.';

/** `/ecr-access` alone, when Slack would not open the form (`reason`: Slack's error). */
export function formNotOpened(reason: string): string {
  return `:warning: The request form did not open (Slack said ${code(reason)}). Try again, or ask in one line: \`${REQUEST_USAGE}\``;
}

/** A decision button whose value names no ecr-access request. */
export const DECISION_WITHOUT_REQUEST = ':x: That button does not name an ecr-access request; nothing changed.';
/** A decision click that does not say which request card it came from. */
export const DECISION_WITHOUT_CARD = ':x: That click does not say which request card it came from; nothing changed. Use the buttons on the request card.';
/** A decision whose job could not be handed over. */
export const DECISION_NOT_STARTED = ':warning: ecr-access could not take that decision just now; nothing changed. Try again in a minute.';

/** Deny asks first, in a modal, and Slack would not open it. */
export function denyFormNotOpened(requestId: string): string {
  return `:warning: The form to deny request ${requestId} did not open, so nothing changed. Press *Deny* again.`;
}

/** A command whose job could not be handed over. */
export const JOB_NOT_STARTED = ':warning: ecr-access could not start that just now. Try again in a minute.';

export const JOB_FAILED =
  ':warning: ecr-access hit an unexpected error and could not finish. Try again in a minute; if it keeps happening, tell the platform team (the bot logs have the details).';

/** What the user asked for, in the words they used. */
function whatWasAsked(job: Job): string {
  switch (job.kind) {
    case 'request':
      return `your request for ${code(job.account)} to pull from ${code(job.repository)}`;
    case 'decide':
      return `your ${job.decision === 'approve' ? 'approval' : 'denial'} of request ${code(job.requestId)}`;
    case 'revoke':
      return `your revoke of ${code(job.account)}'s access to ${code(job.repository)}`;
    case 'revoke-preview':
      return `your \`/ecr-access revoke\` of ${code(job.account)} on ${code(job.repository)}`;
    case 'home':
      return 'your ecr-access Home tab';
    case 'list':
      return `your \`/ecr-access list${job.repository ? ` ${escapeText(job.repository)}` : ''}\``;
    case 'history':
      return 'your `/ecr-access history`';
  }
}

/** How to see whether it happened after all, and to do it again. */
function whatToDoNow(job: Job): string {
  switch (job.kind) {
    case 'request':
    case 'revoke':
      return `\`/ecr-access list ${escapeText(job.repository)}\` shows where it stands; ask again if it is not done.`;
    case 'home':
      return 'Open the Home tab again to see it as things are now.';
    case 'decide':
      return 'The request card shows where it stands; click again if it is still waiting.';
    case 'revoke-preview':
    case 'list':
    case 'history':
      return 'Run it again.';
  }
}

/**
 * A job that failed every try and came back too late to answer where it was asked (Slack takes
 * answers at a response_url for 30 minutes): its user is told by DM. It may have been done in
 * part before it failed, so the message says how to look.
 */
export function jobNotDone(job: Job, askedAt: number | undefined): string {
  const when = askedAt === undefined ? '' : ` from ${clock(askedAt)}`;
  return `:warning: ecr-access could not finish ${whatWasAsked(job)}${when}: it failed on every try, and it is now too late to run it again. ${whatToDoNow(job)}`;
}
