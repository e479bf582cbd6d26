/**
 * The ECR emulator refuses a signed request dated too far from its clock, as AWS does: the real
 * @aws-sdk/client-ecr signs in the past or the future through its systemClockOffset.
 */
import { DescribeRepositoriesCommand, ECRClient, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { startEcrEmulator, type EcrEmulator, type EcrEmulatorOptions } from '../../sandbox/ecr-emulator';
import { failureOf } from '../support/aws-failure';

const MINUTE = 60_000;
const BASIC = '\\d{8}T\\d{6}Z';
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'read', Effect: 'Allow', Principal: { AWS: '222233334444' }, Action: 'ecr:BatchGetImage' }],
});

const emulators: EcrEmulator[] = [];
const clients: ECRClient[] = [];

async function start(options: EcrEmulatorOptions = {}): Promise<EcrEmulator> {
  const emulator = await startEcrEmulator(options);
  emulators.push(emulator);
  emulator.createRepository('common-images');
  return emulator;
}

/** A client whose clock is `offsetMs` away from the emulator's, so it signs with that X-Amz-Date. */
function clientFor(emulator: EcrEmulator, offsetMs: number): ECRClient {
  const client = new ECRClient({
    region: 'us-east-1',
    endpoint: emulator.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    systemClockOffset: offsetMs,
  });
  clients.push(client);
  return client;
}

const setPolicy = (client: ECRClient): Promise<unknown> =>
  client.send(new SetRepositoryPolicyCommand({ repositoryName: 'common-images', policyText: POLICY }));

/** A signed POST with exactly the date headers given, for what the SDK never sends. */
function postDated(emulator: EcrEmulator, dateHeaders: Record<string, string>): Promise<Response> {
  return fetch(emulator.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.DescribeRepositories',
      authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ecr/aws4_request',
      ...dateHeaders,
    },
    body: '{}',
  });
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(emulators.splice(0).map((emulator) => emulator.close()));
});

describe('the age of a signature', () => {
  it('refuses a request signed more than five minutes ago with 403 InvalidSignatureException, changing nothing', async () => {
    const emulator = await start();

    const failure = await failureOf(setPolicy(clientFor(emulator, -10 * MINUTE)));

    expect(failure).toEqual({
      name: 'InvalidSignatureException',
      message: expect.stringMatching(new RegExp(`^Signature expired: ${BASIC} is now earlier than ${BASIC} \\(${BASIC} - 5 min\\.\\)$`)),
      status: 403,
    });
    expect(emulator.policyText('common-images')).toBeUndefined();
  });

  it('refuses a request dated more than five minutes ahead with 403 InvalidSignatureException', async () => {
    const emulator = await start();

    const failure = await failureOf(setPolicy(clientFor(emulator, 10 * MINUTE)));

    expect(failure).toEqual({
      name: 'InvalidSignatureException',
      message: expect.stringMatching(
        new RegExp(`^Signature not yet current: ${BASIC} is still later than ${BASIC} \\(${BASIC} \\+ 5 min\\.\\)$`),
      ),
      status: 403,
    });
  });

  it('accepts a request signed four minutes ago or four minutes ahead', async () => {
    const emulator = await start();

    await setPolicy(clientFor(emulator, -4 * MINUTE));
    await clientFor(emulator, 4 * MINUTE).send(new DescribeRepositoriesCommand({}));

    expect(emulator.policyText('common-images')).toBe(POLICY);
  });

  it('uses signatureLifetimeMs instead of five minutes when given', async () => {
    const emulator = await start({ signatureLifetimeMs: MINUTE });

    const failure = await failureOf(setPolicy(clientFor(emulator, -2 * MINUTE)));

    expect(failure.name).toBe('InvalidSignatureException');
    expect(failure.message).toMatch(/ - 1 min\.\)$/);
  });
});

describe('the date of a signature', () => {
  it('refuses a signed request with neither X-Amz-Date nor Date with IncompleteSignatureException', async () => {
    const emulator = await start();

    const response = await postDated(emulator, {});

    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('IncompleteSignatureException');
    expect(await response.json()).toEqual({
      __type: 'IncompleteSignatureException',
      message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    });
  });

  it.each(['2026-12-01T03:00:00Z', '20261301T030000Z', 'yesterday'])(
    'refuses an X-Amz-Date that is not an ISO-8601 basic-format time (%s)',
    async (date) => {
      const emulator = await start();

      const response = await postDated(emulator, { 'x-amz-date': date });

      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        __type: 'IncompleteSignatureException',
        message: `Date must be in ISO-8601 'basic format'. Got '${date}'. See http://en.wikipedia.org/wiki/ISO_8601`,
      });
    },
  );

  it('takes the signing time from the Date header when there is no X-Amz-Date', async () => {
    const emulator = await start();

    const response = await postDated(emulator, { date: new Date(Date.now() - 10 * MINUTE).toUTCString() });

    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
  });
});
