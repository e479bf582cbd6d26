// The slow half of every interaction: what runs after Slack has had its acknowledgement.
// Jobs are plain data so a runtime may run them in-process or hand them to another invocation.
import * as z from 'zod';
import { AccountId } from '../domain/account';
import { RequestId } from '../domain/access-request';
import { RepositoryName } from '../domain/repository';
import type { Logger } from '../logger';
import { decide } from '../service/decide';
import type { ServiceDeps } from '../service/deps';
import { listAccess } from '../service/list-access';
import { submitRequest } from '../service/submit-request';
import { listReport } from './blocks/list-report';
import { ResponseUrl, type Respond } from './responder';

const SlackId = z.string().regex(/^[A-Z0-9]{2,32}$/);

export const Job = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('request'),
    user: SlackId,
    repository: RepositoryName,
    account: AccountId,
    reason: z.string().max(500).optional(),
    responseUrl: ResponseUrl,
  }),
  z.object({
    kind: z.literal('decide'),
    user: SlackId,
    requestId: RequestId,
    decision: z.enum(['approve', 'deny']),
    card: z.object({ channel: SlackId, ts: z.string().regex(/^\d+\.\d+$/) }).optional(),
    responseUrl: ResponseUrl,
  }),
  z.object({ kind: z.literal('list'), user: SlackId, repository: RepositoryName.optional(), responseUrl: ResponseUrl }),
]);
export type Job = z.infer<typeof Job>;

export type RunJob = (job: Job) => Promise<void>;
/** Starts a job after the acknowledgement; resolves once the job is safely handed over. */
export type Defer = (job: Job) => Promise<void>;

export function jobRunner(deps: ServiceDeps, respond: Respond): RunJob {
  const run = async (job: Job): Promise<void> => {
    switch (job.kind) {
      case 'request': {
        const outcome = await submitRequest(deps, {
          requester: job.user,
          repository: job.repository,
          account: job.account,
          ...(job.reason && { reason: job.reason }),
        });
        await respond(
          job.responseUrl,
          outcome.kind === 'refused'
            ? { text: `:x: ${outcome.message}` }
            : {
                text: `:inbox_tray: Request ${outcome.request.id} is with the approvers: pull access to \`${job.repository}\` for \`${job.account}\`. You will get a direct message when it is decided.`,
              },
        );
        return;
      }
      case 'decide': {
        const result = await decide(deps, {
          requestId: job.requestId,
          user: job.user,
          decision: job.decision,
          ...(job.card && { card: job.card }),
        });
        if (result.kind === 'refused') await respond(job.responseUrl, { text: `:x: ${result.message}` });
        if (result.kind === 'waiting') {
          await respond(job.responseUrl, {
            text: `:hourglass_flowing_sand: Request ${result.request.id} is approved and queued behind another change to \`${result.request.repository}\`; the card will update when it is applied.`,
          });
        }
        return;
      }
      case 'list': {
        const outcome = await listAccess(deps, job.repository);
        await respond(job.responseUrl, outcome.kind === 'refused' ? { text: `:x: ${outcome.message}` } : listReport(outcome.repositories));
        return;
      }
    }
  };
  return async (job) => {
    try {
      await run(job);
    } catch (error) {
      deps.logger.error('job failed', { kind: job.kind, error });
      await respond(job.responseUrl, {
        text: ':warning: ecr-access hit an unexpected error and could not finish. Try again in a minute; if it keeps happening, tell the platform team (the bot logs have the details).',
      });
    }
  };
}

/** Runs jobs in this process after the acknowledgement; `idle()` waits for the ones in flight. */
export function inProcessDefer(run: RunJob, logger: Logger): Defer & { idle(): Promise<void> } {
  const inFlight = new Set<Promise<void>>();
  const defer = async (job: Job) => {
    const task = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => run(job))
      .catch((error: unknown) => logger.error('deferred job crashed', { kind: job.kind, error }))
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  };
  return Object.assign(defer, {
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  });
}
