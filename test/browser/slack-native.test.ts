/**
 * The request form, the Home tab and Deny with a reason in the sandbox page (Debian's Chromium),
 * as people who know Slack use them, against the real bot: the form and its field errors, the
 * Home tab as a requester and as an approver, approving from the Home tab, denying with a reason,
 * and a command whose interim line gives way to its answer.
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

describeNeeding('the request form, the Home tab and Deny with a reason in the sandbox page', chromiumProblem(), () => {
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
    dataDir = await mkdtemp(join(tmpdir(), 'ecr-access-native-'));
    sandbox = await startSandbox({ dataDir, fresh: true, port: 0 });
    const page = await chromium.context.newPage();
    page.setDefaultTimeout(20_000);
    ui = new SandboxPage(page);
    await ui.open(sandbox.url);
  });

  afterEach(async () => {
    await ui?.page.close();
    await sandbox?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** alice asks through the form; the card is before the approvers. */
  async function requestThroughTheForm(reason = 'nightly builds') {
    await ui.become('alice');
    await ui.type('/ecr-access');
    await ui.modal.waitFor();
    await ui.field('Repository').locator('select').selectOption('common-images');
    await ui.field('AWS account ID').locator('input').fill(ACCOUNT);
    await ui.field('Why').locator('textarea').fill(reason);
    await ui.modal.locator('.modal-submit').click();
    await ui.modal.getByText('is with the approvers').waitFor();
    await ui.modal.locator('.modal-close', { hasText: 'Done' }).click();
    await ui.modal.waitFor({ state: 'hidden' });
    await ui.card(ACCOUNT).waitFor();
  }

  it('opens the request form for /ecr-access, shows what is wrong on the field, and then takes the request', async () => {
    await ui.become('alice');
    await ui.type('/ecr-access');
    await ui.modal.getByText('Request ECR pull access').waitFor();
    await ui.field('Repository').locator('select').selectOption('common-images');
    await ui.field('AWS account ID').locator('input').fill('2222-3333-444');
    await ui.modal.locator('.modal-submit').click();
    await ui.field('AWS account ID').locator('.modal-error', { hasText: 'An AWS account ID is exactly 12 digits' }).waitFor();

    // What was typed stays while the error is shown; corrected, the request goes through.
    await ui.field('AWS account ID').locator('input').fill('2222-3333-4444');
    await ui.modal.locator('.modal-submit').click();
    await ui.modal.getByText('(read from 2222-3333-4444)').waitFor();
    await mkdir(ARTIFACTS, { recursive: true });
    await ui.page.screenshot({ path: join(ARTIFACTS, 'sandbox-form-answer.png') });
    await ui.card(ACCOUNT).waitFor();
  });

  it('opens the request form from the ⚡ shortcut, and says on the field when the account can already pull', async () => {
    await ui.shortcut('Request ECR pull access');
    await ui.modal.getByText('Request ECR pull access').waitFor();
    await ui.field('Repository').locator('select').selectOption('common-images');
    // The seeded policy lets this account pull already.
    await ui.field('AWS account ID').locator('input').fill('111122223333');
    await ui.modal.locator('.modal-submit').click();
    await ui.field('AWS account ID').locator('.modal-error', { hasText: 'can already pull from common-images' }).waitFor();
  });

  it('says, as Slack does, that a required field is empty, without sending anything', async () => {
    await ui.type('/ecr-access');
    await ui.modal.waitFor();
    await ui.modal.locator('.modal-submit').click();
    await ui.field('Repository').locator('.modal-error', { hasText: 'Please complete this required field.' }).waitFor();
    expect(sandbox.world.slack.calls.filter((c) => c.method === 'chat.postMessage')).toEqual([]);
  });

  it('asks for Lambda too with the form’s Lambda box; approved, the thread shows both statements', async () => {
    await ui.become('alice');
    await ui.type('/ecr-access');
    await ui.modal.waitFor();
    await ui.field('Repository').locator('select').selectOption('common-images');
    await ui.field('AWS account ID').locator('input').fill(ACCOUNT);
    await ui.field('Lambda').locator('input[type="checkbox"]').check();
    await ui.modal.locator('.modal-submit').click();
    await ui.modal.getByText('and for its Lambda functions').waitFor();
    await ui.modal.locator('.modal-close', { hasText: 'Done' }).click();
    const card = ui.card(ACCOUNT);
    await card.getByText('and its Lambda functions').waitFor();

    await ui.become('bob');
    await ui.button(card, 'Approve').click();
    await ui.dialog.getByText('and its Lambda functions will be able to pull').waitFor();
    await ui.dialog.locator('#dialog-confirm', { hasText: 'Approve' }).click();
    await card.getByText('Approved by').waitFor();
    const thread = await ui.openThread(card);
    await thread.locator('.code-block', { hasText: '"lambdaCrossAccountPull"' }).waitFor();
    await thread.locator('.code-block', { hasText: `arn:aws:lambda:${SANDBOX.region}:${ACCOUNT}:function:*` }).waitFor();
  });

  it('shows a requester their request in the Home tab, and an approver what waits for them, approved from there', async () => {
    await requestThroughTheForm();
    const home = await ui.openHome();
    await home.getByText(`${ACCOUNT} (sales-dashboards · Root / Engineering / Analytics) on common-images — waiting for an approver`).waitFor();
    await home.getByText('Waiting for a decision').waitFor({ state: 'detached' });

    await ui.become('bob');
    const bobs = ui.page.locator('#messages .home-tab');
    await bobs.getByText('Waiting for a decision (1)').waitFor();
    await bobs.getByText('nightly builds').waitFor();
    await bobs.locator('button.bk-button', { hasText: 'Approve' }).click();
    await ui.dialog.locator('#dialog-confirm', { hasText: 'Approve' }).click();
    await bobs.getByText('Waiting for a decision (0)').waitFor();
    await bobs.getByText(/@bob approved 222233334444 \(sales-dashboards · Root \/ Engineering \/ Analytics\) on common-images for @alice/).waitFor();
    await ui.repository('common-images').locator(`.principal.added[data-principal="arn:aws:iam::${ACCOUNT}:root"]`).waitFor();
    await mkdir(ARTIFACTS, { recursive: true });
    await ui.page.screenshot({ path: join(ARTIFACTS, 'sandbox-home-approver.png') });

    await ui.become('alice');
    const alices = ui.page.locator('#messages .home-tab');
    await alices.getByText('granted, no end').first().waitFor();
    await alices.locator('button.bk-button', { hasText: 'Revoke' }).waitFor();
    await ui.openConversation(SANDBOX.approvalChannel);
    await ui.card(ACCOUNT).getByText('Approved by').waitFor();
  });

  it('asks for a reason before denying; the card shows it and the requester is told it', async () => {
    await requestThroughTheForm();
    await ui.become('bob');
    const card = ui.card(ACCOUNT);
    await ui.button(card, 'Deny').click();
    await ui.modal.locator('.modal-title', { hasText: 'Deny request' }).waitFor();
    await ui.field('Why').locator('textarea').fill('use the public mirror');
    await ui.modal.locator('.modal-submit', { hasText: 'Deny' }).click();
    await ui.modal.waitFor({ state: 'hidden' });
    await card.getByText('Reason: use the public mirror').waitFor();

    await ui.become('alice');
    await ui.openConversation(`D${SANDBOX.requester.slice(1)}`);
    await ui.messages.filter({ hasText: 'was denied by @bob: use the public mirror' }).waitFor();
  });

  it('replaces a command’s interim line with its answer, leaving one line', async () => {
    await ui.become('carol');
    await ui.type('/ecr-access list common-images');
    await ui.ephemeral('Who can pull').waitFor();
    await expect(ui.page.locator('#messages .message.ephemeral').count()).resolves.toBe(1);
    await ui.ephemeral('Reading the live repository policies').waitFor({ state: 'detached' });
  });
});
