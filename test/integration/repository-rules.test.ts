// Per-repository rules through the bot's real HTTP receiver: a repository shared by a pattern
// of the settings file, and approvers who decide their own rule's requests and no other's.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANAGED_SID } from '../../src/domain/policy';
import { SANDBOX, startBotWorld, type BotWorld } from '../support/bot-world';

const ACCOUNT = '222233334444';
/** Decides the team-* repositories, and nothing else. */
const TEAM_LEAD = SANDBOX.other;

const SETTINGS = `
repositories:
  common-images: {}
  "team-*":
    approvers: [${TEAM_LEAD}]
    maxGrant: 30d
`;

describe('per-repository rules from the settings file', () => {
  let w: BotWorld;
  let dir: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ecr-access-rules-'));
    writeFileSync(join(dir, 'ecr-access.yml'), SETTINGS);
    w = await startBotWorld({
      repositories: ['common-images', 'team-a', 'team-b', 'secret-images'],
      botEnv: { ECR_ACCESS_REPOSITORIES: '', ECR_ACCESS_SETTINGS_FILE: join(dir, 'ecr-access.yml') },
    });
  });
  afterEach(async () => {
    await w.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const managedAccounts = (repository: string) => {
    const statement = w.policy(repository)?.Statement.find((s) => s.Sid === MANAGED_SID);
    return (statement?.Principal as { AWS?: unknown } | undefined)?.AWS;
  };

  it("grants a repository only a pattern names, on its rule's approver's click", async () => {
    await w.command(`request team-a ${ACCOUNT} --for 7d builds`);
    const [card] = w.cards();
    await w.click(card!, 'approve', TEAM_LEAD);
    const [request] = await w.requests();
    expect(request).toMatchObject({ repository: 'team-a', state: 'GRANTED', decidedBy: TEAM_LEAD });
    expect(managedAccounts('team-a')).toEqual([`arn:aws:iam::${ACCOUNT}:root`]);
  });

  it("refuses the deployment's approver on a repository whose rule names its own, and changes nothing", async () => {
    await w.command(`request team-a ${ACCOUNT} --for 7d builds`);
    const { replies } = await w.click(w.cards()[0]!, 'approve', SANDBOX.approver);
    expect(replies.join('\n')).toContain('Only the approvers of `team-a` can approve or deny its requests; nothing changed.');
    const [request] = await w.requests();
    expect(request?.state).toBe('PENDING');
    expect(w.policy('team-a')).toBeUndefined();
  });

  it("refuses the team's approver on a repository of the deployment's approvers", async () => {
    await w.command(`request common-images ${ACCOUNT}`);
    const { replies } = await w.click(w.cards()[0]!, 'approve', TEAM_LEAD);
    expect(replies.join('\n')).toContain('Only the approvers of `common-images` can approve or deny its requests; nothing changed.');
    expect((await w.requests())[0]?.state).toBe('PENDING');
  });

  it("holds a pattern's requests to its rule's time limit", async () => {
    const { replies } = await w.command(`request team-b ${ACCOUNT} --for 90d builds`);
    expect(replies.join('\n')).toContain('at most 30 days');
    expect(await w.requests()).toEqual([]);
  });

  it('refuses a repository no rule matches, naming the names and patterns it shares', async () => {
    const { ack } = await w.command(`request secret-images ${ACCOUNT}`);
    expect(JSON.stringify(ack.body)).toContain('Shareable repositories: `common-images`, `team-*` (`*` stands for any characters but `/`)');
  });

  it('lists every repository a rule matches, and no other, when none is named', async () => {
    const { replies } = await w.command('list');
    const listed = replies.at(-1) ?? '';
    for (const repository of ['common-images', 'team-a', 'team-b']) expect(listed).toContain(repository);
    expect(listed).not.toContain('secret-images');
  });
});
