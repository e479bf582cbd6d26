// The approve and deny use cases: who may decide, one decision per request, then the grant.
import { DECIDABLE_FROM, type AccessRequest } from '../domain/access-request';
import { applyApproved } from './apply-approved';
import { announce } from './apply-batch';
import type { ServiceDeps } from './deps';

export interface Decision {
  readonly requestId: string;
  readonly user: string;
  readonly decision: 'approve' | 'deny';
  /** The card the button was on, to refuse a payload that names another request. */
  readonly card?: { channel: string; ts: string };
}

export type DecideResult =
  | { kind: 'refused'; message: string }
  | { kind: 'decided'; request: AccessRequest }
  | { kind: 'waiting'; request: AccessRequest };

const refused = (message: string): DecideResult => ({ kind: 'refused', message });

function alreadyDecided(request: AccessRequest): string {
  const who = request.decidedBy ? `<@${request.decidedBy}>` : 'someone';
  switch (request.state) {
    case 'DENIED':
      return `Request ${request.id} was already denied by ${who}.`;
    case 'GRANTED':
      return `Request ${request.id} was already approved by ${who} and is granted.`;
    case 'APPROVED':
      return `Request ${request.id} was already approved by ${who}; the grant is being applied.`;
    default:
      return `Request ${request.id} is ${request.state.toLowerCase()}; nothing changed.`;
  }
}

const noSuchRequest = (id: string) => `There is no request ${id}. It may have been withdrawn; nothing changed.`;

/** Why the user may not decide the request from that card, whatever its state; undefined when nothing stands in the way. */
function notTheirs(request: AccessRequest, input: Decision): string | undefined {
  if (input.card && request.card && (input.card.channel !== request.card.channel || input.card.ts !== request.card.ts)) {
    return `That button does not belong to request ${request.id}'s card; nothing changed.`;
  }
  if (input.user === request.requester) {
    return `You asked for this access yourself, so another approver has to ${input.decision} request ${request.id}.`;
  }
  return undefined;
}

const NOT_AN_APPROVER = 'Only ecr-access approvers can approve or deny requests; nothing changed. Ask the platform team if you should be one.';
const approverUnconfirmed = (reason: string) =>
  `Slack could not confirm you are an approver (${reason}); nothing changed. Try again in a minute.`;

export async function decide(deps: ServiceDeps, input: Decision): Promise<DecideResult> {
  const approver = await deps.isApprover(input.user);
  if (approver.kind !== 'approver') {
    const request = await deps.store.get(input.requestId);
    const notAllowed = approver.kind === 'unknown' ? approverUnconfirmed(approver.reason) : NOT_AN_APPROVER;
    return refused(request ? (notTheirs(request, input) ?? notAllowed) : noSuchRequest(input.requestId));
  }
  const to = input.decision === 'approve' ? 'APPROVED' : 'DENIED';
  // The write itself refuses the requester and a foreign card; only a refusal reads the request to say why.
  const outcome = await deps.store.decide(input.requestId, {
    to,
    from: DECIDABLE_FROM[input.decision],
    by: input.user,
    at: new Date(deps.clock.now()).toISOString(),
    ...(input.card && { card: input.card }),
  });
  if (!outcome.decided) {
    const current = outcome.current;
    if (!current) return refused(noSuchRequest(input.requestId));
    const why = notTheirs(current, input);
    if (why !== undefined) return refused(why);
    // An approved request left behind by a crashed process is driven on by the next click.
    if (current.state === 'APPROVED' && input.decision === 'approve') {
      return refused(alreadyDecided((await applyApproved(deps, current.repository, current)) ?? current));
    }
    return refused(alreadyDecided(current));
  }
  if (to === 'DENIED') {
    await announce(deps, [{ request: outcome.request }]);
    return { kind: 'decided', request: outcome.request };
  }
  const settled = await applyApproved(deps, outcome.request.repository, outcome.request);
  return settled ? { kind: 'decided', request: settled } : { kind: 'waiting', request: outcome.request };
}
