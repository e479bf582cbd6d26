// An account's owner in words, as the card, list, history and Home tab show it beside the ID.
import { type AccountOwner, ouPathText } from '../../domain/account-owner';
import { escapeText } from './kit';

/** Names and OU paths come from outside; a deep path of long names still leaves room for the line around it. */
const OWNER_TEXT_LIMIT = 300;

export const NOT_IN_ORGANIZATION = ':warning: not in your organization';
export const OWNER_UNKNOWN = 'owner unknown';

/** The owner in a few words: `analytics-prod · Root / Engineering / Analytics`, `analytics-prod · team Data`, or a warning. */
function ownerText(owner: AccountOwner): string {
  switch (owner.kind) {
    case 'member': {
      const where = owner.team !== undefined ? `team ${owner.team}` : owner.ouPath !== undefined ? ouPathText(owner.ouPath) : undefined;
      const text = where === undefined ? owner.name : `${owner.name} · ${where}`;
      return escapeText(text.length > OWNER_TEXT_LIMIT ? `${text.slice(0, OWNER_TEXT_LIMIT - 1)}…` : text);
    }
    case 'outside':
      return NOT_IN_ORGANIZATION;
    case 'unknown':
      return OWNER_UNKNOWN;
  }
}

/** The card's owner field: the owner, and for an unknown one why nobody could say. Undefined where owners are not looked up. */
export function ownerField(owner: AccountOwner | undefined): string | undefined {
  if (owner === undefined) return undefined;
  const why = owner.kind === 'unknown' ? ` (${escapeText(owner.reason)}; check the account ID before approving)` : '';
  return `*Owner*\n${ownerText(owner)}${why}`;
}

/** An account ID in a line, with its owner after it where one was looked up: `` `222233334444` (analytics-prod · Root / Data) ``. */
export function accountWithOwner(account: string, owners: ReadonlyMap<string, AccountOwner> | undefined): string {
  const owner = owners?.get(account);
  return owner === undefined ? `\`${account}\`` : `\`${account}\` (${ownerText(owner)})`;
}
