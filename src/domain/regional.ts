// A grant of a repository replicated to several regions. ECR keeps one policy per region, so the
// grant is written and verified in each region's policy through that region's own policy path,
// and each region's verdict is kept on the request. The rule of membership.ts then runs unchanged
// on the request as one region sees it (`inRegion`); the request's own verdict follows once every
// region has given one (`settled`).
import { ErrorCode } from '../errors';
import type { AccessRequest, Failure } from './access-request';
import { awaitsVerdict } from './membership';

/** The regions a request's grant lives in: its own, or the bot's region alone. */
export const regionsOf = (request: AccessRequest, home: string): readonly string[] => request.regions ?? [home];

/**
 * The request as one of its regions sees it: granted there once that region's policy has the
 * account, failed there (until retried) when it could not, ended there once it is out again. A
 * request in one region only is its own view.
 */
export function inRegion(request: AccessRequest, region: string): AccessRequest {
  if (!request.regions) return request;
  const { partlyGranted: _partly, ...own } = request;
  const verdict = request.regionVerdicts?.[region];
  if (verdict?.state === 'ENDED') return { ...own, state: request.ending?.kind === 'expire' ? 'EXPIRED' : 'REVOKED' };
  if (verdict?.state === 'GRANTED' && (request.state === 'APPROVED' || request.state === 'FAILED')) return { ...own, state: 'GRANTED' };
  if (verdict?.state === 'FAILED' && request.state === 'APPROVED' && request.ending === undefined && verdict.attempt === request.attempts) {
    return { ...own, state: 'FAILED', ...(verdict.failure && { failure: verdict.failure }) };
  }
  return own;
}

/** The regions where the request still waits for a verdict: those a holder there must look at. */
export const awaitedIn = (request: AccessRequest, home: string): string[] => regionsOf(request, home).filter((region) => awaitsVerdict(inRegion(request, region)));

/** Where the request's grant stands, region by region, in the order its rule names them. */
export function regionStates(request: AccessRequest): { granted: string[]; failed: Array<{ region: string; failure?: Failure }>; other: string[] } {
  const states = { granted: [] as string[], failed: [] as Array<{ region: string; failure?: Failure }>, other: [] as string[] };
  for (const region of request.regions ?? []) {
    const view = inRegion(request, region);
    if (view.state === 'GRANTED') states.granted.push(region);
    else if (view.state === 'FAILED') states.failed.push({ region, ...(view.failure && { failure: view.failure }) });
    else states.other.push(region);
  }
  return states;
}

/** The request's own verdict, once every region has given its own. */
export type Settled = { readonly state: 'GRANTED' } | { readonly state: 'FAILED'; readonly failure: Failure; readonly partly: boolean } | { readonly state: 'ENDED' };

/**
 * The verdict of a request in several regions, or undefined while a region still waits for one:
 * granted once every region has the account; failed when some region could not (partly granted
 * when others did: they keep it until it is revoked or retried); ended once no region has it.
 */
export function settled(request: AccessRequest): Settled | undefined {
  if (!request.regions || !awaitsVerdict(request)) return undefined;
  if (request.regions.some((region) => awaitsVerdict(inRegion(request, region)))) return undefined;
  if (request.ending) return { state: 'ENDED' };
  const { granted, failed } = regionStates(request);
  const [first] = failed;
  if (!first) return { state: 'GRANTED' };
  const detail = failed.map(({ region, failure }) => `in ${region}: ${failure?.detail ?? 'not granted'}`).join('; ');
  const kept = granted.length > 0 ? ` It is granted in ${granted.join(', ')}; Retry finishes only ${failed.map((f) => f.region).join(', ')}.` : '';
  return { state: 'FAILED', failure: { code: first.failure?.code ?? ErrorCode.Registry, detail: `Not granted ${detail}.${kept}` }, partly: granted.length > 0 };
}
