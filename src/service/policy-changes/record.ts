// What a write came to for each marked account: every request of the account is recorded from
// the policy as read back, by the membership rule's outcomes (src/domain/membership.ts). A
// request in several regions gets this region's verdict, and its own once every region has one
// (src/domain/regional.ts).
import { createHash } from 'node:crypto';
import type { AccessRequest, RegionVerdict } from '../../domain/access-request';
import { awaitsVerdict, type Outcome, outcomes, type ReadBack } from '../../domain/membership';
import { isOuId } from '../../domain/organizational-unit';
import { canPull, deniedOuPull, deniedPull, inLambdaStatement, inManagedStatement, inOuStatement, MANAGED_SID, otherStatementsChanged, ouCanPull, pullingStatements } from '../../domain/policy';
import { inRegion, settled } from '../../domain/regional';
import type { ServiceDeps } from '../deps';
import type { Place, Verdict } from '../ports';
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
  /** Every request written, as last written: with this region's verdict, or its own. */
  readonly recorded: readonly AccessRequest[];
  /** The requests whose own verdict was recorded: their announcement is owed. */
  readonly announced: readonly AccessRequest[];
  /** Accounts whose requests all have their verdict now: their marks come off. */
  readonly agreed: readonly string[];
}

/** This region's part of an outcome: what the region's policy did for the request. */
function regionVerdict(outcome: Outcome, request: AccessRequest, at: string, policyHash: string): RegionVerdict | undefined {
  const common = { at, attempt: request.attempts, policyHash };
  if (outcome.state === 'GRANTED') return { state: 'GRANTED', ...common };
  if (outcome.state === 'FAILED') return { state: 'FAILED', ...common, failure: outcome.failure };
  if (outcome.state === 'ENDED') return { state: 'ENDED', ...common };
  return undefined;
}

export async function recordAccounts(
  deps: ServiceDeps,
  place: Place,
  accounts: ReadonlyArray<{ account: string; requests: readonly AccessRequest[] }>,
  before: Read,
  after: After,
): Promise<Recorded> {
  if (before.kind === 'read' && after.kind === 'read') {
    const others = otherStatementsChanged(before.policy, after.policy);
    if (others.length > 0) deps.logger.warn('another statement of the policy changed while ecr-access wrote it', { ...place, statements: others });
  }
  const now = deps.clock.now();
  const announcer = { by: deps.processId, at: now };
  const common = { at: new Date(now).toISOString(), policyHashBefore: sha256(before.text), policyHash: sha256(after.text), verifiedPolicy: after.text ?? '' };
  const expiry = (request: AccessRequest) => (request.durationMs !== undefined ? { expiresAt: new Date(now + request.durationMs).toISOString() } : {});

  /** The request's own verdict, when its outcome here is its own (one region) or every region has given one. */
  const recordOwn = (request: AccessRequest, outcome: Outcome, pullsThrough: readonly string[]) => {
    const verdict: Verdict = { ...common, outcome, pullsThrough, ...(outcome.state === 'GRANTED' && expiry(request)) };
    return deps.store.record(request.id, verdict, announcer);
  };
  /** After a region's verdict: the request's own, once every region has one. */
  const settle = async (request: AccessRequest, here: Outcome | undefined, pullsThrough: readonly string[]) => {
    const verdict = settled(request);
    if (!verdict) return { request, own: false };
    if (verdict.state === 'GRANTED') return { request: await recordOwn(request, { state: 'GRANTED' }, pullsThrough), own: true };
    if (verdict.state === 'FAILED') {
      const failed: Verdict = { ...common, outcome: { state: 'FAILED', failure: verdict.failure }, pullsThrough, ...(verdict.partly && { partlyGranted: true as const, ...expiry(request) }) };
      return { request: await deps.store.record(request.id, failed, announcer), own: true };
    }
    const ending = request.ending;
    if (!ending) return { request, own: false };
    const keptBy = here?.state === 'ENDED' ? here.keptBy : [];
    return { request: await recordOwn(request, { state: 'ENDED', ending, keptBy, outside: request.origin === 'outside' }, pullsThrough), own: true };
  };

  const results = await Promise.all(
    accounts.map(async ({ account, requests }) => {
      const pullsThrough = after.policy && !isOuId(account) ? pullingStatements(after.policy, account).filter((sid) => sid !== MANAGED_SID) : [];
      const decided = outcomes(
        requests.map((r) => inRegion(r, place.region)),
        readBack(after, account, requests.find((r) => r.orgPath !== undefined)?.orgPath),
      );
      const written = await Promise.all(
        requests.map(async (request): Promise<{ latest: AccessRequest | undefined; own: boolean; refused: boolean }> => {
          const outcome = decided.get(request.id);
          if (!request.regions || outcome?.state === 'REMOVAL_REFUSED') {
            if (!outcome) return { latest: request, own: false, refused: false };
            const own = await recordOwn(request, outcome, pullsThrough);
            return { latest: own, own: own !== undefined, refused: own === undefined };
          }
          // A request in several regions: this region's verdict, then its own once every region has one.
          const verdict = outcome && regionVerdict(outcome, request, common.at, common.policyHash);
          const latest = verdict ? await deps.store.recordRegion(request.id, place.region, verdict, request.ending?.kind) : request;
          if (!latest) return { latest, own: false, refused: true };
          const own = await settle(latest, outcome, pullsThrough);
          return { latest: own.request, own: own.own && own.request !== undefined, refused: own.request === undefined };
        }),
      );
      const latest = written.map((w, i) => w.latest ?? (requests[i] as AccessRequest));
      // A verdict the store refused means the request changed since it was read: the account is looked at again.
      const agreed = written.every((w) => !w.refused) && latest.every((r) => !awaitsVerdict(inRegion(r, place.region)) && settled(r) === undefined);
      return {
        recorded: written.flatMap((w, i) => (w.latest && w.latest !== requests[i] ? [w.latest] : [])),
        announced: written.flatMap((w) => (w.own && w.latest ? [w.latest] : [])),
        agreed,
      };
    }),
  );
  return {
    recorded: results.flatMap((r) => r.recorded),
    announced: results.flatMap((r) => r.announced),
    agreed: accounts.filter((_, i) => results[i]?.agreed).map((a) => a.account),
  };
}
