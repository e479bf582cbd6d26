/**
 * The sandbox page in a real browser (Debian's Chromium): a person who knows Slack requests,
 * approves and lists pull access by typing and clicking, against the real bot.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX } from '../../sandbox/local-world';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox';
import { describeNeeding } from '../support/needs-installed';
import { chromiumProblem, launchChromium, type Chromium } from './chromium';
import { SandboxPage } from './sandbox-page';

const ACCOUNT = '222233334444';
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

jest.setTimeout(90_000);

/** Run in the page (so written as text, outside Node's types): how many pixels of ✅, drawn in the page's emoji fonts, are clearly coloured. */
const COLOURED_PIXELS_OF_AN_EMOJI = `(() => {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 64;
  const context = canvas.getContext('2d');
  context.font = '48px ' + getComputedStyle(document.documentElement).getPropertyValue('--emoji');
  context.fillText('✅', 4, 52);
  const { data } = context.getImageData(0, 0, 64, 64);
  let coloured = 0;
  for (let i = 0; i < data.length; i += 4) {
    const [red, green, blue, alpha] = data.slice(i, i + 4);
    if (alpha > 128 && Math.max(red, green, blue) - Math.min(red, green, blue) > 80) coloured++;
  }
  return coloured;
})()`;

describeNeeding('the sandbox page in Chromium', chromiumProblem(), () => {
  let chromium: Chromium;
  let dataDir: string;
  let sandbox: Sandbox;
  let ui: SandboxPage;

  beforeAll(async () => {
    chromium = await launchChromium();
  });

  afterAll(async () => {
    await chromium?.close();
  });

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ecr-access-browser-'));
    sandbox = await startSandbox({ dataDir, fresh: true, port: 0 });
    const page = await chromium.context.newPage();
    // Long enough for a slow CI machine; a wait that runs out names what it waited for.
    page.setDefaultTimeout(20_000);
    ui = new SandboxPage(page);
    await ui.open(sandbox.url);
  });

  afterEach(async () => {
    // Guarded: when a start-up step failed, some of these were never made.
    await ui?.page.close();
    await sandbox?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('takes a request from the requester to a verified grant the approver sees in the thread, the policy panel and the list', async () => {
    // alice asks, and only she sees the bot's answers.
    await ui.become('alice');
    await ui.type(`/ecr-access request common-images ${ACCOUNT} pulls for the sales dashboards`);
    await ui.ephemeral('is with the approvers').waitFor();
    await ui.ephemeral('Only visible to you').first().waitFor();
    const card = ui.card(ACCOUNT);
    await card.waitFor();

    // bob sees the card, not alice's ephemerals, and approves through Slack's confirm dialog.
    await ui.become('bob');
    await ui.ephemeral('is with the approvers').waitFor({ state: 'detached' });
    await ui.button(card, 'Approve').click();
    await ui.dialog.waitFor();
    await ui.dialog.getByText('Grant pull access?').waitFor();
    await ui.dialog.getByText(`will be able to pull every image in`).waitFor();
    await ui.dialog.locator('#dialog-confirm', { hasText: 'Approve' }).click();

    // The card changes in place: same message, no buttons, the outcome instead.
    const cardTs = await card.getAttribute('data-ts');
    await card.getByText('Approved by').waitFor();
    await ui.page.locator(`#messages .message[data-ts="${cardTs}"]`, { hasText: '@bob' }).waitFor();
    await ui.button(card, 'Approve').waitFor({ state: 'detached' });

    // The thread holds the policy as ECR returned it after the change.
    const thread = await ui.openThread(card);
    await thread.getByText(`${ACCOUNT}`).first().waitFor();
    await thread.locator('.code-block', { hasText: `"arn:aws:iam::${ACCOUNT}:root"` }).waitFor();
    await thread.locator('.code-block', { hasText: 'arn:aws:iam::123456789012:role/ci' }).waitFor();

    // The ECR panel shows the account in the policy, marked as new, beside the hand-made one.
    const common = ui.repository('common-images');
    await common.locator(`.principal.added[data-principal="arn:aws:iam::${ACCOUNT}:root"]`).waitFor();
    await common.locator('.principal[data-principal="arn:aws:iam::111122223333:root"]').waitFor();

    // /ecr-access list shows who can pull and who approved it.
    await ui.type('/ecr-access list common-images');
    const list = ui.ephemeral('Who can pull');
    await list.waitFor();
    await list.getByText(new RegExp(`${ACCOUNT} \\(sales-dashboards · Root / Engineering / Analytics\\)\\s+— approved by @bob`)).waitFor();
    await list.getByText(/111122223333 \(.*not in your organization\)\s+— added outside ecr-access/).waitFor();

    await mkdir(ARTIFACTS, { recursive: true });
    await ui.page.screenshot({ path: join(ARTIFACTS, 'sandbox-approved.png') });

    // alice hears of it in her direct messages with the bot.
    await ui.become('alice');
    const dm = `D${SANDBOX.requester.slice(1)}`;
    await ui.page.locator(`.conversation-link[data-conversation="${dm}"] .badge`, { hasText: '1' }).waitFor();
    await ui.openConversation(dm);
    await ui.messages.filter({ hasText: `was approved by @bob: ${ACCOUNT} can now pull from common-images` }).waitFor();
    await ui.page.screenshot({ path: join(ARTIFACTS, 'sandbox-final.png') });
  });

  it('grants base-images in both regions it is replicated to, and the card and the thread say where', async () => {
    await ui.become('alice');
    await ui.type(`/ecr-access request base-images ${ACCOUNT} builds in both regions`);
    const card = ui.card(ACCOUNT);
    await card.getByText('us-east-1 · eu-west-1').waitFor();
    await ui.become('bob');
    await ui.button(card, 'Approve').click();
    await ui.dialog.locator('#dialog-confirm', { hasText: 'Approve' }).click();
    await card.getByText('us-east-1 granted · eu-west-1 granted').waitFor();
    const thread = await ui.openThread(card);
    await thread.getByText('can now pull from base-images in us-east-1 and eu-west-1').waitFor();
  });

  it("refuses a non-approver's click on screen and leaves the card as it was", async () => {
    await ui.become('alice');
    await ui.type(`/ecr-access request common-images ${ACCOUNT}`);
    const card = ui.card(ACCOUNT);
    await card.waitFor();

    await ui.become('carol');
    await ui.button(card, 'Approve').click();
    await ui.dialog.locator('#dialog-confirm').click();
    await ui.ephemeral('Only the approvers of').waitFor();

    await ui.button(card, 'Approve').waitFor();
    await ui.button(card, 'Deny').waitFor();
    await ui.repository('common-images').locator(`.principal[data-principal="arn:aws:iam::${ACCOUNT}:root"]`).waitFor({ state: 'detached' });
    await ui.become('bob');
    await ui.ephemeral('Only the approvers of').waitFor({ state: 'detached' });
  });

  it('answers a bad account ID with an error only the person who typed it sees', async () => {
    await ui.become('alice');
    await ui.type('/ecr-access request common-images 22223333444');
    const error = ui.ephemeral('12 digits');
    await error.waitFor();
    await error.getByText('Only visible to you').waitFor();
    await error.getByText('Usage: /ecr-access request').waitFor();
    await ui.page.locator('#messages .message[data-kind="message"]').waitFor({ state: 'detached' });

    await ui.become('carol');
    await ui.ephemeral('12 digits').waitFor({ state: 'detached' });
  });

  it('sends nothing when the approver cancels the confirm dialog', async () => {
    await ui.become('alice');
    await ui.type(`/ecr-access request common-images ${ACCOUNT}`);
    const card = ui.card(ACCOUNT);
    await card.waitFor();

    await ui.become('bob');
    await ui.button(card, 'Approve').click();
    await ui.dialog.locator('#dialog-cancel', { hasText: 'Cancel' }).click();
    await ui.dialog.waitFor({ state: 'hidden' });
    // A later command's answer arriving proves the page had its chance to send a click.
    await ui.type('/ecr-access list common-images');
    await ui.ephemeral('Who can pull').waitFor();
    expect(sandbox.world.slack.responses.some((r) => JSON.stringify(r.body).includes('Approved'))).toBe(false);
    await ui.button(card, 'Approve').waitFor();
    await ui.ephemeral(/pending, asked by @alice/).waitFor();
  });

  it('shows it is disconnected while the sandbox restarts, then reconnects to what was kept', async () => {
    await ui.become('alice');
    await ui.type(`/ecr-access request common-images ${ACCOUNT}`);
    await ui.card(ACCOUNT).waitFor();
    await ui.ephemeral('is with the approvers').waitFor();

    const port = Number(new URL(sandbox.url).port);
    await sandbox.close();
    await ui.page.locator('#disconnected').waitFor();
    sandbox = await startSandbox({ dataDir, port });

    await ui.page.locator('body[data-connected="true"]').waitFor();
    await ui.page.locator('#disconnected').waitFor({ state: 'hidden' });
    await ui.card(ACCOUNT).waitFor();
    // Slack forgets ephemeral messages on reload; so does the sandbox on restart.
    await ui.ephemeral('is with the approvers').waitFor({ state: 'detached' });
    await ui.become('bob');
    await ui.button(ui.card(ACCOUNT), 'Approve').click();
    await ui.dialog.locator('#dialog-confirm').click();
    await ui.card(ACCOUNT).getByText('Approved by').waitFor();
  });

  it('tells the person, as Slack does, that a mistyped command is not a command', async () => {
    await ui.type('/ecr-acces list');
    await ui.page.locator('#messages .message[data-kind="notice"]', { hasText: 'is not a valid command' }).waitFor();
  });

  it('draws emoji in colour, so the screenshots show them as Slack does', async () => {
    if ((await ui.page.evaluate<number>(COLOURED_PIXELS_OF_AN_EMOJI)) === 0) {
      throw new Error(
        'Emoji come out without colour (or as empty boxes): no colour emoji font is installed, so the screenshots would not show them.\n' +
          'Install one with:  sudo apt-get update && sudo apt-get install -y fonts-noto-color-emoji\n' +
          '(.ci/run installs it when it is missing.)',
      );
    }
  });
});
