/**
 * Time in the sandbox page (Debian's Chromium): a grant for an hour is reminded of, then ends
 * when a person moves the sandbox's clock past it; the policy panel shows the removal, the card
 * says expired, and `/ecr-access history` tells every step with both hashes.
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
const ARN = `arn:aws:iam::${ACCOUNT}:root`;
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');
const SHA256 = /[0-9a-f]{64}/;

jest.setTimeout(90_000);

describeNeeding('time in the sandbox page', chromiumProblem(), () => {
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
    dataDir = await mkdtemp(join(tmpdir(), 'ecr-access-time-'));
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

  /** alice asks for an hour, bob approves it: a live grant that ends. */
  async function grantForAnHour() {
    await ui.become('alice');
    await ui.type(`/ecr-access request common-images ${ACCOUNT} --for 1h nightly builds`);
    await ui.ephemeral('for 1 hour').waitFor();
    const card = ui.card(ACCOUNT);
    await card.waitFor();
    await ui.become('bob');
    await ui.button(card, 'Approve').click();
    await ui.dialog.locator('#dialog-confirm', { hasText: 'Approve' }).click();
    await card.getByText('Approved by').waitFor();
    await ui.repository('common-images').locator(`.principal.added[data-principal="${ARN}"]`).waitFor();
    return card;
  }

  it('reminds the requester, then expires the grant when the clock passes its end', async () => {
    const card = await grantForAnHour();

    // The reminder goes out before the end (the sandbox sweeps every few seconds).
    await ui.become('alice');
    const dm = `D${SANDBOX.requester.slice(1)}`;
    await ui.openConversation(dm);
    await ui.messages.filter({ hasText: `Pull access for ${ACCOUNT} to common-images` }).filter({ hasText: 'To keep it, ask again' }).waitFor();

    await ui.advanceClock('+1 hour');
    await ui.page.locator('#clock-ahead', { hasText: '1 hour ahead' }).waitFor();

    // The account left the statement: struck through in the panel, the card says expired.
    const common = ui.repository('common-images');
    await common.locator(`.principal.removed[data-principal="${ARN}"]`).waitFor();
    await common.locator('.principal[data-principal="arn:aws:iam::111122223333:root"]:not(.removed)').waitFor();
    await ui.openConversation(SANDBOX.approvalChannel);
    await card.getByText('expired').waitFor();

    // History, newest first: expired by ecr-access with the hashes, back to alice's request.
    await ui.type('/ecr-access history common-images');
    const history = ui.ephemeral('History of common-images');
    await history.waitFor();
    const text = (await history.allInnerTexts()).join(' ').replace(/\s+/g, ' ');
    const kinds = [...text.matchAll(/\b(expired|granted|approved|requested) 222233334444/g)].map((m) => m[1]);
    expect(kinds).toEqual(['expired', 'granted', 'approved', 'requested']);
    expect(text).toMatch(new RegExp(`expired ${ACCOUNT} \\(sales-dashboards · Root / Engineering / Analytics\\) on common-images \\(r-[0-9a-z]{10}\\) — .* by ecr-access sha256 ${SHA256.source} → ${SHA256.source}`));
    expect(text).toMatch(/approved 222233334444 \(sales-dashboards · Root \/ Engineering \/ Analytics\) on common-images \(r-[0-9a-z]{10}\) — .* by @bob/);

    await mkdir(ARTIFACTS, { recursive: true });
    await ui.page.screenshot({ path: join(ARTIFACTS, 'sandbox-expired.png') });
  });

  it("tells Slack's dates against the sandbox's clock: a grant made today is yesterday's once the clock moves on a day", async () => {
    await ui.become('alice');
    await ui.type(`/ecr-access request common-images ${ACCOUNT} dashboards`);
    const card = ui.card(ACCOUNT);
    await card.waitFor();
    await ui.become('bob');
    await ui.button(card, 'Approve').click();
    await ui.dialog.locator('#dialog-confirm', { hasText: 'Approve' }).click();
    await card.getByText('Approved by').waitFor();

    await ui.type('/ecr-access list common-images');
    await ui.ephemeral(new RegExp(`${ACCOUNT} \\(sales-dashboards · Root / Engineering / Analytics\\)\\s+— approved by @bob, granted Today`)).waitFor();
    await ui.advanceClock('+1 day');
    await ui.page.locator('#clock-ahead', { hasText: '1 day ahead' }).waitFor();
    await ui.ephemeral(new RegExp(`${ACCOUNT} \\(sales-dashboards · Root / Engineering / Analytics\\)\\s+— approved by @bob, granted Yesterday`)).waitFor();
    await card.getByText(/granted Yesterday/).waitFor();
  });

  it("shows an account's history, and refuses a repository ecr-access does not share", async () => {
    await grantForAnHour();
    await ui.type(`/ecr-access history ${ACCOUNT}`);
    const history = ui.ephemeral(`History of account ${ACCOUNT}`);
    await history.getByText(/granted/).waitFor();
    await ui.type('/ecr-access history secret-images');
    await ui.ephemeral('is not one of the repositories ecr-access shares').waitFor();
  });

  it('revokes from the composer through the confirmation in an ephemeral, and history tells who', async () => {
    const card = await grantForAnHour();
    await ui.type(`/ecr-access revoke common-images ${ACCOUNT} project ended`);
    const confirmation = ui.ephemeral('Revoke pull access for');
    await confirmation.locator('button.bk-button', { hasText: 'Revoke' }).click();
    await ui.dialog.locator('#dialog-confirm', { hasText: 'Revoke' }).click();

    await ui.repository('common-images').locator(`.principal.removed[data-principal="${ARN}"]`).waitFor();
    await card.getByText(/revoked by @bob/).waitFor();

    await ui.type('/ecr-access history common-images');
    const history = ui.ephemeral('History of common-images');
    await history.waitFor();
    const text = (await history.allInnerTexts()).join(' ').replace(/\s+/g, ' ');
    expect(text).toMatch(new RegExp(`revoked ${ACCOUNT} \\(sales-dashboards · Root / Engineering / Analytics\\) on common-images \\(r-[0-9a-z]{10}\\) — .* by @bob sha256 ${SHA256.source} → ${SHA256.source} project ended`));
  });
});
