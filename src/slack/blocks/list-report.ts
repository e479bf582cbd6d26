// `/ecr-access list`: who can pull each repository, and why.
import type { AccessRequest } from '../../domain/access-request';
import type { AccountOwner } from '../../domain/account-owner';
import { accountWithOwner } from './account-owner';
import type { RepositoryAccess } from '../../service/list-access';
import { ouPathText } from '../../domain/account-owner';
import { approvalProgress, approvedBy, endingWords, failureText, inRegions } from '../messages';
import { type Block, MESSAGE_BLOCK_LIMIT, context, day, divider, escapeText, header, lineSections, section } from './kit';

type Owners = ReadonlyMap<string, AccountOwner> | undefined;

function openLine(request: AccessRequest, owners: Owners): string {
  const progress = approvalProgress(request);
  const ending = endingWords(request);
  const state =
    request.state === 'FAILED' ? 'approved, grant failed' : request.state === 'PENDING' && progress ? `pending, ${progress}` : ending ? `approved, ${ending}` : request.state.toLowerCase();
  const who = request.orgPath !== undefined ? `every account under \`${request.account}\`` : accountWithOwner(request.account, owners);
  return `• ${who} — ${state}, asked by <@${request.requester}> ${day(request.createdAt)} (${request.id})`;
}

/** One account that can pull: for Lambda too, as the live policy says; who approved its grant and when, and when it ends if it does. */
function pullerLine(entry: RepositoryAccess['pullers'][number], owners: Owners): string {
  const { account, grant } = entry;
  const lambda = entry.lambda ? 'pull, also for Lambda; ' : '';
  if (!grant && entry.coveredBy) return `• ${accountWithOwner(account, owners)} — ${lambda}covered by the OU grant of \`${entry.coveredBy.ou}\` (${escapeText(entry.coveredBy.name)}); its own entry was added outside ecr-access`;
  if (!grant) return `• ${accountWithOwner(account, owners)} — ${lambda}added outside ecr-access`;
  const ending = endingWords(grant);
  const ends = ending ? `, ${ending}` : grant.expiresAt ? `, ends ${day(grant.expiresAt)}` : '';
  const failed = entry.failedIn ? `; not in ${entry.failedIn.join(', ')}, where it failed (Retry on its card)` : '';
  const granted = grant.grantedAt ? `granted ${day(grant.grantedAt)}` : 'granted';
  return `• ${accountWithOwner(account, owners)} — ${lambda}approved by ${approvedBy(grant)}, ${granted}${inRegions(entry)}${failed}${ends} (${grant.id})`;
}

/** One OU whose accounts can pull: its path of names and IDs, how many accounts it holds today, and its grant. */
function ouLine(entry: RepositoryAccess['ous'][number]): string {
  const names = entry.unit?.names ?? entry.grant?.unit?.names;
  const count = entry.unit ? `, ${entry.unit.accounts} ${entry.unit.accounts === 1 ? 'account' : 'accounts'} today` : '';
  const what = `every account under \`${entry.ou}\`${names ? ` (${escapeText(ouPathText(names))})` : ''} · \`${entry.orgPath}\`${count}`;
  const { grant } = entry;
  if (!grant) return `• ${what} — added outside ecr-access`;
  const ending = endingWords(grant);
  const ends = ending ? `, ${ending}` : grant.expiresAt ? `, ends ${day(grant.expiresAt)}` : '';
  return `• ${what} — approved by ${approvedBy(grant)}, granted ${day(grant.grantedAt)}${ends} (${grant.id})`;
}

function repositoryBlocks(access: RepositoryAccess, owners: Owners): Block[] {
  const blocks: Block[] = [section(`*\`${access.repository}\`*`)];
  if (access.problem) return [...blocks, section(`:warning: Could not read the live policy: ${failureText(access.problem)}`)];
  const lines: string[] = [];
  if (access.everyone) lines.push(':warning: *Everyone* (`*`) can pull: the policy allows any principal.');
  for (const entry of access.pullers) lines.push(pullerLine(entry, owners));
  for (const entry of access.ous) lines.push(ouLine(entry));
  if (lines.length === 0) lines.push('_No other account can pull._');
  for (const gone of access.removedOutside) {
    lines.push(`• :warning: ${gone.orgPath !== undefined ? `every account under \`${gone.account}\`` : accountWithOwner(gone.account, owners)} — approved by ${approvedBy(gone)}, granted ${day(gone.grantedAt)} (${gone.id}), but removed from the policy outside ecr-access`);
  }
  blocks.push(...lineSections(lines));
  if (access.open.length > 0) blocks.push(...lineSections(['*Open requests*', ...access.open.map((request) => openLine(request, owners))]));
  return blocks;
}

/** Past this many repositories, those no other account can pull from are counted rather than shown, and the summary is cut short. */
const SHOWN_IN_FULL = 20;

/** Whether a repository has anything to say: an account that can pull, a request, a problem. */
const hasNews = (access: RepositoryAccess) => access.everyone || access.pullers.length + access.ous.length + access.open.length + access.removedOutside.length > 0 || access.problem !== undefined;

/** `owners`: who owns each account, shown after its ID; an account not in it is shown by ID alone. */
export function listReport(repositories: readonly RepositoryAccess[], owners?: Owners): { text: string; blocks: Block[] } {
  const many = repositories.length > SHOWN_IN_FULL;
  const shownRepositories = many ? repositories.filter(hasNews) : repositories;
  const quiet = repositories.length - shownRepositories.length;
  const blocks: Block[] = [header('Who can pull')];
  for (const access of shownRepositories) blocks.push(...repositoryBlocks(access, owners), divider());
  blocks.pop();
  if (quiet > 0) blocks.push(context(`${quiet} other shared ${quiet === 1 ? 'repository' : 'repositories'}: no other account can pull, and no request is open.`));
  const room = MESSAGE_BLOCK_LIMIT - 1;
  const shown = blocks.length > room ? [...blocks.slice(0, room - 1), context('The list is longer than one Slack message; name a repository to see all of it: `/ecr-access list <repository>`.')] : blocks;
  const summaries = shownRepositories.map((r) => `${r.repository}: ${r.pullers.length} account(s)${r.ous.length > 0 ? `, ${r.ous.length} OU(s)` : ''}`);
  const cut = summaries.length > SHOWN_IN_FULL ? [...summaries.slice(0, SHOWN_IN_FULL), `and ${summaries.length - SHOWN_IN_FULL} more`] : summaries;
  const summary = [...cut, ...(quiet > 0 ? [`${quiet} more with none`] : [])].join('; ');
  return { text: `Who can pull — ${summary}`, blocks: shown };
}
