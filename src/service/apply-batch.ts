// One batch of approved requests for a repository, applied by the lock holder: merged into
// the policy in one write, read back and verified, then each recorded and announced.
import { createHash } from 'node:crypto';
import type { AccessRequest } from '../domain/access-request';
import { grantPull, parsePolicy, verifyGrant, type RepositoryPolicy } from '../domain/policy';
import { EcrAccessError, ErrorCode, isEcrAccessError } from '../errors';
import type { ServiceDeps } from './deps';

/** A request as recorded by this holder; a grant carries the policy text it was verified against. */
export interface Outcome {
  readonly request: AccessRequest;
  readonly verifiedPolicy?: string;
}

function describeFailure(error: unknown): string {
  if (isEcrAccessError(error)) return error.message;
  return `Unexpected error: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * The lock as this attempt holds it; `renewedAt` is when its lease was last extended.
 * `verified` is the policy as this holder last read it back with every other statement intact.
 */
export interface Lease {
  readonly holder: string;
  renewedAt: number;
  verified?: { readonly policy: RepositoryPolicy; readonly at: number };
}

/**
 * How old a verified read-back may be for the next batch to build on it instead of reading
 * the policy again. ECR has no conditional write, so an outside edit that lands between the
 * read a write builds on and the write itself is overwritten whichever read it is; building
 * on the read-back stretches that window by the queue check in between (milliseconds), never
 * past this bound, and saves one ECR round trip per batch.
 */
export const REUSE_READ_BACK_MS = 1000;

/** The policy the next write builds on: the holder's fresh verified read-back, or a new read. */
async function currentPolicy(deps: ServiceDeps, lease: Lease, repository: string): Promise<RepositoryPolicy> {
  const verified = lease.verified;
  lease.verified = undefined;
  if (verified && deps.clock.now() - verified.at < REUSE_READ_BACK_MS) return verified.policy;
  return parsePolicy(await deps.registry.getPolicy(repository));
}

interface ReadBack {
  /** The policy text as read back. */
  readonly text: string | undefined;
  readonly wrote: boolean;
  /** When the read-back was sent: the policy is at least this fresh. */
  readonly at: number;
}

/** Writes the accounts into the policy and reads it back. */
async function writeAndReadBack(
  deps: ServiceDeps,
  lease: Lease,
  repository: string,
  before: RepositoryPolicy,
  accounts: readonly string[],
): Promise<ReadBack> {
  const grant = grantPull(before, accounts);
  if (!grant.changed) {
    const at = deps.clock.now();
    return { text: await deps.registry.getPolicy(repository), wrote: false, at };
  }
  // The write must land while the lease is surely ours. Fresh from acquiring or renewing it
  // (under a quarter of the lease ago, against AWS call timeouts far shorter) it is; otherwise
  // renewing right before the write doubles as the check that nobody took it from us.
  const now = deps.clock.now();
  if (now - lease.renewedAt >= deps.leaseMs / 4) {
    if (!(await deps.store.renew(repository, lease.holder, deps.leaseMs, now))) {
      throw new EcrAccessError(ErrorCode.LockLost, 'Lost the repository lock before writing; the next holder will apply it.');
    }
    lease.renewedAt = now;
  }
  await deps.registry.setPolicy(repository, grant.text);
  deps.fault?.('after-set-policy');
  try {
    const at = deps.clock.now();
    return { text: await deps.registry.getPolicy(repository), wrote: true, at };
  } catch (error) {
    // Written but unproven: not a grant yet. Retry finds the accounts present, writes nothing and verifies.
    throw new EcrAccessError(
      ErrorCode.VerificationFailed,
      `The policy was written, but reading it back to verify it failed (${describeFailure(error)}). Press Retry to verify it; nothing will be written twice.`,
      { cause: error },
    );
  }
}

/**
 * Records the verdict and, once recorded, starts announcing it (into `announcing`): a request
 * is told about as soon as it is settled, not when its whole batch is.
 */
async function record(
  deps: ServiceDeps,
  announcing: Promise<void>[],
  request: AccessRequest,
  verdict: { policyText?: string; failure?: string },
): Promise<Outcome | undefined> {
  const at = new Date(deps.clock.now()).toISOString();
  let outcome: Outcome | undefined;
  if (verdict.failure === undefined && verdict.policyText !== undefined) {
    const policyHash = createHash('sha256').update(verdict.policyText).digest('hex');
    const recorded = await deps.store.recordGranted(request.id, { at, policyHash });
    outcome = recorded && { request: recorded, verifiedPolicy: verdict.policyText };
  } else {
    const recorded = await deps.store.recordFailed(request.id, { at, reason: verdict.failure ?? 'unknown failure' });
    outcome = recorded && { request: recorded };
  }
  if (outcome) announcing.push(announce(deps, [outcome]));
  return outcome;
}

/** A batch whose policy is written and checked (or given up on): its records are on their way. */
export interface Applied {
  readonly recorded: Promise<Outcome[]>;
}

/** The records in flight, already marked as handled: whoever awaits them later still sees a failure. */
function applied(recorded: Promise<Outcome[]>): Applied {
  recorded.catch(() => undefined);
  return { recorded };
}

/**
 * Grants every approved request in `requests` in as few policy writes as possible, and answers
 * once the policy is written and read back; recording the outcomes goes on meanwhile. A batch
 * the registry refuses as a whole is split, so one bad account cannot fail the others.
 */
export async function applyBatch(
  deps: ServiceDeps,
  announcing: Promise<void>[],
  lease: Lease,
  repository: string,
  requests: readonly AccessRequest[],
): Promise<Applied> {
  let before: RepositoryPolicy;
  try {
    before = await currentPolicy(deps, lease, repository);
  } catch (error) {
    if (isEcrAccessError(error, ErrorCode.LockLost)) throw error;
    return applied(settleAll(deps, announcing, requests, describeFailure(error)));
  }
  const accounts = requests.map((r) => r.account);
  let readBack: ReadBack;
  try {
    readBack = await writeAndReadBack(deps, lease, repository, before, accounts);
  } catch (error) {
    if (isEcrAccessError(error, ErrorCode.LockLost)) throw error;
    // Some refusals may concern only part of the batch (size, one unknown or denied account):
    // halve the batch so the others still get through.
    const partial = [ErrorCode.PolicyTooLarge, ErrorCode.PolicyRejected, ErrorCode.DeniedByPolicy].some((code) =>
      isEcrAccessError(error, code),
    );
    if (requests.length === 1 || !partial) return applied(settleAll(deps, announcing, requests, describeFailure(error)));
    const middle = Math.ceil(requests.length / 2);
    const first = await applyBatch(deps, announcing, lease, repository, requests.slice(0, middle));
    const second = await applyBatch(deps, announcing, lease, repository, requests.slice(middle));
    return applied(Promise.all([first.recorded, second.recorded]).then(([a, b]) => [...a, ...b]));
  }

  let after: RepositoryPolicy;
  try {
    after = parsePolicy(readBack.text);
  } catch (error) {
    return applied(settleAll(deps, announcing, requests, `The policy read back from ECR could not be checked: ${describeFailure(error)}`));
  }
  const verification = verifyGrant(before, after, accounts);
  const clobbered =
    verification.changedStatements.length > 0
      ? 'Reading the policy back showed other statements changed, so somebody else edited it at the same time. Nothing was recorded as granted; check the policy and try again.'
      : undefined;
  // Only a read-back that shows nobody else at work is worth building on.
  if (!clobbered) lease.verified = { policy: after, at: readBack.at };
  const recorded = Promise.all(
    requests.map((request) => {
      const failure =
        clobbered ??
        (verification.missing.includes(request.account)
          ? `The policy was written, but reading it back shows ${request.account} still cannot pull all five read-only actions.`
          : undefined);
      return record(deps, announcing, request, failure ? { failure } : { policyText: readBack.text ?? '' });
    }),
  ).then((all) => {
    const outcomes = all.filter((o): o is Outcome => o !== undefined);
    deps.logger.info('applied approved requests', {
      repository,
      requests: requests.length,
      wrote: readBack.wrote,
      granted: outcomes.filter((o) => o.request.state === 'GRANTED').length,
    });
    return outcomes;
  });
  return applied(recorded);
}

async function settleAll(deps: ServiceDeps, announcing: Promise<void>[], requests: readonly AccessRequest[], failure: string): Promise<Outcome[]> {
  const recorded = await Promise.all(requests.map((request) => record(deps, announcing, request, { failure })));
  return recorded.filter((o): o is Outcome => o !== undefined);
}

/**
 * Tells Slack about outcomes this process recorded. Every outcome comes from a conditional
 * write only one caller can win, so each is announced once; a Slack failure never undoes a grant.
 */
export async function announce(deps: ServiceDeps, outcomes: readonly Outcome[]): Promise<void> {
  await Promise.all(
    outcomes.map(async ({ request, verifiedPolicy }) => {
      try {
        await deps.notifier.announceOutcome(request, verifiedPolicy);
      } catch (error) {
        deps.logger.error('could not announce the outcome in Slack', { requestId: request.id, state: request.state, error });
      }
    }),
  );
}
