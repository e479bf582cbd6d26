// The drift the sweep saw in each repository, on an item of its own (not the lease item every
// approval reads whole): the last signature, so each change is reported once, and its history.
import { HistoryEvent } from '../domain/access-request';
import { NO_DRIFT, type RequestStore } from '../service/ports';
import type { DynamoTable } from './dynamo';
import { keys } from './table-schema';

export function dynamoDriftNotes(table: DynamoTable): Pick<RequestStore, 'noteDrift' | 'driftHistory'> {
  return {
    async noteDrift(repository, signature, event) {
      const noted = await table.update(keys.drift(repository), {
        set: 'SET driftSeen = :signature, driftHistory = list_append(if_not_exists(driftHistory, :none), :event)',
        // Nothing noted yet is NO_DRIFT: only a change from that is noted.
        condition: signature === NO_DRIFT ? 'attribute_exists(driftSeen) AND driftSeen <> :signature' : 'attribute_not_exists(driftSeen) OR driftSeen <> :signature',
        values: { ':signature': signature, ':none': [], ':event': [event] },
      });
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
