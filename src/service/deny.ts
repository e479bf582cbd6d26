// Deny with a reason: the reason is noted on the request, then the denial is decided exactly as
// any decision is (src/service/decide.ts), so its checks and its one write stay the same. The
// note counts only for the approver whose denial is written (domain/access-request.ts denialReason).
import { type DecideOutcome, type Decision, decide } from './decide';
import type { ServiceDeps } from './deps';

export async function deny(deps: ServiceDeps, input: Omit<Decision, 'decision'> & { reason?: string }): Promise<DecideOutcome> {
  const { reason, ...decision } = input;
  // Only an approver's note is kept: anyone else's click is refused by decide, and leaves no trace.
  // Noted with or without a reason, so an earlier note of the same approver cannot speak for this denial.
  // Whose approver: the repository's, as the button names it or else as the request does.
  const repository = input.target?.repository ?? (await deps.store.get(input.requestId))?.repository;
  if (repository !== undefined && (await deps.isApprover(input.user, repository)).kind === 'approver') {
    const at = new Date(deps.clock.now()).toISOString();
    await deps.store.noteDenialReason(input.requestId, { by: input.user, at, ...(reason && { reason }) });
  }
  return decide(deps, { ...decision, decision: 'deny' });
}
