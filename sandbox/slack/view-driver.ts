/**
 * Drives the bot's views as a person in Slack does: runs a global shortcut, types into a modal
 * and submits it (Slack's client refuses an empty required input before anything is sent),
 * closes it, types into a select that loads its options from the app, clicks a button in a modal
 * or a Home tab, and opens the Home tab. Each is sent as Slack sends it (BotDriver.send); its answer
 * is applied as Slack applies it (field errors shown, the modal updated, pushed or closed).
 */
import { findButton, type AppIdentity } from './payloads';
import { parseJsonObject } from './request-body';
import type { Triggers } from './triggers';
import type { BotReply, SimUser, SimView, SocketModeEnvelopeType } from './types';
import {
  appHomeOpenedEvent,
  blockSuggestionPayload,
  shortcutPayload,
  viewBlockActionsPayload,
  viewClosedPayload,
  viewSubmissionPayload,
} from './view-payloads';
import type { InputValues, SlackViews } from './views';
import type { SlackWorkspace } from './workspace';

/** Slack gives up on an app that has not acknowledged within 3 seconds, and tells the person so. */
const ACK_TIMEOUT_MS = 3000;

/** What became of a submission, as the person sees it. */
export type SubmitOutcome =
  /** Slack's client refused it: these required inputs are empty; nothing was sent. */
  | { outcome: 'refused'; missing: string[] }
  | { outcome: 'closed' | 'cleared'; reply: BotReply }
  | { outcome: 'errors'; errors: Record<string, string>; reply: BotReply }
  | { outcome: 'updated' | 'pushed'; view: SimView; reply: BotReply }
  /** Slack could not use the answer (late, not 200, or a response Slack refuses): the modal stays, with Slack's notice. */
  | { outcome: 'failed'; reason: string; reply: BotReply };

export interface ViewDriverDeps {
  workspace: SlackWorkspace;
  views: SlackViews;
  triggers: Triggers;
  identity: AppIdentity;
  now(): number;
  /** What Slack sends the bot: over its Socket Mode connection, or signed to its URL (`to`, HTTP only). */
  send(type: SocketModeEnvelopeType, payload: Record<string, unknown>, to?: string): Promise<BotReply>;
}

export class ViewDriver {
  constructor(private readonly deps: ViewDriverDeps) {}

  /** A person runs the app's global shortcut (from the ⚡ menu or search). */
  async shortcut(input: { user: string; callbackId: string; botUrl?: string }): Promise<BotReply & { triggerId: string }> {
    const person = this.person(input.user);
    const triggerId = this.deps.triggers.issue(person.id);
    const payload = shortcutPayload({ app: this.deps.identity, user: person, callbackId: input.callbackId, triggerId });
    return { ...(await this.deps.send('interactive', { ...payload }, input.botUrl)), triggerId };
  }

  /** Fills the person's top modal with `values` (block ID → text, or a select's option value) and submits it. */
  async submit(input: { user: string; values?: InputValues; botUrl?: string }): Promise<SubmitOutcome> {
    const person = this.person(input.user);
    const filled = this.deps.views.fill(person.id, input.values ?? {});
    if (!filled) throw new Error(`submitView: ${person.id} has no modal open`);
    if (filled.missing.length > 0) return { outcome: 'refused', missing: filled.missing };
    const triggerId = this.deps.triggers.issue(person.id, filled.view.id);
    const payload = viewSubmissionPayload({ app: this.deps.identity, user: person, view: filled.view, triggerId });
    const reply = await this.deps.send('interactive', { ...payload }, input.botUrl);
    if (reply.status !== 200) return { outcome: 'failed', reason: `the app answered HTTP ${reply.status}`, reply };
    if (reply.elapsedMs > ACK_TIMEOUT_MS) return { outcome: 'failed', reason: 'the app did not answer within 3 seconds', reply };
    const answer = reply.body.trim() === '' ? {} : parseJsonObject(reply.body);
    if (!answer) return { outcome: 'failed', reason: 'the app answered something that is not JSON', reply };
    switch (answer.response_action) {
      case undefined:
        this.deps.views.close(person.id);
        return { outcome: 'closed', reply };
      case 'clear':
        this.deps.views.close(person.id, true);
        return { outcome: 'cleared', reply };
      case 'errors': {
        const errors = (parseJsonObject(JSON.stringify(answer.errors ?? null)) ?? {}) as Record<string, string>;
        return this.deps.views.showErrors(person.id, errors)
          ? { outcome: 'errors', errors, reply }
          : { outcome: 'failed', reason: 'the errors name blocks that are not inputs of the modal', reply };
      }
      case 'update':
      case 'push': {
        const result = answer.response_action === 'update' ? this.deps.views.replaceTop(person.id, answer.view) : this.deps.views.pushFromSubmission(person.id, answer.view);
        if (!result.ok) return { outcome: 'failed', reason: `${result.error}${result.messages ? `: ${result.messages.join('; ')}` : ''}`, reply };
        return { outcome: answer.response_action === 'update' ? 'updated' : 'pushed', view: result.view, reply };
      }
      default:
        return { outcome: 'failed', reason: `Slack does not know the response_action ${String(answer.response_action)}`, reply };
    }
  }

  /** The person closes their top modal (Cancel, ✕ or Escape); the app hears of it when the view asked to. */
  async close(input: { user: string; botUrl?: string }): Promise<BotReply | undefined> {
    const person = this.person(input.user);
    const top = this.deps.views.topModal(person.id);
    if (!top) throw new Error(`closeView: ${person.id} has no modal open`);
    const closed = this.deps.views.close(person.id);
    if (!closed?.notify_on_close) return undefined;
    const payload = viewClosedPayload({ app: this.deps.identity, user: person, view: closed, isCleared: closed.clear_on_close });
    return this.deps.send('interactive', { ...payload }, input.botUrl);
  }

  /** The person types into a select that loads its options from the app; answers the options the app gave. */
  async suggest(input: { user: string; actionId: string; value: string; botUrl?: string }): Promise<{ reply: BotReply; options: Array<{ text: string; value: string }> }> {
    const person = this.person(input.user);
    const view = this.deps.views.topModal(person.id)?.view;
    const block = view?.blocks.find((b) => b.type === 'input' && (b.element as { action_id?: string } | undefined)?.action_id === input.actionId);
    if (!view || !block?.block_id) throw new Error(`suggest: ${person.id} has no modal with a select ${input.actionId}`);
    const payload = blockSuggestionPayload({ app: this.deps.identity, user: person, view, actionId: input.actionId, blockId: block.block_id, value: input.value });
    const reply = await this.deps.send('interactive', { ...payload }, input.botUrl);
    const answer = parseJsonObject(reply.body);
    const raw = Array.isArray(answer?.options) ? (answer.options as Array<{ text?: { text?: string }; value?: string }>) : [];
    // Slack shows at most 100 options from an external source.
    const options = raw.slice(0, 100).map((o) => ({ text: o.text?.text ?? '', value: o.value ?? '' }));
    return { reply, options };
  }

  /** The person clicks a button in their top modal, or in their Home tab. */
  async click(input: { user: string; surface: 'modal' | 'home'; actionId: string; blockId?: string; botUrl?: string }): Promise<BotReply> {
    const person = this.person(input.user);
    const view = input.surface === 'home' ? this.deps.views.home(person.id) : this.deps.views.topModal(person.id)?.view;
    if (!view) throw new Error(`clickInView: ${person.id} has no ${input.surface === 'home' ? 'Home tab' : 'modal'}`);
    const blocks = input.blockId === undefined ? view.blocks : view.blocks.filter((b) => b.block_id === input.blockId);
    const found = findButton(blocks, input.actionId);
    if (!found) throw new Error(`clickInView: no button ${input.actionId}${input.blockId ? ` in block ${input.blockId}` : ''} in ${person.id}'s ${input.surface}`);
    const triggerId = this.deps.triggers.issue(person.id, input.surface === 'modal' ? view.id : undefined);
    const payload = viewBlockActionsPayload({ app: this.deps.identity, user: person, view, blockId: found.blockId, button: found.button, triggerId });
    return this.deps.send('interactive', { ...payload }, input.botUrl);
  }

  /** The person opens the app's Home tab: the Events API's app_home_opened, as JSON. */
  async openHome(input: { user: string; botUrl?: string }): Promise<BotReply> {
    const person = this.person(input.user);
    const view = this.deps.views.home(person.id);
    const event = appHomeOpenedEvent({
      app: this.deps.identity,
      user: person.id,
      channel: this.deps.workspace.dmChannelId(person.id),
      ...(view && { view }),
      at: this.deps.now(),
    });
    return this.deps.send('events_api', { ...event }, input.botUrl);
  }

  private person(id: string): SimUser {
    const user = this.deps.workspace.user(id);
    if (user) return user;
    throw new Error(`unknown user ${id}: the simulated workspace has ${this.deps.workspace.users.map((u) => u.id).join(', ')}`);
  }
}
