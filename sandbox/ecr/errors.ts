/**
 * ECR's error vocabulary as the emulator speaks it: exception name, HTTP status and the
 * message text real ECR uses, so the product is tested against the words it will really see.
 */

/** Every exception name the emulator can answer with; callers branch on these, never on text. */
export const EcrErrorType = {
  RepositoryNotFound: 'RepositoryNotFoundException',
  RepositoryAlreadyExists: 'RepositoryAlreadyExistsException',
  RepositoryPolicyNotFound: 'RepositoryPolicyNotFoundException',
  InvalidParameter: 'InvalidParameterException',
  AccessDenied: 'AccessDeniedException',
  Throttling: 'ThrottlingException',
  Server: 'ServerException',
  UnknownOperation: 'UnknownOperationException',
  MissingAuthenticationToken: 'MissingAuthenticationTokenException',
  IncompleteSignature: 'IncompleteSignatureException',
  InvalidSignature: 'InvalidSignatureException',
  Serialization: 'SerializationException',
} as const;

export type EcrErrorType = (typeof EcrErrorType)[keyof typeof EcrErrorType];

/** An answer the emulator gives as an ECR error: `{"__type", "message"}` plus x-amzn-ErrorType. */
export class EcrServiceError extends Error {
  constructor(
    readonly type: EcrErrorType,
    message: string,
    readonly status: 400 | 403 | 500 = 400,
  ) {
    super(message);
    this.name = type;
  }
}

const INVALID_POLICY_MESSAGE =
  "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'";

export const repositoryNotFound = (name: string, registryId: string): EcrServiceError =>
  new EcrServiceError(
    EcrErrorType.RepositoryNotFound,
    `The repository with name '${name}' does not exist in the registry with id '${registryId}'`,
  );

export const repositoryAlreadyExists = (name: string, registryId: string): EcrServiceError =>
  new EcrServiceError(
    EcrErrorType.RepositoryAlreadyExists,
    `The repository with name '${name}' already exists in the registry with id '${registryId}'`,
  );

export const repositoryPolicyNotFound = (name: string, registryId: string): EcrServiceError =>
  new EcrServiceError(
    EcrErrorType.RepositoryPolicyNotFound,
    `Repository policy does not exist for the repository with name '${name}' in the registry with id '${registryId}'`,
  );

export const invalidParameter = (parameter: string, constraint: string): EcrServiceError =>
  new EcrServiceError(
    EcrErrorType.InvalidParameter,
    `Invalid parameter at '${parameter}' failed to satisfy constraint: '${constraint}'`,
  );

export const invalidPolicy = (): EcrServiceError =>
  new EcrServiceError(EcrErrorType.InvalidParameter, INVALID_POLICY_MESSAGE);

export const accessDenied = (action: string, registryId: string): EcrServiceError =>
  new EcrServiceError(
    EcrErrorType.AccessDenied,
    `User is not authorized to perform: ecr:${action} on registry '${registryId}'`,
  );

export const throttled = (): EcrServiceError =>
  new EcrServiceError(EcrErrorType.Throttling, 'Rate exceeded');

export const serverError = (detail = 'Internal server error, please retry'): EcrServiceError =>
  new EcrServiceError(EcrErrorType.Server, detail, 500);

export const unknownOperation = (target: string | undefined): EcrServiceError =>
  new EcrServiceError(
    EcrErrorType.UnknownOperation,
    target ? `Unknown operation ${target}` : 'Missing X-Amz-Target header',
  );

export const missingAuthenticationToken = (): EcrServiceError =>
  new EcrServiceError(EcrErrorType.MissingAuthenticationToken, 'Missing Authentication Token');

export const serialization = (detail: string): EcrServiceError =>
  new EcrServiceError(EcrErrorType.Serialization, detail);

export const incompleteSignature = (detail: string): EcrServiceError =>
  new EcrServiceError(EcrErrorType.IncompleteSignature, detail);

/** 403, as AWS answers a signature whose date is outside the signature lifetime. */
export const invalidSignature = (detail: string): EcrServiceError =>
  new EcrServiceError(EcrErrorType.InvalidSignature, detail, 403);
