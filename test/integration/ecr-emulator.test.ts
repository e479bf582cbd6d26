/**
 * The ECR emulator, driven over HTTP by the real @aws-sdk/client-ecr: the behaviour the
 * product relies on (errors, limits, reformatting on read), fault injection and persistence.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateRepositoryCommand,
  DeleteRepositoryPolicyCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetRepositoryPolicyCommand,
  SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import { startEcrEmulator, type EcrEmulator, type EcrEmulatorOptions } from '../../sandbox/ecr-emulator';
import { failureOf } from '../support/aws-failure';

const REGISTRY_ID = '123456789012';
const INVALID_POLICY =
  "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'";
const READ_ONLY_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:DescribeImages',
  'ecr:GetDownloadUrlForLayer',
  'ecr:ListImages',
];

// ---- builders -------------------------------------------------------------------------------

type Statement = Record<string, unknown>;

function readStatement(principals: string | string[], overrides: Statement = {}): Statement {
  return {
    Sid: 'crossAccountAllowRead',
    Effect: 'Allow',
    Principal: { AWS: principals },
    Action: READ_ONLY_ACTIONS,
    ...overrides,
  };
}

function policyText(...statements: Statement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** A valid policy whose text is exactly `length` characters, padded inside the Sid. */
function policyTextOfLength(length: number): string {
  const bare = policyText(readStatement('222233334444', { Sid: '' }));
  return policyText(readStatement('222233334444', { Sid: 'x'.repeat(length - bare.length) }));
}

/** What a policy means, whatever its text: statements with principal sets, IDs as root ARNs. */
function meaning(text: string): unknown {
  const asRoot = (name: string): string => (/^[0-9]{12}$/.test(name) ? `arn:aws:iam::${name}:root` : name);
  const asSet = (value: unknown): unknown =>
    typeof value === 'string' || Array.isArray(value)
      ? [...new Set(([] as string[]).concat(value as string | string[]).map(asRoot))].sort()
      : value;
  const document = JSON.parse(text) as { Statement: Statement | Statement[] };
  const statements = ([] as Statement[]).concat(document.Statement);
  return {
    ...document,
    Statement: statements.map((statement) => ({
      ...statement,
      Principal: Object.fromEntries(
        Object.entries(statement.Principal as Record<string, unknown>).map(([type, names]) => [type, asSet(names)]),
      ),
    })),
  };
}

// ---- harness --------------------------------------------------------------------------------

const clients: ECRClient[] = [];
const emulators: EcrEmulator[] = [];

function clientFor(emulator: EcrEmulator, maxAttempts = 1, region = 'us-east-1'): ECRClient {
  const client = new ECRClient({
    region,
    endpoint: emulator.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts,
  });
  clients.push(client);
  return client;
}

async function start(options: EcrEmulatorOptions = {}): Promise<EcrEmulator> {
  const emulator = await startEcrEmulator(options);
  emulators.push(emulator);
  return emulator;
}

/** Whether a promise has settled yet, observed without waiting on it. */
function observe(promise: Promise<unknown>): { settled: boolean } {
  const state = { settled: false };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

/** A time as SigV4 writes it in X-Amz-Date: 20261201T030000Z. */
const amzDate = (date = new Date()): string => date.toISOString().replace(/\.\d{3}/, '').replace(/[-:]/g, '');

/**
 * A raw POST, for what the SDK will not send: unknown actions, unsigned, undated or malformed
 * requests. Signed and dated now unless `headers` says otherwise (undefined removes a header).
 */
function rawPost(
  emulator: EcrEmulator,
  target: string,
  body: string,
  headers: Record<string, string | undefined> = {},
): Promise<Response> {
  const all: Record<string, string | undefined> = {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `AmazonEC2ContainerRegistry_V20150921.${target}`,
    authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ecr/aws4_request',
    'x-amz-date': amzDate(),
    ...headers,
  };
  const sent = Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return fetch(emulator.url, { method: 'POST', headers: Object.fromEntries(sent), body });
}

let emulator: EcrEmulator;
let ecr: ECRClient;

beforeEach(async () => {
  emulator = await start();
  ecr = clientFor(emulator);
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(emulators.splice(0).map((running) => running.close()));
});

// ---- actions --------------------------------------------------------------------------------

describe('CreateRepository', () => {
  it('creates a repository described the way ECR describes it', async () => {
    const { repository } = await ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/common-images' }));

    expect(repository).toEqual({
      repositoryArn: `arn:aws:ecr:us-east-1:${REGISTRY_ID}:repository/team/common-images`,
      registryId: REGISTRY_ID,
      repositoryName: 'team/common-images',
      repositoryUri: `${REGISTRY_ID}.dkr.ecr.us-east-1.amazonaws.com/team/common-images`,
      createdAt: expect.any(Date),
      imageTagMutability: 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: false },
      encryptionConfiguration: { encryptionType: 'AES256' },
    });
    expect(emulator.repositories()).toEqual(['team/common-images']);
  });

  it('refuses a name that exists already with RepositoryAlreadyExistsException', async () => {
    emulator.createRepository('common-images');

    expect(await failureOf(ecr.send(new CreateRepositoryCommand({ repositoryName: 'common-images' })))).toEqual({
      name: 'RepositoryAlreadyExistsException',
      message: `The repository with name 'common-images' already exists in the registry with id '${REGISTRY_ID}'`,
      status: 400,
    });
  });

  it.each([
    ['upper case', 'Common-Images'],
    ['one character', 'a'],
    ['257 characters', 'x'.repeat(257)],
    ['a trailing separator', 'common-'],
    ['a leading separator', '-common'],
    ['an empty path segment', 'team//common'],
  ])('refuses a name with %s with InvalidParameterException', async (_case, repositoryName) => {
      const failure = await failureOf(ecr.send(new CreateRepositoryCommand({ repositoryName })));

      expect(failure.name).toBe('InvalidParameterException');
      expect(failure.message).toMatch(/^Invalid parameter at 'repositoryName' failed to satisfy constraint/);
    expect(emulator.repositories()).toEqual([]);
  });
});

describe('DescribeRepositories', () => {
  it('describes every repository when no names are given', async () => {
    emulator.createRepository('common-images');
    emulator.createRepository('base/node');

    const { repositories } = await ecr.send(new DescribeRepositoriesCommand({}));

    expect(repositories?.map((repository) => repository.repositoryName)).toEqual(['common-images', 'base/node']);
  });

  it('describes only the repositories named', async () => {
    emulator.createRepository('common-images');
    emulator.createRepository('base/node');

    const { repositories } = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['base/node'] }));

    expect(repositories?.map((repository) => repository.repositoryArn)).toEqual([
      `arn:aws:ecr:us-east-1:${REGISTRY_ID}:repository/base/node`,
    ]);
  });

  it('refuses with RepositoryNotFoundException when any named repository is missing', async () => {
    emulator.createRepository('common-images');

    const failure = await failureOf(
      ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['common-images', 'missing'] })),
    );

    expect(failure).toEqual({
      name: 'RepositoryNotFoundException',
      message: `The repository with name 'missing' does not exist in the registry with id '${REGISTRY_ID}'`,
      status: 400,
    });
  });

  it('pages through repositories with maxResults and nextToken', async () => {
    for (const name of ['one', 'two', 'three']) emulator.createRepository(name);

    const first = await ecr.send(new DescribeRepositoriesCommand({ maxResults: 2 }));
    const second = await ecr.send(new DescribeRepositoriesCommand({ maxResults: 2, nextToken: first.nextToken }));

    expect(first.repositories?.map((repository) => repository.repositoryName)).toEqual(['one', 'two']);
    expect(second.repositories?.map((repository) => repository.repositoryName)).toEqual(['three']);
    expect(second.nextToken).toBeUndefined();
  });
});

describe('GetRepositoryPolicy', () => {
  it('returns the registry, the repository and the policy text', async () => {
    emulator.createRepository('common-images');
    emulator.putPolicy('common-images', policyText(readStatement('arn:aws:iam::222233334444:root')));

    const answer = await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'common-images' }));

    expect(answer).toMatchObject({ registryId: REGISTRY_ID, repositoryName: 'common-images' });
    expect(meaning(answer.policyText ?? '')).toEqual(meaning(emulator.policyText('common-images') ?? ''));
  });

  it('refuses a missing repository with RepositoryNotFoundException', async () => {
    expect(await failureOf(ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'missing' })))).toEqual({
      name: 'RepositoryNotFoundException',
      message: `The repository with name 'missing' does not exist in the registry with id '${REGISTRY_ID}'`,
      status: 400,
    });
  });

  it('refuses a repository without a policy with RepositoryPolicyNotFoundException', async () => {
    emulator.createRepository('common-images');

    expect(await failureOf(ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'common-images' })))).toEqual({
      name: 'RepositoryPolicyNotFoundException',
      message: `Repository policy does not exist for the repository with name 'common-images' in the registry with id '${REGISTRY_ID}'`,
      status: 400,
    });
  });
});

describe('SetRepositoryPolicy', () => {
  beforeEach(() => emulator.createRepository('common-images'));

  const setPolicy = (text: string): Promise<unknown> =>
    ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'common-images', policyText: text }));

  it('stores the policy and answers with the text exactly as given', async () => {
    const text = policyText(readStatement(['222233334444', '333344445555']));

    const answer = await ecr.send(
      new SetRepositoryPolicyCommand({ repositoryName: 'common-images', policyText: text, force: false }),
    );

    expect(answer).toMatchObject({ registryId: REGISTRY_ID, repositoryName: 'common-images', policyText: text });
    expect(emulator.policyText('common-images')).toBe(text);
  });

  it('accepts a policy of exactly 10,240 characters', async () => {
    const text = policyTextOfLength(10_240);
    expect(text).toHaveLength(10_240);

    await setPolicy(text);

    expect(emulator.policyText('common-images')).toBe(text);
  });

  it('refuses a policy of 10,241 characters with InvalidParameterException', async () => {
    const text = policyTextOfLength(10_241);
    expect(text).toHaveLength(10_241);

    expect(await failureOf(setPolicy(text))).toEqual({
      name: 'InvalidParameterException',
      message: INVALID_POLICY,
      status: 400,
    });
    expect(emulator.policyText('common-images')).toBeUndefined();
  });

  it.each([
    ['malformed JSON', '{"Version":"2012-10-17","Statement":['],
    ['a document that is not an object', '["Allow"]'],
    ['a document without Statement', '{"Version":"2012-10-17"}'],
    ['a Statement that is a string', '{"Statement":"Allow everyone"}'],
    ['a Statement list holding a non-object', policyText(readStatement('222233334444')).replace('[{', '[42,{')],
    ['an empty Statement list', '{"Version":"2012-10-17","Statement":[]}'],
    ['a statement without Effect', policyText(readStatement('222233334444', { Effect: undefined }))],
    ['a statement with Effect "Permit"', policyText(readStatement('222233334444', { Effect: 'Permit' }))],
    ['a statement without Principal', policyText(readStatement('222233334444', { Principal: undefined }))],
    ['a statement without Action', policyText(readStatement('222233334444', { Action: undefined }))],
    ['a principal that is not an account', policyText(readStatement('team-a'))],
  ])('refuses %s with the invalid policy message', async (_case, text) => {
    expect(await failureOf(setPolicy(text))).toEqual({
      name: 'InvalidParameterException',
      message: INVALID_POLICY,
      status: 400,
    });
  });

  it.each(['000000000000', 'arn:aws:iam::000000000000:root', 'arn:aws:iam::000000000000:role/puller'])(
    'refuses a principal in an account that does not exist (%s)',
    async (principal) => {
      const failure = await failureOf(setPolicy(policyText(readStatement(['222233334444', principal]))));

      expect(failure).toEqual({ name: 'InvalidParameterException', message: INVALID_POLICY, status: 400 });
    },
  );

  it('treats the accounts given as unknownAccounts as the ones that do not exist', async () => {
    const strict = await start({ unknownAccounts: ['999988887777'] });
    strict.createRepository('common-images');
    const client = clientFor(strict);
    const set = (account: string): Promise<unknown> =>
      client.send(
        new SetRepositoryPolicyCommand({ repositoryName: 'common-images', policyText: policyText(readStatement(account)) }),
      );

    await set('000000000000');
    expect((await failureOf(set('999988887777'))).name).toBe('InvalidParameterException');
  });

  it('accepts a NotPrincipal/NotAction statement and the * principal', async () => {
    const text = policyText(
      { Sid: 'anyone', Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' },
      { Effect: 'Deny', NotPrincipal: { AWS: '222233334444' }, NotAction: ['ecr:ListImages'] },
    );

    await setPolicy(text);

    expect(emulator.policyText('common-images')).toBe(text);
  });

  it('refuses a missing repository with RepositoryNotFoundException', async () => {
    const failure = await failureOf(
      ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'missing', policyText: policyText(readStatement('*')) })),
    );

    expect(failure.name).toBe('RepositoryNotFoundException');
  });
});

describe('DeleteRepositoryPolicy', () => {
  beforeEach(() => emulator.createRepository('common-images'));

  it('removes the policy and answers with the one it removed', async () => {
    const text = policyText(readStatement('arn:aws:iam::222233334444:root'));
    emulator.putPolicy('common-images', text);

    const answer = await ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: 'common-images' }));

    expect(answer).toMatchObject({ registryId: REGISTRY_ID, repositoryName: 'common-images' });
    expect(meaning(answer.policyText ?? '')).toEqual(meaning(text));
    expect(emulator.policyText('common-images')).toBeUndefined();
  });

  it('refuses a repository without a policy with RepositoryPolicyNotFoundException', async () => {
    const failure = await failureOf(ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: 'common-images' })));

    expect(failure.name).toBe('RepositoryPolicyNotFoundException');
  });

  it('refuses a missing repository with RepositoryNotFoundException', async () => {
    const failure = await failureOf(ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: 'missing' })));

    expect(failure.name).toBe('RepositoryNotFoundException');
  });
});

describe('the JSON 1.1 protocol', () => {
  it('answers an action it does not know with UnknownOperationException', async () => {
    const response = await rawPost(emulator, 'PutImage', '{}');

    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('refuses a request without an Authorization header', async () => {
    const response = await rawPost(emulator, 'DescribeRepositories', '{}', { authorization: undefined });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
  });

  it('refuses a body that is not JSON with SerializationException', async () => {
    const response = await rawPost(emulator, 'DescribeRepositories', '{"repositoryNames":');

    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('SerializationException');
  });
});

// ---- reformatting on read -------------------------------------------------------------------

describe('GetRepositoryPolicy reformatting, as ECR does', () => {
  const stored = JSON.stringify({
    Statement: [
      {
        Action: READ_ONLY_ACTIONS,
        Principal: { AWS: ['222233334444', 'arn:aws:iam::333344445555:root', '111122223333'] },
        Effect: 'Allow',
        Sid: 'crossAccountAllowRead',
      },
      {
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } },
        Action: 'ecr:BatchGetImage',
        Principal: { AWS: ['444455556666'] },
        Effect: 'Allow',
        Sid: 'orgPull',
      },
    ],
    Version: '2012-10-17',
  });

  async function readBack(): Promise<string> {
    emulator.createRepository('common-images');
    await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'common-images', policyText: stored }));
    const { policyText: text } = await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'common-images' }));
    return text ?? '';
  }

  it('pretty-prints the document with two-space indentation', async () => {
    const text = await readBack();

    expect(text).not.toBe(stored);
    expect(text.split('\n')[1]).toBe('  "Version" : "2012-10-17",');
  });

  it('expands bare account IDs to root ARNs', async () => {
    const statements = JSON.parse(await readBack()).Statement;

    expect(statements[0].Principal.AWS).toContain('arn:aws:iam::222233334444:root');
    expect(statements[0].Principal.AWS).not.toContain('222233334444');
  });

  it('reorders principal lists', async () => {
    const statements = JSON.parse(await readBack()).Statement;

    expect(statements[0].Principal.AWS).toEqual([
      'arn:aws:iam::333344445555:root',
      'arn:aws:iam::222233334444:root',
      'arn:aws:iam::111122223333:root',
    ]);
  });

  it('collapses a one-element principal list to a plain string', async () => {
    const statements = JSON.parse(await readBack()).Statement;

    expect(statements[1].Principal.AWS).toBe('arn:aws:iam::444455556666:root');
  });

  it('orders keys Version, Statement, then Sid, Effect, Principal, Action, Condition', async () => {
    const document = JSON.parse(await readBack());

    expect(Object.keys(document)).toEqual(['Version', 'Statement']);
    expect(Object.keys(document.Statement[1])).toEqual(['Sid', 'Effect', 'Principal', 'Action', 'Condition']);
  });

  it('answers with a list of statements when one statement object was stored', async () => {
    emulator.createRepository('solo');
    emulator.putPolicy('solo', JSON.stringify({ Version: '2012-10-17', Statement: readStatement('222233334444') }));

    const { policyText: text } = await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'solo' }));

    expect(Array.isArray(JSON.parse(text ?? '').Statement)).toBe(true);
  });

  it('keeps the meaning of the policy and every other field as given', async () => {
    const text = await readBack();

    expect(meaning(text)).toEqual(meaning(stored));
  });

  it('keeps the stored text itself exactly as it was set', async () => {
    await readBack();

    expect(emulator.policyText('common-images')).toBe(stored);
  });
});

// ---- faults and controls --------------------------------------------------------------------

describe('fault injection', () => {
  beforeEach(() => {
    emulator.createRepository('common-images');
    emulator.putPolicy('common-images', policyText(readStatement('222233334444')));
  });

  const getPolicy = (client = ecr): Promise<unknown> =>
    client.send(new GetRepositoryPolicyCommand({ repositoryName: 'common-images' }));
  const listRepositories = (client = ecr): Promise<unknown> => client.send(new DescribeRepositoriesCommand({}));

  it('holds a hanging request unanswered until the faults are cleared', async () => {
    emulator.setFaults({ hang: true, actions: ['GetRepositoryPolicy'] });
    const hung = getPolicy();
    const state = observe(hung);
    await emulator.waitForCalls('GetRepositoryPolicy', 1);
    // A later request on the same server is answered first: the hung one really is held.
    await listRepositories(clientFor(emulator));
    expect(state.settled).toBe(false);

    emulator.clearFaults();

    await expect(hung).resolves.toMatchObject({ repositoryName: 'common-images' });
  });

  it('ends a hanging request when the emulator closes', async () => {
    emulator.failNext('GetRepositoryPolicy', 1, 'hang');
    const hung = getPolicy();
    await emulator.waitForCalls('GetRepositoryPolicy', 1);

    await emulator.close();

    await expect(hung).rejects.toThrow();
  });

  it('delays answers by latencyMs with a timer the emulator can cut short on close', async () => {
    emulator.setFaults({ latencyMs: 60_000, actions: ['GetRepositoryPolicy'] });
    const slow = getPolicy();
    const state = observe(slow);
    await emulator.waitForCalls('GetRepositoryPolicy', 1);
    await listRepositories(clientFor(emulator));
    expect(state.settled).toBe(false);

    await emulator.close();

    await expect(slow).rejects.toThrow();
  });

  it('surfaces throttling as ThrottlingException ("Rate exceeded") when the client does not retry', async () => {
    emulator.setFaults({ throttleRate: 1 });

    expect(await failureOf(getPolicy())).toEqual({ name: 'ThrottlingException', message: 'Rate exceeded', status: 400 });
    expect(emulator.countCalls('GetRepositoryPolicy')).toBe(1);
  });

  it('is retried by the SDK through throttling until an attempt succeeds', async () => {
    emulator.failNext('GetRepositoryPolicy', 2, 'throttle');

    await getPolicy(clientFor(emulator, 3));

    expect(emulator.countCalls('GetRepositoryPolicy')).toBe(3);
  });

  it('answers a server fault with HTTP 500 ServerException', async () => {
    emulator.setFaults({ errorRate: 1 });

    const failure = await failureOf(getPolicy());

    expect(failure).toMatchObject({ name: 'ServerException', status: 500 });
  });

  it('fails exactly the next N calls of an action, then answers normally', async () => {
    emulator.failNext('GetRepositoryPolicy', 2, 'server');

    expect((await failureOf(getPolicy())).name).toBe('ServerException');
    expect((await failureOf(getPolicy())).name).toBe('ServerException');
    await expect(getPolicy()).resolves.toBeDefined();
  });

  it('leaves other actions alone when a one-shot names one action', async () => {
    emulator.failNext('SetRepositoryPolicy', 1, 'throttle');

    await expect(getPolicy()).resolves.toBeDefined();
  });

  it('limits standing faults to the listed actions', async () => {
    emulator.setFaults({ throttleRate: 1, actions: ['SetRepositoryPolicy'] });

    await expect(getPolicy()).resolves.toBeDefined();
    await expect(listRepositories()).resolves.toBeDefined();
  });

  it('draws the same faults again for the same seed', async () => {
    const outcomes = async (): Promise<string[]> => {
      emulator.setFaults({ errorRate: 0.5, seed: 42 });
      const results: string[] = [];
      for (let i = 0; i < 12; i += 1) {
        results.push(await getPolicy().then(() => 'ok', (error: Error) => error.name));
      }
      return results;
    };

    const first = await outcomes();
    const second = await outcomes();

    expect(second).toEqual(first);
    expect(new Set(first)).toEqual(new Set(['ok', 'ServerException']));
  });

  it('answers normally again once the faults are cleared', async () => {
    emulator.setFaults({ throttleRate: 1 });
    emulator.failNext('GetRepositoryPolicy', 3, 'server');

    emulator.clearFaults();

    await expect(getPolicy()).resolves.toBeDefined();
  });
});

describe('call log', () => {
  it('records every request in order with its action and repository', async () => {
    emulator.createRepository('common-images');

    await ecr.send(new DescribeRepositoriesCommand({}));
    await failureOf(ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'common-images' })));

    expect(emulator.calls).toEqual([
      { action: 'DescribeRepositories', region: 'us-east-1', at: expect.any(Number) },
      { action: 'GetRepositoryPolicy', repositoryName: 'common-images', region: 'us-east-1', at: expect.any(Number) },
    ]);
    expect(emulator.countCalls('GetRepositoryPolicy')).toBe(1);
  });

  it('forgets earlier calls on resetCalls', async () => {
    await ecr.send(new DescribeRepositoriesCommand({}));

    emulator.resetCalls();

    expect(emulator.calls).toEqual([]);
    expect(emulator.countCalls('DescribeRepositories')).toBe(0);
  });

  it('tells call listeners about each request until they unsubscribe', async () => {
    const seen: string[] = [];
    const unsubscribe = emulator.on('call', (call) => seen.push(call.action));

    await ecr.send(new DescribeRepositoriesCommand({}));
    unsubscribe();
    await ecr.send(new DescribeRepositoriesCommand({}));

    expect(seen).toEqual(['DescribeRepositories']);
  });

  it('rejects waitForCalls when the calls do not come in time', async () => {
    await expect(emulator.waitForCalls('SetRepositoryPolicy', 1, 10)).rejects.toThrow(/SetRepositoryPolicy/);
  });
});

describe('regions', () => {
  it('keeps each region a registry of its own, answering each request from the region it was signed for', async () => {
    const emulator = await start();
    emulator.createRepository('common-images');
    const home = clientFor(emulator);
    const replica = clientFor(emulator, 1, 'eu-west-1');
    // The repository is in us-east-1 only, until it is created in eu-west-1 too.
    expect(await failureOf(replica.send(new GetRepositoryPolicyCommand({ repositoryName: 'common-images' })))).toMatchObject({ name: 'RepositoryNotFoundException' });
    emulator.createRepository('common-images', 'eu-west-1');
    const text = policyText(readStatement('222233334444'));
    await replica.send(new SetRepositoryPolicyCommand({ repositoryName: 'common-images', policyText: text }));

    expect(emulator.policyText('common-images', 'eu-west-1')).toBe(text);
    expect(emulator.policyText('common-images')).toBeUndefined();
    expect(await failureOf(home.send(new GetRepositoryPolicyCommand({ repositoryName: 'common-images' })))).toMatchObject({ name: 'RepositoryPolicyNotFoundException' });
    const { repositories } = await replica.send(new DescribeRepositoriesCommand({}));
    expect(repositories?.map((r) => r.repositoryArn)).toEqual([`arn:aws:ecr:eu-west-1:${REGISTRY_ID}:repository/common-images`]);
    expect(emulator.calls.filter((c) => c.action === 'SetRepositoryPolicy').map((c) => c.region)).toEqual(['eu-west-1']);
  });

  it('keeps every region across a restart', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'ecr-emulator-'));
    try {
      const stateFile = join(directory, 'ecr.json');
      const first = await start({ stateFile });
      first.createRepository('common-images');
      first.createRepository('common-images', 'eu-west-1');
      first.putPolicy('common-images', policyText(readStatement('222233334444')), 'eu-west-1');
      await first.close();
      const second = await start({ stateFile });
      expect([second.repositories('eu-west-1'), second.policyText('common-images', 'eu-west-1'), second.policyText('common-images')]).toEqual([
        ['common-images'],
        policyText(readStatement('222233334444')),
        undefined,
      ]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('stateFile', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'ecr-emulator-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('keeps repositories and policies across a restart', async () => {
    const stateFile = join(directory, 'nested', 'ecr.json');
    const first = await start({ stateFile });
    const text = policyText(readStatement('222233334444'));
    await clientFor(first).send(new CreateRepositoryCommand({ repositoryName: 'common-images' }));
    await clientFor(first).send(new SetRepositoryPolicyCommand({ repositoryName: 'common-images', policyText: text }));
    await first.close();

    const second = await start({ stateFile });

    expect(second.repositories()).toEqual(['common-images']);
    expect(second.policyText('common-images')).toBe(text);
    const { repositories } = await clientFor(second).send(new DescribeRepositoriesCommand({}));
    expect(repositories?.map((repository) => repository.repositoryName)).toEqual(['common-images']);
  });

  it('keeps seeded repositories across a restart', async () => {
    const stateFile = join(directory, 'ecr.json');
    const first = await start({ stateFile });
    first.createRepository('seeded');
    await first.close();

    const second = await start({ stateFile });

    expect(second.repositories()).toEqual(['seeded']);
  });

  it('leaves only the state file behind, no temporary files', async () => {
    const stateFile = join(directory, 'ecr.json');
    const running = await start({ stateFile });
    await clientFor(running).send(new CreateRepositoryCommand({ repositoryName: 'common-images' }));
    await running.close();

    expect(await readdir(directory)).toEqual(['ecr.json']);
  });

  it('starts empty when the state file does not exist yet', async () => {
    const running = await start({ stateFile: join(directory, 'absent.json') });

    expect(running.repositories()).toEqual([]);
  });
});
