// The local STS, through the real SDK: fromTemporaryCredentials (whose STS client the bot's
// Organizations client uses) gets fresh credentials for a role the caller may assume, and STS's
// own errors otherwise; the emulator logs who asked for which role under which session name.
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { startStsEmulator, type StsEmulator } from '../../sandbox/sts-emulator';

const ROLE = 'arn:aws:iam::123456789012:role/ecr-access-organizations-read';
const STRANGE_ROLE = 'arn:aws:iam::123456789012:role/someone-elses-role';
const BOT = { accessKeyId: 'AKIABOTOWNKEY0000001', secretAccessKey: 'bot-secret' };

let sts: StsEmulator;

beforeAll(async () => {
  sts = await startStsEmulator({ roles: [ROLE] });
});
afterAll(async () => sts.close());
beforeEach(() => {
  sts.clearFaults();
  sts.resetCalls();
});

/** A fresh provider each time, as a fresh client would have: it asks STS on every call. */
const assume = (roleArn: string, roleSessionName = 'ecr-access') =>
  fromTemporaryCredentials({
    params: { RoleArn: roleArn, RoleSessionName: roleSessionName },
    clientConfig: { region: 'us-east-1', endpoint: sts.url, maxAttempts: 1 },
    masterCredentials: BOT,
  })();

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: Error & { $metadata?: { httpStatusCode?: number } }) => ({ name: error.name, status: error.$metadata?.httpStatusCode, message: error.message }));

describe('STS emulator', () => {
  it('issues temporary credentials for a role the caller may assume, good for an hour', async () => {
    const before = Date.now();
    const credentials = await assume(ROLE);
    expect(credentials.accessKeyId).toMatch(/^ASIA[0-9A-F]{16}$/);
    expect(credentials.secretAccessKey).not.toBe('');
    expect(credentials.sessionToken).not.toBe('');
    // Whole seconds in STS's answer; an hour, give or take the second it was issued in.
    expect(credentials.expiration?.getTime()).toBeGreaterThan(before + 3599_000);
    expect(credentials.expiration?.getTime()).toBeLessThanOrEqual(Date.now() + 3600_000);
  });

  it('issues different credentials on each call', async () => {
    const first = await assume(ROLE);
    const second = await assume(ROLE);
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(second.secretAccessKey).not.toBe(first.secretAccessKey);
    expect(second.sessionToken).not.toBe(first.sessionToken);
  });

  it('logs the role, the session name, the caller’s access key and the key it issued', async () => {
    const credentials = await assume(ROLE, 'ecr-access');
    expect(sts.calls).toEqual([{ roleArn: ROLE, roleSessionName: 'ecr-access', callerAccessKeyId: BOT.accessKeyId, issuedAccessKeyId: credentials.accessKeyId }]);
  });

  it('refuses a role the caller may not assume with AccessDenied (403), issuing nothing', async () => {
    expect(await failure(assume(STRANGE_ROLE))).toEqual({
      name: 'AccessDenied',
      status: 403,
      message: `User: arn:aws:iam::123456789012:user/ecr-access is not authorized to perform: sts:AssumeRole on resource: ${STRANGE_ROLE}`,
    });
    expect(sts.calls).toEqual([{ roleArn: STRANGE_ROLE, roleSessionName: 'ecr-access', callerAccessKeyId: BOT.accessKeyId }]);
  });

  it('refuses a session name STS would not take with ValidationError', async () => {
    expect(await failure(assume(ROLE, 'ecr access'))).toMatchObject({ name: 'ValidationError', status: 400 });
  });

  it('refuses a duration outside 15 minutes to 12 hours with ValidationError', async () => {
    const shortLived = fromTemporaryCredentials({
      params: { RoleArn: ROLE, RoleSessionName: 'ecr-access', DurationSeconds: 60 },
      clientConfig: { region: 'us-east-1', endpoint: sts.url, maxAttempts: 1 },
      masterCredentials: BOT,
    })();
    expect(await failure(shortLived)).toMatchObject({ name: 'ValidationError', status: 400 });
    expect(sts.calls[0]?.issuedAccessKeyId).toBeUndefined();
  });

  it.each([
    ['throttle', 'Throttling', 400],
    ['server', 'InternalFailure', 500],
  ] as const)('fails every call with %s while that fault stands', async (fault, name, status) => {
    sts.setFault(fault);
    expect(await failure(assume(ROLE))).toMatchObject({ name, status });
    expect(await failure(assume(ROLE))).toMatchObject({ name, status });
  });

  it('fails only the scripted calls, then issues credentials again', async () => {
    sts.failNext(1, 'throttle');
    expect(await failure(assume(ROLE))).toMatchObject({ name: 'Throttling' });
    expect((await assume(ROLE)).accessKeyId).toMatch(/^ASIA/);
  });

  it('refuses an unsigned request', async () => {
    const response = await fetch(sts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: ROLE, RoleSessionName: 'ecr-access' }),
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>MissingAuthenticationToken</Code>');
    expect(sts.calls).toEqual([]);
  });
});
