// The outbox: an outcome is recorded together with what is owed about it (card, thread, DM),
// told, and ticked off part by part, so a crash in between leaves a debt, never a silence.
import type { AccessRequest, AnnouncementPart } from '../domain/access-request';
import type { ServiceDeps } from './deps';

/**
 * Parts are sent together, started in this order: the thread post carries the verified policy,
 * so it leaves first and does not wait behind the rendering of the card and the DM.
 */
const FIRST_TO_LAST: readonly AnnouncementPart[] = ['thread', 'card', 'dm', 'reminder'];

/** Tells what the request still owes, then ticks off what was told; a Slack failure leaves that part owed. */
export async function announce(deps: ServiceDeps, request: AccessRequest): Promise<void> {
  const tell: Record<AnnouncementPart, () => Promise<void>> = {
    card: () => deps.notifier.updateCard(request),
    thread: () => deps.notifier.postInThread(request),
    dm: () => deps.notifier.tellRequester(request),
    reminder: () => deps.notifier.remindRequester(request),
  };
  const told: AnnouncementPart[] = [];
  await Promise.all(
    FIRST_TO_LAST.filter((part) => request.owed.includes(part)).map(async (part) => {
      try {
        await tell[part]();
        told.push(part);
      } catch (error) {
        deps.logger.error('could not announce an outcome in Slack; it stays owed', { requestId: request.id, state: request.state, part, error });
      }
    }),
  );
  await deps.store.delivered(request.id, told).catch((error: unknown) =>
    deps.logger.error('could not tick off told announcements', { requestId: request.id, parts: told, error }),
  );
}

/**
 * The moment before which an announcer's claim counts as abandoned: quiet for `announceRetryMs`,
 * and by more than two clocks may disagree, so no clock within the margin takes over a live one.
 */
export const abandonedBefore = (deps: ServiceDeps, now: number) => now - deps.announceRetryMs - deps.clockMarginMs;

/**
 * Shows a decided request on its card as it is now, and finishes what is still owed about it
 * when its announcer abandoned it (a crash): safe to call any number of times, from any process.
 * A process whose clock cannot be trusted takes nothing over.
 */
export async function catchUp(deps: ServiceDeps, request: AccessRequest): Promise<void> {
  if (request.owed.length > 0 && deps.clockCheck.trusted()) {
    const now = deps.clock.now();
    const claimed = await deps.store.claimAnnouncement(request.id, { by: deps.processId, at: now }, abandonedBefore(deps, now));
    if (claimed) return announce(deps, claimed);
  }
  // An undecided or still-applying request keeps the card as posted, buttons and all: a click on it finishes the work.
  if (request.state !== 'PENDING' && request.state !== 'APPROVED') {
    await deps.notifier.updateCard(request).catch((error: unknown) => deps.logger.warn('could not refresh a card', { requestId: request.id, error }));
  }
}
