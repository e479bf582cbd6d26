// A job waiting for the verdicts on its requests (one account's): in each region where they
// still wait, it acts on the repository itself when it can take that place's lease, and
// otherwise waits, within a bound, for the holder.
import type { AccessRequest } from '../../domain/access-request';
import { awaitsVerdict } from '../../domain/membership';
import { awaitedIn, inRegion, regionsOf } from '../../domain/regional';
import type { ServiceDeps } from '../deps';
import { applyMarked, type HolderReport } from './holder';
import { type LeaseOutcome, type Place, placeKey } from '../ports';
import type { Stop } from './write';

export type VerdictWait =
  /** Every request has its verdict, as recorded. */
  | { kind: 'recorded'; requests: readonly AccessRequest[] }
  /**
   * This job held the repository but had to stop short, and says why; its account stays marked.
   * `heldUntil`: after a write ECR may still apply, when nobody may write the repository again.
   */
  | { kind: 'stalled'; stop: Stop; heldUntil?: number }
  /** Still marked, behind another holder: it or the sweep records them. */
  | { kind: 'queued' };

/**
 * Marks the requests' account (they were recorded before: approved, or their end begun) in every
 * region where one of them waits for a verdict, and waits until none does, or the wait runs out.
 */
export async function awaitVerdicts(deps: ServiceDeps, repository: string, requests: readonly [AccessRequest, ...AccessRequest[]]): Promise<VerdictWait> {
  const waiting = [...new Set(requests.flatMap((r) => awaitedIn(r, deps.region)))];
  // Every region gave its verdict, and the request's own is still owed: a holder of any of its places records it.
  const regions = waiting.length > 0 ? waiting : regionsOf(requests[0], deps.region).slice(0, 1);
  const waits = await Promise.all(regions.map((region) => awaitIn(deps, { repository, region }, requests)));
  const stalled = waits.find((w) => w.kind === 'stalled');
  if (stalled) return stalled;
  if (waits.some((w) => w.kind === 'queued')) return { kind: 'queued' };
  const last = waits.at(-1);
  if (last?.kind === 'recorded' && last.requests.every((r) => !awaitsVerdict(r))) return last;
  // The regions' holders wrote at once: the request's own verdict is on record once the last of them has read the others'.
  const found = await deps.store.getMany(requests.map((r) => r.id));
  const current = requests.map((r) => found.get(r.id));
  return current.every((r): r is AccessRequest => r !== undefined && !awaitsVerdict(r)) ? { kind: 'recorded', requests: current } : { kind: 'queued' };
}

/** The wait in one place: until no request waits for a verdict there. */
async function awaitIn(deps: ServiceDeps, place: Place, requests: readonly [AccessRequest, ...AccessRequest[]]): Promise<VerdictWait> {
  const [first] = requests;
  const key = placeKey(place, deps.region);
  const marking = { account: first.account, requestId: first.id };
  const ids = requests.map((r) => r.id);
  const haveVerdicts = (found: ReadonlyArray<AccessRequest | undefined>): found is AccessRequest[] =>
    found.every((r) => r !== undefined && !awaitsVerdict(inRegion(r, place.region)));
  const deadline = deps.clock.now() + deps.waitForChangeMs;
  let attempt: LeaseOutcome<HolderReport> | undefined = await applyMarked(deps, place, marking);
  for (let pause = 100; ; pause = Math.min(pause * 2, 1000)) {
    if (attempt?.held) {
      const report = attempt.value;
      const mine = ids.map((id) => report.recorded.get(id));
      if (haveVerdicts(mine)) return { kind: 'recorded', requests: mine };
      if (report.stopped === 'unconfirmed') return { kind: 'stalled', stop: report.stopped, heldUntil: (await deps.changes.status(key)).heldUntil };
      if (report.stopped) return { kind: 'stalled', stop: report.stopped };
    }
    const { marks, heldUntil } = await deps.changes.status(key);
    const marked = marks.some((m) => m.account === first.account);
    if (!marked) {
      // Nothing of the account is marked: a holder recorded it, or it needs marking again.
      const found = await deps.store.getMany(ids);
      const current = ids.map((id) => found.get(id));
      if (haveVerdicts(current)) return { kind: 'recorded', requests: current };
    }
    const now = deps.clock.now();
    if (now >= deadline) return { kind: 'queued' };
    // A lease can be taken once it has run out, which is after its last moment; a place just
    // tried (and left alone, as a process whose clock is off does) is tried again after a pause.
    if (heldUntil < now && attempt === undefined) {
      attempt = await applyMarked(deps, place, marked ? undefined : marking);
      continue;
    }
    attempt = undefined;
    await deps.clock.sleep(Math.min(pause, heldUntil >= now ? heldUntil - now + 1 : pause, deadline - now));
  }
}
