// The sandbox page: a Slack-like channel over the Slack simulator, and the ECR emulator's live
// policies beside it. Everything shown comes from the sandbox's event stream; everything done
// (commands, messages, shortcuts, clicks, modal submissions, opening the Home tab) is posted back
// and reaches the bot as Slack would send it.
import { confirmDialog } from './confirm-dialog.js';
import { wireComposer } from './composer.js';
import { renderChannel, renderSidebar, renderThread } from './conversation-view.js';
import { renderClock } from './clock.js';
import { chooseOption, modalValues, openModal, renderModal, showMissing, showModalNotice, showOptions } from './modal-view.js';
import { renderPolicies } from './policy-panel.js';
import { addNotice, apply, renderContext, state, switchUser, view } from './store.js';

const { escapeHtml } = window.Mrkdwn;

const { findElement } = window.BlockKit;
const $ = (id) => document.getElementById(id);

function render() {
  if (!state.snapshot) return;
  renderChannel();
  renderThread();
  renderSidebar();
  renderPolicies();
  renderClock();
  renderModal();
  view.changed.clear();
}

// ---- listening ------------------------------------------------------------------------------

function setConnected(connected) {
  document.body.dataset.connected = String(connected);
  $('disconnected').hidden = connected || !state.snapshot;
}

function connect() {
  // EventSource reconnects by itself, e.g. across a sandbox restart, and gets a fresh snapshot.
  const source = new EventSource('/api/events');
  for (const [type, change] of Object.entries(apply)) {
    source.addEventListener(type, (event) => {
      change(JSON.parse(event.data));
      setConnected(true);
      render();
    });
  }
  source.addEventListener('error', () => setConnected(false));
}

// ---- acting -----------------------------------------------------------------------------------

async function post(path, body) {
  try {
    const response = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const answer = await response.json();
    return response.ok ? answer : { ok: false, notice: answer.error || `The sandbox answered HTTP ${response.status}.` };
  } catch {
    return { ok: false, notice: 'The sandbox is not running. Start it again with `npm run sandbox`.' };
  }
}

/** A line from a composer: a slash command goes to the bot, anything else is a message. */
async function send(text, threadTs) {
  const conversation = view.conversation;
  const outcome = text.startsWith('/')
    ? await post('/api/command', { user: view.user, channel: conversation, text })
    : await post('/api/message', { user: view.user, channel: conversation, text, ...(threadTs && { threadTs }) });
  if (!outcome.ok) {
    addNotice(conversation, outcome.notice, threadTs);
    render();
  }
}

/** A button in a message: confirmed first when it asks for it, then clicked as the current person. */
async function click(button) {
  const { channel, ts, kind } = button.closest('[data-ts]').dataset;
  const actionId = button.dataset.actionId;
  const message = kind === 'ephemeral' ? state.ephemerals.get(`${view.user} ${ts}`) : state.messages.get(`${channel} ${ts}`);
  const found = message && findElement(message.blocks, actionId);
  if (!found) return;
  if (found.element.confirm && !(await confirmDialog(found.element.confirm, renderContext()))) return;
  const pending = `${channel} ${ts} ${actionId}`;
  view.pending.add(pending);
  render();
  const outcome = await post('/api/click', { user: view.user, channel, messageTs: ts, actionId });
  view.pending.delete(pending);
  if (!outcome.ok) addNotice(channel, outcome.notice, message.thread_ts !== message.ts ? message.thread_ts : undefined);
  render();
}

// ---- the app's Home tab, shortcuts and modals -------------------------------------------------

/** Opening the Home tab: Slack tells the app, which publishes it; it arrives as an event. */
async function openHome() {
  const outcome = await post('/api/home', { user: view.user });
  if (!outcome.ok) addNotice(view.conversation, outcome.notice);
  render();
}

/** A button in the Home tab: confirmed first when it asks for it, then clicked as the current person. */
async function clickInHome(button) {
  const home = state.homes.get(view.user);
  const found = home && findElement(home.blocks, button.dataset.actionId);
  if (!found) return;
  if (found.element.confirm && !(await confirmDialog(found.element.confirm, renderContext()))) return;
  button.disabled = true;
  const outcome = await post('/api/view/click', { user: view.user, surface: 'home', actionId: button.dataset.actionId, blockId: button.dataset.blockId });
  button.disabled = false;
  if (!outcome.ok) addNotice(view.conversation, outcome.notice);
  render();
}

function toggleShortcuts(open) {
  const menu = $('shortcuts-menu');
  const shortcuts = state.snapshot ? state.snapshot.shortcuts : [];
  menu.innerHTML = `<div class="suggestions-title">Shortcuts from <strong>${escapeHtml(state.snapshot.bot.name)}</strong></div>${shortcuts
    .map((s) => `<button type="button" class="suggestion shortcut" role="menuitem" data-callback-id="${escapeHtml(s.callbackId)}"><strong>${escapeHtml(s.name)}</strong><span>${escapeHtml(s.description)}</span></button>`)
    .join('')}`;
  menu.hidden = !open;
  $('shortcuts-button').setAttribute('aria-expanded', String(open));
}

async function runShortcut(callbackId) {
  toggleShortcuts(false);
  const outcome = await post('/api/shortcut', { user: view.user, callbackId });
  if (!outcome.ok) {
    addNotice(view.conversation, outcome.notice);
    render();
  }
}

async function submitModal(button) {
  button.disabled = true;
  const outcome = await post('/api/view/submit', { user: view.user, values: modalValues() });
  button.disabled = false;
  if (outcome.missing) showMissing(outcome.missing);
  else if (!outcome.ok) showModalNotice(outcome.notice);
}

async function closeModal() {
  const outcome = await post('/api/view/close', { user: view.user });
  if (!outcome.ok) showModalNotice(outcome.notice);
}

/** A select whose options the app loads: asked again as the person types. */
async function suggest(input) {
  delete input.dataset.value;
  const outcome = await post('/api/view/suggest', { user: view.user, actionId: input.dataset.actionId, value: input.value });
  if (outcome.ok && document.activeElement === input) showOptions(input, outcome.options);
}

/** +1 hour, +1 day: the sandbox moves its time and sweeps once; what came due arrives as events. */
async function advanceClock(button) {
  button.disabled = true;
  const outcome = await post('/api/clock', { advance: button.dataset.advance });
  button.disabled = false;
  if (!outcome.ok) {
    addNotice(view.conversation, outcome.notice);
    render();
  }
}

// ---- wiring -----------------------------------------------------------------------------------

document.addEventListener('click', (event) => {
  const target = event.target.closest('button');
  if (!target) return;
  if (target.classList.contains('persona')) {
    switchUser(target.dataset.userId);
    if (view.conversation.startsWith('D') && view.appTab === 'home') openHome();
  } else if (target.classList.contains('app-tab')) {
    view.appTab = target.dataset.tab;
    if (view.appTab === 'home') openHome();
  } else if (target.id === 'shortcuts-button') {
    toggleShortcuts($('shortcuts-menu').hidden);
    return;
  } else if (target.classList.contains('shortcut')) {
    runShortcut(target.dataset.callbackId);
    return;
  } else if (target.classList.contains('modal-submit')) {
    submitModal(target);
    return;
  } else if (target.classList.contains('modal-close') || target.classList.contains('modal-x')) {
    closeModal();
    return;
  } else if (target.classList.contains('modal-option')) {
    chooseOption(target);
    return;
  } else if (target.matches('.home-tab button.bk-button[data-action-id]')) {
    clickInHome(target);
    return;
  } else if (target.classList.contains('conversation-link')) {
    view.conversation = target.dataset.conversation;
    view.thread = undefined;
    $('composer-input').focus();
  } else if (target.classList.contains('thread-link')) {
    view.thread = target.dataset.threadTs;
  } else if (target.classList.contains('dismiss')) {
    view.dismissed.add(target.dataset.dismiss);
  } else if (target.id === 'close-thread') {
    view.thread = undefined;
  } else if (target.classList.contains('clock-button')) {
    advanceClock(target);
    return;
  } else if (target.id === 'toggle-policies') {
    view.showPolicies = !view.showPolicies;
  } else if (target.matches('.message button.bk-button[data-action-id]')) {
    click(target);
    return;
  } else {
    return;
  }
  render();
});

// The policy JSON stays open or closed across updates.
document.addEventListener(
  'toggle',
  (event) => {
    const details = event.target;
    if (!(details instanceof HTMLDetailsElement) || !details.dataset.repository) return;
    if (details.open) view.openJson.add(details.dataset.repository);
    else view.openJson.delete(details.dataset.repository);
  },
  true,
);

// A select whose options the app loads: typed into, or just focused (Slack asks with nothing typed too).
for (const type of ['input', 'focusin']) {
  document.addEventListener(type, (event) => {
    if (event.target instanceof HTMLInputElement && event.target.dataset.external) suggest(event.target);
  });
}
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && openModal() && $('dialog-backdrop').hidden) closeModal();
});

wireComposer({ form: 'composer', input: 'composer-input', suggestions: 'suggestions' }, (text) => send(text));
wireComposer({ form: 'thread-composer', input: 'thread-composer-input' }, (text) => send(text, view.thread));
connect();
setInterval(renderClock, 15_000);
