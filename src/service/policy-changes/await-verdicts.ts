// A job waiting for the verdicts on its requests (one account's): it acts on the repository
// itself when it can take the lease, and otherwise waits, within a bound, for the holder.
import type { AccessRequest } from '../../domain/access-request';
import { awaitsVerdict } from '../../domain/membership';
import type { ServiceDeps } from '../deps';
import { applyMarked, type HolderReport } from './holder';
import type { LeaseOutcome } from '../ports';
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
 * Marks the requests' account (they were recorded before: approved, or their end begun) and waits
 * until none of them awaits a verdict, or the wait runs out.
 */
export async function awaitVerdicts(deps: ServiceDeps, repository: string, requests: readonly [AccessRequest, ...AccessRequest[]]): Promise<VerdictWait> {
  const [first] = requests;
  const marking = { account: first.account, requestId: first.id };
  const ids = requests.map((r) => r.id);
  const haveVerdicts = (found: ReadonlyArray<AccessRequest | undefined>): found is AccessRequest[] => found.every((r) => r !== undefined && !awaitsVerdict(r));
  const deadline = deps.clock.now() + deps.waitForChangeMs;
  let attempt: LeaseOutcome<HolderReport> | undefined = await applyMarked(deps, repository, marking);
  for (let pause = 100; ; pause = Math.min(pause * 2, 1000)) {
    if (attempt?.held) {
      const report = attempt.value;
      const mine = ids.map((id) => report.recorded.get(id));
      if (haveVerdicts(mine)) return { kind: 'recorded', requests: mine };
      if (report.stopped === 'unconfirmed') return { kind: 'stalled', stop: report.stopped, heldUntil: (await deps.changes.status(repository)).heldUntil };
      if (report.stopped) return { kind: 'stalled', stop: report.stopped };
    }
    const { marks, heldUntil } = await deps.changes.status(repository);
    const marked = marks.some((m) => m.account === first.account);
    if (!marked) {
      // Nothing of the account is marked: a holder recorded it, or it needs marking again.
      const found = await deps.store.getMany(ids);
      const current = ids.map((id) => found.get(id));
      if (haveVerdicts(current)) return { kind: 'recorded', requests: current };
    }
    const now = deps.clock.now();
    if (now >= deadline) return { kind: 'queued' };
    // A lease can be taken once it has run out, which is after its last moment; a repository just
    // tried (and left alone, as a process whose clock is off does) is tried again after a pause.
    if (heldUntil < now && attempt === undefined) {
      attempt = await applyMarked(deps, repository, marked ? undefined : marking);
      continue;
    }
    attempt = undefined;
    await deps.clock.sleep(Math.min(pause, heldUntil >= now ? heldUntil - now + 1 : pause, deadline - now));
  }
}
