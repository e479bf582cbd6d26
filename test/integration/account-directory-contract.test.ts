// One contract for who owns an account, run on the in-memory fake the unit tests use, on the
// accounts file, and on AWS Organizations over HTTP (the local Organizations emulator): each
// names a member with its name and where it sits, says plainly when an account is outside, and
// answers every account asked about, each once.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { fileDirectory, readAccountsFile } from '../../src/accounts-file';
import { FAILED_TTL_MS, MEMBER_TTL_MS, OUTSIDE_TTL_MS, organizationsDirectory } from '../../src/aws/organizations-directory';
import { createLogger } from '../../src/logger';
import type { AccountDirectory } from '../../src/service/ports';
import { startOrganizationsEmulator, type OrganizationsEmulator } from '../../sandbox/organizations-emulator';
import { InMemoryAccountDirectory, InMemoryOrganizationalUnits } from '../support/in-memory-ports';
import type { OrganizationalUnits } from '../../src/service/ports';

const ANALYTICS = '222233334444';
const PLATFORM = '333344445555';
const STRANGER = '999988887777';

const SEED = {
  managementAccountId: '123456789012',
  accounts: [
    { id: ANALYTICS, name: 'sales-dashboards', ouPath: ['Engineering', 'Analytics'] },
    { id: PLATFORM, name: 'nightly-builds', ouPath: ['Engineering', 'Platform'] },
  ],
};

const ACCOUNTS_YAML = `# account ID: name and owning team
${ANALYTICS}:
  name: sales-dashboards
  team: Analytics
${PLATFORM}:
  name: nightly-builds
  team: Platform
`;

/** What each backend says of a member: its OU path from Organizations, its team from a file. */
interface Backend {
  directory: AccountDirectory;
  where: (account: string) => { ouPath: string[]; orgPath: string } | { team: string };
}

let emulator: OrganizationsEmulator;
const now = { at: 1_800_000_000_000 };
const clock = { now: () => now.at, sleep: async () => undefined };
const logger = createLogger({ level: 'error', write: () => undefined });
const clients: OrganizationsClient[] = [];

function organizationsClient(): OrganizationsClient {
  const client = new OrganizationsClient({ region: 'us-east-1', endpoint: emulator.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  emulator = await startOrganizationsEmulator({ seed: SEED });
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await emulator.close();
});
beforeEach(() => {
  emulator.clearFaults();
  emulator.resetCalls();
});

const PATHS: Record<string, string[]> = { [ANALYTICS]: ['Root', 'Engineering', 'Analytics'], [PLATFORM]: ['Root', 'Engineering', 'Platform'] };
/** Where each sits as IAM names it (aws:PrincipalOrgPaths): the emulator numbers OUs as they first appear (Engineering, Analytics, Platform). */
const ORG_PATHS: Record<string, string> = { [ANALYTICS]: 'o-ecraccess01/r-ecra/ou-ecra-00000001/ou-ecra-00000002/', [PLATFORM]: 'o-ecraccess01/r-ecra/ou-ecra-00000001/ou-ecra-00000003/' };
const TEAMS: Record<string, string> = { [ANALYTICS]: 'Analytics', [PLATFORM]: 'Platform' };
const NAMES: Record<string, string> = { [ANALYTICS]: 'sales-dashboards', [PLATFORM]: 'nightly-builds' };

const backends: Array<[string, () => Backend]> = [
  [
    'in memory',
    () => ({
      directory: new InMemoryAccountDirectory(
        Object.fromEntries([ANALYTICS, PLATFORM].map((id) => [id, { kind: 'member' as const, name: NAMES[id] as string, ouPath: PATHS[id] as string[], orgPath: ORG_PATHS[id] as string }])),
      ),
      where: (account) => ({ ouPath: PATHS[account] as string[], orgPath: ORG_PATHS[account] as string }),
    }),
  ],
  [
    'accounts file',
    () => {
      const path = join(mkdtempSync(join(tmpdir(), 'ecr-access-accounts-')), 'accounts.yml');
      writeFileSync(path, ACCOUNTS_YAML);
      const read = readAccountsFile(path);
      if ('problems' in read) throw new Error(read.problems.join('\n'));
      return { directory: fileDirectory(read.accounts), where: (account) => ({ team: TEAMS[account] as string }) };
    },
  ],
  [
    'AWS Organizations',
    () => ({ directory: organizationsDirectory(organizationsClient(), { clock, logger }), where: (account) => ({ ouPath: PATHS[account] as string[], orgPath: ORG_PATHS[account] as string }) }),
  ],
];

describe.each(backends)('account directory contract: %s', (_name, make) => {
  it('names a member account and where it sits', async () => {
    const { directory, where } = make();
    const owners = await directory.owners([ANALYTICS]);
    expect(owners.get(ANALYTICS)).toEqual({ kind: 'member', name: 'sales-dashboards', ...where(ANALYTICS) });
  });

  it('says an account it does not know is outside the organization', async () => {
    const { directory } = make();
    expect((await directory.owners([STRANGER])).get(STRANGER)).toEqual({ kind: 'outside' });
  });

  it('answers every account asked about, each once, however often it is named', async () => {
    const { directory, where } = make();
    const owners = await directory.owners([PLATFORM, STRANGER, PLATFORM, ANALYTICS]);
    expect([...owners.keys()].sort()).toEqual([ANALYTICS, PLATFORM, STRANGER].sort());
    expect(owners.get(PLATFORM)).toEqual({ kind: 'member', name: 'nightly-builds', ...where(PLATFORM) });
  });

  it('answers nothing for no accounts', async () => {
    const { directory } = make();
    expect((await directory.owners([])).size).toBe(0);
  });
});

describe('AWS Organizations account directory', () => {
  const directory = () => organizationsDirectory(organizationsClient(), { clock, logger });

  it.each([
    ['throttled', 'throttle', 'AWS Organizations is throttling the bot'],
    ['denied', 'denied', 'the bot may not read AWS Organizations'],
    ['failing', 'server', 'AWS Organizations did not answer'],
  ] as const)('says the owner is unknown, and why, when Organizations is %s', async (_what, fault, reason) => {
    emulator.setFault(fault);
    expect((await directory().owners([ANALYTICS])).get(ANALYTICS)).toEqual({ kind: 'unknown', reason });
  });

  it('asks Organizations once for a member, until the member cache runs out', async () => {
    const owners = directory();
    await owners.owners([ANALYTICS]);
    await owners.owners([ANALYTICS]);
    expect(emulator.countCalls('DescribeAccount')).toBe(1);
    now.at += MEMBER_TTL_MS + 1;
    await owners.owners([ANALYTICS]);
    expect(emulator.countCalls('DescribeAccount')).toBe(2);
  });

  it('asks again about an outsider sooner than about a member', async () => {
    const owners = directory();
    await owners.owners([STRANGER]);
    now.at += OUTSIDE_TTL_MS - 1;
    await owners.owners([STRANGER]);
    expect(emulator.countCalls('DescribeAccount')).toBe(1);
    now.at += 2;
    await owners.owners([STRANGER]);
    expect(emulator.countCalls('DescribeAccount')).toBe(2);
  });

  it('keeps a failed lookup briefly, then asks again and finds the owner', async () => {
    const owners = directory();
    emulator.failNext('DescribeAccount', 1, 'throttle');
    expect((await owners.owners([ANALYTICS])).get(ANALYTICS)?.kind).toBe('unknown');
    expect((await owners.owners([ANALYTICS])).get(ANALYTICS)?.kind).toBe('unknown');
    expect(emulator.countCalls('DescribeAccount')).toBe(1);
    now.at += FAILED_TTL_MS + 1;
    expect((await owners.owners([ANALYTICS])).get(ANALYTICS)?.kind).toBe('member');
  });

  it('names each OU once for many accounts under it', async () => {
    await directory().owners([ANALYTICS, PLATFORM, ANALYTICS]);
    expect(emulator.countCalls('DescribeAccount')).toBe(2);
    // Engineering, Analytics and Platform: each described once, though both accounts sit under Engineering.
    expect(emulator.countCalls('DescribeOrganizationalUnit')).toBe(3);
  });
});

const ENGINEERING = { id: 'ou-ecra-00000001', names: ['Root', 'Engineering'], orgPath: 'o-ecraccess01/r-ecra/ou-ecra-00000001/', accounts: 2 };

describe.each<[string, () => OrganizationalUnits & { fail?: (reason: string) => void }]>([
  ['in memory', () => {
    const units = new InMemoryOrganizationalUnits({ [ENGINEERING.id]: ENGINEERING });
    return Object.assign(units, { fail: (reason: string) => { units.failing = reason; } });
  }],
  ['AWS Organizations', () => Object.assign(organizationsDirectory(organizationsClient(), { clock, logger }), { fail: () => emulator.setFault('throttle') })],
])('organizational units contract: %s', (_name, make) => {
  it('describes an OU it knows: names from the root, org path, accounts at every depth', async () => {
    expect(await make().unit(ENGINEERING.id)).toEqual({ kind: 'found', unit: ENGINEERING });
  });

  it('says an OU it does not know is not found', async () => {
    expect(await make().unit('ou-ecra-99999999')).toEqual({ kind: 'not-found' });
  });

  it('says the OU is unknown, and why, when the lookup fails', async () => {
    const units = make();
    units.fail?.('AWS Organizations is throttling the bot');
    expect(await units.unit(ENGINEERING.id)).toEqual({ kind: 'unknown', reason: 'AWS Organizations is throttling the bot' });
  });
});

describe('AWS Organizations organizational units, for OU grants', () => {
  const units = () => organizationsDirectory(organizationsClient(), { clock, logger });

  it('describes an OU: its names from the root, its org path, and how many accounts it holds at every depth', async () => {
    expect(await units().unit('ou-ecra-00000001')).toEqual({
      kind: 'found',
      unit: { id: 'ou-ecra-00000001', names: ['Root', 'Engineering'], orgPath: 'o-ecraccess01/r-ecra/ou-ecra-00000001/', accounts: 2 },
    });
    expect(await units().unit('ou-ecra-00000002')).toMatchObject({ kind: 'found', unit: { names: ['Root', 'Engineering', 'Analytics'], orgPath: ORG_PATHS[ANALYTICS], accounts: 1 } });
  });

  it('counts every page of a large OU, as AWS pages its listings (20 at most)', async () => {
    const big = emulator.organization.unitAt(['Engineering', 'Big']);
    for (let i = 0; i < 45; i++) emulator.organization.addAccount(String(700000000000 + i), `big-${i}`, ['Engineering', 'Big']);
    emulator.resetCalls();
    expect(await units().unit(big)).toMatchObject({ kind: 'found', unit: { accounts: 45 } });
    expect(emulator.countCalls('ListAccountsForParent')).toBe(3);
    expect(await units().unit('ou-ecra-00000001')).toMatchObject({ kind: 'found', unit: { accounts: 47 } });
  });

  it('says an OU it does not know is not found, and a malformed one too, without asking', async () => {
    expect(await units().unit('ou-ecra-99999999')).toEqual({ kind: 'not-found' });
    emulator.resetCalls();
    expect(await units().unit('ou-x')).toEqual({ kind: 'not-found' });
    expect(emulator.calls).toEqual([]);
  });

  it('says the OU is unknown, and why, when Organizations fails', async () => {
    emulator.setFault('throttle');
    expect(await units().unit('ou-ecra-00000001')).toEqual({ kind: 'unknown', reason: 'AWS Organizations is throttling the bot' });
  });
});
