// The Organizations role, end to end over HTTP: with a role ARN set, the bot asks STS for the
// role's credentials with its own (RoleSessionName ecr-access) and reads AWS Organizations with
// those, never its own; when STS refuses the role, owners are unknown and the card is still
// posted. Through the production clients (src/aws/clients.ts) against the local STS and
// Organizations emulators, through the bot's HTTP receiver in the local world, and through
// `npm start` in its own process, which finds STS by AWS_ENDPOINT_URL_STS as a deployment would.
import { createAwsClients, type AwsClientsOnDemand } from '../../src/aws/clients';
import { organizationsDirectory } from '../../src/aws/organizations-directory';
import { createLogger } from '../../src/logger';
import { OWNER_UNKNOWN } from '../../src/slack/blocks/account-owner';
import { startOrganizationsEmulator, type OrganizationsEmulator } from '../../sandbox/organizations-emulator';
import { spawnBot, type BotProcess } from '../../sandbox/bot-process';
import { startLocalWorld, type LocalWorld } from '../../sandbox/local-world';
import { SANDBOX_ORGANIZATION } from '../../sandbox/seed';
import { startStsEmulator, type StsEmulator } from '../../sandbox/sts-emulator';
import { SANDBOX, startBotWorld, type BotWorld } from '../support/bot-world';

const ROLE = 'arn:aws:iam::123456789012:role/ecr-access-organizations-read';
const UNTRUSTED_ROLE = 'arn:aws:iam::123456789012:role/not-trusted-by-the-bot';
const BOT = { accessKeyId: 'AKIABOTOWNKEY0000001', secretAccessKey: 'bot-secret' };
const MEMBER = '222233334444';
const OTHER_MEMBER = '333344445555';
const MEMBER_OWNER = 'sales-dashboards · Root / Engineering / Analytics';
const DENIED = 'the bot may not read AWS Organizations';

describe('the Organizations directory with a role', () => {
  let sts: StsEmulator;
  let organizations: OrganizationsEmulator;
  const made: AwsClientsOnDemand[] = [];
  const clock = { now: Date.now, sleep: async () => undefined };
  const logger = createLogger({ level: 'error', write: () => undefined });

  beforeAll(async () => {
    sts = await startStsEmulator({ roles: [ROLE] });
    organizations = await startOrganizationsEmulator({ seed: SANDBOX_ORGANIZATION });
  });
  afterAll(async () => {
    for (const clients of made) clients.destroy();
    await sts.close();
    await organizations.close();
  });
  beforeEach(() => {
    sts.resetCalls();
    organizations.resetCalls();
    organizations.requireAccessKey(undefined);
  });

  /** The directory the bot builds: the production clients, pointed at the emulators, with the bot's own credentials. */
  const directory = (role: { organizationsRoleArn?: string }) => {
    const clients = createAwsClients({
      region: 'us-east-1',
      endpoints: { ecr: 'http://127.0.0.1:9', dynamodb: 'http://127.0.0.1:9', organizations: organizations.url, sts: sts.url },
      credentials: BOT,
      ...role,
    });
    made.push(clients);
    return organizationsDirectory(clients.organizations, { clock, logger });
  };

  it('reads Organizations with the credentials STS issued for the role, asked for with the bot’s own as ecr-access', async () => {
    const owners = await directory({ organizationsRoleArn: ROLE }).owners([MEMBER]);
    expect(owners.get(MEMBER)).toEqual({ kind: 'member', name: 'sales-dashboards', ouPath: ['Root', 'Engineering', 'Analytics'], orgPath: 'o-ecraccess01/r-ecra/ou-ecra-00000001/ou-ecra-00000002/' });
    expect(sts.calls).toHaveLength(1);
    const [call] = sts.calls;
    expect(call).toMatchObject({ roleArn: ROLE, roleSessionName: 'ecr-access', callerAccessKeyId: BOT.accessKeyId });
    expect(call?.issuedAccessKeyId).toMatch(/^ASIA/);
    // DescribeAccount, then the climb to the root: every request signed by the role, none by the bot.
    expect(organizations.signedCalls.length).toBeGreaterThanOrEqual(3);
    for (const request of organizations.signedCalls) expect(request.accessKeyId).toBe(call?.issuedAccessKeyId);
  });

  it('asks STS once for the role, not once per lookup', async () => {
    const owners = directory({ organizationsRoleArn: ROLE });
    await owners.owners([MEMBER]);
    await owners.owners([OTHER_MEMBER]);
    expect(organizations.countCalls('DescribeAccount')).toBe(2);
    expect(sts.calls).toHaveLength(1);
  });

  it('without a role, reads Organizations with the bot’s own credentials, which a role-only Organizations refuses', async () => {
    organizations.requireAccessKey('ASIAONLYTHEROLESKEY0');
    const owners = await directory({}).owners([MEMBER]);
    expect(owners.get(MEMBER)).toEqual({ kind: 'unknown', reason: DENIED });
    expect(organizations.signedCalls.map((request) => request.accessKeyId)).toEqual([BOT.accessKeyId]);
    expect(sts.calls).toEqual([]);
  });

  it('says the owner is unknown, and why, when STS refuses the role, asking Organizations nothing', async () => {
    const owners = await directory({ organizationsRoleArn: UNTRUSTED_ROLE }).owners([MEMBER]);
    expect(owners.get(MEMBER)).toEqual({ kind: 'unknown', reason: DENIED });
    expect(sts.calls).toEqual([{ roleArn: UNTRUSTED_ROLE, roleSessionName: 'ecr-access', callerAccessKeyId: BOT.accessKeyId }]);
    expect(organizations.calls).toEqual([]);
  });
});

describe('the card with ECR_ACCESS_ORGANIZATIONS_ROLE_ARN', () => {
  let w: BotWorld;
  afterEach(async () => w.close());

  const start = async (roleArn: string) => {
    w = await startBotWorld({ botEnv: { ECR_ACCESS_ACCOUNTS: 'organizations', ECR_ACCESS_ORGANIZATIONS_ROLE_ARN: roleArn } });
  };
  const cardText = () => JSON.stringify(w.cards()[0]?.blocks ?? []);

  it('names the owner, read with the role’s credentials', async () => {
    await start(SANDBOX.organizationsRole);
    await w.command(`request common-images ${MEMBER} dashboards`);
    expect(cardText()).toContain(`*Owner*\\n${MEMBER_OWNER}`);
    const [call] = w.world.sts.calls;
    expect(call).toMatchObject({ roleArn: SANDBOX.organizationsRole, roleSessionName: 'ecr-access', callerAccessKeyId: 'local' });
    expect(new Set(w.world.organizations.signedCalls.map((request) => request.accessKeyId))).toEqual(new Set([call?.issuedAccessKeyId]));
  });

  it('posts the card with the owner unknown when STS refuses the role, and the approval goes through', async () => {
    await start(UNTRUSTED_ROLE);
    await w.command(`request common-images ${MEMBER} dashboards`);
    expect(w.cards()).toHaveLength(1);
    expect(cardText()).toContain(`*Owner*\\n${OWNER_UNKNOWN} (${DENIED}; check the account ID before approving)`);
    expect(w.world.organizations.calls).toEqual([]);
    await w.click(w.cards()[0]!, 'approve');
    expect(cardText()).toContain(`Approved by <@${SANDBOX.approver}>`);
  });
});

describe('`npm start` with ECR_ACCESS_ORGANIZATIONS_ROLE_ARN in its environment', () => {
  let world: LocalWorld;
  let bot: BotProcess;
  beforeAll(async () => {
    world = await startLocalWorld();
    bot = await spawnBot({ ...world.env, LOG_LEVEL: 'info', ECR_ACCESS_ACCOUNTS: 'organizations', ECR_ACCESS_ORGANIZATIONS_ROLE_ARN: SANDBOX.organizationsRole });
    world.slack.setBotUrl(bot.url);
  }, 60_000);
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
  });

  it('assumes the role at the STS of AWS_ENDPOINT_URL_STS and names the owner with its credentials', async () => {
    await world.slack.slashCommand({ user: SANDBOX.requester, channel: SANDBOX.approvalChannel, text: `request common-images ${MEMBER} dashboards` });
    const card = await world.slack.waitFor(() => world.slack.messages(SANDBOX.approvalChannel).find((m) => m.text.includes(MEMBER)), 15_000);
    expect(JSON.stringify(card.blocks)).toContain(MEMBER_OWNER);
    const [call] = world.sts.calls;
    expect(call).toMatchObject({ roleArn: SANDBOX.organizationsRole, roleSessionName: 'ecr-access', callerAccessKeyId: world.env.AWS_ACCESS_KEY_ID });
    expect(new Set(world.organizations.signedCalls.map((request) => request.accessKeyId))).toEqual(new Set([call?.issuedAccessKeyId]));
  });
});
