// Every failure ecr-access reports carries one code from this enum, so callers branch on codes
// and users read the message.
export enum ErrorCode {
  InvalidConfig = 'ecr_access_invalid_config',
  InvalidCommand = 'ecr_access_invalid_command',
  InvalidPolicy = 'ecr_access_invalid_policy',
  ForeignStatement = 'ecr_access_foreign_statement',
  PolicyTooLarge = 'ecr_access_policy_too_large',
  DeniedByPolicy = 'ecr_access_denied_by_policy',
  VerificationFailed = 'ecr_access_verification_failed',
  RepositoryNotFound = 'ecr_access_repository_not_found',
  Registry = 'ecr_access_registry',
  PolicyRejected = 'ecr_access_policy_rejected',
  Store = 'ecr_access_store',
  Conflict = 'ecr_access_conflict',
  LockLost = 'ecr_access_lock_lost',
  Slack = 'ecr_access_slack',
  JobHandover = 'ecr_access_job_handover',
  SecretsUnavailable = 'ecr_access_secrets_unavailable',
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
