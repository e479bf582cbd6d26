// The help text, also shown for empty or unknown subcommands.
import { COMMAND, LIST_USAGE, REQUEST_USAGE } from '../../domain/command';
import { type Block, section } from './kit';

export function helpMessage(repositories: readonly string[], unknownWord?: string): { text: string; blocks: Block[] } {
  const intro = unknownWord
    ? `\`${unknownWord.replace(/`/g, "'")}\` is not an ecr-access command. Here is what it can do:`
    : 'ecr-access grants read-only pull access to shared ECR repositories, with an approver’s click.';
  const text = [
    intro,
    `• \`${REQUEST_USAGE}\` — ask for pull access, for example \`${COMMAND} request ${repositories[0] ?? 'common-images'} 222233334444 pulls for the sales dashboards\``,
    `• \`${LIST_USAGE}\` — who can pull, and who approved it`,
    `• \`${COMMAND} help\` — this message`,
    `Shareable repositories: ${repositories.map((r) => `\`${r}\``).join(', ')}`,
  ].join('\n');
  return { text, blocks: [section(text)] };
}
