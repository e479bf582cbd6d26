/**
 * Late delivery in the ECR emulator: a request the network hands to ECR after its client gave up
 * is applied all the same (or refused, if its signature aged past the lifetime meanwhile).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECRClient, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { startEcrEmulator, type EcrEmulator, type EcrEmulatorOptions } from '../../sandbox/ecr-emulator';

/** The client gives up after TIMEOUT_MS; a late request is held ten times that. */
const TIMEOUT_MS = 100;
const LATE_MS = 1000;

const emulators: EcrEmulator[] = [];
const clients: ECRClient[] = [];

async function start(options: EcrEmulatorOptions = {}): Promise<EcrEmulator> {
  const emulator = await startEcrEmulator(options);
  emulators.push(emulator);
  emulator.createRepository('common-images');
  return emulator;
}

/** One attempt per call; with `timeoutMs`, the client throws TimeoutError once it has waited that long. */
function clientFor(emulator: EcrEmulator, timeoutMs?: number): ECRClient {
  const client = new ECRClient({
    region: 'us-east-1',
    endpoint: emulator.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    ...(timeoutMs === undefined ? {} : { requestHandler: { requestTimeout: timeoutMs, throwOnRequestTimeout: true } }),
  });
  clients.push(client);
  return client;
}

function policyFor(account: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'read', Effect: 'Allow', Principal: { AWS: account }, Action: 'ecr:BatchGetImage' }],
  });
}

const setPolicy = (client: ECRClient, text: string): Promise<unknown> =>
  client.send(new SetRepositoryPolicyCommand({ repositoryName: 'common-images', policyText: text }));

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(emulators.splice(0).map((emulator) => emulator.close()));
});

describe('a late SetRepositoryPolicy (deliverLate)', () => {
  it('is applied after its client timed out', async () => {
    const emulator = await start();
    emulator.deliverLate('SetRepositoryPolicy', { delayMs: LATE_MS });

    await expect(setPolicy(clientFor(emulator, TIMEOUT_MS), policyFor('222233334444'))).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(emulator.policyText('common-images')).toBeUndefined();
    await emulator.waitForLateDeliveries();

    expect(emulator.policyText('common-images')).toBe(policyFor('222233334444'));
    expect(emulator.landings).toEqual([
      {
        action: 'SetRepositoryPolicy',
        repositoryName: 'common-images',
        outcome: 'applied',
        signedAt: expect.any(Number),
        receivedAt: expect.any(Number),
        at: expect.any(Number),
        clientWaiting: false,
      },
    ]);
  });

  it('announces the change when it lands, though no client is waiting', async () => {
    const emulator = await start();
    const changed: string[] = [];
    emulator.on('change', (change) => changed.push(change.repositoryName));
    emulator.deliverLate('SetRepositoryPolicy', { delayMs: LATE_MS });

    await expect(setPolicy(clientFor(emulator, TIMEOUT_MS), policyFor('222233334444'))).rejects.toThrow();
    expect(changed).toEqual([]);
    await emulator.waitForLateDeliveries();

    expect(changed).toEqual(['common-images']);
  });

  it('answers its client when the client is still waiting as it lands', async () => {
    const emulator = await start();
    emulator.deliverLate('SetRepositoryPolicy', { delayMs: 50 });

    await expect(setPolicy(clientFor(emulator), policyFor('222233334444'))).resolves.toMatchObject({
      policyText: policyFor('222233334444'),
    });
    expect(emulator.landings).toMatchObject([{ outcome: 'applied', clientWaiting: true }]);
  });

  it('is refused with InvalidSignatureException when its signature expired while it was held', async () => {
    const emulator = await start({ signatureLifetimeMs: 1000 });
    emulator.deliverLate('SetRepositoryPolicy', { delayMs: 1500 });

    await expect(setPolicy(clientFor(emulator), policyFor('222233334444'))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      message: expect.stringMatching(/^Signature expired: .* - 1 sec\.\)$/),
      $metadata: { httpStatusCode: 403 },
    });

    expect(emulator.policyText('common-images')).toBeUndefined();
    expect(emulator.landings).toMatchObject([
      { outcome: 'refused', errorType: 'InvalidSignatureException', message: expect.stringMatching(/^Signature expired/) },
    ]);
  });

  it('is saved to the state file when it lands', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'ecr-emulator-late-'));
    try {
      const stateFile = join(directory, 'ecr.json');
      const first = await start({ stateFile });
      first.deliverLate('SetRepositoryPolicy', { delayMs: LATE_MS });
      await expect(setPolicy(clientFor(first, TIMEOUT_MS), policyFor('222233334444'))).rejects.toThrow();
      await first.waitForLateDeliveries();
      await first.close();

      const second = await start({ stateFile });

      expect(second.policyText('common-images')).toBe(policyFor('222233334444'));
    } finally {
      // Saves still in flight would otherwise write into a folder that is gone.
      await Promise.all(emulators.map((emulator) => emulator.close()));
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('held late requests', () => {
  it('are dropped by close(), which does not wait for them', async () => {
    const emulator = await start();
    emulator.deliverLate('SetRepositoryPolicy', { delayMs: 10 * 60_000 });
    const write = setPolicy(clientFor(emulator), policyFor('222233334444'));
    await emulator.waitForCalls('SetRepositoryPolicy', 1);

    await emulator.close();

    await expect(write).rejects.toThrow();
    await emulator.waitForLateDeliveries();
    expect(emulator.policyText('common-images')).toBeUndefined();
    expect(emulator.landings).toMatchObject([{ outcome: 'dropped' }]);
  });

  it('make waitForLateDeliveries reject once its timeout passes', async () => {
    const emulator = await start();
    emulator.deliverLate('SetRepositoryPolicy', { delayMs: 10 * 60_000 });
    void setPolicy(clientFor(emulator), policyFor('222233334444')).catch(() => undefined);
    await emulator.waitForCalls('SetRepositoryPolicy', 1);

    await expect(emulator.waitForLateDeliveries(10)).rejects.toThrow(/1 still held/);
  });
});

describe('random late delivery (setFaults lateRate)', () => {
  /** For each of twelve writes in turn, whether it was delivered late (it left a landing) or not. */
  async function lateness(emulator: EcrEmulator, seed: number): Promise<boolean[]> {
    emulator.setFaults({ lateRate: 0.5, lateMs: 50, actions: ['SetRepositoryPolicy'], seed });
    const client = clientFor(emulator);
    const late: boolean[] = [];
    for (let i = 0; i < 12; i += 1) {
      const landed = emulator.landings.length;
      await setPolicy(client, policyFor('222233334444'));
      late.push(emulator.landings.length > landed);
    }
    return late;
  }

  it('delays the same requests again for the same seed', async () => {
    const emulator = await start();

    const first = await lateness(emulator, 7);
    const second = await lateness(emulator, 7);

    expect(second).toEqual(first);
    expect(new Set(first)).toEqual(new Set([true, false]));
  });

  it('applies a write it delayed after its client timed out', async () => {
    const emulator = await start();
    emulator.setFaults({ lateRate: 1, lateMs: LATE_MS, actions: ['SetRepositoryPolicy'] });

    await expect(setPolicy(clientFor(emulator, TIMEOUT_MS), policyFor('222233334444'))).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    await emulator.waitForLateDeliveries();

    expect(emulator.policyText('common-images')).toBe(policyFor('222233334444'));
  });
});

describe('late delivery settings', () => {
  it('refuses a lateRate without lateMs, the delay', async () => {
    const emulator = await start();

    expect(() => emulator.setFaults({ lateRate: 0.5 })).toThrow(/lateRate needs lateMs/);
  });

  it('refuses rates that add up to more than 1', async () => {
    const emulator = await start();

    expect(() => emulator.setFaults({ lateRate: 0.6, errorRate: 0.6, lateMs: 10 })).toThrow(/must not exceed 1/);
  });

  it('refuses a negative delay', async () => {
    const emulator = await start();

    expect(() => emulator.deliverLate('SetRepositoryPolicy', { delayMs: -1 })).toThrow(RangeError);
  });
});
