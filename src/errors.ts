// Every failure ecr-access reports carries one code from this enum, so callers branch on codes
// and users read the message.
export enum ErrorCode {
  InvalidConfig = 'ecr_access_invalid_config',
  InvalidPolicy = 'ecr_access_invalid_policy',
  ForeignStatement = 'ecr_access_foreign_statement',
  PolicyTooLarge = 'ecr_access_policy_too_large',
  DeniedByPolicy = 'ecr_access_denied_by_policy',
  /** The policy was written, but reading it back shows the account was taken out again at once. */
  ChangedConcurrently = 'ecr_access_changed_concurrently',
  /** The repository is no longer one ecr-access may share. */
  NotShareable = 'ecr_access_not_shareable',
  RepositoryNotFound = 'ecr_access_repository_not_found',
  Registry = 'ecr_access_registry',
  PolicyRejected = 'ecr_access_policy_rejected',
  /** ECR may or may not have applied a policy write (timeout, lost connection, 5xx), and may still apply it later. */
  WriteOutcomeUnknown = 'ecr_access_write_outcome_unknown',
  Store = 'ecr_access_store',
  Conflict = 'ecr_access_conflict',
  /** The repository's lease no longer covers a policy write sent now: nothing was sent. */
  LeaseLost = 'ecr_access_lease_lost',
  Slack = 'ecr_access_slack',
  JobHandover = 'ecr_access_job_handover',
  SecretsUnavailable = 'ecr_access_secrets_unavailable',
  /** A pass of the sweep left something undone; it stays due and the next pass tries again. */
  SweepIncomplete = 'ecr_access_sweep_incomplete',
}

export class EcrAccessError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EcrAccessError';
  }
}

export function isEcrAccessError(error: unknown, code?: ErrorCode): error is EcrAccessError {
  return error instanceof EcrAccessError && (code === undefined || error.code === code);
}
