/**
 * The simulated workspace's views: each user's stack of modals (a root and at most two pushed on
 * it) and each user's Home tab. views.open, views.push, views.update and views.publish change them
 * here, after Slack's checks (a fresh trigger, the view's limits, a matching hash); what a person
 * types into a modal's inputs becomes its state, sent to the app on submit.
 */
import { randomBytes } from 'node:crypto';
import type { Triggers } from './triggers';
import type { SimBlock, SimView, SimulatorEvent } from './types';
import { viewProblems } from './view-limits';

type Json = Record<string, unknown>;
export type ViewResult = { ok: true; view: SimView } | { ok: false; error: string; messages?: string[] };

/** Slack: "After a modal is opened, the app is limited to pushing 2 additional views" (views.push). */
const MOST_PUSHED = 2;

/** A modal as the person sees it: the view, and the errors the app last put on its inputs. */
export interface OpenModal {
  view: SimView;
  errors: Record<string, string>;
}

/** What a person typed or chose in one input, by block ID; the input's element says how Slack sends it. */
export type InputValues = Record<string, string | undefined>;

export interface ViewIdentity {
  teamId: string;
  appId: string;
  botId: string;
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export class SlackViews {
  /** User → their open modals, the root first. */
  private readonly modals = new Map<string, OpenModal[]>();
  private readonly homes = new Map<string, SimView>();
  private count = 0;

  constructor(
    private readonly identity: ViewIdentity,
    private readonly triggers: Triggers,
    private readonly emit: (event: SimulatorEvent) => void,
    private readonly now: () => number,
  ) {}

  /** The user's open modals, root first (copies). */
  modalStack(user: string): OpenModal[] {
    return structuredClone(this.modals.get(user) ?? []);
  }

  /** The modal the user sees, if any (a copy). */
  topModal(user: string): OpenModal | undefined {
    return this.modalStack(user).at(-1);
  }

  home(user: string): SimView | undefined {
    const view = this.homes.get(user);
    return view && structuredClone(view);
  }

  /** Every user's Home tab and modals, for a page that (re)connects. */
  snapshot(): { homes: Record<string, SimView>; modals: Record<string, OpenModal[]> } {
    return {
      homes: Object.fromEntries([...this.homes].map(([user, view]) => [user, structuredClone(view)])),
      modals: Object.fromEntries([...this.modals].map(([user, stack]) => [user, structuredClone(stack)])),
    };
  }

  open(params: Json): ViewResult {
    const view = this.checked(params.view, 'modal');
    if (!view.ok) return view;
    const trigger = this.triggers.take(typeof params.trigger_id === 'string' ? params.trigger_id : undefined);
    if (!trigger.ok) return invalid(trigger.message);
    // A trigger from outside a modal opens a new one in place of whatever the user had open.
    const opened = this.made(view.spec, undefined, undefined);
    this.modals.set(trigger.user, [{ view: opened, errors: {} }]);
    this.emitModals(trigger.user);
    return { ok: true, view: structuredClone(opened) };
  }

  push(params: Json): ViewResult {
    const view = this.checked(params.view, 'modal');
    if (!view.ok) return view;
    const trigger = this.triggers.take(typeof params.trigger_id === 'string' ? params.trigger_id : undefined);
    if (!trigger.ok) return invalid(trigger.message);
    const stack = this.modals.get(trigger.user);
    if (!stack || trigger.viewId === undefined || !stack.some((m) => m.view.id === trigger.viewId)) {
      return invalid('[ERROR] the trigger did not come from a modal that is open [json-pointer:/trigger_id]');
    }
    if (stack.length > MOST_PUSHED) return { ok: false, error: 'push_limit_reached' };
    return { ok: true, view: this.pushed(trigger.user, view.spec) };
  }

  update(params: Json): ViewResult {
    const found = this.find(params);
    if (!found) return { ok: false, error: 'not_found' };
    if (typeof params.hash === 'string' && params.hash !== found.view.hash) return { ok: false, error: 'hash_conflict' };
    const view = this.checked(params.view, found.view.type);
    if (!view.ok) return view;
    const updated = this.made(view.spec, found.view.id, found.view);
    this.store(found.user, updated);
    return { ok: true, view: structuredClone(updated) };
  }

  publish(params: Json, userExists: (id: string) => boolean): ViewResult {
    const user = typeof params.user_id === 'string' ? params.user_id : '';
    if (!userExists(user)) return invalid('invalid `user_id`');
    const current = this.homes.get(user);
    if (current && typeof params.hash === 'string' && params.hash !== current.hash) return { ok: false, error: 'hash_conflict' };
    const view = this.checked(params.view, 'home');
    if (!view.ok) return view;
    const published = this.made(view.spec, current?.id, current);
    this.homes.set(user, published);
    this.emit({ kind: 'home_published', user, view: structuredClone(published) });
    return { ok: true, view: structuredClone(published) };
  }

  // ---- what the person does ---------------------------------------------------------------

  /** The person's inputs into the top modal's state, as Slack sends it on submit; the blocks left empty that must be filled. */
  fill(user: string, values: InputValues): { view: SimView; missing: string[] } | undefined {
    const top = this.modals.get(user)?.at(-1);
    if (!top) return undefined;
    const state: Record<string, Record<string, unknown>> = {};
    const missing: string[] = [];
    for (const block of top.view.blocks) {
      if (block.type !== 'input' || !isObject(block.element) || typeof block.block_id !== 'string') continue;
      const element = block.element;
      const actionId = String(element.action_id ?? '');
      const typed = Object.hasOwn(values, block.block_id) ? values[block.block_id] : initialValue(element);
      if (typed === undefined || typed === '') {
        if (block.optional !== true) missing.push(block.block_id);
        state[block.block_id] = { [actionId]: emptyState(element) };
        continue;
      }
      state[block.block_id] = { [actionId]: filledState(element, typed) };
    }
    top.view.state = { values: state };
    return { view: structuredClone(top.view), missing };
  }

  /** The app answered a submission with field errors: they show under their inputs. */
  showErrors(user: string, errors: Record<string, string>): boolean {
    const top = this.modals.get(user)?.at(-1);
    const inputs = new Set(top?.view.blocks.filter((b) => b.type === 'input').map((b) => b.block_id));
    if (!top || Object.keys(errors).some((blockId) => !inputs.has(blockId))) return false;
    top.errors = { ...errors };
    this.emitModals(user);
    return true;
  }

  /** The app answered a submission with a new view for the top modal. */
  replaceTop(user: string, spec: unknown): ViewResult {
    const top = this.modals.get(user)?.at(-1);
    if (!top) return { ok: false, error: 'not_found' };
    const view = this.checked(spec, 'modal');
    if (!view.ok) return view;
    const replaced = this.made(view.spec, top.view.id, top.view);
    this.store(user, replaced);
    return { ok: true, view: structuredClone(replaced) };
  }

  /** The app answered a submission by pushing a view. */
  pushFromSubmission(user: string, spec: unknown): ViewResult {
    const view = this.checked(spec, 'modal');
    if (!view.ok) return view;
    if ((this.modals.get(user)?.length ?? 0) > MOST_PUSHED) return { ok: false, error: 'push_limit_reached' };
    return { ok: true, view: this.pushed(user, view.spec) };
  }

  /** The top modal goes (submitted, or closed by the person); all of them with `all` (clear). */
  close(user: string, all = false): SimView | undefined {
    const stack = this.modals.get(user);
    const top = stack?.at(-1);
    if (!stack || !top) return undefined;
    if (all || top.view.clear_on_close || stack.length === 1) this.modals.delete(user);
    else stack.pop();
    this.emitModals(user);
    return structuredClone(top.view);
  }

  /** A view by its ID (a modal of any user, or a Home tab), for block_actions and block_suggestion. */
  byId(viewId: string): { user: string; view: SimView } | undefined {
    const found = this.find({ view_id: viewId });
    return found && { user: found.user, view: structuredClone(found.view) };
  }

  // ---- inside ------------------------------------------------------------------------------

  private checked(spec: unknown, kind: 'modal' | 'home'): { ok: true; spec: Json } | { ok: false; error: string; messages: string[] } {
    if (!isObject(spec)) return invalid('[ERROR] missing required field: view [json-pointer:/view]');
    const problems = viewProblems(spec, kind);
    return problems.length > 0 ? invalid(...problems) : { ok: true, spec };
  }

  private made(spec: Json, id: string | undefined, previous: SimView | undefined): SimView {
    this.count += 1;
    const viewId = id ?? `V${String(this.count).padStart(4, '0')}${randomBytes(3).toString('hex').toUpperCase()}`;
    const text = (value: unknown) => (isObject(value) && typeof value.text === 'string' ? { type: 'plain_text' as const, text: value.text, emoji: true } : null);
    return {
      id: viewId,
      team_id: this.identity.teamId,
      type: spec.type === 'home' ? 'home' : 'modal',
      ...(spec.type !== 'home' && { title: text(spec.title) ?? { type: 'plain_text', text: '', emoji: true }, submit: text(spec.submit), close: text(spec.close) }),
      blocks: structuredClone(spec.blocks as SimBlock[]).map((block) => ({ ...block, block_id: block.block_id ?? randomBytes(4).toString('base64url').slice(0, 5) })),
      private_metadata: typeof spec.private_metadata === 'string' ? spec.private_metadata : '',
      callback_id: typeof spec.callback_id === 'string' ? spec.callback_id : '',
      external_id: typeof spec.external_id === 'string' ? spec.external_id : '',
      state: { values: {} },
      hash: `${Math.floor(this.now() / 1000)}.${randomBytes(4).toString('hex')}`,
      clear_on_close: spec.clear_on_close === true,
      notify_on_close: spec.notify_on_close === true,
      root_view_id: previous?.root_view_id ?? viewId,
      previous_view_id: previous?.previous_view_id ?? null,
      app_id: this.identity.appId,
      bot_id: this.identity.botId,
    };
  }

  private pushed(user: string, spec: Json): SimView {
    const stack = this.modals.get(user) ?? [];
    const below = stack.at(-1)?.view;
    const view = { ...this.made(spec, undefined, undefined), root_view_id: below?.root_view_id ?? '', previous_view_id: below?.id ?? null };
    stack.push({ view, errors: {} });
    this.modals.set(user, stack);
    this.emitModals(user);
    return structuredClone(view);
  }

  private find(params: Json): { user: string; view: SimView } | undefined {
    const matches = (view: SimView) =>
      (typeof params.view_id === 'string' && view.id === params.view_id) ||
      (typeof params.external_id === 'string' && params.external_id !== '' && view.external_id === params.external_id);
    for (const [user, stack] of this.modals) {
      const modal = stack.find((m) => matches(m.view));
      if (modal) return { user, view: modal.view };
    }
    for (const [user, view] of this.homes) if (matches(view)) return { user, view };
    return undefined;
  }

  private store(user: string, view: SimView): void {
    if (view.type === 'home') {
      this.homes.set(user, view);
      this.emit({ kind: 'home_published', user, view: structuredClone(view) });
      return;
    }
    const stack = this.modals.get(user) ?? [];
    const at = stack.findIndex((m) => m.view.id === view.id);
    // A new view takes the old one's place; the errors shown on the old one go with it.
    if (at >= 0) stack[at] = { view, errors: {} };
    this.emitModals(user);
  }

  private emitModals(user: string): void {
    this.emit({ kind: 'modals', user, stack: this.modalStack(user) });
  }
}

function invalid(...messages: string[]): { ok: false; error: string; messages: string[] } {
  return { ok: false, error: 'invalid_arguments', messages };
}

function initialValue(element: Json): string | undefined {
  if (typeof element.initial_value === 'string') return element.initial_value;
  if (Array.isArray(element.initial_options)) return (element.initial_options as Json[]).map((o) => String(o.value)).join(',');
  const option = element.initial_option;
  return isObject(option) && typeof option.value === 'string' ? option.value : undefined;
}

function emptyState(element: Json): Json {
  const type = String(element.type);
  if (type === 'checkboxes') return { type, selected_options: [] };
  return type === 'plain_text_input' ? { type, value: null } : { type, selected_option: null };
}

/**
 * An input's state as Slack sends it: text for a text input, the chosen option for a select, the
 * ticked options for checkboxes (their values given comma-separated).
 */
function filledState(element: Json, value: string): Json {
  const type = String(element.type);
  if (type === 'plain_text_input') return { type, value };
  if (type === 'checkboxes') {
    const ticked = new Set(value.split(','));
    return { type, selected_options: (Array.isArray(element.options) ? (element.options as Json[]) : []).filter((o) => ticked.has(String(o.value))) };
  }
  const options = Array.isArray(element.options) ? (element.options as Json[]) : [];
  const option = options.find((o) => o.value === value) ?? (isObject(element.initial_option) && element.initial_option.value === value ? element.initial_option : undefined);
  // An external select's options came from the app; the simulator keeps the value as its text.
  return { type, selected_option: option ?? { text: { type: 'plain_text', text: value, emoji: true }, value } };
}
