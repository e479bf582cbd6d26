// The help text, also shown for empty or unknown subcommands.
import { COMMAND, HISTORY_USAGE, LIST_USAGE, REQUEST_USAGE, REVOKE_USAGE } from '../../domain/command';
import { shareableList } from '../messages';
import { type Block, section } from './kit';

export function helpMessage(repositories: readonly string[], unknownWord?: string): { text: string; blocks: Block[] } {
  const intro = unknownWord
    ? `\`${unknownWord.replace(/`/g, "'")}\` is not an ecr-access command. Here is what it can do:`
    : 'ecr-access grants read-only pull access to shared ECR repositories, with an approver’s click.';
  const form = `\`${COMMAND}\` alone, or the shortcut *Request ECR pull access*, opens a form to ask for access; the app's Home tab shows your requests and grants.`;
  const example = repositories.find((match) => !match.includes('*')) ?? 'common-images';
  const text = [
    intro,
    form,
    `• \`${REQUEST_USAGE}\` — ask for pull access, for example \`${COMMAND} request ${example} 222233334444 --for 7d pulls for the sales dashboards\` (without --for, access lasts until it is revoked; with --lambda, the account's Lambda functions may run images from it too)`,
    `• \`${REVOKE_USAGE}\` — take an account's pull access away, after a confirmation; approvers, or whoever asked for it`,
    `• \`${LIST_USAGE}\` — who can pull, and who approved it`,
    `• \`${HISTORY_USAGE}\` — everything that happened: requests, decisions, grants, revokes and expiries`,
    `• \`${COMMAND} help\` — this message`,
    `Shareable repositories: ${shareableList(repositories)}`,
  ].join('\n');
  return { text, blocks: [section(text)] };
}
