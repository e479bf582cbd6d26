// The Slack part of the page: the sidebar (who you are, channels, your DM with the bot), the
// open conversation with its composer, and the thread pane.
import { homeRows } from './home-view.js';
import { keepScrolledToBottom, reconcile } from './reconcile.js';
import { channelName, dmOf, markSeen, persona, state, unreadCount, view } from './store.js';
import { avatar, timelineRows } from './timeline.js';

const { escapeHtml } = window.Mrkdwn;
const $ = (id) => document.getElementById(id);

export function renderSidebar() {
  const s = state.snapshot;
  $('personas').innerHTML = s.personas
    .map((p) => {
      const selected = p.id === view.user;
      return `<button type="button" class="persona${selected ? ' selected' : ''}" role="radio" aria-checked="${selected}" data-user-id="${escapeHtml(p.id)}">
        ${avatar({ kind: 'user', id: p.id, name: p.name }, 'small')}
        <span class="persona-text"><span class="persona-name">${escapeHtml(p.name)}<span class="role role-${escapeHtml(p.role)}">${escapeHtml(p.role)}</span></span><span class="persona-title">${escapeHtml(p.title)}</span></span>
      </button>`;
    })
    .join('');
  const link = (id, label, icon, unread, badge) =>
    `<li><button type="button" class="conversation-link${id === view.conversation ? ' active' : ''}${unread ? ' unread' : ''}" data-conversation="${escapeHtml(id)}">
      ${icon}<span class="conversation-name">${label}</span>${badge ? `<span class="badge" aria-label="${badge} unread">${badge}</span>` : ''}</button></li>`;
  $('channels').innerHTML = s.channels
    .map((c) => link(c.id, escapeHtml(c.name), '<span class="hash">#</span>', c.id !== view.conversation && unreadCount(view.user, c.id) > 0, 0))
    .join('');
  const dm = dmOf(view.user);
  const dmUnread = dm === view.conversation ? 0 : unreadCount(view.user, dm);
  $('dms').innerHTML = link(dm, `${escapeHtml(s.bot.name)} <span class="app-badge">APP</span>`, avatar({ kind: 'bot' }, 'tiny'), dmUnread > 0, dmUnread);
}

function introHtml(isDm, name) {
  const you = persona(view.user);
  if (isDm) {
    return `<div class="channel-intro"><h2>${escapeHtml(name)}</h2>
      <p>This is your conversation with <strong>${escapeHtml(name)}</strong>, as <strong>${escapeHtml(you.name)}</strong>: it tells you here when a request of yours is decided. Commands work here too.</p></div>`;
  }
  return `<div class="channel-intro"><h2>#${escapeHtml(name)}</h2>
    <p>You are <strong>${escapeHtml(you.name)}</strong> (${escapeHtml(you.title)}). Switch people on the left.</p>
    <p>Try <code>/ecr-access</code> for the request form (or ⚡ <strong>Request ECR pull access</strong> below), or <code>/ecr-access request common-images 222233334444 pulls for the dashboards</code>; then become <strong>bob</strong> to approve it. <code>/ecr-access list</code> shows who can pull.</p></div>`;
}

/** The app's conversation has two tabs, as in Slack: its Home tab and its Messages. */
function appTabsHtml() {
  const tab = (name, label) =>
    `<button type="button" class="app-tab${view.appTab === name ? ' active' : ''}" role="tab" aria-selected="${view.appTab === name}" data-tab="${name}">${label}</button>`;
  return `<div class="app-tabs" role="tablist">${tab('home', 'Home')}${tab('messages', 'Messages')}</div>`;
}

export function renderChannel() {
  const s = state.snapshot;
  const isDm = view.conversation.startsWith('D');
  const onHome = isDm && view.appTab === 'home';
  const name = isDm ? s.bot.name : channelName(view.conversation);
  $('channel-title').innerHTML = isDm ? `${avatar({ kind: 'bot' }, 'tiny')} ${escapeHtml(name)}` : `<span class="hash">#</span>${escapeHtml(name)}`;
  $('channel-topic').innerHTML = isDm
    ? appTabsHtml()
    : escapeHtml('Pull access requests for shared ECR repositories; approvers decide here.');
  $('composer-input').placeholder = isDm ? `Message ${name}` : `Message #${name}`;
  $('composer').hidden = onHome;
  const container = $('messages');
  if (onHome) {
    reconcile(container, homeRows(), view.changed);
    return;
  }
  const intro = { key: `intro ${view.conversation} ${view.user}`, html: introHtml(isDm, name) };
  keepScrolledToBottom(container, () => reconcile(container, [intro, ...timelineRows(view.conversation)], view.changed));
  markSeen(view.user, view.conversation);
}

export function renderThread() {
  const pane = $('thread');
  const parent = view.thread && state.messages.get(`${view.conversation} ${view.thread}`);
  document.body.classList.toggle('thread-open', Boolean(parent));
  if (!parent) {
    pane.hidden = true;
    view.thread = undefined;
    return;
  }
  pane.hidden = false;
  $('thread-channel').textContent = view.conversation.startsWith('D') ? state.snapshot.bot.name : `#${channelName(view.conversation)}`;
  const container = $('thread-messages');
  keepScrolledToBottom(container, () => reconcile(container, timelineRows(view.conversation, view.thread), view.changed));
}
