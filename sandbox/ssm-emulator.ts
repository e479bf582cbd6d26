/**
 * A local SSM Parameter Store for the tests and the bench: a node:http server speaking SSM's
 * JSON 1.1 protocol to the real @aws-sdk/client-ssm (point it there with AWS_ENDPOINT_URL_SSM).
 * It answers GetParameters as SSM does: found parameters, unknown names in InvalidParameters,
 * SecureString values encrypted unless WithDecryption is set, and AccessDeniedException for
 * names the caller's role would not cover. Dev tooling only; the Lambda never loads it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';

const TARGET_PREFIX = 'AmazonSSM.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

type ParameterType = 'String' | 'StringList' | 'SecureString';

interface SsmCall {
  readonly action: string;
  readonly names: readonly string[];
  readonly withDecryption: boolean;
}

export interface SsmEmulatorOptions {
  /** 0 (the default) picks any free port. */
  port?: number;
  /** Default us-east-1; used in ARNs and messages. */
  region?: string;
  /** Default 123456789012. */
  accountId?: string;
}

export interface SsmEmulator {
  readonly url: string;
  /** Every GetParameters received, in order. */
  readonly calls: readonly SsmCall[];
  /** As `aws ssm put-parameter --overwrite`: creates the parameter or replaces its value (and type). */
  putParameter(parameter: { name: string; value: string; type?: ParameterType }): void;
  deleteParameter(name: string): void;
  /** Reading these names is refused, as for a role whose policy does not cover them. */
  denyReading(names: readonly string[]): void;
  close(): Promise<void>;
}

const GetParametersInput = z.object({
  Names: z.array(z.string().min(1)).min(1).max(10),
  WithDecryption: z.boolean().optional(),
});

interface Stored {
  type: ParameterType;
  value: string;
  version: number;
  modified: number;
}

class SsmError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  res.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'x-amzn-requestid': randomUUID(),
    ...(errorType && { 'x-amzn-errortype': errorType }),
  });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new SsmError('SerializationException', 'Start of structure or map found where not expected.');
  }
}

/** What SSM hands back for a SecureString read without decryption: ciphertext, never the value. */
function ciphertext(name: string, value: string): string {
  return Buffer.concat([Buffer.from('AQICAHh', 'utf8'), createHash('sha256').update(`${name}\0${value}`).digest()]).toString('base64');
}

export async function startSsmEmulator(options: SsmEmulatorOptions = {}): Promise<SsmEmulator> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const parameters = new Map<string, Stored>();
  const denied = new Set<string>();
  const calls: SsmCall[] = [];
  const arn = (name: string) => `arn:aws:ssm:${region}:${accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`;

  const getParameters = (body: unknown) => {
    const input = GetParametersInput.safeParse(body);
    if (!input.success) {
      throw new SsmError('ValidationException', `1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and 10`);
    }
    const { Names, WithDecryption = false } = input.data;
    calls.push({ action: 'GetParameters', names: Names, withDecryption: WithDecryption });
    const refused = Names.find((name) => denied.has(name));
    if (refused) {
      throw new SsmError(
        'AccessDeniedException',
        `User: arn:aws:sts::${accountId}:assumed-role/ecr-access/local is not authorized to perform: ssm:GetParameters on resource: ${arn(refused)} because no identity-based policy allows the ssm:GetParameters action`,
      );
    }
    return {
      Parameters: Names.flatMap((name) => {
        const p = parameters.get(name);
        if (!p) return [];
        return {
          Name: name,
          Type: p.type,
          Value: p.type === 'SecureString' && !WithDecryption ? ciphertext(name, p.value) : p.value,
          Version: p.version,
          LastModifiedDate: p.modified / 1000,
          ARN: arn(name),
          DataType: 'text',
        };
      }),
      InvalidParameters: [...new Set(Names.filter((name) => !parameters.has(name)))],
    };
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        if (req.method !== 'POST') throw new SsmError('UnknownOperationException', 'Only POST is supported');
        if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
          throw new SsmError('MissingAuthenticationTokenException', 'Missing Authentication Token');
        }
        const target = String(req.headers['x-amz-target'] ?? '');
        const body = await readJson(req);
        if (target !== `${TARGET_PREFIX}GetParameters`) throw new SsmError('UnknownOperationException', `${target || 'No operation'} is not implemented here`);
        send(res, 200, getParameters(body));
      } catch (error) {
        if (error instanceof SsmError) send(res, 400, { __type: error.type, message: error.message }, error.type);
        else send(res, 500, { __type: 'InternalServerError', message: String(error) }, 'InternalServerError');
      }
    })();
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    putParameter({ name, value, type = 'SecureString' }) {
      const version = (parameters.get(name)?.version ?? 0) + 1;
      parameters.set(name, { type, value, version, modified: Date.now() });
    },
    deleteParameter(name) {
      parameters.delete(name);
    },
    denyReading(names) {
      denied.clear();
      for (const name of names) denied.add(name);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
