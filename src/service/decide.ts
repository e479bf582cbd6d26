// The approve and deny use cases: who may decide, one decision per request, then the change
// through the one policy path. Answers what happened as data; src/slack words it.
import { DECIDABLE_FROM, type AccessRequest, type MessageRef } from '../domain/access-request';
import { announce, catchUp } from './announce';
import { shareable } from '../domain/repository-rules';
import type { ServiceDeps } from './deps';
import type { DecisionTarget } from './ports';
import { awaitVerdicts } from './policy-changes/await-verdicts';
import type { Stop } from './policy-changes/write';

export interface Decision {
  readonly requestId: string;
  readonly user: string;
  readonly decision: 'approve' | 'deny';
  /** The card the button was on: a decision only counts from the request's own card. */
  readonly card: MessageRef;
  /** The repository and account the card names, when its button carries them: checked against the request in the decision's write. */
  readonly target?: DecisionTarget;
}

export type DecideOutcome =
  | { code: 'no-such-request'; requestId: string }
  | { code: 'foreign-card'; request: AccessRequest }
  | { code: 'own-request'; request: AccessRequest; decision: Decision['decision'] }
  | { code: 'not-an-approver'; repository: string }
  | { code: 'approver-unknown'; reason: string }
  | { code: 'not-shareable'; request: AccessRequest; repositories: readonly string[] }
  /** Decided before: the card shows it again and what was owed about it is finished. */
  | { code: 'already-decided'; request: AccessRequest }
  | { code: 'denied'; request: AccessRequest }
  /** Granted or failed, and announced on the card, in the thread and to the requester. */
  | { code: 'settled'; request: AccessRequest }
  /** Approved, but this job had to stop short (ECR unreadable, a write not confirmed or not verified): a later click or the sweep finishes it. */
  | { code: 'stalled'; request: AccessRequest; stop: Stop; heldUntil?: number }
  /** Approved and marked behind another holder, which (or the sweep) records it. */
  | { code: 'queued'; request: AccessRequest };

async function drive(deps: ServiceDeps, request: AccessRequest): Promise<DecideOutcome> {
  const outcome = await awaitVerdicts(deps, request.repository, [request]);
  switch (outcome.kind) {
    case 'recorded':
      return { code: 'settled', request: outcome.requests[0] as AccessRequest };
    case 'stalled':
      return { code: 'stalled', request, stop: outcome.stop, ...(outcome.heldUntil !== undefined && { heldUntil: outcome.heldUntil }) };
    case 'queued':
      return { code: 'queued', request };
  }
}

/** A click on a decided card: an approval left unapplied (its holder died) is driven on, the rest caught up. */
async function alreadyDecided(deps: ServiceDeps, request: AccessRequest, input: Decision): Promise<DecideOutcome> {
  if (request.state === 'APPROVED' && input.decision === 'approve') {
    const driven = await drive(deps, request);
    if (driven.code !== 'settled') return driven;
    await catchUp(deps, driven.request);
    return { code: 'already-decided', request: driven.request };
  }
  await catchUp(deps, request);
  return { code: 'already-decided', request };
}

/**
 * Every check on the request (its state, its card, who asked, that it is the request the card
 * names) is part of the store's conditional write, so a decision is one write; the request is
 * read only to say why a click was refused, or to learn what a card posted before buttons named
 * their request's repository and account is for.
 */
export async function decide(deps: ServiceDeps, input: Decision): Promise<DecideOutcome> {
  const approving = input.decision === 'approve';
  let target: DecisionTarget | undefined = input.target;
  // A card whose button names only the request: the request says what it is for, and whose approvers decide it.
  let known: AccessRequest | undefined;
  if (!target) {
    known = await deps.store.get(input.requestId);
    if (!known) return whyNotDecided(deps, input, known);
  }
  // The button's repository is checked against the request's by the store's write, as the rest of the target is.
  const repository = target?.repository ?? (known as AccessRequest).repository;
  const approver = await deps.isApprover(input.user, repository);
  if (approver.kind === 'unknown') return { code: 'approver-unknown', reason: approver.reason };
  // Whoever is no approver of this repository hears that first, their own request included: another approver's click would not help them.
  if (approver.kind === 'not-approver') return { code: 'not-an-approver', repository };
  if (approving && !target && known) target = { repository: known.repository, account: known.account };
  // An approval is only written for a repository still shareable: checked here, as the write checks the repository is the request's.
  if (approving && target && !deps.rules.ruleFor(target.repository)) return whyNotDecided(deps, input, known ?? (await deps.store.get(input.requestId)));

  const at = deps.clock.now();
  const outcome = await deps.store.decide(input.requestId, {
    to: approving ? 'APPROVED' : 'DENIED',
    from: DECIDABLE_FROM[input.decision],
    by: input.user,
    at: new Date(at).toISOString(),
    card: input.card,
    announcer: deps.processId,
    ...(target && { target }),
  });
  if (!outcome.decided) return whyNotDecided(deps, input, outcome.current);
  if (outcome.request.state === 'DENIED') {
    await announce(deps, outcome.request);
    return { code: 'denied', request: outcome.request };
  }
  return drive(deps, outcome.request);
}

/** Why the store did not take the decision, from the request as it is now. */
async function whyNotDecided(deps: ServiceDeps, input: Decision, request: AccessRequest | undefined): Promise<DecideOutcome> {
  if (!request) return { code: 'no-such-request', requestId: input.requestId };
  // A card is recorded a moment after it is posted; a click in that moment is checked by the store's write.
  if (request.card && (request.card.channel !== input.card.channel || request.card.ts !== input.card.ts)) {
    return { code: 'foreign-card', request };
  }
  // A button that names another repository or account than its request's is not that request's.
  if (input.target && (input.target.repository !== request.repository || input.target.account !== request.account)) {
    return { code: 'foreign-card', request };
  }
  if (input.user === request.requester) return { code: 'own-request', request, decision: input.decision };
  if (input.decision === 'approve' && DECIDABLE_FROM.approve.includes(request.state) && !deps.rules.ruleFor(request.repository)) {
    return { code: 'not-shareable', request, repositories: shareable(deps.rules) };
  }
  // Decided before, or by someone else in between: the same as a click on a decided card.
  return alreadyDecided(deps, request, input);
}
