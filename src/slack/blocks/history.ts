// `/ecr-access history`: a page of events, newest first, each with who, when and the policy's
// sha256 before and after; an "Older events" button carries where the next page starts.
import * as z from 'zod';
import { AccountId } from '../../domain/account';
import type { AccountOwner } from '../../domain/account-owner';
import { accountWithOwner } from './account-owner';
import type { HistoryKind } from '../../domain/access-request';
import { RepositoryName } from '../../domain/repository';
import type { HistoryEntry, HistoryOutcome, HistorySubject } from '../../service/history';
import { mentionOrBot } from '../messages';
import { type Block, context, escapeText, header, lineSections } from './kit';

export const OLDER_HISTORY_ACTION = 'history_older';

/** What the "Older events" button carries, checked when it comes back: it is input like any other. */
export const HistoryPage = z.object({
  subject: z.union([z.object({ repository: RepositoryName }).strict(), z.object({ account: AccountId }).strict()]).optional(),
  before: z.object({
    at: z.iso.datetime(),
    source: z.string().max(300).regex(/^(?:r-[0-9a-z]{10}|drift:\S+)$/),
    index: z.number().int().nonnegative(),
  }),
});
export type HistoryPage = z.infer<typeof HistoryPage>;

const WORDS: Record<HistoryKind, { icon: string; verb: string }> = {
  requested: { icon: ':inbox_tray:', verb: 'requested' },
  approved: { icon: ':heavy_check_mark:', verb: 'approved' },
  denied: { icon: ':no_entry_sign:', verb: 'denied' },
  granted: { icon: ':white_check_mark:', verb: 'granted' },
  failed: { icon: ':x:', verb: 'grant failed' },
  revoked: { icon: ':lock:', verb: 'revoked' },
  expired: { icon: ':hourglass:', verb: 'expired' },
  'revoke-refused': { icon: ':warning:', verb: 'removal refused' },
  drift: { icon: ':eyes:', verb: 'drift seen' },
};

function when(at: string): string {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) return escapeText(at);
  const fallback = `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${Math.floor(ms / 1000)}^{date_num} {time}|${fallback}>`;
}

const hash = (value: string | undefined) => (value ? `\`${escapeText(value)}\`` : '_none_');

function entryLine({ event, request, repository }: HistoryEntry, owners: ReadonlyMap<string, AccountOwner> | undefined): string {
  const { icon, verb } = WORDS[event.kind];
  const where = event.region ? ` in ${event.region}` : '';
  const what = request ? `${accountWithOwner(request.account, owners)} on \`${repository}\`${where} (${request.id})` : `\`${repository}\`${where}`;
  // An event without `by` (granted, failed) is the bot's own doing.
  const lines = [`${icon} *${verb}* ${what} — ${when(event.at)} by ${mentionOrBot(event.by)}`];
  if (event.policyHash !== undefined || event.policyHashBefore !== undefined) {
    lines.push(`      sha256 ${hash(event.policyHashBefore)} → ${hash(event.policyHash)}`);
  }
  if (event.detail) lines.push(`      _${escapeText(event.detail).slice(0, 300).replace(/_/g, ' ')}_`);
  return lines.join('\n');
}

function subjectText(subject: HistorySubject | undefined): string {
  if (!subject) return 'every shareable repository';
  return 'repository' in subject ? `\`${subject.repository}\`` : `account \`${subject.account}\``;
}

export function historyReport(outcome: Extract<HistoryOutcome, { code: 'history' }>): { text: string; blocks: Block[] } {
  const title = `History of ${subjectText(outcome.subject)}`;
  const blocks: Block[] = [header(title.replace(/`/g, '')), context(`Newest first${outcome.continued ? ', continued' : ''}. sha256 is of the repository policy text before → after the change, as read back from ECR.`)];
  if (outcome.entries.length === 0) {
    blocks.push(...lineSections([outcome.continued ? '_No older events._' : `_Nothing has happened to ${subjectText(outcome.subject)} yet._`]));
  } else {
    blocks.push(...lineSections(outcome.entries.map((entry) => entryLine(entry, outcome.owners))));
  }
  if (outcome.older) {
    const page: HistoryPage = { ...(outcome.subject && { subject: outcome.subject }), before: outcome.older };
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', action_id: OLDER_HISTORY_ACTION, text: { type: 'plain_text', text: 'Older events' }, value: JSON.stringify(page) }],
    });
  }
  return { text: `${title}: ${outcome.entries.length} event(s)${outcome.older ? ', more older' : ''}`, blocks };
}
