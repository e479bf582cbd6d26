// What a write came to for each marked account: every request of the account is recorded from
// the policy as read back, by the membership rule's outcomes (src/domain/membership.ts).
import { createHash } from 'node:crypto';
import type { AccessRequest } from '../../domain/access-request';
import { awaitsVerdict, outcomes, type ReadBack } from '../../domain/membership';
import { isOuId } from '../../domain/organizational-unit';
import { canPull, deniedOuPull, deniedPull, inLambdaStatement, inManagedStatement, inOuStatement, MANAGED_SID, otherStatementsChanged, ouCanPull, pullingStatements } from '../../domain/policy';
import type { ServiceDeps } from '../deps';
import type { Verdict } from '../ports';
import type { PolicyRead, Written } from './write';

const sha256 = (text: string | undefined) => createHash('sha256').update(text ?? '').digest('hex');

type Read = Exclude<PolicyRead, { kind: 'unreadable' }>;
type After = Exclude<Written, { kind: 'stopped' }>;

/** The account (or OU, at `orgPath`) in the policy read back; a policy that cannot be understood names it wherever its ID appears. */
function readBack(after: After, account: string, orgPath: string | undefined): ReadBack {
  const refusal = after.refusals.get(account);
  const common = refusal ? { refusal } : {};
  if (!after.policy) {
    // A policy not understood: the account counts as in both statements wherever its ID appears.
    const named = after.text?.includes(account) ?? false;
    return { inStatement: named, canPull: false, inLambda: named, blocked: false, ...common };
  }
  const { policy } = after;
  if (isOuId(account)) {
    // An OU can pull once the OU statement names it and lets every account under its path pull.
    const inStatement = inOuStatement(policy, account);
    const pulls = inStatement && orgPath !== undefined && ouCanPull(policy, orgPath);
    return { inStatement, canPull: pulls, inLambda: false, blocked: orgPath !== undefined && deniedOuPull(policy, orgPath), ...common };
  }
  return { inStatement: inManagedStatement(policy, account), canPull: canPull(policy, account), inLambda: inLambdaStatement(policy, account), blocked: deniedPull(policy, account), ...common };
}

export interface Recorded {
  readonly recorded: readonly AccessRequest[];
  /** Accounts whose requests all have their verdict now: their marks come off. */
  readonly agreed: readonly string[];
}

export async function recordAccounts(
  deps: ServiceDeps,
  repository: string,
  accounts: ReadonlyArray<{ account: string; requests: readonly AccessRequest[] }>,
  before: Read,
  after: After,
): Promise<Recorded> {
  if (before.kind === 'read' && after.kind === 'read') {
    const others = otherStatementsChanged(before.policy, after.policy);
    if (others.length > 0) deps.logger.warn('another statement of the policy changed while ecr-access wrote it', { repository, statements: others });
  }
  const now = deps.clock.now();
  const announcer = { by: deps.processId, at: now };
  const common = { at: new Date(now).toISOString(), policyHashBefore: sha256(before.text), policyHash: sha256(after.text), verifiedPolicy: after.text ?? '' };
  const results = await Promise.all(
    accounts.map(async ({ account, requests }) => {
      const pullsThrough = after.policy && !isOuId(account) ? pullingStatements(after.policy, account).filter((sid) => sid !== MANAGED_SID) : [];
      const decided = [...outcomes(requests, readBack(after, account, requests.find((r) => r.orgPath !== undefined)?.orgPath))];
      const recorded = await Promise.all(
        decided.map(([id, outcome]) => {
          const request = requests.find((r) => r.id === id) as AccessRequest;
          const expiresAt = outcome.state === 'GRANTED' && request.durationMs !== undefined ? new Date(now + request.durationMs).toISOString() : undefined;
          const verdict: Verdict = { ...common, outcome, pullsThrough, ...(expiresAt && { expiresAt }) };
          return deps.store.record(id, verdict, announcer);
        }),
      );
      const mine = recorded.filter((r): r is AccessRequest => r !== undefined);
      // A verdict the store refused means the request changed since it was read: the account is looked at again.
      const agreed = mine.length === decided.length && requests.every((r) => !awaitsVerdict(mine.find((m) => m.id === r.id) ?? r));
      return { mine, agreed };
    }),
  );
  return {
    recorded: results.flatMap((r) => r.mine),
    agreed: accounts.filter((_, i) => results[i]?.agreed).map((a) => a.account),
  };
}
