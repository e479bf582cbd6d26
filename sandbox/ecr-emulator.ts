/**
 * A local Amazon ECR for the integration tests, the sandbox and benchmarks: a node:http server
 * speaking ECR's JSON 1.1 protocol to the real @aws-sdk/client-ecr, with fault injection
 * (late delivery included) and AWS's check on the age of a request's signature.
 * Dev tooling only; the Lambda never loads it.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { isEcrAction, runEcrAction, type EcrActionName } from './ecr/actions';
import { CallLog, type CallListener, type EcrCall } from './ecr/call-log';
import {
  EcrServiceError,
  missingAuthenticationToken,
  serialization,
  serverError,
  throttled,
  unknownOperation,
} from './ecr/errors';
import { FaultPlan, type EcrFaults, type Fault, type FaultKind, type LateDeliveryScript } from './ecr/faults';
import { LateDeliveries, type EcrLanding, type LandingListener } from './ecr/late-delivery';
import { EcrRegistry } from './ecr/registry';
import { AWS_SIGNATURE_LIFETIME_MS, assertSignatureCurrent, signingTime } from './ecr/signing-time';
import { loadState, type SavedState, saveState } from './ecr/state-file';
import {
  INVALID_JSON,
  header,
  parseBody,
  readBody,
  repositoryNameOf,
  sendError,
  sendOutput,
  signedRegion,
  targetAction,
} from './ecr/wire';


/** A repository or its policy changed (through the API or by seeding), and the change is stored. */
export interface EcrChange {
  repositoryName: string;
  /** The region whose registry changed. */
  region: string;
}

type ChangeListener = (change: EcrChange) => void;

export interface EcrEmulatorOptions {
  /** 0 (the default) picks any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The registry's account ID; default 123456789012. */
  registryId?: string;
  /**
   * The emulator's own region, used in repository ARNs and URIs; default us-east-1. Each region
   * is a registry of its own: a request is answered by the registry of the region it was signed
   * for, as each region's ECR endpoint does, so one emulator stands in for every region.
   */
  region?: string;
  /** 12-digit accounts that do not exist, so policies naming them are refused; default ['000000000000']. */
  unknownAccounts?: string[];
  /** Delay before every answer, in milliseconds; default 0. */
  latencyMs?: number;
  /** Loaded at start if present and saved after every change, so a sandbox survives restarts. */
  stateFile?: string;
  /**
   * How far a request's signing time (X-Amz-Date) may be from the emulator's clock when the request
   * is applied; default 5 minutes, AWS's. Lower it so tests see signatures expire in seconds.
   */
  signatureLifetimeMs?: number;
}

export interface EcrEmulator {
  /** Where to point the SDK: `endpoint` or AWS_ENDPOINT_URL_ECR. */
  readonly url: string;
  readonly registryId: string;
  readonly region: string;
  /** Every request received, in arrival order, since the last resetCalls(). */
  readonly calls: ReadonlyArray<EcrCall>;
  /** How every late-delivered request ended, in landing order, since the last resetCalls(). */
  readonly landings: ReadonlyArray<EcrLanding>;
  /** Stops listening and ends every request still in flight, hanging ones included; late ones are dropped. */
  close(): Promise<void>;
  /** Seeds a repository (in `region`, by default the emulator's own); one that exists already is left as it is. */
  createRepository(name: string, region?: string): void;
  /** Seeds a policy text as given, without ECR's checks (it must be JSON). */
  putPolicy(name: string, policyText: string, region?: string): void;
  /** The policy text as it was stored, before ECR's reformatting on read. */
  policyText(name: string, region?: string): string | undefined;
  repositories(region?: string): string[];
  countCalls(action: string): number;
  resetCalls(): void;
  /** Replaces the random/standing faults. Requests held by `hang` are released when it is turned off. */
  setFaults(faults: EcrFaults): void;
  /** Removes every fault, scripted ones included, and answers every held request (late ones keep their time). */
  clearFaults(): void;
  /** The next `times` requests for `action` fail with `kind`, ahead of any other fault. */
  failNext(action: string, times: number, kind: FaultKind): void;
  /**
   * The next `times` (default 1) requests for `action` are held `delayMs` and then applied even if
   * their client gave up, as a network that delivers late; scripted alongside failNext, in order.
   */
  deliverLate(action: string, script: LateDeliveryScript): void;
  /** Calls `listener` for every request as it arrives; returns the unsubscribe function. */
  on(event: 'call', listener: CallListener): () => void;
  /** Calls `listener` after every change to a repository or its policy; returns the unsubscribe function. */
  on(event: 'change', listener: ChangeListener): () => void;
  /** Calls `listener` as each late request lands (applied, refused or dropped); returns the unsubscribe function. */
  on(event: 'landed', listener: LandingListener): () => void;
  /** Resolves once `count` calls of `action` were received; rejects after `timeoutMs` (default 5000). */
  waitForCalls(action: string, count: number, timeoutMs?: number): Promise<void>;
  /** Resolves once no late request is held (each has landed); rejects after `timeoutMs` (default 5000). */
  waitForLateDeliveries(timeoutMs?: number): Promise<void>;
}

const ACCOUNT_ID = /^[0-9]{12}$/;

/** A held request: released when its fault goes away, abandoned when its client or the emulator does. */
interface HeldRequest {
  origin: 'scripted' | 'standing';
  release(): void;
}

/** One registry per region, each made when its region is first named: ECR keeps every region apart. */
class RegionalRegistries {
  readonly home: EcrRegistry;
  private readonly others = new Map<string, EcrRegistry>();

  constructor(
    readonly region: string,
    private readonly make: (region: string) => EcrRegistry,
  ) {
    this.home = make(region);
  }

  in(region: string): EcrRegistry {
    if (region === this.region) return this.home;
    const registry = this.others.get(region) ?? this.make(region);
    this.others.set(region, registry);
    return registry;
  }

  snapshot(): SavedState {
    return { repositories: this.home.snapshot(), regions: Object.fromEntries([...this.others].map(([region, registry]) => [region, registry.snapshot()])) };
  }

  restore(saved: SavedState): void {
    this.home.restore(saved.repositories);
    for (const [region, repositories] of Object.entries(saved.regions)) this.in(region).restore(repositories);
  }
}

class RunningEcrEmulator implements EcrEmulator {
  readonly registryId: string;
  readonly region: string;
  url = '';

  private readonly log = new CallLog();
  private readonly faults = new FaultPlan();
  private readonly late = new LateDeliveries();
  private readonly held = new Set<HeldRequest>();
  private readonly changes = new EventEmitter();
  private readonly inFlight = new Set<AbortController>();
  private readonly server: Server;
  private saving: Promise<void> = Promise.resolve();
  private saveFailure: unknown;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly registries: RegionalRegistries,
    private readonly options: EcrEmulatorOptions,
  ) {
    this.registryId = registries.home.registryId;
    this.region = registries.region;
    this.server = createServer((request, response) => void this.handle(request, response));
    // Every watcher of the sandbox page listens; more than Node's default 10 is not a leak.
    this.changes.setMaxListeners(0);
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const { address, port } = this.server.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    this.url = `http://${host}:${port}`;
  }

  get calls(): ReadonlyArray<EcrCall> {
    return this.log.calls;
  }

  get landings(): ReadonlyArray<EcrLanding> {
    return this.late.landings;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.late.dropAll();
      for (const request of this.inFlight) request.abort();
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      // Keep-alive sockets from the SDK's agent would otherwise keep the server open.
      this.server.closeAllConnections();
      await closed;
      await this.saving.catch(() => undefined);
      if (this.saveFailure !== undefined) throw this.saveFailure;
    })();
    return this.closing;
  }

  createRepository(name: string, region = this.region): void {
    const registry = this.registries.in(region);
    const revision = registry.revision;
    registry.seedRepository(name);
    this.persistInBackground();
    if (registry.revision !== revision) this.announceChange(name, region);
  }

  putPolicy(name: string, policyText: string, region = this.region): void {
    this.registries.in(region).seedPolicy(name, policyText);
    this.persistInBackground();
    this.announceChange(name, region);
  }

  policyText(name: string, region = this.region): string | undefined {
    return this.registries.in(region).storedPolicyText(name);
  }

  repositories(region = this.region): string[] {
    return this.registries.in(region).names();
  }

  countCalls(action: string): number {
    return this.log.count(action);
  }

  resetCalls(): void {
    this.log.reset();
    this.late.reset();
  }

  setFaults(faults: EcrFaults): void {
    this.faults.set(faults);
    if (!faults.hang) this.release('standing');
  }

  clearFaults(): void {
    this.faults.clear();
    this.release('scripted');
    this.release('standing');
  }

  failNext(action: string, times: number, kind: FaultKind): void {
    this.faults.failNext(action, times, kind);
  }

  deliverLate(action: string, script: LateDeliveryScript): void {
    this.faults.deliverLate(action, script);
  }

  on(event: 'call', listener: CallListener): () => void;
  on(event: 'change', listener: ChangeListener): () => void;
  on(event: 'landed', listener: LandingListener): () => void;
  on(event: 'call' | 'change' | 'landed', listener: CallListener | ChangeListener | LandingListener): () => void {
    if (event === 'call') return this.log.on(listener as CallListener);
    if (event === 'landed') return this.late.on(listener as LandingListener);
    if (event !== 'change') throw new Error(`unknown emulator event '${String(event)}'`);
    this.changes.on('change', listener);
    return () => this.changes.off('change', listener);
  }

  waitForCalls(action: string, count: number, timeoutMs = 5000): Promise<void> {
    return this.log.waitFor(action, count, timeoutMs);
  }

  waitForLateDeliveries(timeoutMs = 5000): Promise<void> {
    return this.late.waitForAll(timeoutMs);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const client = new AbortController();
    this.inFlight.add(client);
    response.on('close', () => {
      this.inFlight.delete(client);
      // The client gave up (or close() cut it off): stop working on its behalf, unless the
      // request is already on its way late, which the network delivers all the same.
      if (!response.writableEnded) client.abort();
    });
    try {
      const output = await this.answer(request, client.signal);
      if (!client.signal.aborted) sendOutput(response, output);
    } catch (error) {
      if (client.signal.aborted) return;
      sendError(
        response,
        error instanceof EcrServiceError ? error : serverError(error instanceof Error ? error.message : String(error)),
      );
    }
  }

  /** The whole life of one request, in the order ECR's front door would take it. */
  private async answer(request: IncomingMessage, client: AbortSignal): Promise<object> {
    const body = parseBody(await readBody(request));
    const { target, action } = targetAction(request);
    const repositoryName = repositoryNameOf(body);
    const receivedAt = Date.now();
    const named = repositoryName === undefined ? {} : { repositoryName };
    const region = signedRegion(request) ?? this.region;
    this.log.record({ action, ...named, region, at: receivedAt });

    // Signatures are not checked (any credentials will do), but an unsigned or undated request is refused.
    if (!header(request, 'authorization')) throw missingAuthenticationToken();
    const signedAt = signingTime(request);
    if (request.method !== 'POST' || !isEcrAction(action)) throw unknownOperation(target);

    const fault = this.faults.next(action);
    const apply = (): Promise<object> => this.apply(region, action, body, repositoryName, signedAt, fault);
    if (fault?.kind === 'late') {
      return this.late.deliver({ action, ...named, signedAt, receivedAt }, fault.delayMs, apply, () => !client.aborted);
    }
    if (fault?.kind === 'hang') await this.hold(fault.scripted ? 'scripted' : 'standing', client);
    await sleep(this.faults.latencyMs(action, this.options.latencyMs ?? 0), undefined, { signal: client });
    return apply();
  }

  /** What ECR does as a request reaches it, however late: the signature's age, then the service. */
  private async apply(
    region: string,
    action: EcrActionName,
    body: unknown,
    repositoryName: string | undefined,
    signedAt: number,
    fault: Fault | undefined,
  ): Promise<object> {
    assertSignatureCurrent(signedAt, Date.now(), this.options.signatureLifetimeMs ?? AWS_SIGNATURE_LIFETIME_MS);
    if (fault?.kind === 'throttle') throw throttled();
    if (fault?.kind === 'server') throw serverError();

    if (body === INVALID_JSON) throw serialization('Request body is not valid JSON');
    const registry = this.registries.in(region);
    const revision = registry.revision;
    const output = runEcrAction(registry, action, body ?? {});
    // Answer only once the change is on disk, as a durable service would.
    if (registry.revision !== revision) {
      await this.persist();
      if (repositoryName !== undefined) this.announceChange(repositoryName, region);
    }
    return output;
  }

  private hold(origin: HeldRequest['origin'], signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry: HeldRequest = {
        origin,
        release: () => {
          this.held.delete(entry);
          signal.removeEventListener('abort', abandon);
          resolve();
        },
      };
      const abandon = (): void => {
        this.held.delete(entry);
        reject(signal.reason);
      };
      this.held.add(entry);
      signal.addEventListener('abort', abandon, { once: true });
    });
  }

  private release(origin: HeldRequest['origin']): void {
    for (const entry of [...this.held]) if (entry.origin === origin) entry.release();
  }

  private persist(): Promise<void> {
    const { stateFile } = this.options;
    if (!stateFile) return Promise.resolve();
    const snapshot = this.registries.snapshot();
    // Writes are chained so the file always ends with the latest state; one failed write
    // fails its own request but does not stop the ones after it.
    const write = this.saving
      .catch(() => undefined)
      .then(() => saveState(stateFile, snapshot))
      .catch((error: unknown) => {
        this.saveFailure = error;
        throw error;
      });
    this.saving = write;
    return write;
  }

  private announceChange(repositoryName: string, region: string): void {
    this.changes.emit('change', { repositoryName, region } satisfies EcrChange);
  }

  private persistInBackground(): void {
    // Seeding is synchronous; a failed write is remembered and thrown by close().
    this.persist().catch(() => undefined);
  }
}

export async function startEcrEmulator(options: EcrEmulatorOptions = {}): Promise<EcrEmulator> {
  const registryId = options.registryId ?? '123456789012';
  if (!ACCOUNT_ID.test(registryId)) throw new Error(`registryId must be a 12-digit account ID, got '${registryId}'`);
  const { signatureLifetimeMs } = options;
  if (signatureLifetimeMs !== undefined && !(Number.isFinite(signatureLifetimeMs) && signatureLifetimeMs > 0)) {
    throw new Error(`signatureLifetimeMs must be a positive number of milliseconds, got ${signatureLifetimeMs}`);
  }
  const unknownAccounts = new Set(options.unknownAccounts ?? ['000000000000']);
  const registries = new RegionalRegistries(
    options.region ?? 'us-east-1',
    (region) =>
      new EcrRegistry({
        registryId,
        region,
        isKnownAccount: (accountId) => ACCOUNT_ID.test(accountId) && !unknownAccounts.has(accountId),
        now: () => Date.now(),
      }),
  );
  if (options.stateFile) {
    const saved = await loadState(options.stateFile);
    if (saved) registries.restore(saved);
  }
  const emulator = new RunningEcrEmulator(registries, options);
  await emulator.listen();
  return emulator;
}
