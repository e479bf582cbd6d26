// `/ecr-access list`: who can pull each repository, and why.
import type { AccessRequest } from '../../domain/access-request';
import type { AccountOwner } from '../../domain/account-owner';
import { accountWithOwner } from './account-owner';
import type { RepositoryAccess } from '../../service/list-access';
import { failureText } from '../messages';
import { type Block, MESSAGE_BLOCK_LIMIT, context, day, divider, header, lineSections, section } from './kit';

type Owners = ReadonlyMap<string, AccountOwner> | undefined;

function openLine(request: AccessRequest, owners: Owners): string {
  const state = request.state === 'FAILED' ? 'approved, grant failed' : request.state.toLowerCase();
  return `• ${accountWithOwner(request.account, owners)} — ${state}, asked by <@${request.requester}> ${day(request.createdAt)} (${request.id})`;
}

/** Who approved a grant and when, and when it ends if it does. */
function grantLine(account: string, grant: AccessRequest, owners: Owners): string {
  const ends = grant.expiresAt ? `, ends ${day(grant.expiresAt)}` : '';
  return `• ${accountWithOwner(account, owners)} — approved by <@${grant.decidedBy ?? 'unknown'}>, granted ${day(grant.grantedAt)}${ends} (${grant.id})`;
}

function repositoryBlocks(access: RepositoryAccess, owners: Owners): Block[] {
  const blocks: Block[] = [section(`*\`${access.repository}\`*`)];
  if (access.problem) return [...blocks, section(`:warning: Could not read the live policy: ${failureText(access.problem)}`)];
  const lines: string[] = [];
  if (access.everyone) lines.push(':warning: *Everyone* (`*`) can pull: the policy allows any principal.');
  for (const entry of access.pullers) {
    lines.push(
      entry.grant ? grantLine(entry.account, entry.grant, owners) : `• ${accountWithOwner(entry.account, owners)} — added outside ecr-access`,
    );
  }
  if (lines.length === 0) lines.push('_No other account can pull._');
  for (const gone of access.removedOutside) {
    lines.push(`• :warning: ${accountWithOwner(gone.account, owners)} — approved by <@${gone.decidedBy ?? 'unknown'}>, granted ${day(gone.grantedAt)} (${gone.id}), but removed from the policy outside ecr-access`);
  }
  blocks.push(...lineSections(lines));
  if (access.open.length > 0) blocks.push(...lineSections(['*Open requests*', ...access.open.map((request) => openLine(request, owners))]));
  return blocks;
}

/** `owners`: who owns each account, shown after its ID; an account not in it is shown by ID alone. */
export function listReport(repositories: readonly RepositoryAccess[], owners?: Owners): { text: string; blocks: Block[] } {
  const blocks: Block[] = [header('Who can pull')];
  for (const access of repositories) blocks.push(...repositoryBlocks(access, owners), divider());
  blocks.pop();
  const room = MESSAGE_BLOCK_LIMIT - 1;
  const shown = blocks.length > room ? [...blocks.slice(0, room - 1), context('The list is longer than one Slack message; name a repository to see all of it: `/ecr-access list <repository>`.')] : blocks;
  const summary = repositories.map((r) => `${r.repository}: ${r.pullers.length} account(s)`).join('; ');
  return { text: `Who can pull — ${summary}`, blocks: shown };
}
