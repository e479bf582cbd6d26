// A repository replicated to two regions, as people meet it in Slack: the settings file names
// its regions; approval writes and verifies the policy in each region (the ECR emulator keeps
// regions apart, answering each request from the region it was signed for); a region that fails
// is named on the card and Retry finishes only it; list and history show the regions; revoke and
// expiry take the account out of both. Signed requests over the bot's real HTTP receiver,
// against the local DynamoDB, ECR emulator and Slack simulator, and the sweep as its own process.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { keys } from '../../src/aws/table-schema';
import { canPull, MANAGED_SID, parsePolicy } from '../../src/domain/policy';
import { findButton } from '../../sandbox/slack/payloads';
import { REVOKE_ACTION } from '../../src/slack/blocks/revoke-confirmation';
import { DENY_ACTION } from '../../src/slack/blocks/request-card';
import { ErrorCode } from '../../src/errors';
import { textOf } from '../support/page-events';
import { SANDBOX, startBotWorld, type BotWorld } from '../support/bot-world';
import { runSweepProcess } from '../support/sweep-process';

const ACCOUNT = '222233334444';
const REPLICA = 'eu-west-1';
const REGIONS = [SANDBOX.region, REPLICA];
const SETTINGS = `
repositories:
  common-images:
    regions: [${REGIONS.join(', ')}]
`;

describe('a repository replicated to two regions', () => {
  let w: BotWorld;
  let dir: string;
  let env: Record<string, string>;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ecr-access-regions-'));
    writeFileSync(join(dir, 'ecr-access.yml'), SETTINGS);
    const botEnv = { ECR_ACCESS_REPOSITORIES: '', ECR_ACCESS_SETTINGS_FILE: join(dir, 'ecr-access.yml') };
    w = await startBotWorld({ botEnv });
    env = { ...w.world.env, ...botEnv };
  });
  afterEach(async () => {
    await w.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const pullsIn = (region: string) => canPull(parsePolicy(w.world.ecr.policyText('common-images', region)), ACCOUNT);
  const writesIn = (region: string) => w.world.ecr.calls.filter((c) => c.action === 'SetRepositoryPolicy' && c.region === region).length;
  const cardNow = (ts: string) => textOf(w.world.slack.messages(SANDBOX.approvalChannel).find((m) => m.ts === ts) ?? {});

  async function asked(extra = '') {
    await w.command(`request common-images ${ACCOUNT}${extra} builds in both regions`);
    const card = w.cards().find((c) => JSON.stringify(c.blocks).includes(ACCOUNT));
    if (!card) throw new Error('no card');
    return card;
  }

  it('grants in both regions, each policy read back, and says so on the card, in the thread and in list and history', async () => {
    w.world.ecr.createRepository('common-images', REPLICA);
    const card = await asked();
    expect(cardNow(card.ts)).toContain(`*Regions*\\n${SANDBOX.region} · ${REPLICA}`);
    await w.click(card, 'approve');
    expect((await w.requests()).map((r) => r.state)).toEqual(['GRANTED']);
    expect(REGIONS.map(pullsIn)).toEqual([true, true]);
    // Each region's policy holds the same statement, written there and nowhere else.
    for (const region of REGIONS) {
      const statement = JSON.parse(w.world.ecr.policyText('common-images', region) ?? '{}').Statement.find((s: { Sid: string }) => s.Sid === MANAGED_SID);
      expect(statement.Principal).toEqual({ AWS: [`arn:aws:iam::${ACCOUNT}:root`] });
      expect(writesIn(region)).toBe(1);
    }
    expect(cardNow(card.ts)).toContain(`${SANDBOX.region} granted · ${REPLICA} granted`);
    const thread = JSON.stringify(w.world.slack.thread(SANDBOX.approvalChannel, card.ts).slice(1));
    expect(thread).toContain(`can now pull from \`common-images\` in ${SANDBOX.region} and ${REPLICA}`);

    const list = await w.command('list common-images');
    expect(JSON.stringify(w.world.slack.responses.filter((r) => r.url === list.ack.responseUrl).at(-1)?.body)).toContain(`in ${SANDBOX.region} and ${REPLICA}`);
    await w.command('history common-images');
    const told = JSON.stringify(w.world.slack.responses.at(-1)?.body);
    expect(told).toContain(`on \`common-images\` in ${REPLICA}`);
    expect(told).toContain(`on \`common-images\` in ${SANDBOX.region}`);
  });

  it('names the region that failed, keeps the grant in the other, and Retry finishes only the failed region', async () => {
    // The replica is not there yet: the write in eu-west-1 fails, the one in us-east-1 lands.
    const card = await asked();
    await w.click(card, 'approve');
    const [failed] = await w.requests();
    expect(failed).toMatchObject({ state: 'FAILED', partlyGranted: true, failure: { code: ErrorCode.RepositoryNotFound } });
    expect(REGIONS.map(pullsIn)).toEqual([true, false]);
    expect(cardNow(card.ts)).toContain(`${SANDBOX.region} granted · ${REPLICA} failed`);
    expect(cardNow(card.ts)).toContain(`Retry finishes only ${REPLICA}`);
    // Granted somewhere already: the card offers Retry, not Deny.
    expect(findButton(w.world.slack.messages(SANDBOX.approvalChannel).find((m) => m.ts === card.ts)?.blocks ?? [], DENY_ACTION)).toBeUndefined();
    const writesAtHome = writesIn(SANDBOX.region);

    w.world.ecr.createRepository('common-images', REPLICA);
    await w.click(w.world.slack.messages(SANDBOX.approvalChannel).find((m) => m.ts === card.ts)!, 'approve');
    expect((await w.requests()).map((r) => r.state)).toEqual(['GRANTED']);
    expect(REGIONS.map(pullsIn)).toEqual([true, true]);
    expect([writesIn(SANDBOX.region), writesIn(REPLICA)]).toEqual([writesAtHome, 1]);
    expect(cardNow(card.ts)).toContain(`${SANDBOX.region} granted · ${REPLICA} granted`);
  });

  it('is revoked out of both regions', async () => {
    w.world.ecr.createRepository('common-images', REPLICA);
    await w.click(await asked(), 'approve');
    const { ack } = await w.command(`revoke common-images ${ACCOUNT} no longer needed`, SANDBOX.approver);
    const answer = w.world.slack.ephemerals(SANDBOX.approver).find((e) => e.responseUrlId !== undefined && ack.responseUrl.endsWith(`/${e.responseUrlId}`));
    await w.world.slack.clickButton({ user: SANDBOX.approver, channel: SANDBOX.approvalChannel, messageTs: answer!.ts, actionId: REVOKE_ACTION });
    await w.bot.idle();
    expect((await w.requests()).map((r) => r.state)).toEqual(['REVOKED']);
    expect(REGIONS.map((region) => w.world.ecr.policyText('common-images', region))).toEqual([undefined, undefined]);
  });

  it('expires out of both regions when its time is up, by the sweep process', async () => {
    w.world.ecr.createRepository('common-images', REPLICA);
    await w.click(await asked(' --for 1h'), 'approve');
    const [request] = await w.requests();
    const clients = w.world.clients();
    const now = Date.now();
    await clients.dynamo.send(
      new UpdateItemCommand({
        TableName: SANDBOX.table,
        Key: { pk: { S: keys.request(request!.id) } },
        UpdateExpression: 'SET expiresAt = :end, dueAt = :now',
        ExpressionAttributeValues: { ':end': { S: new Date(now - 1_000).toISOString() }, ':now': { N: String(now) } },
      }),
    );
    clients.dynamo.destroy();
    clients.ecr.destroy();
    const run = await runSweepProcess(env);
    expect([run.code, run.report?.expired]).toEqual([0, 1]);
    expect((await w.requests()).map((r) => r.state)).toEqual(['EXPIRED']);
    expect(REGIONS.map(pullsIn)).toEqual([false, false]);
  });
});
