// `/ecr-access list`: who can pull each repository, and why.
import type { AccessRequest } from '../../domain/access-request';
import type { RepositoryAccess } from '../../service/list-access';
import { approvalProgress, approvedBy, failureText } from '../messages';
import { type Block, MESSAGE_BLOCK_LIMIT, context, day, divider, header, lineSections, section } from './kit';

function openLine(request: AccessRequest): string {
  const progress = approvalProgress(request);
  const state = request.state === 'FAILED' ? 'approved, grant failed' : request.state === 'PENDING' && progress ? `pending, ${progress}` : request.state.toLowerCase();
  return `• \`${request.account}\` — ${state}, asked by <@${request.requester}> ${day(request.createdAt)} (${request.id})`;
}

/** Who approved a grant and when, and when it ends if it does. */
function grantLine(account: string, grant: AccessRequest): string {
  const ends = grant.expiresAt ? `, ends ${day(grant.expiresAt)}` : '';
  return `• \`${account}\` — approved by ${approvedBy(grant)}, granted ${day(grant.grantedAt)}${ends} (${grant.id})`;
}

function repositoryBlocks(access: RepositoryAccess): Block[] {
  const blocks: Block[] = [section(`*\`${access.repository}\`*`)];
  if (access.problem) return [...blocks, section(`:warning: Could not read the live policy: ${failureText(access.problem)}`)];
  const lines: string[] = [];
  if (access.everyone) lines.push(':warning: *Everyone* (`*`) can pull: the policy allows any principal.');
  for (const entry of access.pullers) {
    lines.push(
      entry.grant ? grantLine(entry.account, entry.grant) : `• \`${entry.account}\` — added outside ecr-access`,
    );
  }
  if (lines.length === 0) lines.push('_No other account can pull._');
  for (const gone of access.removedOutside) {
    lines.push(`• :warning: \`${gone.account}\` — approved by ${approvedBy(gone)}, granted ${day(gone.grantedAt)} (${gone.id}), but removed from the policy outside ecr-access`);
  }
  blocks.push(...lineSections(lines));
  if (access.open.length > 0) blocks.push(...lineSections(['*Open requests*', ...access.open.map(openLine)]));
  return blocks;
}

export function listReport(repositories: readonly RepositoryAccess[]): { text: string; blocks: Block[] } {
  const blocks: Block[] = [header('Who can pull')];
  for (const access of repositories) blocks.push(...repositoryBlocks(access), divider());
  blocks.pop();
  const room = MESSAGE_BLOCK_LIMIT - 1;
  const shown = blocks.length > room ? [...blocks.slice(0, room - 1), context('The list is longer than one Slack message; name a repository to see all of it: `/ecr-access list <repository>`.')] : blocks;
  const summary = repositories.map((r) => `${r.repository}: ${r.pullers.length} account(s)`).join('; ');
  return { text: `Who can pull — ${summary}`, blocks: shown };
}
