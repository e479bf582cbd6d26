// Which waiting changes their requests still want, read at the start of each pass of the holder.
import type { AccessRequest } from '../../domain/access-request';
import type { PolicyChange } from '../../domain/policy-change';
import type { ServiceDeps } from '../deps';

/** A waiting change and the request it is made for, as read at the start of the pass. */
export interface Wanted {
  readonly change: PolicyChange;
  readonly request: AccessRequest;
}

/**
 * A change its job queued just now, with its request as that job knows it: at once, or once the
 * decision is written (undefined when the decision was not taken, and then the request is read).
 */
export interface Adding {
  readonly change: PolicyChange;
  readonly request: AccessRequest | Promise<AccessRequest | undefined>;
}

/**
 * Whether the request still wants the change: it is the request's own repository and account,
 * and a grant while APPROVED, a removal while its grant ends (or a Deny undid its approval).
 */
function wants(repository: string, change: PolicyChange, request: AccessRequest | undefined): request is AccessRequest {
  if (request === undefined || request.repository !== repository || request.account !== change.account) return false;
  if (change.kind === 'grant') return request.state === 'APPROVED';
  return request.state === 'APPROVED' || (request.state === 'GRANTED' && request.ending !== undefined);
}

/**
 * Only a change its request still wants may be written. A change can outlive its request's
 * approval when a holder died after recording it but before taking it off the queue, and the
 * request was decided again since: such a change is dropped. So is one that names another
 * repository or account than its request. The request of `adding` is taken as its job knows it,
 * the others are read in one go.
 */
export async function stillWanted(deps: ServiceDeps, repository: string, batch: readonly PolicyChange[], adding: Adding | undefined) {
  const addingId = adding?.change.requestId;
  const others = batch.map((change) => change.requestId).filter((id) => id !== addingId);
  const [known, read] = await Promise.all([adding?.request, others.length > 0 ? deps.store.getMany(others) : new Map<string, AccessRequest>()]);
  const job = addingId !== undefined && batch.some((change) => change.requestId === addingId) ? (known ?? (await deps.store.get(addingId))) : undefined;
  const requests = batch.map((change) => (change.requestId === addingId ? job : read.get(change.requestId)));
  const wanted: Wanted[] = [];
  const stale: PolicyChange[] = [];
  batch.forEach((change, i) => {
    const request = requests[i];
    if (wants(repository, change, request)) wanted.push({ change, request });
    else stale.push(change);
  });
  return { wanted, stale };
}
