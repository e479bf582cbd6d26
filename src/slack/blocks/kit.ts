// Small typed builders for the Block Kit pieces ecr-access sends; Slack's limits live here.
import type { types } from '@slack/bolt';

type KnownBlock = types.KnownBlock;

/** Slack rejects section text longer than this. */
const SECTION_TEXT_LIMIT = 3000;
/** Slack rejects messages with more blocks than this. */
export const MESSAGE_BLOCK_LIMIT = 50;

export type Block = KnownBlock;

export const header = (text: string): Block => ({ type: 'header', text: { type: 'plain_text', text: text.slice(0, 150), emoji: true } });
export const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, SECTION_TEXT_LIMIT) } });
export const fields = (items: readonly string[]): Block => ({
  type: 'section',
  fields: items.slice(0, 10).map((text) => ({ type: 'mrkdwn' as const, text: text.slice(0, 2000) })),
});
export const context = (text: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text: text.slice(0, 3000) }] });
export const divider = (): Block => ({ type: 'divider' });

/** Escapes text that came from a user so Slack shows it literally. */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Code blocks split at line boundaries so long JSON is shown whole across several sections. */
export function codeSections(text: string): Block[] {
  const room = SECTION_TEXT_LIMIT - 8;
  const chunks: string[] = [];
  let current = '';
  for (const line of escapeText(text).split('\n')) {
    const pieces = line.length > room ? (line.match(new RegExp(`.{1,${room}}`, 'g')) ?? []) : [line];
    for (const piece of pieces) {
      if (current.length + piece.length + 1 > room) {
        chunks.push(current);
        current = '';
      }
      current = current ? `${current}\n${piece}` : piece;
    }
  }
  if (current) chunks.push(current);
  return chunks.map((chunk) => section(`\`\`\`${chunk}\`\`\``));
}

/** Lines grouped into as few sections as fit Slack's section limit. */
export function lineSections(lines: readonly string[]): Block[] {
  const blocks: Block[] = [];
  let current = '';
  for (const line of lines) {
    if (current && current.length + line.length + 1 > SECTION_TEXT_LIMIT) {
      blocks.push(section(current));
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) blocks.push(section(current));
  return blocks;
}

/** A moment as Slack shows it to each reader, in their time zone; the ISO text where dates cannot be shown. */
export const day = (iso: string | undefined) => (iso ? `<!date^${Math.floor(Date.parse(iso) / 1000)}^{date_short_pretty} {time}|${iso}>` : 'unknown time');
