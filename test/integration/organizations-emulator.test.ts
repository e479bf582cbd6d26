// The local AWS Organizations, through the real @aws-sdk/client-organizations: the answers and
// error words ecr-access depends on, as AWS (and moto's organizations backend) gives them.
import {
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  DescribeOrganizationalUnitCommand,
  ListParentsCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { startOrganizationsEmulator, type OrganizationsEmulator } from '../../sandbox/organizations-emulator';
import { SANDBOX_ORGANIZATION } from '../../sandbox/seed';

let emulator: OrganizationsEmulator;
let client: OrganizationsClient;

beforeAll(async () => {
  emulator = await startOrganizationsEmulator({ seed: SANDBOX_ORGANIZATION });
  client = new OrganizationsClient({ region: 'us-east-1', endpoint: emulator.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await emulator.close();
});
beforeEach(() => emulator.clearFaults());

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: Error & { $metadata?: { httpStatusCode?: number } }) => ({ name: error.name, status: error.$metadata?.httpStatusCode, message: error.message }));

describe('Organizations emulator', () => {
  it('describes a member account by its ID', async () => {
    const { Account } = await client.send(new DescribeAccountCommand({ AccountId: '222233334444' }));
    expect(Account).toMatchObject({ Id: '222233334444', Name: 'sales-dashboards', Status: 'ACTIVE' });
    expect(Account?.Arn).toBe('arn:aws:organizations::123456789012:account/o-ecraccess01/222233334444');
    expect(Account?.JoinedTimestamp).toBeInstanceOf(Date);
  });

  it('climbs from an account through its OUs to the root, naming each OU', async () => {
    const names: string[] = [];
    let child = '222233334444';
    for (;;) {
      const parent = (await client.send(new ListParentsCommand({ ChildId: child }))).Parents?.[0];
      if (!parent?.Id || parent.Type === 'ROOT') {
        expect(parent?.Id).toMatch(/^r-/);
        break;
      }
      expect(parent.Type).toBe('ORGANIZATIONAL_UNIT');
      names.unshift((await client.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: parent.Id }))).OrganizationalUnit?.Name ?? '');
      child = parent.Id;
    }
    expect(names).toEqual(['Engineering', 'Analytics']);
  });

  it('answers AccountNotFoundException for an account outside the organization, as moto does', async () => {
    const expected = { name: 'AccountNotFoundException', status: 400, message: "You specified an account that doesn't exist." };
    expect(await failure(client.send(new DescribeAccountCommand({ AccountId: '999988887777' })))).toEqual(expected);
    expect(await failure(client.send(new ListParentsCommand({ ChildId: '999988887777' })))).toEqual(expected);
  });

  it('answers OrganizationalUnitNotFoundException for an unknown OU, and InvalidInputException for a malformed ID', async () => {
    expect(await failure(client.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: 'ou-ecra-99999999' })))).toMatchObject({ name: 'OrganizationalUnitNotFoundException', status: 400 });
    expect(await failure(client.send(new DescribeAccountCommand({ AccountId: '12345' })))).toMatchObject({ name: 'InvalidInputException', status: 400 });
  });

  it('describes the organization: its ID, which every org path starts with, and its management account', async () => {
    const { Organization } = await client.send(new DescribeOrganizationCommand({}));
    expect(Organization).toMatchObject({ Id: 'o-ecraccess01', MasterAccountId: '123456789012', FeatureSet: 'ALL' });
  });

  it('lists the OUs and accounts directly under a parent, and climbs from an OU to its parent', async () => {
    const ous = await client.send(new ListOrganizationalUnitsForParentCommand({ ParentId: 'r-ecra' }));
    expect(ous.OrganizationalUnits?.map((u) => u.Name)).toEqual(['Engineering', 'Sandbox']);
    expect(ous.NextToken).toBeUndefined();
    const analytics = await client.send(new ListAccountsForParentCommand({ ParentId: 'ou-ecra-00000002' }));
    expect(analytics.Accounts?.map((a) => a.Id)).toEqual(['222233334444']);
    expect((await client.send(new ListParentsCommand({ ChildId: 'ou-ecra-00000002' }))).Parents).toEqual([{ Id: 'ou-ecra-00000001', Type: 'ORGANIZATIONAL_UNIT' }]);
  });

  it('pages a listing by MaxResults and NextToken, and refuses a page size over 20, a bad token and an unknown parent as AWS does', async () => {
    const first = await client.send(new ListOrganizationalUnitsForParentCommand({ ParentId: 'r-ecra', MaxResults: 1 }));
    expect(first.OrganizationalUnits?.map((u) => u.Name)).toEqual(['Engineering']);
    const second = await client.send(new ListOrganizationalUnitsForParentCommand({ ParentId: 'r-ecra', MaxResults: 1, NextToken: first.NextToken }));
    expect([second.OrganizationalUnits?.map((u) => u.Name), second.NextToken]).toEqual([['Sandbox'], undefined]);
    expect(await failure(client.send(new ListAccountsForParentCommand({ ParentId: 'r-ecra', MaxResults: 21 })))).toMatchObject({ name: 'InvalidInputException', status: 400 });
    expect(await failure(client.send(new ListAccountsForParentCommand({ ParentId: 'r-ecra', NextToken: 'nonsense' })))).toMatchObject({ name: 'InvalidInputException', status: 400 });
    expect(await failure(client.send(new ListAccountsForParentCommand({ ParentId: 'ou-ecra-99999999' })))).toEqual({ name: 'ParentNotFoundException', status: 400, message: "You specified parent that doesn't exist." });
  });

  it('refuses an action it does not emulate', async () => {
    expect(await failure(client.send(new ListRootsCommand({})))).toMatchObject({ name: 'UnknownOperationException', status: 400 });
  });

  it.each([
    ['throttle', 'TooManyRequestsException', 400],
    ['denied', 'AccessDeniedException', 400],
    ['server', 'ServiceException', 500],
  ] as const)('fails every call with %s while that fault stands', async (fault, name, status) => {
    emulator.setFault(fault);
    expect(await failure(client.send(new DescribeAccountCommand({ AccountId: '222233334444' })))).toMatchObject({ name, status });
    expect(await failure(client.send(new ListParentsCommand({ ChildId: '222233334444' })))).toMatchObject({ name, status });
  });

  it('logs the access key that signed each request', async () => {
    emulator.resetCalls();
    const other = new OrganizationsClient({ region: 'us-east-1', endpoint: emulator.url, credentials: { accessKeyId: 'ASIAOTHERKEY', secretAccessKey: 'x', sessionToken: 't' }, maxAttempts: 1 });
    await client.send(new DescribeAccountCommand({ AccountId: '222233334444' }));
    await other.send(new ListParentsCommand({ ChildId: '222233334444' }));
    other.destroy();
    expect(emulator.signedCalls).toEqual([
      { action: 'DescribeAccount', accessKeyId: 'local' },
      { action: 'ListParents', accessKeyId: 'ASIAOTHERKEY' },
    ]);
  });

  it('refuses requests signed with any other key than the one required, with AccessDeniedException', async () => {
    emulator.requireAccessKey('ASIAROLEKEY');
    try {
      expect(await failure(client.send(new DescribeAccountCommand({ AccountId: '222233334444' })))).toMatchObject({ name: 'AccessDeniedException', status: 400 });
      const role = new OrganizationsClient({ region: 'us-east-1', endpoint: emulator.url, credentials: { accessKeyId: 'ASIAROLEKEY', secretAccessKey: 'x', sessionToken: 't' }, maxAttempts: 1 });
      expect((await role.send(new DescribeAccountCommand({ AccountId: '222233334444' }))).Account?.Name).toBe('sales-dashboards');
      role.destroy();
    } finally {
      emulator.requireAccessKey(undefined);
    }
  });

  it('fails only the scripted calls of one action, then answers again', async () => {
    emulator.failNext('DescribeAccount', 1, 'throttle');
    expect(await failure(client.send(new DescribeAccountCommand({ AccountId: '222233334444' })))).toMatchObject({ name: 'TooManyRequestsException' });
    expect((await client.send(new ListParentsCommand({ ChildId: '222233334444' }))).Parents).toHaveLength(1);
    expect((await client.send(new DescribeAccountCommand({ AccountId: '222233334444' }))).Account?.Name).toBe('sales-dashboards');
  });
});
