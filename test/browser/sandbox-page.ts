// The sandbox page as a person uses it, in words the tests can read: be someone, type into the
// composer, click a card's button, open a thread. Every step waits on what it expects to see.
import type { Locator, Page } from 'playwright-core';

export type Person = 'alice' | 'bob' | 'carol';
const IDS: Record<Person, string> = { alice: 'U0REQUESTER', bob: 'U0APPROVER', carol: 'U0OTHER' };

export class SandboxPage {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    const errors: string[] = [];
    this.page.on('pageerror', (error) => errors.push(error.message));
    await this.page.goto(url);
    await this.page.locator('body[data-connected="true"]').waitFor();
    if (errors.length > 0) throw new Error(`the page threw: ${errors.join('; ')}`);
  }

  async become(person: Person): Promise<void> {
    await this.page.locator(`.persona[data-user-id="${IDS[person]}"]`).click();
    await this.page.locator(`.persona[data-user-id="${IDS[person]}"][aria-checked="true"]`).waitFor();
  }

  /** Types a line into the channel's composer and sends it with Enter, as in Slack. */
  async type(line: string): Promise<void> {
    const composer = this.page.locator('#composer-input');
    await composer.fill(line);
    await composer.press('Enter');
  }

  /** Top-level messages in the open conversation. */
  get messages(): Locator {
    return this.page.locator('#messages .message');
  }

  /** Messages only the current person sees. */
  ephemeral(containing: string | RegExp): Locator {
    return this.page.locator('#messages .message.ephemeral', { hasText: containing });
  }

  /** The approvers' card for an account. */
  card(account: string): Locator {
    return this.page.locator('#messages .message[data-kind="message"]', { hasText: 'Pull access request' }).filter({ hasText: account });
  }

  button(card: Locator, label: 'Approve' | 'Deny' | 'Retry' | 'Revoke' | 'Extend'): Locator {
    return card.locator('button.bk-button', { hasText: label });
  }

  get dialog(): Locator {
    return this.page.locator('#confirm-dialog');
  }

  async openThread(card: Locator): Promise<Locator> {
    await card.locator('.thread-link').click();
    const thread = this.page.locator('#thread');
    await thread.waitFor();
    return thread;
  }

  async openConversation(id: string): Promise<void> {
    await this.page.locator(`.conversation-link[data-conversation="${id}"]`).click();
    await this.page.locator(`.conversation-link.active[data-conversation="${id}"]`).waitFor();
  }

  /** Moves the sandbox's time on with the top bar's button; resolves once the sweep it starts is done. */
  async advanceClock(step: '+1 hour' | '+1 day'): Promise<void> {
    const button = this.page.locator('.clock-button', { hasText: step });
    const answered = this.page.waitForResponse((response) => response.url().endsWith('/api/clock'));
    await button.click();
    if (!(await answered).ok()) throw new Error(`the sandbox refused ${step}`);
  }

  /** The modal the current person has open. */
  get modal(): Locator {
    return this.page.locator('#modal');
  }

  /** An input of the open modal, by its label. */
  field(label: string): Locator {
    return this.modal.locator('.modal-field', { has: this.page.locator('.modal-label', { hasText: label }) });
  }

  /** Opens the app's conversation on its Home tab, as the current person; resolves once the tab is published. */
  async openHome(): Promise<Locator> {
    await this.page.locator('#dms .conversation-link').click();
    await this.page.locator('.app-tab[data-tab="home"]').click();
    const home = this.page.locator('#messages .home-tab[data-surface="home"]');
    await home.waitFor();
    return home;
  }

  /** Runs one of the app's global shortcuts from the ⚡ menu in the composer. */
  async shortcut(name: string): Promise<void> {
    await this.page.locator('#shortcuts-button').click();
    await this.page.locator('#shortcuts-menu .shortcut', { hasText: name }).click();
  }

  /** A repository's card in the ECR policy panel. */
  repository(name: string): Locator {
    return this.page.locator(`#repositories .repository[data-repository="${name}"]`);
  }
}
