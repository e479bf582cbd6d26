// The ChangeQueue port on DynamoDB: one item per repository holds its queue of policy changes
// and the lease that lets one holder at a time apply them. Single-item conditional writes only.
//
// The lease, as a timeline (each holder's clock; clocks must agree within the margin below):
//
//   acquire      holder := me, leaseUntil := now + lease    only if no holder, or leaseUntil < now
//   coverWrite   renew to now + lease, unless the lease already runs `landing` past now
//   write        SetRepositoryPolicy: ECR accepts the signed request for 5 minutes after it was
//                signed, so it may land that late (a timeout does not stop it); landing = 5 min + 1 min
//   settle       dequeue the recorded changes, leaseUntil := now + lease     only if holder = me
//   release      holder and leaseUntil removed                               only if holder = me
//   keepUntil    holder := KEPT, leaseUntil := t   (a write whose outcome is unknown: t = now + landing)
//
// So a policy write is only ever sent while the lease runs past the last moment it could land,
// and nobody takes the lease before that moment, even when its holder dies in the middle of it.
import { randomUUID } from 'node:crypto';
import { PolicyChange } from '../domain/policy-change';
import type { Logger } from '../logger';
import type { ChangeQueue, Lease, QueueStatus } from '../service/ports';
import type { DynamoTable } from './dynamo';
import { keys } from './table-schema';

/** The holder of a repository kept while a write whose outcome is unknown may still land. */
export const KEPT = 'kept:unknown-write';

export interface LeaseTimes {
  /** How long a lease lasts unless renewed; longer than `landingMs`, so a fresh lease covers a write. */
  readonly leaseMs: number;
  /** How long after it was sent a policy write may still reach ECR. */
  readonly landingMs: number;
}

const encode = (change: PolicyChange) => `${change.kind}:${change.account}:${change.requestId}`;

function decoder(logger: Logger) {
  return (entries: unknown): PolicyChange[] => {
    if (!(entries instanceof Set)) return [];
    return [...(entries as Set<string>)].sort().flatMap((entry) => {
      const [kind, account, requestId] = entry.split(':');
      const parsed = PolicyChange.safeParse({ kind, account, requestId });
      if (parsed.success) return [parsed.data];
      logger.error('ignored a malformed entry in a repository queue', { entry });
      return [];
    });
  };
}

export function dynamoChangeQueue(table: DynamoTable, times: LeaseTimes, clock: { now(): number }, logger: Logger): ChangeQueue {
  const decode = decoder(logger);
  const only = (holder: string) => ({ condition: 'holder = :holder', values: { ':holder': holder } });
  const statusOf = (item: Record<string, unknown> | undefined): QueueStatus => ({
    waiting: decode(item?.queue),
    heldUntil: typeof item?.holder === 'string' && typeof item.leaseUntil === 'number' ? item.leaseUntil : 0,
    kept: item?.holder === KEPT,
  });
  const queue = async (repository: string, change: PolicyChange) =>
    statusOf(await table.update(keys.repository(repository), { set: 'ADD queue :adding', values: { ':adding': new Set([encode(change)]) } }));

  return {
    async withLease(repository, work, adding, options = {}) {
      const key = keys.repository(repository);
      const holder = `holder:${randomUUID()}`;
      const now = clock.now();
      const item = await table.update(key, {
        set: `SET holder = :holder, leaseUntil = :until${adding ? ' ADD queue :adding' : ''}`,
        condition: 'attribute_not_exists(holder) OR leaseUntil < :now',
        values: { ':holder': holder, ':until': now + times.leaseMs, ':now': now, ...(adding && { ':adding': new Set([encode(adding)]) }) },
      });
      if (!item) return adding && !options.onlyIfFree ? { held: false, status: await queue(repository, adding) } : { held: false };
      let until = now + times.leaseMs;
      let kept = false;
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
          if (until - clock.now() >= times.landingMs) return true;
          return (await renewed()) !== undefined;
        },
        async settle(settled) {
          const done = settled.map(encode);
          const next = await renewed(done.length > 0 ? { set: ' DELETE queue :done', values: { ':done': new Set(done) } } : {});
          return next && decode(next.queue);
        },
        async replace(from, to) {
          // Added before the old entry goes, so a crash in between leaves both rather than neither.
          await table.update(key, { set: 'ADD queue :to', ...only(holder), values: { ...only(holder).values, ':to': new Set([encode(to)]) } });
          await table.update(key, { set: 'DELETE queue :from', ...only(holder), values: { ...only(holder).values, ':from': new Set([encode(from)]) } });
        },
        async keepUntil(at) {
          const next = await table.update(key, {
            set: 'SET holder = :kept, leaseUntil = :at',
            ...only(holder),
            values: { ...only(holder).values, ':kept': KEPT, ':at': at },
          });
          kept = next !== undefined;
          if (!kept) logger.error('could not keep the repository held after a write whose outcome is unknown', { repository });
        },
      };
      try {
        return { held: true, value: await work(lease, decode(item.queue)) };
      } finally {
        if (!kept) {
          await table
            .update(key, { set: 'REMOVE holder, leaseUntil', ...only(holder) })
            .catch((error: unknown) => logger.warn('could not release the repository lease; it will run out', { repository, error }));
        }
      }
    },

    queue,

    async status(repository) {
      return statusOf(await table.get(keys.repository(repository)));
    },
  };
}
