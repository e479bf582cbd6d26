// The approve and deny use cases: who may decide, one decision per request, then the change
// through the one policy path. Under the two-person rule, the first approval is recorded on the
// pending request and the second is the decision. Answers what happened as data; src/slack words it.
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
  | { code: 'queued'; request: AccessRequest }
  /** The first of two approvals is recorded; the request waits, still PENDING, for a second approver. Nothing was written to the policy. */
  | { code: 'first-approval'; request: AccessRequest }
  /** This approver's approval is the first of two already: another approver must approve; nothing changed. */
  | { code: 'approved-already'; request: AccessRequest };

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

/** The first of two approvals is recorded: the card shows it, and the requester hears, once, that it waits for a second approver. */
async function firstApproved(deps: ServiceDeps, request: AccessRequest): Promise<DecideOutcome> {
  await showFirstApproval(deps, request);
  // Told only by the process whose write recorded the approval, so at most once; the card and the Home tab say it too.
  await deps.notifier
    .tellFirstApproval(request)
    .catch((error: unknown) => deps.logger.warn('could not tell the requester about the first of two approvals', { requestId: request.id, error }));
  return { code: 'first-approval', request };
}

/**
 * Shows the first approval on the card, buttons kept for the second approver. A decision written
 * meanwhile may have had its card shown before this update landed, so the request is read again
 * once it has, and one that moved on is shown again: the card ends on the truth. Only the card:
 * the rest of a decision's announcement is its announcer's to tell (or the sweep's, abandoned),
 * and a post made here could repeat one still on its way. The approval is recorded whatever
 * happens here, so a failure is logged, not answered as a failed click.
 */
async function showFirstApproval(deps: ServiceDeps, request: AccessRequest): Promise<void> {
  try {
    await deps.notifier.updateCard(request);
    const now = await deps.store.get(request.id);
    // An approval still being applied keeps its card until its verdict is recorded and shown, after this.
    if (now && now.state !== 'PENDING' && now.state !== 'APPROVED') await deps.notifier.updateCard(now);
  } catch (error) {
    deps.logger.warn('could not show the first approval on the card; the next click on it shows it', { requestId: request.id, error });
  }
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

  const at = new Date(deps.clock.now()).toISOString();
  // The two-person rule, asked of the repository at the click: the first approval only waits for a second.
  const twoPerson = approving && target !== undefined && deps.rules.ruleFor(target.repository)?.approvals === 2;
  if (twoPerson) {
    const first = await deps.store.approveFirst(input.requestId, { by: input.user, at, card: input.card, ...(target && { target }) });
    if (first.decided) return firstApproved(deps, first.request);
    // Another approver's approval is recorded (or the request failed and this is its retry): this one can be the second.
    const current = first.current;
    const secondPossible = current?.state === 'FAILED' || (current?.state === 'PENDING' && current.firstApproval !== undefined && current.firstApproval.by !== input.user);
    if (!secondPossible) return whyNotDecided(deps, input, current);
  }
  const outcome = await deps.store.decide(input.requestId, {
    to: approving ? 'APPROVED' : 'DENIED',
    from: DECIDABLE_FROM[input.decision],
    by: input.user,
    at,
    card: input.card,
    announcer: deps.processId,
    ...(target && { target }),
    ...(twoPerson && { second: true }),
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
  if (input.decision === 'approve' && request.state === 'PENDING' && request.firstApproval?.by === input.user) {
    // Its card may not show the approval yet, when the process that recorded it stopped before updating it.
    await showFirstApproval(deps, request);
    return { code: 'approved-already', request };
  }
  // Decided before, or by someone else in between: the same as a click on a decided card.
  return alreadyDecided(deps, request, input);
}
