// A person's App Home, as data: the requests they asked for and their live grants; for an
// approver also the requests waiting for a decision and the last decisions. Read from the store
// as it is now; src/slack/blocks/home.ts shows it, src/slack/home-publisher.ts keeps it published.
import { type AccessRequest, byCreation } from '../domain/access-request';
import { isLive } from '../domain/membership';
import { inBatches } from '../in-batches';
import type { AccountOwner } from '../domain/account-owner';
import type { ServiceDeps } from './deps';
import { ownersShown } from './owners';
import { sharedRepositories } from './shared-repositories';
import type { IsApprover } from './ports';

/** How many decisions an approver's Home shows. */
export const LAST_DECISIONS = 20;

const PARALLEL_READS = 16;

export interface Home {
  readonly viewer: string;
  /** Whether the viewer decides requests; `unknown` when Slack could not say (their Home then leaves the approvers' part out, and says why). */
  readonly approver: 'yes' | 'no' | 'unknown';
  /** Every request the viewer asked for, newest first. */
  readonly requests: readonly AccessRequest[];
  /** The viewer's live grants (approved or granted, no end under way), the soonest to end first, those without end last. */
  readonly grants: readonly AccessRequest[];
  /** For an approver: the requests waiting for a decision (pending, or approved and failed), oldest first. */
  readonly waiting?: readonly AccessRequest[];
  /** For an approver: the last decisions, newest first. */
  readonly decisions?: readonly AccessRequest[];
  /** Who owns each account the tab shows; absent where owners are not looked up. */
  readonly owners?: ReadonlyMap<string, AccountOwner>;
}

const WAITING = new Set(['PENDING', 'FAILED']);
const byEnd = (a: AccessRequest, b: AccessRequest) => (a.expiresAt ?? '\uffff').localeCompare(b.expiresAt ?? '\uffff');
const byDecisionNewestFirst = (a: AccessRequest, b: AccessRequest) => (b.decidedAt ?? '').localeCompare(a.decidedAt ?? '');

/**
 * `isApprover` defaults to the decisions' own check; a runtime may give the Home tabs one with a
 * reading of its own, so that publishing Home tabs never stands in for the check made at a click.
 */
export async function homeOf(deps: ServiceDeps, viewer: string, isApprover: IsApprover = deps.isApprover): Promise<Home> {
  const [asked, check] = await Promise.all([deps.store.requesterRequests(viewer), isApprover(viewer)]);
  // A record made to take out an account added by hand is an approver's removal, not a request they made.
  const requests = asked.filter((r) => r.origin !== 'outside');
  const grants = requests.filter(isLive).sort(byEnd);
  const approver = check.kind === 'approver' ? 'yes' : check.kind === 'unknown' ? 'unknown' : 'no';
  if (approver !== 'yes') return { viewer, approver, requests, grants, ...(await ownersShown(deps, requests.map((r) => r.account))) };
  // What waits for the approvers, and what they decided, across every repository the viewer decides: the reads `list` makes.
  const theirs: string[] = [];
  for (const repository of await sharedRepositories(deps)) if ((await isApprover(viewer, repository)).kind === 'approver') theirs.push(repository);
  const all = (await inBatches(theirs, PARALLEL_READS, (repository) => deps.store.listByRepository(repository))).flat();
  const waiting = all.filter((r) => WAITING.has(r.state)).sort(byCreation);
  const decisions = all.filter((r) => r.decidedAt !== undefined && r.decidedBy !== undefined).sort(byDecisionNewestFirst).slice(0, LAST_DECISIONS);
  const owners = await ownersShown(deps, [...requests, ...waiting, ...decisions].map((r) => r.account));
  return { viewer, approver, requests, grants, waiting, decisions, ...owners };
}
