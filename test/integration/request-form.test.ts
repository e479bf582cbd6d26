// The request form as a person meets it in Slack: `/ecr-access` alone or the global shortcut
// opens it, its submission runs the request's checks before Slack's 3 s are up (a refusal of a
// field shown under that field), and the same modal then tells what became of the request.
// Signed requests over the bot's real HTTP receiver, against the local DynamoDB, ECR emulator and
// Slack simulator.
import { REQUEST_SHORTCUT } from '../../src/slack/blocks/request-form';
import type { SimBlock } from '../../sandbox/slack-simulator';
import { HAND_MADE_READ_STATEMENT, SANDBOX, startBotWorld, type BotWorld } from '../support/bot-world';

const ACCOUNT = '222233334444';
/** The account that holds the emulator's repositories. */
const REGISTRY = '123456789012';

const sectionText = (blocks: readonly SimBlock[]) => blocks.map((b) => (b.text as { text?: string } | undefined)?.text ?? '').join('\n');

describe('the request form', () => {
  let w: BotWorld;
  afterEach(async () => w.close());

  async function start(botEnv: Record<string, string> = {}, repositories = ['common-images', 'base-images']) {
    w = await startBotWorld({ repositories, botEnv: { ECR_ACCESS_REPOSITORIES: repositories.join(','), ...botEnv } });
  }

  /** Alice types `/ecr-access` alone; the form she is shown. */
  async function openForm(user: string = SANDBOX.requester) {
    const ack = await w.world.slack.slashCommand({ user, channel: SANDBOX.approvalChannel, text: '' });
    const [modal, ...others] = w.world.slack.modals(user);
    if (!modal || others.length > 0) throw new Error(`expected one modal, found ${w.world.slack.modals(user).length}`);
    return { ack, view: modal.view };
  }

  /** Submits the open form and waits until the bot has finished what it started. */
  async function submit(values: Record<string, string | undefined>, user: string = SANDBOX.requester) {
    const outcome = await w.world.slack.submitView({ user, values: { repository: 'common-images', account: ACCOUNT, ...values } });
    await w.bot.idle();
    return outcome;
  }

  const shown = (user: string = SANDBOX.requester) => sectionText(w.world.slack.modals(user)[0]?.view.blocks ?? []);
  const inputs = (blocks: readonly SimBlock[]) => Object.fromEntries(blocks.filter((b) => b.type === 'input').map((b) => [b.block_id, b.element as Record<string, unknown>]));

  it('opens for `/ecr-access` alone, and the acknowledgement shows nothing more', async () => {
    await start();
    const { ack, view } = await openForm();
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');
    expect(view).toMatchObject({ callback_id: 'ecr_access_request_form', title: { text: 'Request ECR pull access' }, submit: { text: 'Request' } });
    expect(Object.keys(inputs(view.blocks))).toEqual(['repository', 'account', 'duration', 'lambda', 'reason']);
    expect(w.world.slack.ephemerals(SANDBOX.requester)).toEqual([]);
  });

  it('opens from the global shortcut "Request ECR pull access"', async () => {
    await start();
    const reply = await w.world.slack.runShortcut({ user: SANDBOX.other, callbackId: REQUEST_SHORTCUT });
    expect(reply.status).toBe(200);
    expect(w.world.slack.modals(SANDBOX.other)).toEqual([expect.objectContaining({ view: expect.objectContaining({ callback_id: 'ecr_access_request_form' }) })]);
  });

  it('lists the shareable repositories in a select one can type into, and offers no end or the durations allowed', async () => {
    await start({ ECR_ACCESS_MAX_GRANT: '30d' });
    const { view } = await openForm();
    const fields = inputs(view.blocks);
    expect(fields.repository).toMatchObject({ type: 'static_select', options: [{ value: 'common-images' }, { value: 'base-images' }] });
    const durations = (fields.duration!.options as Array<{ text: { text: string } }>).map((o) => o.text.text);
    expect(durations).toEqual(['No end: until someone revokes it', '1 hour', '12 hours', '1 day', '7 days', '30 days']);
    expect(fields.duration).toMatchObject({ initial_option: { value: 'permanent' } });
  });

  it('offers no "no end" where every grant must end, and makes the duration a choice to make', async () => {
    await start({ ECR_ACCESS_REQUIRE_GRANT_END: 'true', ECR_ACCESS_MAX_GRANT: '7d' });
    const { view } = await openForm();
    const duration = inputs(view.blocks).duration!;
    expect((duration.options as Array<{ value: string }>).map((o) => o.value)).not.toContain('permanent');
    expect(duration).not.toHaveProperty('initial_option');
    expect(await w.world.slack.submitView({ user: SANDBOX.requester, values: { repository: 'common-images', account: ACCOUNT } })).toEqual({ outcome: 'refused', missing: ['duration'] });
  });

  it('searches the repositories as one types when there are more than a select holds', async () => {
    const many = Array.from({ length: 120 }, (_, i) => `team-${String(i).padStart(3, '0')}/images`);
    await start({}, many);
    const { view } = await openForm();
    expect(inputs(view.blocks).repository).toMatchObject({ type: 'external_select', min_query_length: 0 });
    const { options } = await w.world.slack.suggestOptions({ user: SANDBOX.requester, actionId: 'repository', value: 'team-11' });
    expect(options.map((o) => o.value)).toEqual(Array.from({ length: 10 }, (_, i) => `team-11${i}/images`));
    expect((await w.world.slack.suggestOptions({ user: SANDBOX.requester, actionId: 'repository', value: '' })).options).toHaveLength(100);
  });

  it('records the request, puts its card before the approvers, and says so in the same modal', async () => {
    await start();
    const { view } = await openForm();
    const outcome = await submit({ duration: String(7 * 86_400_000), reason: 'nightly builds' });
    expect(outcome).toMatchObject({ outcome: 'updated', view: { id: view.id } });
    const [request] = await w.requests();
    expect(request).toMatchObject({ state: 'PENDING', account: ACCOUNT, repository: 'common-images', durationMs: 7 * 86_400_000, reason: 'nightly builds', requester: SANDBOX.requester });
    expect(w.cards()).toHaveLength(1);
    await w.world.slack.waitFor(() => shown().includes(`Request ${request!.id} is with the approvers`));
    expect(w.world.slack.modals(SANDBOX.requester)[0]!.view.id).toBe(view.id);
  });

  it.each([
    ['an account that is not 12 digits', { account: '22223333444' }, 'An AWS account ID is exactly 12 digits, like 222233334444.'],
    ['the account that owns the registry', { account: REGISTRY }, `${REGISTRY} is the account that owns the registry`],
  ])('shows %s under the account, and records nothing', async (_name, values, error) => {
    await start();
    await openForm();
    const outcome = await submit(values);
    expect(outcome).toMatchObject({ outcome: 'errors', errors: { account: expect.stringContaining(error) } });
    expect(Object.keys((outcome as { errors: object }).errors)).toEqual(['account']);
    expect(await w.requests()).toEqual([]);
    expect(w.cards()).toEqual([]);
  });

  it('answers a bad account ID without asking AWS anything', async () => {
    await start();
    await openForm();
    await submit({ account: 'not-an-account' });
    expect(w.world.ecr.calls).toEqual([]);
  });

  it('shows an account that can already pull under the account', async () => {
    await start();
    w.world.ecr.putPolicy('common-images', JSON.stringify({ Version: '2012-10-17', Statement: [HAND_MADE_READ_STATEMENT] }));
    await openForm();
    expect(await submit({ account: '111122223333' })).toMatchObject({ outcome: 'errors', errors: { account: '111122223333 can already pull from common-images; there is nothing to approve.' } });
  });

  it('shows an open request for the same account under the account, naming it', async () => {
    await start();
    await w.command(`request common-images ${ACCOUNT}`);
    const [open] = await w.requests();
    await openForm(SANDBOX.other);
    const outcome = await submit({}, SANDBOX.other);
    expect(outcome).toMatchObject({ outcome: 'errors', errors: { account: expect.stringContaining(`${open!.id} (pending)`) } });
    expect(await w.requests()).toHaveLength(1);
  });

  it('reads an account typed with dashes, and says in the modal how it read it', async () => {
    await start();
    await openForm();
    await submit({ account: '2222-3333-4444' });
    expect(await w.requests()).toMatchObject([{ account: ACCOUNT }]);
    await w.world.slack.waitFor(() => shown().includes('for `222233334444` (read from `2222-3333-4444`)'));
  });

  it('answers in the modal, not on a field, when the repository is missing from ECR', async () => {
    await start({ ECR_ACCESS_REPOSITORIES: 'common-images,not-created' });
    await openForm();
    const outcome = await submit({ repository: 'not-created' });
    expect(outcome).toMatchObject({ outcome: 'updated' });
    expect(shown()).toContain('is listed as shareable but does not exist in ECR');
  });

  it('goes on checking past Slack’s window, and answers by direct message when the modal was closed meanwhile', async () => {
    await start();
    await openForm();
    // ECR holds the reads until the faults change: the checks cannot finish before Slack's 3 s are up.
    w.world.ecr.failNext('DescribeRepositories', 2, 'hang');
    const outcome = await w.world.slack.submitView({ user: SANDBOX.requester, values: { repository: 'common-images', account: ACCOUNT } });
    expect(outcome).toMatchObject({ outcome: 'updated' });
    expect(shown()).toContain('Still checking your request');
    await w.world.slack.closeView({ user: SANDBOX.requester });
    w.world.ecr.clearFaults();
    await w.bot.idle();
    const [request] = await w.requests();
    expect(w.world.slack.dms(SANDBOX.requester).map((m) => m.text)).toEqual([expect.stringContaining(`Request ${request!.id} is with the approvers`)]);
  });
});
