// Everything the use cases are built from, passed in so tests and runtimes choose the adapters.
import type { RepositoryRules } from '../domain/repository-rules';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { AccountDirectory, OrganizationalUnits, ChangeQueue, Clock, ClockCheck, Homes, IsApprover, Notifier, Registry, RequestStore, WaitingJobs } from './ports';

export interface ServiceDeps {
  /** ECR in the bot's own region. */
  readonly registry: Registry;
  /** ECR in a region, for repositories replicated to several (`registryIn(region)` is `registry`). */
  readonly registryIn: (region: string) => Registry;
  readonly store: RequestStore;
  readonly changes: ChangeQueue;
  readonly notifier: Notifier;
  /** Each person's App Home, published again when a request that concerns them changes. */
  readonly homes: Homes;
  readonly isApprover: IsApprover;
  readonly clock: Clock;
  /** Whether this process's times may be compared with other processes' (leases, announcement take-overs). */
  readonly clockCheck: ClockCheck;
  readonly newId: () => string;
  /** Names this process when it takes on announcing an outcome. */
  readonly processId: string;
  /** The AWS region of the shared repositories: a Lambda grant names the consumer's functions in it. */
  readonly region: string;
  readonly logger: Logger;
  /** CloudWatch metrics, as log lines through the same logger (src/metrics.ts). */
  readonly metrics: Metrics;
  /** The jobs that failed every try and wait to be run again; only Lambda hands jobs over, so only Lambda has them. */
  readonly waitingJobs?: WaitingJobs;
  /** The repositories shared and each one's terms: approvers, approvals, time limits. */
  readonly rules: RepositoryRules;
  /** How long a job waits for its change while another holder has the repository. */
  readonly waitForChangeMs: number;
  /** How long an outcome's announcer may stay silent (it renews its claim every third of this) before another process finishes its announcement. */
  readonly announceRetryMs: number;
  /** How far two processes' clocks may disagree; a lease's landing time allows for it. */
  readonly clockMarginMs: number;
  /** Who owns each account (AWS Organizations or the accounts file); absent, nobody is asked and no owner is shown. */
  readonly accounts?: AccountDirectory;
  /** The organization's OUs, for OU grants: only where accounts come from AWS Organizations; absent, an OU request is refused. */
  readonly units?: OrganizationalUnits;
  /** Refuse requests for accounts outside the organization (or missing from the accounts file) before any card is posted, where a repository's rule does not say. */
  readonly organizationOnly?: boolean;
}

/**
 * The region a repository is checked and watched in: the first its rule names, for a repository
 * replicated to several (requests are checked there, `list` and drift read its policy there), else
 * the bot's own.
 */
export const watchedRegion = (deps: Pick<ServiceDeps, 'rules' | 'region'>, repository: string): string => deps.rules.ruleFor(repository)?.regions?.[0] ?? deps.region;
