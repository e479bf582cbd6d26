// `list` compares the live policy with the records and shows drift both ways.
import { MANAGED_SID, READ_ONLY_ACTIONS } from '../../src/domain/policy';
import { CI_PUSH_STATEMENT, startBotWorld, type BotWorld } from '../support/bot-world';

describe('drift between the live policy and the records', () => {
  let w: BotWorld;
  beforeAll(async () => {
    w = await startBotWorld();
    await w.command('request common-images 222233334444');
    await w.click(w.cards()[0]!, 'approve');
    // Someone edits the policy by hand: 222233334444 removed, 555566667777 added.
    w.world.ecr.putPolicy(
      'common-images',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [CI_PUSH_STATEMENT, { Sid: MANAGED_SID, Effect: 'Allow', Principal: { AWS: '555566667777' }, Action: [...READ_ONLY_ACTIONS] }],
      }),
    );
    await w.command('list common-images');
  });
  afterAll(async () => w.close());

  const listed = () => JSON.stringify(w.world.slack.responses.at(-1)!.body);

  it('marks an account that can pull but was never granted through ecr-access', () => {
    expect(listed()).toContain('`555566667777` — added outside ecr-access');
  });

  it('marks a recorded grant that the live policy no longer allows', () => {
    expect(listed()).toMatch(/`222233334444` — approved by <@U0APPROVER>, granted <!date\^\d+\^[^>]+> \(r-[0-9a-z]{10}\), but removed from the policy outside ecr-access/);
  });
});
