// `npm run screenshots`: the README's pictures of the request form and the Home tab, taken from a
// fresh sandbox in Debian's Chromium, as the browser tests drive it: docs/request-form.png (the
// form with an account ID Slack's field error refuses), docs/app-home.png (an approver's Home tab)
// and docs/app-home-requester.png (the requester's, once granted).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../sandbox/sandbox';
import { launchChromium } from '../test/browser/chromium';
import { SandboxPage } from '../test/browser/sandbox-page';

const DOCS = join(__dirname, '..', 'docs');

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ecr-access-screenshots-'));
  const sandbox = await startSandbox({ dataDir, fresh: true, port: 0 });
  const chromium = await launchChromium({ width: 1400, height: 860 });
  try {
    const page = await chromium.context.newPage();
    page.setDefaultTimeout(20_000);
    const ui = new SandboxPage(page);
    await ui.open(sandbox.url);

    // A request already waits, so bob's Home tab has something to decide.
    await ui.become('carol');
    await ui.type('/ecr-access request common-images 333344445555 --for 30d load tests for the release');
    await ui.card('333344445555').waitFor();

    // alice fills the form, with an account ID one digit short.
    await ui.become('alice');
    await ui.type('/ecr-access');
    await ui.field('Repository').locator('select').selectOption('common-images');
    await ui.field('AWS account ID').locator('input').fill('2222-3333-444');
    await ui.field('For how long').locator('select').selectOption({ label: '7 days' });
    await ui.field('Why').locator('textarea').fill('pulls for the sales dashboards');
    await ui.modal.locator('.modal-submit').click();
    await ui.field('AWS account ID').locator('.modal-error').waitFor();
    await page.screenshot({ path: join(DOCS, 'request-form.png') });
    await ui.field('AWS account ID').locator('input').fill('2222-3333-4444');
    await ui.modal.locator('.modal-submit').click();
    await ui.modal.getByText('is with the approvers').waitFor();
    await ui.modal.locator('.modal-close').click();

    // bob approves alice's request from his Home tab; carol's still waits.
    await ui.become('bob');
    const home = await ui.openHome();
    await home.getByText('Waiting for a decision (2)').waitFor();
    await home.locator('.bk-block', { hasText: '222233334444' }).waitFor();
    const approve = home.locator('.bk-block-actions').nth(1).locator('button.bk-button', { hasText: 'Approve' });
    await approve.click();
    await ui.dialog.locator('#dialog-confirm', { hasText: 'Approve' }).click();
    await home.getByText('Waiting for a decision (1)').waitFor();
    await home.getByText(/@bob approved 222233334444/).waitFor();
    await page.screenshot({ path: join(DOCS, 'app-home.png') });

    // alice's Home tab: her grant, when it ends, Extend and Revoke.
    await ui.become('alice');
    const hers = page.locator('#messages .home-tab');
    await hers.getByText('ends in 7 days').first().waitFor();
    await page.screenshot({ path: join(DOCS, 'app-home-requester.png') });
    process.stdout.write(`Wrote request-form.png, app-home.png and app-home-requester.png in ${DOCS}\n`);
  } finally {
    await chromium.close();
    await sandbox.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`screenshots failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
