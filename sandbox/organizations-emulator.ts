/**
 * A local AWS Organizations for the integration tests and the sandbox: a node:http server
 * speaking the JSON 1.1 protocol (X-Amz-Target `AWSOrganizationsV20161128.<Action>`) to the real
 * @aws-sdk/client-organizations, answering the reads ecr-access makes (an account's owner, an
 * OU's path and how many accounts it holds), with faults
 * (throttling, access denied, server errors) scripted or standing, as the ECR emulator has them.
 * Each request is logged with the access key that signed it, and one key can be required, so a
 * test tells a role's credentials from the bot's own. Dev tooling only; the Lambda never loads it.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeAwsJson } from './ecr/wire';
import { Organization, OrganizationsError, type OrganizationSeed } from './organizations/organization';
import { accessKeyOf } from './signed-by';

export type { OrganizationSeed } from './organizations/organization';

const TARGET_PREFIX = 'AWSOrganizationsV20161128.';

/** What a fault answers: AWS Organizations' own error for each. */
type OrganizationsFault = 'throttle' | 'denied' | 'server';

const FAULT_ERRORS: Record<OrganizationsFault, () => OrganizationsError> = {
  // Organizations throttles with TooManyRequestsException (its `Type` says why), not ThrottlingException.
  throttle: () => new OrganizationsError('TooManyRequestsException', 'You have sent too many requests in too short a period of time. The quota helps protect against denial-of-service attacks. Try again later.'),
  denied: () => new OrganizationsError('AccessDeniedException', "You don't have permissions to access this resource."),
  server: () => new OrganizationsError('ServiceException', 'AWS Organizations can\u2019t complete your request because of an internal service error. Try again later.', 500),
};

const ACTIONS = ['DescribeAccount', 'ListParents', 'DescribeOrganizationalUnit', 'DescribeOrganization', 'ListAccountsForParent', 'ListOrganizationalUnitsForParent'] as const;
type Action = (typeof ACTIONS)[number];
const isAction = (action: string): action is Action => (ACTIONS as readonly string[]).includes(action);

export interface OrganizationsEmulator {
  /** Where to point the SDK: `endpoint` or AWS_ENDPOINT_URL_ORGANIZATIONS. */
  readonly url: string;
  readonly organization: Organization;
  /** Every action received, in arrival order, since the last resetCalls(). */
  readonly calls: ReadonlyArray<string>;
  /** The same requests, each with the access key that signed it (undefined: unsigned). */
  readonly signedCalls: ReadonlyArray<{ readonly action: string; readonly accessKeyId: string | undefined }>;
  countCalls(action: string): number;
  resetCalls(): void;
  /** Every request for these actions (default all) fails with `fault` until clearFaults(). */
  setFault(fault: OrganizationsFault, actions?: readonly string[]): void;
  /** The next `times` requests for `action` fail with `fault`, ahead of any standing fault. */
  failNext(action: string, times: number, fault: OrganizationsFault): void;
  clearFaults(): void;
  /** Requests signed with any other access key are refused (AccessDeniedException), as the role's policy would; undefined: any key. */
  requireAccessKey(accessKeyId: string | undefined): void;
  close(): Promise<void>;
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  const parsed: unknown = JSON.parse(text);
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
}

export async function startOrganizationsEmulator(options: { seed: OrganizationSeed; port?: number; host?: string }): Promise<OrganizationsEmulator> {
  const organization = Organization.seeded(options.seed);
  const calls: Array<{ action: string; accessKeyId: string | undefined }> = [];
  let requiredKey: string | undefined;
  const scripted = new Map<string, OrganizationsFault[]>();
  let standing: { fault: OrganizationsFault; actions?: readonly string[] } | undefined;

  const faultFor = (action: string): OrganizationsFault | undefined => {
    const next = scripted.get(action)?.shift();
    if (next) return next;
    return standing && (!standing.actions || standing.actions.includes(action)) ? standing.fault : undefined;
  };

  const answer = async (request: IncomingMessage): Promise<object> => {
    const target = request.headers['x-amz-target'];
    const action = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    const accessKeyId = accessKeyOf(request);
    calls.push({ action, accessKeyId });
    let body: Record<string, unknown>;
    try {
      body = await readJson(request);
    } catch {
      throw new OrganizationsError('SerializationException', 'Start of structure or map found where not expected.');
    }
    // Signatures are not checked (any credentials will do), but an unsigned request is refused.
    if (!request.headers.authorization) throw new OrganizationsError('MissingAuthenticationTokenException', 'Missing Authentication Token');
    if (request.method !== 'POST' || !isAction(action)) throw new OrganizationsError('UnknownOperationException', `Operation ${String(target)} is not supported.`);
    if (requiredKey !== undefined && accessKeyId !== requiredKey) throw FAULT_ERRORS.denied();
    const fault = faultFor(action);
    if (fault) throw FAULT_ERRORS[fault]();
    switch (action) {
      case 'DescribeAccount':
        return organization.describeAccount(body);
      case 'ListParents':
        return organization.listParents(body);
      case 'DescribeOrganizationalUnit':
        return organization.describeOrganizationalUnit(body);
      case 'DescribeOrganization':
        return organization.describeOrganization();
      case 'ListAccountsForParent':
        return organization.listAccountsForParent(body);
      case 'ListOrganizationalUnitsForParent':
        return organization.listOrganizationalUnitsForParent(body);
    }
  };

  const server = createServer((request, response) => {
    answer(request).then(
      (output) => writeAwsJson(response, 200, output),
      (error: unknown) => {
        const failure = error instanceof OrganizationsError ? error : new OrganizationsError('ServiceException', String(error), 500);
        writeAwsJson(response, failure.status, { __type: failure.type, Message: failure.message }, failure.type);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    organization,
    get calls() {
      return calls.map((call) => call.action);
    },
    get signedCalls() {
      return calls;
    },
    countCalls: (action) => calls.filter((call) => call.action === action).length,
    resetCalls: () => {
      calls.length = 0;
    },
    setFault(fault, actions) {
      standing = { fault, ...(actions && { actions }) };
    },
    failNext(action, times, fault) {
      scripted.set(action, [...(scripted.get(action) ?? []), ...Array.from({ length: times }, () => fault)]);
    },
    clearFaults() {
      standing = undefined;
      scripted.clear();
    },
    requireAccessKey(accessKeyId) {
      requiredKey = accessKeyId;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets from the SDK's agent would otherwise keep the server open.
        server.closeAllConnections();
      }),
  };
}
