// The drift the sweep saw in each repository, on an item of its own (not the lease item every
// approval reads whole): the last signature, so each change is reported once, and its history.
import { HistoryEvent } from '../domain/access-request';
import { NO_DRIFT, type RequestStore } from '../service/ports';
import type { DynamoTable } from './dynamo';
import { keys } from './table-schema';

/**
 * How many drift events a repository keeps, newest last: a DynamoDB item stops at 400 KB, and a
 * policy edited by hand every day would otherwise grow its item for ever (an event is ~200 bytes).
 */
export const MAX_DRIFT_EVENTS = 100;

export function dynamoDriftNotes(table: DynamoTable): Pick<RequestStore, 'noteDrift' | 'driftHistory'> {
  return {
    async noteDrift(repository, signature, event) {
      const key = keys.drift(repository);
      const noted = await table.update(key, {
        set: 'SET driftSeen = :signature, driftHistory = list_append(if_not_exists(driftHistory, :none), :event)',
        // Nothing noted yet is NO_DRIFT: only a change from that is noted.
        condition: signature === NO_DRIFT ? 'attribute_exists(driftSeen) AND driftSeen <> :signature' : 'attribute_not_exists(driftSeen) OR driftSeen <> :signature',
        values: { ':signature': signature, ':none': [], ':event': [event] },
      });
      const kept = Array.isArray(noted?.driftHistory) ? noted.driftHistory.length : 0;
      if (kept > MAX_DRIFT_EVENTS) {
        // The oldest go, in a second write (one update cannot both append to a list and remove from it);
        // of two notes trimming at once, the later finds nothing over the bound and leaves it.
        const oldest = Array.from({ length: kept - MAX_DRIFT_EVENTS }, (_, i) => `driftHistory[${i}]`);
        await table.update(key, { set: `REMOVE ${oldest.join(', ')}`, condition: 'size(driftHistory) > :max', values: { ':max': MAX_DRIFT_EVENTS } });
      }
      return noted !== undefined;
    },

    async driftHistory(repository) {
      const item = await table.get(keys.drift(repository));
      const events = Array.isArray(item?.driftHistory) ? item.driftHistory : [];
      return events.flatMap((event) => {
        const parsed = HistoryEvent.safeParse(event);
        return parsed.success ? [parsed.data] : [];
      });
    },
  };
}
