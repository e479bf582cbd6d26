// The history use case: every event of a repository's (or an account's) requests and the drift
// the sweep saw, newest first, a page at a time. It reads by key and by index, never a scan.
import { type AccessRequest, denialReason, type HistoryEvent } from '../domain/access-request';
import type { AccountOwner } from '../domain/account-owner';
import { shareable } from '../domain/repository-rules';
import type { ServiceDeps } from './deps';
import { ownersShown } from './owners';
import { sharedRepositories } from './shared-repositories';
import { inBatches } from '../in-batches';

/** Whose history: one repository's, one account's, or (neither) every shareable repository's. */
export type HistorySubject = { repository: string } | { account: string };

/**
 * Where an event sits in the one order history is told in: its time, then its source (a request
 * ID, or `drift:<repository>`), then its place in that source's list. A page ends at a position,
 * and the next page starts below it, so events recorded meanwhile never shift a page.
 */
export interface HistoryPosition {
  readonly at: string;
  readonly source: string;
  readonly index: number;
}

export interface HistoryEntry {
  readonly position: HistoryPosition;
  readonly repository: string;
  /** The request the event belongs to; absent for drift, which belongs to the repository. */
  readonly request?: Pick<AccessRequest, 'id' | 'account' | 'requester'>;
  readonly event: HistoryEvent;
}

export type HistoryOutcome =
  | { code: 'not-shareable'; repository: string; repositories: readonly string[] }
  | {
      code: 'history';
      subject?: HistorySubject;
      /** This page, newest first. */
      entries: HistoryEntry[];
      /** Where the next (older) page starts; absent on the last page. */
      older?: HistoryPosition;
      /** Whether this page follows a newer one. */
      continued: boolean;
      /** Who owns each account on this page, asked once for the page; absent where owners are not looked up. */
      owners?: ReadonlyMap<string, AccountOwner>;
    };

/** Twenty events fit one Slack message with room to spare (see src/slack/blocks/history.ts). */
export const HISTORY_PAGE_SIZE = 20;

const PARALLEL_READS = 16;

/** Newest first: later time, then the later source and place, so the order is total. */
function newestFirst(a: HistoryPosition, b: HistoryPosition): number {
  if (a.at !== b.at) return a.at < b.at ? 1 : -1;
  if (a.source !== b.source) return a.source < b.source ? 1 : -1;
  return b.index - a.index;
}

/** The accounts a drift event names ("appeared: 111122223333; disappeared: none"). */
const accountsIn = (event: HistoryEvent): string[] => event.detail?.match(/\b\d{12}\b/g) ?? [];

/**
 * The drift events worth telling: each one that saw drift, and the "no drift" that follows one
 * (the drift went away). The sweep notes "no drift" for every repository on its first pass; that
 * one is not news.
 */
function telling(events: readonly HistoryEvent[]): Array<{ event: HistoryEvent; index: number }> {
  const kept: Array<{ event: HistoryEvent; index: number }> = [];
  let drifting = false;
  events.forEach((event, index) => {
    const sawDrift = accountsIn(event).length > 0;
    if (sawDrift || drifting) kept.push({ event, index });
    drifting = sawDrift;
  });
  return kept;
}

async function repositoryEntries(deps: ServiceDeps, repository: string, account: string | undefined): Promise<HistoryEntry[]> {
  const [records, drift] = await Promise.all([deps.store.listByRepository(repository), deps.store.driftHistory(repository)]);
  const entries: HistoryEntry[] = [];
  for (const record of records) {
    if (account !== undefined && record.account !== account) continue;
    const request = { id: record.id, account: record.account, requester: record.requester };
    // The denial's reason is noted beside the denial's event (src/service/deny.ts); history tells them together.
    const reason = denialReason(record);
    (record.history ?? []).forEach((event, index) => {
      const told = event.kind === 'denied' && reason && event.detail === undefined ? { ...event, detail: reason } : event;
      entries.push({ position: { at: event.at, source: record.id, index }, repository, request, event: told });
    });
  }
  for (const { event, index } of telling(drift)) {
    if (account !== undefined && !accountsIn(event).includes(account)) continue;
    entries.push({ position: { at: event.at, source: `drift:${repository}`, index }, repository, event });
  }
  return entries;
}

export async function history(deps: ServiceDeps, input: { subject?: HistorySubject; before?: HistoryPosition }): Promise<HistoryOutcome> {
  const { subject, before } = input;
  if (subject && 'repository' in subject && !deps.rules.ruleFor(subject.repository)) {
    return { code: 'not-shareable', repository: subject.repository, repositories: shareable(deps.rules) };
  }
  const repositories = subject && 'repository' in subject ? [subject.repository] : await sharedRepositories(deps);
  const account = subject && 'account' in subject ? subject.account : undefined;
  const all = (await inBatches(repositories, PARALLEL_READS, (repository) => repositoryEntries(deps, repository, account))).flat();
  const older = before ? all.filter((entry) => newestFirst(entry.position, before) > 0) : all;
  older.sort((a, b) => newestFirst(a.position, b.position));
  const entries = older.slice(0, HISTORY_PAGE_SIZE);
  const last = entries[entries.length - 1];
  return {
    code: 'history',
    ...(subject && { subject }),
    entries,
    ...(older.length > entries.length && last && { older: last.position }),
    continued: before !== undefined,
    ...(await ownersShown(deps, entries.flatMap((entry) => (entry.request ? [entry.request.account] : [])))),
  };
}
