// The sandbox page: a Slack-like channel over the Slack simulator, and the ECR emulator's live
// policies beside it. Everything shown comes from the sandbox's event stream; everything done
// (commands, messages, clicks) is posted back and reaches the bot as Slack would send it.
import { confirmDialog } from './confirm-dialog.js';
import { wireComposer } from './composer.js';
import { renderChannel, renderSidebar, renderThread } from './conversation-view.js';
import { renderClock } from './clock.js';
import { renderPolicies } from './policy-panel.js';
import { addNotice, apply, renderContext, state, switchUser, view } from './store.js';

const { findElement } = window.BlockKit;
const $ = (id) => document.getElementById(id);

function render() {
  if (!state.snapshot) return;
  renderChannel();
  renderThread();
  renderSidebar();
  renderPolicies();
  renderClock();
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

wireComposer({ form: 'composer', input: 'composer-input', suggestions: 'suggestions' }, (text) => send(text));
wireComposer({ form: 'thread-composer', input: 'thread-composer-input' }, (text) => send(text, view.thread));
connect();
setInterval(renderClock, 15_000);
