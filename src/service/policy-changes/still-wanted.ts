// Which waiting changes their requests still want, read at the start of each pass of the holder.
import type { AccessRequest } from '../../domain/access-request';
import type { PolicyChange } from '../../domain/policy-change';
import type { ServiceDeps } from '../deps';

/** A waiting change and the request it is made for, as read at the start of the pass. */
export interface Wanted {
  readonly change: PolicyChange;
  readonly request: AccessRequest;
}

/** Whether the request still wants the change: a grant while APPROVED, a removal while its grant ends (or a Deny undid its approval). */
function wants(change: PolicyChange, request: AccessRequest | undefined): request is AccessRequest {
  if (request === undefined) return false;
  if (change.kind === 'grant') return request.state === 'APPROVED';
  return request.state === 'APPROVED' || (request.state === 'GRANTED' && request.ending !== undefined);
}

/**
 * Only a change its request still wants may be written. A change can outlive its request's
 * approval when a holder died after recording it but before taking it off the queue, and the
 * request was decided again since: such a change is dropped. `known` (the request whose job
 * queued a change just now) is not read again.
 */
export async function stillWanted(deps: ServiceDeps, batch: readonly PolicyChange[], known: AccessRequest | undefined) {
  const requests = await Promise.all(batch.map((change) => (change.requestId === known?.id ? known : deps.store.get(change.requestId))));
  const wanted: Wanted[] = [];
  const stale: PolicyChange[] = [];
  batch.forEach((change, i) => {
    const request = requests[i];
    if (wants(change, request)) wanted.push({ change, request });
    else stale.push(change);
  });
  return { wanted, stale };
}
