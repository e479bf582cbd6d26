// The slow half of every interaction: what runs after Slack has had its acknowledgement.
// Jobs are plain data so a runtime may run them in-process or hand them to another invocation.
import * as z from 'zod';
import { AccountId } from '../domain/account';
import { MessageRef, RequestId } from '../domain/access-request';
import { Reason } from '../domain/command';
import { HOUR_MS, MAX_DURATION_MS } from '../domain/duration';
import { RepositoryName } from '../domain/repository';
import { SlackId } from '../domain/slack-id';
import type { Logger } from '../logger';
import { decide } from '../service/decide';
import type { ServiceDeps } from '../service/deps';
import { history } from '../service/history';
import { listAccess } from '../service/list-access';
import { revoke } from '../service/revoke';
import { submitRequest } from '../service/submit-request';
import { HistoryPage, historyReport } from './blocks/history';
import { listReport } from './blocks/list-report';
import { decideReply, historyRefusal, JOB_FAILED, JOB_RUNS_AGAIN, listRefusal, revokeReply, submitReply } from './messages';
import { ResponseUrl, type Respond, type ReplyTo } from './responder';

export const Job = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('request'),
    user: SlackId,
    repository: RepositoryName,
    account: AccountId,
    reason: Reason.optional(),
    durationMs: z.number().int().min(HOUR_MS).max(MAX_DURATION_MS).optional(),
    responseUrl: ResponseUrl,
  }),
  z.object({
    kind: z.literal('decide'),
    user: SlackId,
    requestId: RequestId,
    decision: z.enum(['approve', 'deny']),
    card: MessageRef,
    target: z.object({ repository: RepositoryName, account: AccountId }).optional(),
    responseUrl: ResponseUrl,
  }),
  z.object({ kind: z.literal('list'), user: SlackId, repository: RepositoryName.optional(), responseUrl: ResponseUrl }),
  z.object({
    kind: z.literal('revoke'),
    user: SlackId,
    repository: RepositoryName,
    account: AccountId,
    reason: Reason.optional(),
    responseUrl: ResponseUrl,
  }),
  z.object({ kind: z.literal('history'), user: SlackId, ...HistoryPage.partial({ before: true }).shape, responseUrl: ResponseUrl }),
]);
export type Job = z.infer<typeof Job>;

export type RunJob = (job: Job) => Promise<void>;
/** Starts a job after the acknowledgement; resolves once the job is safely handed over. */
export type Defer = (job: Job) => Promise<void>;

const replyTo = (job: Job): ReplyTo => ({ responseUrl: job.responseUrl, job: job.kind, user: job.user });

/**
 * Runs each job through its use case and answers at the job's response_url. A job that fails is
 * logged and its user told; where the runtime runs a failed job again (`retried`: Lambda's retry,
 * then its dead-letter queue), the user is told it will be run again and the failure is thrown
 * to the runtime. Every use case may be run again: a second run finds what the first one did.
 */
export function jobRunner(deps: ServiceDeps, respond: Respond, options: { retried?: boolean } = {}): RunJob {
  const run = async (job: Job): Promise<void> => {
    switch (job.kind) {
      case 'request': {
        const outcome = await submitRequest(deps, {
          requester: job.user,
          repository: job.repository,
          account: job.account,
          ...(job.reason && { reason: job.reason }),
          ...(job.durationMs !== undefined && { durationMs: job.durationMs }),
        });
        await respond(replyTo(job), { text: submitReply(outcome) });
        return;
      }
      case 'decide': {
        const reply = decideReply(
          await decide(deps, { requestId: job.requestId, user: job.user, decision: job.decision, card: job.card, ...(job.target && { target: job.target }) }),
        );
        if (reply) await respond(replyTo(job), { text: reply });
        return;
      }
      case 'list': {
        const outcome = await listAccess(deps, job.repository);
        await respond(replyTo(job), outcome.code === 'not-shareable' ? { text: listRefusal(outcome) } : listReport(outcome.repositories));
        return;
      }
      case 'revoke': {
        const outcome = await revoke(deps, {
          user: job.user,
          repository: job.repository,
          account: job.account,
          ...(job.reason && { reason: job.reason }),
        });
        // The answer takes the place of the confirmation, so its Revoke button cannot be pressed again.
        await respond(replyTo(job), { text: revokeReply(outcome), replace_original: true });
        return;
      }
      case 'history': {
        const outcome = await history(deps, { ...(job.subject && { subject: job.subject }), ...(job.before && { before: job.before }) });
        await respond(replyTo(job), outcome.code === 'not-shareable' ? { text: historyRefusal(outcome) } : historyReport(outcome));
        return;
      }
    }
  };
  return async (job) => {
    try {
      await run(job);
    } catch (error) {
      deps.logger.error('job failed', { kind: job.kind, user: job.user, error });
      await respond(replyTo(job), { text: options.retried ? JOB_RUNS_AGAIN : JOB_FAILED });
      if (options.retried) throw error;
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
