/**
 * A local AWS STS for the integration tests and the sandbox: a node:http server speaking the AWS
 * Query protocol (form-encoded POST, XML answers) to the real SDK (AWS_ENDPOINT_URL_STS, or
 * `endpoints.sts` of createAwsClients), answering AssumeRole as STS and moto's sts backend do:
 * fresh temporary credentials for each call, AccessDenied for a role it was not told the caller
 * may assume, and faults (Throttling, InternalFailure) standing or scripted. Every call is logged
 * with the role, the session name and the access key that signed it. Dev tooling only; the
 * Lambda never loads it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { accessKeyOf } from './signed-by';

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
/** STS's default for AssumeRole's DurationSeconds, and the range it takes (a role's maximum is at most 12 hours). */
const DEFAULT_DURATION_SECONDS = 3600;
const MIN_DURATION_SECONDS = 900;
const MAX_DURATION_SECONDS = 43_200;
/** RoleSessionName's pattern and length in STS's API reference. */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/** What a fault answers: STS's own error for each. */
type StsFault = 'throttle' | 'server';

/** One AssumeRole as the emulator received it, and the access key it issued (none when refused). */
interface AssumeRoleCall {
  readonly roleArn: string;
  readonly roleSessionName: string;
  /** The access key that signed the call: the caller's own credentials. */
  readonly callerAccessKeyId: string | undefined;
  /** Set once the credentials are issued. */
  issuedAccessKeyId?: string;
}

export interface StsEmulator {
  /** Where to point the SDK: AWS_ENDPOINT_URL_STS, or `endpoints.sts` of createAwsClients. */
  readonly url: string;
  /** Every AssumeRole received, in arrival order, since the last resetCalls(). */
  readonly calls: ReadonlyArray<Readonly<AssumeRoleCall>>;
  resetCalls(): void;
  /** Every AssumeRole fails with `fault` until clearFaults(). */
  setFault(fault: StsFault): void;
  /** The next `times` AssumeRole calls fail with `fault`, ahead of any standing fault. */
  failNext(times: number, fault: StsFault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

class StsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const FAULT_ERRORS: Record<StsFault, () => StsError> = {
  throttle: () => new StsError('Throttling', 'Rate exceeded', 400),
  server: () => new StsError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500),
};

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function writeXml(response: ServerResponse, status: number, xml: string): void {
  response.writeHead(status, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(xml), 'x-amzn-RequestId': randomUUID() });
  response.end(xml);
}

/** STS's error document: `ErrorResponse/Error/{Type,Code,Message}` (Type is Sender or Receiver). */
function errorXml(error: StsError): string {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  return `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Temporary credentials as STS shapes them: an ASIA access key, and a session token that goes with it. */
function temporaryCredentials(durationSeconds: number) {
  return {
    accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: `FQoGZXIvYXdzEBYaD${randomBytes(96).toString('base64')}`,
    // Whole seconds, as STS writes it.
    expiration: new Date(Date.now() + durationSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

/** `accountId` owns the caller (default 123456789012); `roles` are the role ARNs the caller may assume. */
export async function startStsEmulator(options: { roles: readonly string[]; accountId?: string; port?: number; host?: string }): Promise<StsEmulator> {
  const accountId = options.accountId ?? '123456789012';
  const roles = new Set(options.roles);
  const calls: AssumeRoleCall[] = [];
  const scripted: StsFault[] = [];
  let standing: StsFault | undefined;

  const assumeRole = (form: URLSearchParams, callerAccessKeyId: string | undefined): string => {
    const roleArn = form.get('RoleArn') ?? '';
    const roleSessionName = form.get('RoleSessionName') ?? '';
    const call: AssumeRoleCall = { roleArn, roleSessionName, callerAccessKeyId };
    calls.push(call);
    const duration = Number(form.get('DurationSeconds') ?? DEFAULT_DURATION_SECONDS);
    if (roleArn.length < 20) throw new StsError('ValidationError', `1 validation error detected: Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20`, 400);
    if (!SESSION_NAME.test(roleSessionName)) throw new StsError('ValidationError', `1 validation error detected: Value '${roleSessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`, 400);
    if (!Number.isInteger(duration) || duration < MIN_DURATION_SECONDS || duration > MAX_DURATION_SECONDS) throw new StsError('ValidationError', `1 validation error detected: Value '${form.get('DurationSeconds')}' at 'durationSeconds' failed to satisfy constraint: Member must have value between ${MIN_DURATION_SECONDS} and ${MAX_DURATION_SECONDS}`, 400);
    const fault = scripted.shift() ?? standing;
    if (fault) throw FAULT_ERRORS[fault]();
    // As for a role whose trust policy does not name the caller, or a caller without sts:AssumeRole on it.
    if (!roles.has(roleArn)) throw new StsError('AccessDenied', `User: arn:aws:iam::${accountId}:user/ecr-access is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
    const issued = temporaryCredentials(duration);
    call.issuedAccessKeyId = issued.accessKeyId;
    const roleName = roleArn.split('/').at(-1) ?? roleArn;
    const roleAccount = roleArn.split(':')[4] ?? accountId;
    return `<AssumeRoleResponse xmlns="${XMLNS}"><AssumeRoleResult><Credentials><AccessKeyId>${issued.accessKeyId}</AccessKeyId><SecretAccessKey>${escapeXml(issued.secretAccessKey)}</SecretAccessKey><SessionToken>${escapeXml(issued.sessionToken)}</SessionToken><Expiration>${issued.expiration}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA${randomBytes(8).toString('hex').toUpperCase()}:${escapeXml(roleSessionName)}</AssumedRoleId><Arn>arn:aws:sts::${roleAccount}:assumed-role/${escapeXml(roleName)}/${escapeXml(roleSessionName)}</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`;
  };

  const answer = async (request: IncomingMessage): Promise<string> => {
    const form = await readForm(request);
    const caller = accessKeyOf(request);
    if (!caller) throw new StsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
    if (request.method !== 'POST' || form.get('Action') !== 'AssumeRole') throw new StsError('InvalidAction', `Could not find operation ${form.get('Action') ?? ''} for version 2011-06-15`, 400);
    return assumeRole(form, caller);
  };

  const server = createServer((request, response) => {
    answer(request).then(
      (xml) => writeXml(response, 200, xml),
      (error: unknown) => {
        const failure = error instanceof StsError ? error : new StsError('InternalFailure', String(error), 500);
        writeXml(response, failure.status, errorXml(failure));
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
    get calls() {
      return calls;
    },
    resetCalls: () => {
      calls.length = 0;
    },
    setFault(fault) {
      standing = fault;
    },
    failNext(times, fault) {
      scripted.push(...Array.from({ length: times }, () => fault));
    },
    clearFaults() {
      standing = undefined;
      scripted.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets from the SDK's agent would otherwise keep the server open.
        server.closeAllConnections();
      }),
  };
}
