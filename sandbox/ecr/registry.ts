/**
 * One ECR registry held in memory: its repositories and their policies, and ECR's rules for
 * reading and writing them. Knows nothing of HTTP; every refusal is an EcrServiceError.
 */
import {
  accessDenied,
  invalidParameter,
  invalidPolicy,
  repositoryAlreadyExists,
  repositoryNotFound,
  repositoryPolicyNotFound,
} from './errors';
import { isAcceptableRepositoryPolicy } from './policy-validation';
import { reformatAsEcrDoes } from './policy-reformat';

const REPOSITORY_NAME_PATTERN = '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*';
const REPOSITORY_NAME = new RegExp(`^${REPOSITORY_NAME_PATTERN}$`);
const DEFAULT_PAGE_SIZE = 100;

export type ImageTagMutability = 'MUTABLE' | 'IMMUTABLE';

/** What the registry keeps per repository; also the shape of the state file. */
export interface StoredRepository {
  name: string;
  /** Epoch milliseconds. */
  createdAt: number;
  imageTagMutability: ImageTagMutability;
  scanOnPush: boolean;
  /** The text exactly as it was set. */
  policyText?: string;
}

/** The Repository structure of the ECR API (createdAt in epoch seconds, as the wire carries it). */
export interface RepositoryDescription {
  repositoryArn: string;
  registryId: string;
  repositoryName: string;
  repositoryUri: string;
  createdAt: number;
  imageTagMutability: ImageTagMutability;
  imageScanningConfiguration: { scanOnPush: boolean };
  encryptionConfiguration: { encryptionType: 'AES256' };
}

export interface PolicyAnswer {
  registryId: string;
  repositoryName: string;
  policyText: string;
}

export interface RegistrySettings {
  registryId: string;
  region: string;
  isKnownAccount: (accountId: string) => boolean;
  now: () => number;
}

/** Why a repository name is not one ECR accepts, or undefined if it is fine. */
function repositoryNameProblem(name: string): string | undefined {
  if (name.length < 2 || name.length > 256) return 'must have length between 2 and 256';
  if (!REPOSITORY_NAME.test(name)) return `must satisfy regular expression '${REPOSITORY_NAME_PATTERN}'`;
  return undefined;
}

function assertRepositoryName(name: string): void {
  const problem = repositoryNameProblem(name);
  if (problem) throw invalidParameter('repositoryName', problem);
}

// Page tokens are opaque to callers, as ECR's are; inside they are an offset.
const encodeToken = (offset: number): string => Buffer.from(JSON.stringify({ offset })).toString('base64url');

function decodeToken(token: string): number {
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through to the refusal below
  }
  throw invalidParameter('nextToken', 'Invalid NextToken');
}

export class EcrRegistry {
  private readonly repositories = new Map<string, StoredRepository>();
  /** Grows on every change, so the emulator knows when to persist. */
  revision = 0;

  constructor(private readonly settings: RegistrySettings) {}

  get registryId(): string {
    return this.settings.registryId;
  }

  names(): string[] {
    return [...this.repositories.keys()];
  }

  snapshot(): StoredRepository[] {
    return [...this.repositories.values()].map((repository) => ({ ...repository }));
  }

  restore(repositories: readonly StoredRepository[]): void {
    this.repositories.clear();
    for (const repository of repositories) this.repositories.set(repository.name, { ...repository });
  }

  // Optional fields may come as undefined: the request bodies parsed in actions.ts pass them on as they are.
  createRepository(input: {
    repositoryName: string;
    registryId?: string | undefined;
    imageTagMutability?: ImageTagMutability | undefined;
    scanOnPush?: boolean | undefined;
  }): RepositoryDescription {
    if (!this.isOwnRegistry(input.registryId)) throw accessDenied('CreateRepository', input.registryId ?? '');
    assertRepositoryName(input.repositoryName);
    if (this.repositories.has(input.repositoryName)) {
      throw repositoryAlreadyExists(input.repositoryName, this.registryId);
    }
    const repository: StoredRepository = {
      name: input.repositoryName,
      createdAt: this.settings.now(),
      imageTagMutability: input.imageTagMutability ?? 'MUTABLE',
      scanOnPush: input.scanOnPush ?? false,
    };
    this.repositories.set(repository.name, repository);
    this.revision += 1;
    return this.describe(repository);
  }

  describeRepositories(input: {
    registryId?: string | undefined;
    repositoryNames?: string[] | undefined;
    maxResults?: number | undefined;
    nextToken?: string | undefined;
  }): { repositories: RepositoryDescription[]; nextToken?: string } {
    if (input.repositoryNames) {
      if (input.maxResults !== undefined || input.nextToken !== undefined) {
        throw invalidParameter('maxResults', 'cannot be used with repositoryNames');
      }
      const repositories = input.repositoryNames.map((name) =>
        this.describe(this.existing(name, input.registryId)),
      );
      return { repositories };
    }
    const all = this.isOwnRegistry(input.registryId) ? [...this.repositories.values()] : [];
    const start = input.nextToken === undefined ? 0 : decodeToken(input.nextToken);
    const end = start + (input.maxResults ?? DEFAULT_PAGE_SIZE);
    const page = all.slice(start, end).map((repository) => this.describe(repository));
    return end < all.length ? { repositories: page, nextToken: encodeToken(end) } : { repositories: page };
  }

  getRepositoryPolicy(input: { repositoryName: string; registryId?: string | undefined }): PolicyAnswer {
    const repository = this.existing(input.repositoryName, input.registryId);
    if (repository.policyText === undefined) throw repositoryPolicyNotFound(repository.name, this.registryId);
    return this.policyAnswer(repository.name, reformatAsEcrDoes(repository.policyText));
  }

  setRepositoryPolicy(input: { repositoryName: string; registryId?: string | undefined; policyText: string }): PolicyAnswer {
    const repository = this.existing(input.repositoryName, input.registryId);
    if (!isAcceptableRepositoryPolicy(input.policyText, this.settings.isKnownAccount)) throw invalidPolicy();
    repository.policyText = input.policyText;
    this.revision += 1;
    return this.policyAnswer(repository.name, input.policyText);
  }

  deleteRepositoryPolicy(input: { repositoryName: string; registryId?: string | undefined }): PolicyAnswer {
    const repository = this.existing(input.repositoryName, input.registryId);
    const { policyText } = repository;
    if (policyText === undefined) throw repositoryPolicyNotFound(repository.name, this.registryId);
    delete repository.policyText;
    this.revision += 1;
    return this.policyAnswer(repository.name, reformatAsEcrDoes(policyText));
  }

  /** Seeds a repository; an existing one is left as it is, so seeding is safe on every start. */
  seedRepository(name: string): void {
    assertRepositoryName(name);
    if (this.repositories.has(name)) return;
    this.createRepository({ repositoryName: name });
  }

  /** Seeds a policy without ECR's checks, so tests can start from hand-written oddities. */
  seedPolicy(name: string, policyText: string): void {
    JSON.parse(policyText);
    this.existing(name, undefined).policyText = policyText;
    this.revision += 1;
  }

  storedPolicyText(name: string): string | undefined {
    return this.repositories.get(name)?.policyText;
  }

  private isOwnRegistry(registryId: string | undefined): boolean {
    return registryId === undefined || registryId === this.registryId;
  }

  /** Another registry is, to this emulator, one without repositories. */
  private existing(name: string, registryId: string | undefined): StoredRepository {
    assertRepositoryName(name);
    const repository = this.isOwnRegistry(registryId) ? this.repositories.get(name) : undefined;
    if (!repository) throw repositoryNotFound(name, registryId ?? this.registryId);
    return repository;
  }

  private policyAnswer(repositoryName: string, policyText: string): PolicyAnswer {
    return { registryId: this.registryId, repositoryName, policyText };
  }

  private describe(repository: StoredRepository): RepositoryDescription {
    const { registryId, region } = this.settings;
    return {
      repositoryArn: `arn:aws:ecr:${region}:${registryId}:repository/${repository.name}`,
      registryId,
      repositoryName: repository.name,
      repositoryUri: `${registryId}.dkr.ecr.${region}.amazonaws.com/${repository.name}`,
      createdAt: repository.createdAt / 1000,
      imageTagMutability: repository.imageTagMutability,
      imageScanningConfiguration: { scanOnPush: repository.scanOnPush },
      encryptionConfiguration: { encryptionType: 'AES256' },
    };
  }
}
