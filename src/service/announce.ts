// The outbox: an outcome is recorded together with what is owed about it (card, thread, DM),
// told, and ticked off part by part, so a crash in between leaves a debt, never a silence.
import type { AccessRequest, AnnouncementPart } from '../domain/access-request';
import { awaitsVerdict } from '../domain/membership';
import type { PostedPart } from '../domain/told-outcome';
import type { ServiceDeps } from './deps';

/**
 * Parts are sent together, started in this order: the thread post carries the verified policy,
 * so it leaves first and does not wait behind the rendering of the card and the DM.
 */
const FIRST_TO_LAST: readonly AnnouncementPart[] = ['thread', 'card', 'dm', 'reminder'];

export interface AnnounceOptions {
  /**
   * This process claimed the announcement from another announcer, which may have posted a part
   * and died before ticking it off: each post is looked for in Slack before it is made.
   */
  readonly takeover?: boolean;
}

/**
 * Tells what the request still owes, then ticks off what was told; a Slack failure leaves that
 * part owed. The claim on the announcement is renewed meanwhile, so waiting out Slack's rate
 * limits does not make this announcer look dead to the others.
 */
export async function announce(deps: ServiceDeps, request: AccessRequest, options: AnnounceOptions = {}): Promise<void> {
  // Every outcome comes through here as it is recorded: the Home tabs it concerns are out of date.
  deps.homes.changed(request);
  const tell: Record<AnnouncementPart, () => Promise<void>> = {
    card: () => deps.notifier.updateCard(request),
    thread: () => deps.notifier.postInThread(request),
    dm: () => deps.notifier.tellRequester(request),
    reminder: () => deps.notifier.remindRequester(request),
  };
  const done = new AbortController();
  const holding = holdClaim(deps, request.id, done.signal);
  const told: AnnouncementPart[] = [];
  try {
    await Promise.all(
      FIRST_TO_LAST.filter((part) => request.owed.includes(part)).map(async (part) => {
        try {
          // The card is shown as it is now, which no repetition can spoil; only posts are looked for.
          const postedBefore = options.takeover && part !== 'card' && (await toldBefore(deps, request, part));
          if (!postedBefore) await tell[part]();
          told.push(part);
        } catch (error) {
          deps.logger.error('could not announce an outcome in Slack; it stays owed', { requestId: request.id, state: request.state, part, error });
          deps.metrics.put('an announcement stays owed', { OwedAnnouncements: 1 }, { requestId: request.id, part });
        }
      }),
    );
    await deps.store.delivered(request.id, told).catch((error: unknown) =>
      deps.logger.error('could not tick off told announcements', { requestId: request.id, parts: told, error }),
    );
  } finally {
    done.abort();
    await holding;
  }
}

/** Whether the announcer before this one posted the part already. When Slack cannot say, it is told again: twice is better than never. */
async function toldBefore(deps: ServiceDeps, request: AccessRequest, part: PostedPart): Promise<boolean> {
  try {
    const told = await deps.notifier.alreadyTold(request, part);
    if (told) deps.logger.info('an outcome was told before its announcer stopped; ticking it off without telling it again', { requestId: request.id, part });
    return told;
  } catch (error) {
    deps.logger.warn('could not see whether an outcome was told already; telling it, perhaps twice', { requestId: request.id, state: request.state, part, error });
    return false;
  }
}

/**
 * Renews this process's claim every third of announceRetryMs until `done`, well before another
 * process may take it over. Stops when another process holds the claim: it tells the rest.
 */
async function holdClaim(deps: ServiceDeps, id: string, done: AbortSignal): Promise<void> {
  for (;;) {
    await deps.clock.sleep(deps.announceRetryMs / 3, done);
    if (done.aborted) return;
    try {
      if (!(await deps.store.holdAnnouncement(id, { by: deps.processId, at: deps.clock.now() }))) {
        deps.logger.warn('another process took over an announcement this one is still telling', { requestId: id });
        return;
      }
    } catch (error) {
      deps.logger.warn('could not renew the claim on an announcement; trying again', { requestId: id, error });
    }
  }
}

/**
 * Shows on their cards that grants are ending, when their verdict did not come within the wait: the
 * card says so until the verdict replaces it. A verdict recorded meanwhile may have had its card
 * shown before this update landed, so each request is read again once it has, and one that has its
 * verdict is shown again: the card ends on the truth.
 */
export async function showEnding(deps: ServiceDeps, requests: readonly AccessRequest[]): Promise<void> {
  await Promise.all(
    requests.map(async (request) => {
      try {
        await deps.notifier.updateCard(request);
        const now = await deps.store.get(request.id);
        if (now && !awaitsVerdict(now)) await deps.notifier.updateCard(now);
      } catch (error) {
        deps.logger.warn('could not show on the card that the grant is ending; its verdict shows it', { requestId: request.id, error });
      }
    }),
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
    if (claimed) return announce(deps, claimed, { takeover: true });
  }
  // An undecided or still-applying request keeps the card as posted, buttons and all: a click on it finishes the work.
  if (request.state !== 'PENDING' && request.state !== 'APPROVED') {
    await deps.notifier.updateCard(request).catch((error: unknown) => deps.logger.warn('could not refresh a card', { requestId: request.id, error }));
  }
}
