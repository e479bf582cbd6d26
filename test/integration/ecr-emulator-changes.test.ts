/**
 * The ECR emulator's change feed: what the sandbox page listens to so its policy panel follows
 * every write, through the API or by seeding, without polling.
 */
import { ECRClient, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { startEcrEmulator, type EcrChange, type EcrEmulator } from '../../sandbox/ecr-emulator';

const READ_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'read', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222233334444:root' }, Action: ['ecr:BatchGetImage'] }],
});

let ecr: EcrEmulator;
let client: ECRClient;
let changes: EcrChange[];
let unsubscribe: () => void;

beforeEach(async () => {
  ecr = await startEcrEmulator();
  client = new ECRClient({ region: 'us-east-1', endpoint: ecr.url, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  changes = [];
  unsubscribe = ecr.on('change', (change) => changes.push(change));
});

afterEach(async () => {
  unsubscribe();
  client.destroy();
  await ecr.close();
});

it('announces a seeded repository once, and not again when it is seeded a second time', () => {
  ecr.createRepository('common-images');
  ecr.createRepository('common-images');
  expect(changes).toEqual([{ repositoryName: 'common-images', region: 'us-east-1' }]);
});

it('announces a seeded policy', () => {
  ecr.createRepository('common-images');
  ecr.putPolicy('common-images', READ_POLICY);
  expect(changes.at(-1)).toEqual({ repositoryName: 'common-images', region: 'us-east-1' });
});

it('announces a policy written through the API, by the time the write is answered', async () => {
  ecr.createRepository('common-images');
  changes.length = 0;
  await client.send(new SetRepositoryPolicyCommand({ repositoryName: 'common-images', policyText: READ_POLICY }));
  expect(changes).toEqual([{ repositoryName: 'common-images', region: 'us-east-1' }]);
  expect(ecr.policyText('common-images')).toBe(READ_POLICY);
});

it('announces nothing for a write ECR refuses', async () => {
  ecr.createRepository('common-images');
  changes.length = 0;
  await expect(client.send(new SetRepositoryPolicyCommand({ repositoryName: 'common-images', policyText: '{"Statement":[]}' }))).rejects.toThrow();
  expect(changes).toEqual([]);
});

it('stops calling a listener once it unsubscribed', () => {
  unsubscribe();
  ecr.createRepository('common-images');
  expect(changes).toEqual([]);
});
