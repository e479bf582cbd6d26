// The ChangeQueue port on DynamoDB: one item per repository holds its marks (the accounts that
// need attention) and the lease that lets one holder at a time act on them. Single-item
// conditional writes only.
//
// The lease, as a timeline (each holder's clock; a process whose clock is off from AWS's by more
// than half the clock margin takes no lease, src/aws/aws-clock.ts):
//
//   acquire      holder := me, leaseUntil := now + lease, mark added     only if no holder, or leaseUntil < now
//   coverWrite   before every send: renew to now + lease, unless the lease already runs `landing` past now
//   write        SetRepositoryPolicy: ECR accepts the signed request for 5 minutes after it was
//                signed, so it may land that late (a timeout does not stop it); landing = 5 min + clock margin
//   unmark       the marks of recorded accounts removed, leaseUntil := now + lease     only if holder = me
//   release      holder and leaseUntil removed                       only if holder = me, and no write
//                                                                    sent since the last coverWrite is unanswered
//
// So a policy write is only ever sent while the lease runs past the last moment it could land, and
// a lease whose write went unanswered is never released, only let run out: nobody writes before
// that write can no longer land, even when its holder dies or DynamoDB fails in the middle of it.
import { randomBytes, randomUUID } from 'node:crypto';
import { byMark, Mark } from '../domain/membership';
import type { Logger } from '../logger';
import type { ChangeQueue, Lease, Marking, QueueStatus } from '../service/ports';
import type { DynamoTable } from './dynamo';
import { keys } from './table-schema';

export interface LeaseTimes {
  /** How long a lease lasts unless renewed; longer than `landingMs`, so a fresh lease covers a write. */
  readonly leaseMs: number;
  /** How long after it was sent a policy write may still reach ECR. */
  readonly landingMs: number;
}

/** A new mark's entry: the account, the request that marked it, and a token of its own. */
const entry = (marking: Marking) => `${marking.account}:${marking.requestId}:${randomBytes(5).toString('hex')}`;
const encode = (mark: Mark) => `${mark.account}:${mark.requestId}:${mark.token}`;

function decoder(logger: Logger) {
  return (entries: unknown): Mark[] => {
    if (!(entries instanceof Set)) return [];
    return [...(entries as Set<string>)]
      .flatMap((text) => {
        const [account, requestId, token] = text.split(':');
        const parsed = Mark.safeParse({ account, requestId, token });
        if (parsed.success) return [parsed.data];
        logger.error('ignored a malformed mark on a repository', { entry: text });
        return [];
      })
      .sort(byMark);
  };
}

export function dynamoChangeQueue(table: DynamoTable, times: LeaseTimes, clock: { now(): number }, logger: Logger): ChangeQueue {
  const decode = decoder(logger);
  const only = (holder: string) => ({ condition: 'holder = :holder', values: { ':holder': holder } });
  const statusOf = (item: Record<string, unknown> | undefined): QueueStatus => ({
    marks: decode(item?.queue),
    heldUntil: typeof item?.holder === 'string' && typeof item.leaseUntil === 'number' ? item.leaseUntil : 0,
  });
  const mark = async (repository: string, marking: Marking) => {
    await table.update(keys.repository(repository), { set: 'ADD queue :mark', values: { ':mark': new Set([entry(marking)]) } });
  };

  return {
    async withLease(repository, work, marking) {
      const key = keys.repository(repository);
      const holder = `holder:${randomUUID()}`;
      const now = clock.now();
      const item = await table.update(key, {
        set: `SET holder = :holder, leaseUntil = :until${marking ? ' ADD queue :mark' : ''}`,
        condition: 'attribute_not_exists(holder) OR leaseUntil < :now',
        values: { ':holder': holder, ':until': now + times.leaseMs, ':now': now, ...(marking && { ':mark': new Set([entry(marking)]) }) },
      });
      if (!item) {
        // Held by another: the account is marked for that holder (or the next) to act on.
        if (marking) await mark(repository, marking);
        return { held: false };
      }
      let until = now + times.leaseMs;
      let unanswered = false;
      const renewed = async (extra: { set?: string; values?: Record<string, unknown> } = {}) => {
        const at = clock.now();
        const next = await table.update(key, {
          set: `SET leaseUntil = :until${extra.set ?? ''}`,
          ...only(holder),
          values: { ...only(holder).values, ':until': at + times.leaseMs, ...extra.values },
        });
        if (next) until = at + times.leaseMs;
        return next;
      };
      const lease: Lease = {
        async coverWrite() {
          unanswered = true;
          if (until - clock.now() >= times.landingMs) return true;
          return (await renewed()) !== undefined;
        },
        answered() {
          unanswered = false;
        },
        async unmark(marks) {
          const done = marks.map(encode);
          const next = await renewed(done.length > 0 ? { set: ' DELETE queue :done', values: { ':done': new Set(done) } } : {});
          return next && decode(next.queue);
        },
      };
      try {
        return { held: true, value: await work(lease, decode(item.queue)) };
      } finally {
        if (unanswered) {
          logger.warn('a policy write may still land: the repository lease runs out instead of being released', { repository, until });
        } else {
          await table
            .update(key, { set: 'REMOVE holder, leaseUntil', ...only(holder) })
            .catch((error: unknown) => logger.warn('could not release the repository lease; it will run out', { repository, error }));
        }
      }
    },

    mark,

    async status(repository) {
      return statusOf(await table.get(keys.repository(repository)));
    },
  };
}
