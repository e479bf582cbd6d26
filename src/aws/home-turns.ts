// Whose turn it is to publish a person's Home tab, shared by every process through the table, so
// that a burst of changes made in many processes (each Lambda invocation is one) publishes a few
// views of each Home, not one per change. One item per person, only while a process publishes it:
// the owner, until when its turn lasts, and whether a change came meanwhile. Every step is a
// single-item conditional write. A turn whose process died lapses; a lapse or a clock that is off
// costs at most one publish more, or one a turn later, never a wrong Home: each publish reads the
// requests as they are then.
import { EcrAccessError, ErrorCode } from '../errors';
import type { Clock } from '../service/ports';
import type { HomeTurns } from '../slack/home-publisher';
import type { DynamoTable } from './dynamo';
import { keys } from './table-schema';

/** How long a turn lasts unless renewed (each publish renews it). */
export const HOME_TURN_MS = 15_000;

/** Taking a turn and telling its holder can race a turn that ends between the two; a few rounds settle it. */
const ROUNDS = 5;

const NAMES = { '#owner': 'owner', '#until': 'turnUntil', '#again': 'again' };

export function dynamoHomeTurns(table: DynamoTable, clock: Pick<Clock, 'now'>, turnMs = HOME_TURN_MS): HomeTurns {
  return {
    async take(viewer, owner) {
      for (let round = 0; round < ROUNDS; round++) {
        const now = clock.now();
        const taken = await table.update(keys.home(viewer), {
          set: 'SET #owner = :owner, #until = :until, #again = :no',
          condition: 'attribute_not_exists(#until) OR #until < :now',
          names: NAMES,
          values: { ':owner': owner, ':until': now + turnMs, ':no': false, ':now': now },
        });
        if (taken) return 'taken';
        const told = await table.update(keys.home(viewer), {
          set: 'SET #again = :yes',
          condition: '#until >= :now',
          names: { '#until': NAMES['#until'], '#again': NAMES['#again'] },
          values: { ':yes': true, ':now': now },
        });
        if (told) return 'told';
      }
      throw new EcrAccessError(ErrorCode.Store, `the turn to publish ${viewer}'s Home tab kept changing hands`);
    },
    async renew(viewer, owner) {
      const renewed = await table.update(keys.home(viewer), {
        set: 'SET #until = :until, #again = :no',
        condition: '#owner = :owner',
        names: NAMES,
        values: { ':owner': owner, ':until': clock.now() + turnMs, ':no': false },
      });
      return renewed !== undefined;
    },
    end: (viewer, owner) =>
      table.delete(keys.home(viewer), {
        expression: '#owner = :owner AND #again = :no',
        names: { '#owner': NAMES['#owner'], '#again': NAMES['#again'] },
        values: { ':owner': owner, ':no': false },
      }),
  };
}
