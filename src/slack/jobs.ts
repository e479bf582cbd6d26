// The slow half of every interaction: what runs after Slack has had its acknowledgement.
// Jobs are plain data so a runtime may run them in-process or hand them to another invocation.
import * as z from 'zod';
import { isDigitGroups } from '../domain/account';
import { Grantee, looksLikeOu } from '../domain/organizational-unit';
import { MessageRef, RequestId } from '../domain/access-request';
import { Reason } from '../domain/command';
import { HOUR_MS, MAX_DURATION_MS } from '../domain/duration';
import { RepositoryName } from '../domain/repository';
import { SlackId } from '../domain/slack-id';
import type { Logger } from '../logger';
import { decide } from '../service/decide';
import { deny } from '../service/deny';
import type { ServiceDeps } from '../service/deps';
import { history } from '../service/history';
import { listAccess } from '../service/list-access';
import { planRevoke, revoke } from '../service/revoke';
import { submitRequest } from '../service/submit-request';
import { HistoryPage, historyReport } from './blocks/history';
import { listReport } from './blocks/list-report';
import { revokeConfirmation } from './blocks/revoke-confirmation';
import { decideReply, historyRefusal, JOB_FAILED, JOB_RUNS_AGAIN, listRefusal, revokeReply, submitReply } from './messages';
import type { HomePublisher } from './home-publisher';
import type { Replies } from './replies';
import { ResponseUrl, type Respond } from './responder';

/** An account ID as it was typed in groups (`2222-3333-4444`), so the answer can say how it was read. */
const TypedAccount = z.string().max(40).refine((typed) => isDigitGroups(typed) || looksLikeOu(typed));

/** A view's ID, as Slack writes it. */
const ViewId = z.string().regex(/^V[A-Z0-9]{2,40}$/, { message: 'not a Slack view ID' });

export const Job = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('request'),
    user: SlackId,
    repository: RepositoryName,
    account: Grantee,
    typedAccount: TypedAccount.optional(),
    reason: Reason.optional(),
    durationMs: z.number().int().min(HOUR_MS).max(MAX_DURATION_MS).optional(),
    /** The account's Lambda functions should pull too. */
    lambda: z.literal(true).optional(),
    /** The command's: its answer replaces the interim line. */
    responseUrl: ResponseUrl.optional(),
    /** The request form's, left open: its answer is shown there (or by DM, if it was closed). */
    viewId: ViewId.optional(),
  }),
  z.object({
    kind: z.literal('decide'),
    user: SlackId,
    requestId: RequestId,
    decision: z.enum(['approve', 'deny']),
    card: MessageRef,
    target: z.object({ repository: RepositoryName, account: Grantee }).optional(),
    /** Why a denial: the requester is told it. */
    reason: Reason.optional(),
    /** The card's; none for a click in the Home tab, answered by DM. */
    responseUrl: ResponseUrl.optional(),
  }),
  z.object({ kind: z.literal('list'), user: SlackId, repository: RepositoryName.optional(), responseUrl: ResponseUrl }),
  /** The revoke command: what revoking would do, answered with the Revoke button only when it would do something. */
  z.object({
    kind: z.literal('revoke-preview'),
    user: SlackId,
    repository: RepositoryName,
    account: Grantee,
    typedAccount: TypedAccount.optional(),
    reason: Reason.optional(),
    responseUrl: ResponseUrl,
  }),
  z.object({
    kind: z.literal('revoke'),
    user: SlackId,
    repository: RepositoryName,
    account: Grantee,
    reason: Reason.optional(),
    /** The confirmation's, which the answer replaces; none for a Revoke in the Home tab, answered by DM. */
    responseUrl: ResponseUrl.optional(),
  }),
  /** Someone opened the app's Home tab: publish it as things are now. */
  z.object({ kind: z.literal('home'), user: SlackId }),
  z.object({ kind: z.literal('history'), user: SlackId, ...HistoryPage.partial({ before: true }).shape, responseUrl: ResponseUrl }),
]);
export type Job = z.infer<typeof Job>;

export type RunJob = (job: Job) => Promise<void>;

/** Whether the job answers a command, whose interim line its answer replaces. */
function answersACommand(job: Job): boolean {
  switch (job.kind) {
    case 'request':
    case 'list':
    case 'revoke-preview':
      return true;
    case 'history':
      return job.before === undefined;
    case 'decide':
    case 'revoke':
    case 'home':
      return false;
  }
}

/** Starts a job after the acknowledgement; resolves once the job is safely handed over. */
export type Defer = (job: Job) => Promise<void>;

/**
 * Runs each job through its use case and answers where the job came from. A job that fails is
 * logged and its user told; where the runtime runs a failed job again (`retried`: Lambda's retry,
 * then its dead-letter queue), the user is told it will be run again and the failure is thrown
 * to the runtime. Every use case may be run again: a second run finds what the first one did.
 */
export function jobRunner(deps: ServiceDeps, replies: Replies, homes: HomePublisher, options: { retried?: boolean } = {}): RunJob {
  const { respond } = replies;
  /** A reply at the job's response_url, named by the job and its user in the log if Slack never takes it. */
  const at = (job: Job, responseUrl: string, reply: Parameters<Respond>[1]) => respond({ responseUrl, job: job.kind, user: job.user }, reply);
  // A command's answer takes the place of its interim line ("Checking…"), so one line is left.
  const answer = (job: Job & { responseUrl: string }, reply: Parameters<Respond>[1]) => at(job, job.responseUrl, { ...reply, replace_original: true });
  /** A plain answer wherever the job came from: the command's line, the form still open, or a DM. */
  const tell = async (job: Job & { responseUrl?: string | undefined; viewId?: string | undefined }, text: string) => {
    if (job.responseUrl) return answer({ ...job, responseUrl: job.responseUrl }, { text });
    if (job.viewId && (await replies.inModal(job.viewId, text))) return;
    await replies.byDm(job.user, text);
  };
  const run = async (job: Job): Promise<void> => {
    switch (job.kind) {
      case 'request': {
        const outcome = await submitRequest(deps, {
          requester: job.user,
          repository: job.repository,
          account: job.account,
          ...(job.reason && { reason: job.reason }),
          ...(job.durationMs !== undefined && { durationMs: job.durationMs }),
          ...(job.lambda && { lambda: job.lambda }),
        });
        if (outcome.code === 'submitted') deps.homes.changed(outcome.request);
        await tell(job, submitReply(outcome, job.typedAccount));
        return;
      }
      case 'decide': {
        const decision = { requestId: job.requestId, user: job.user, card: job.card, ...(job.target && { target: job.target }) };
        const outcome = job.decision === 'deny' ? await deny(deps, { ...decision, ...(job.reason && { reason: job.reason }) }) : await decide(deps, { ...decision, decision: 'approve' });
        // An approval waiting for its verdict is no longer waiting for a decision.
        if ('request' in outcome) deps.homes.changed(outcome.request);
        // What the card (or the Home tab, once published again) does not say itself.
        const reply = decideReply(outcome);
        if (reply) await (job.responseUrl ? at(job, job.responseUrl, { text: reply }) : replies.byDm(job.user, reply));
        return;
      }
      case 'list': {
        const outcome = await listAccess(deps, job.repository);
        await answer(job, outcome.code === 'not-shareable' ? { text: listRefusal(outcome) } : listReport(outcome.repositories, outcome.owners));
        return;
      }
      case 'revoke-preview': {
        const { repository, account, reason, typedAccount } = job;
        const plan = await planRevoke(deps, { user: job.user, repository, account });
        const target = { repository, account, ...(reason && { reason }) };
        if (plan.code === 'end-outside') await answer(job, revokeConfirmation(target, { kind: 'outside' }, typedAccount));
        else if (plan.code === 'end-grants') {
          const keptBy = plan.live.filter((grant) => !plan.ending.includes(grant));
          await answer(job, revokeConfirmation(target, { kind: 'grants', ending: plan.ending, keptBy }, typedAccount));
        } else await answer(job, { text: revokeReply(plan) });
        return;
      }
      case 'revoke': {
        const outcome = await revoke(deps, {
          user: job.user,
          repository: job.repository,
          account: job.account,
          ...(job.reason && { reason: job.reason }),
        });
        if ('requests' in outcome) for (const request of outcome.requests) deps.homes.changed(request);
        // The answer takes the place of the confirmation, so its Revoke button cannot be pressed again.
        if (job.responseUrl) await answer({ ...job, responseUrl: job.responseUrl }, { text: revokeReply(outcome) });
        // From the Home tab: the tab shows a revoke that is done, and each requester is told; anything else comes by DM.
        else if (outcome.code !== 'settled') await replies.byDm(job.user, revokeReply(outcome));
        return;
      }
      case 'home':
        homes.refresh(job.user);
        return;
      case 'history': {
        const outcome = await history(deps, { ...(job.subject && { subject: job.subject }), ...(job.before && { before: job.before }) });
        const report = outcome.code === 'not-shareable' ? { text: historyRefusal(outcome) } : historyReport(outcome);
        // An older page (its button's job carries `before`) comes as a message of its own, below the page it continues.
        await (job.before ? at(job, job.responseUrl, report) : answer(job, report));
        return;
      }
    }
  };
  return async (job) => {
    try {
      await run(job);
      // The Home tabs the job set off are published before it ends: a Lambda invocation ends with its job.
      await homes.settled();
    } catch (error) {
      deps.logger.error('job failed', { kind: job.kind, user: job.user, error });
      // Where the runtime runs the job again, the user is told so rather than that it failed.
      const text = options.retried ? JOB_RUNS_AGAIN : JOB_FAILED;
      // A command's interim line gives way to the failure; a card or a confirmation stays, to be clicked again.
      if ('responseUrl' in job && job.responseUrl) await at(job, job.responseUrl, { text, replace_original: answersACommand(job) });
      // Opening the Home tab again publishes it again; nobody is told of a failed publish.
      else if (job.kind !== 'home') await tell(job, text);
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
