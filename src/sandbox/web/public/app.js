// The sandbox page: a Slack-like channel over the Slack simulator, and the ECR emulator's live
// policies beside it. Everything shown comes from the sandbox's event stream; everything done
// (commands, messages, clicks) is posted back and reaches the bot as Slack would send it.
/* eslint-disable */
(function () {
  'use strict';
  const { mrkdwn, plainText, escapeHtml } = window.Mrkdwn;
  const { renderMessageBody, findElement } = window.BlockKit;

  const $ = (id) => document.getElementById(id);
  const GROUP_WITHIN_MS = 5 * 60 * 1000;
  const STORED_USER = 'ecr-access-sandbox.user';

  // ---- state: what the sandbox said, and what this page is looking at ----------------------

  const state = {
    snapshot: null,
    /** `${channel} ${ts}` → message */
    messages: new Map(),
    /** `${user} ${ts}` → ephemeral */
    ephemerals: new Map(),
    /** ts → epoch ms */
    times: new Map(),
    /** repository → { policyText, previousText, changedAt } */
    policies: new Map(),
    /** Slack's own notes to one person (a failed command), kept in this page only. */
    notices: [],
  };

  const view = {
    user: localStorage.getItem(STORED_USER) || undefined,
    conversation: undefined,
    /** The parent ts of the open thread, in the current conversation. */
    thread: undefined,
    dismissed: new Set(),
    /** `${channel} ${ts} ${actionId}` of clicks on their way to the bot. */
    pending: new Set(),
    /** `${user} ${conversation}` → newest ts seen there. */
    lastSeen: new Map(),
    /** Message keys changed since the last render, to flash them. */
    changed: new Set(),
    openJson: new Set(),
    showPolicies: true,
  };
  let noticeCount = 0;

  // ---- lookups ------------------------------------------------------------------------------

  const byTs = (a, b) => Number(a.ts) - Number(b.ts);
  const isTopLevel = (m) => !m.thread_ts || m.thread_ts === m.ts;
  const dmOf = (userId) => `D${userId.slice(1)}`;
  const persona = (id) => state.snapshot.personas.find((p) => p.id === id);
  const userName = (id) => {
    if (!state.snapshot) return undefined;
    if (id === state.snapshot.bot.userId) return state.snapshot.bot.name;
    const user = state.snapshot.users.find((u) => u.id === id);
    return user && user.name;
  };
  const channelName = (id) => {
    const channel = state.snapshot && state.snapshot.channels.find((c) => c.id === id);
    return channel ? channel.name : undefined;
  };
  const ctx = () => ({ userName, channelName, currentUser: view.user });

  function conversationMessages(conversation) {
    return [...state.messages.values()].filter((m) => m.channel === conversation).sort(byTs);
  }

  function repliesOf(conversation, parentTs) {
    return conversationMessages(conversation).filter((m) => m.thread_ts === parentTs && m.ts !== parentTs);
  }

  function visibleEphemerals(conversation) {
    return [...state.ephemerals.values()]
      .filter((e) => e.user === view.user && e.channel === conversation && !view.dismissed.has(`${e.user} ${e.ts}`))
      .sort(byTs);
  }

  function latestTs() {
    let latest = '0';
    for (const m of state.messages.values()) if (Number(m.ts) > Number(latest)) latest = m.ts;
    for (const e of state.ephemerals.values()) if (Number(e.ts) > Number(latest)) latest = e.ts;
    return latest;
  }

  function unreadCount(userId, conversation) {
    const seen = Number(view.lastSeen.get(`${userId} ${conversation}`) || 0);
    return conversationMessages(conversation).filter((m) => isTopLevel(m) && Number(m.ts) > seen && m.user !== userId).length;
  }

  function markSeen(userId, conversation) {
    const messages = conversationMessages(conversation);
    const newest = messages.length > 0 ? messages[messages.length - 1].ts : '0';
    view.lastSeen.set(`${userId} ${conversation}`, newest);
  }

  // ---- taking in what the sandbox says ------------------------------------------------------

  function load(snapshot) {
    state.snapshot = snapshot;
    state.messages.clear();
    state.ephemerals.clear();
    state.times.clear();
    for (const messages of Object.values(snapshot.conversations)) {
      for (const m of messages) state.messages.set(`${m.channel} ${m.ts}`, m);
    }
    for (const e of snapshot.ephemerals) state.ephemerals.set(`${e.user} ${e.ts}`, e);
    for (const [ts, at] of Object.entries(snapshot.times)) state.times.set(ts, at);
    const policies = new Map();
    for (const repository of snapshot.repositories) {
      const known = state.policies.get(repository.name);
      policies.set(repository.name, known && known.policyText === repository.policyText ? known : { policyText: repository.policyText });
    }
    state.policies = policies;

    if (!view.user || !persona(view.user)) view.user = snapshot.personas[0].id;
    if (!view.conversation) view.conversation = snapshot.channels[0].id;
    // Whatever was there when the page opened counts as read.
    for (const p of snapshot.personas) {
      for (const conversation of [...snapshot.channels.map((c) => c.id), dmOf(p.id)]) {
        if (!view.lastSeen.has(`${p.id} ${conversation}`)) markSeen(p.id, conversation);
      }
    }
    render();
  }

  const handlers = {
    snapshot(event) {
      load(event.snapshot);
    },
    message(event) {
      const key = `${event.message.channel} ${event.message.ts}`;
      if (state.messages.has(key)) view.changed.add(key);
      state.messages.set(key, event.message);
      state.times.set(event.message.ts, event.at);
      // A parent's reply count lives on the parent; Slack updates it with each reply.
      const m = event.message;
      if (m.thread_ts && m.thread_ts !== m.ts) {
        const parent = state.messages.get(`${m.channel} ${m.thread_ts}`);
        if (parent) {
          parent.thread_ts = parent.ts;
          parent.reply_count = repliesOf(m.channel, parent.ts).length;
        }
      }
      render();
    },
    message_deleted(event) {
      state.messages.delete(`${event.channel} ${event.ts}`);
      render();
    },
    ephemeral(event) {
      const key = `${event.ephemeral.user} ${event.ephemeral.ts}`;
      if (state.ephemerals.has(key)) view.changed.add(`eph ${key}`);
      state.ephemerals.set(key, event.ephemeral);
      state.times.set(event.ephemeral.ts, event.at);
      render();
    },
    ephemeral_deleted(event) {
      state.ephemerals.delete(`${event.user} ${event.ts}`);
      render();
    },
    policy(event) {
      const known = state.policies.get(event.repository.name);
      state.policies.set(event.repository.name, {
        policyText: event.repository.policyText,
        previousText: known ? known.policyText : undefined,
        changedAt: Date.now(),
      });
      render();
    },
  };

  function connect() {
    const source = new EventSource('/api/events');
    for (const [type, handle] of Object.entries(handlers)) {
      source.addEventListener(type, (event) => {
        handle(JSON.parse(event.data));
        setConnected(true);
      });
    }
    source.addEventListener('error', () => setConnected(false));
  }

  function setConnected(connected) {
    document.body.dataset.connected = String(connected);
    $('disconnected').hidden = connected || !state.snapshot;
  }

  // ---- doing things -------------------------------------------------------------------------

  async function post(path, body) {
    try {
      const response = await fetch(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      const answer = await response.json();
      return response.ok ? answer : { ok: false, notice: answer.error || `The sandbox answered HTTP ${response.status}.` };
    } catch (error) {
      return { ok: false, notice: 'The sandbox is not running. Start it again with `npm run sandbox`.' };
    }
  }

  function addNotice(conversation, text, threadTs) {
    noticeCount += 1;
    state.notices.push({ key: `notice ${noticeCount}`, user: view.user, channel: conversation, threadTs, text, afterTs: latestTs(), at: Date.now() });
    render();
  }

  async function send(text, threadTs) {
    const conversation = view.conversation;
    const trimmed = text.trim();
    if (!trimmed) return;
    const outcome = trimmed.startsWith('/')
      ? await post('/api/command', { user: view.user, channel: conversation, text: trimmed })
      : await post('/api/message', { user: view.user, channel: conversation, text: trimmed, ...(threadTs && { threadTs }) });
    if (!outcome.ok) addNotice(conversation, outcome.notice, threadTs);
  }

  async function click(buttonEl) {
    const item = buttonEl.closest('[data-ts]');
    const actionId = buttonEl.dataset.actionId;
    const { channel, ts, kind } = item.dataset;
    const message = kind === 'ephemeral' ? state.ephemerals.get(`${view.user} ${ts}`) : state.messages.get(`${channel} ${ts}`);
    const found = message && findElement(message.blocks, actionId);
    if (!found) return;
    if (found.element.confirm && !(await confirmDialog(found.element.confirm))) return;
    const pendingKey = `${channel} ${ts} ${actionId}`;
    view.pending.add(pendingKey);
    render();
    const outcome = await post('/api/click', { user: view.user, channel, messageTs: ts, actionId });
    view.pending.delete(pendingKey);
    if (!outcome.ok) addNotice(channel, outcome.notice, message.thread_ts !== message.ts ? message.thread_ts : undefined);
    render();
  }

  /** Slack's confirm dialog: resolves true when confirmed, false when cancelled. */
  function confirmDialog(confirm) {
    const backdrop = $('dialog-backdrop');
    const ok = $('dialog-confirm');
    const cancel = $('dialog-cancel');
    $('dialog-title').innerHTML = plainText((confirm.title && confirm.title.text) || 'Are you sure?');
    $('dialog-text').innerHTML = confirm.text
      ? confirm.text.type === 'mrkdwn' ? mrkdwn(confirm.text.text, ctx()) : plainText(confirm.text.text)
      : '';
    ok.innerHTML = plainText((confirm.confirm && confirm.confirm.text) || 'Yes');
    cancel.innerHTML = plainText((confirm.deny && confirm.deny.text) || 'Cancel');
    ok.className = `bk-button ${confirm.style === 'danger' ? 'bk-button-danger' : 'bk-button-primary'}`;
    backdrop.hidden = false;
    ok.focus();
    return new Promise((resolve) => {
      const finish = (answer) => {
        backdrop.hidden = true;
        ok.removeEventListener('click', yes);
        cancel.removeEventListener('click', no);
        backdrop.removeEventListener('mousedown', outside);
        document.removeEventListener('keydown', keys, true);
        resolve(answer);
      };
      const yes = () => finish(true);
      const no = () => finish(false);
      const outside = (event) => event.target === backdrop && finish(false);
      const keys = (event) => {
        if (event.key === 'Escape') finish(false);
      };
      ok.addEventListener('click', yes);
      cancel.addEventListener('click', no);
      backdrop.addEventListener('mousedown', outside);
      document.addEventListener('keydown', keys, true);
    });
  }

  // ---- rendering helpers --------------------------------------------------------------------

  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
  const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });
  const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });

  function dayLabel(at) {
    const day = new Date(at);
    const today = new Date();
    const yesterday = new Date(Date.now() - 86400000);
    if (day.toDateString() === today.toDateString()) return 'Today';
    if (day.toDateString() === yesterday.toDateString()) return 'Yesterday';
    return dayFormat.format(day);
  }

  const AVATAR_COLOURS = ['#7c3085', '#1264a3', '#e8912d', '#2bac76', '#cd2553'];

  function avatar(author, size) {
    const cls = `avatar avatar-${size}`;
    if (author.kind === 'bot') {
      return `<span class="${cls} avatar-bot" aria-hidden="true"><img src="/favicon.svg" alt=""></span>`;
    }
    if (author.kind === 'slackbot') return `<span class="${cls} avatar-slackbot" aria-hidden="true">S</span>`;
    const index = state.snapshot.users.findIndex((u) => u.id === author.id);
    const colour = AVATAR_COLOURS[(index < 0 ? 0 : index) % AVATAR_COLOURS.length];
    return `<span class="${cls}" style="background:${colour}" aria-hidden="true">${escapeHtml((author.name || '?').slice(0, 1).toUpperCase())}</span>`;
  }

  function authorOf(item) {
    if (item.notice) return { kind: 'slackbot', key: 'slackbot', name: 'Slackbot' };
    if (item.ephemeral || item.message.bot_id || item.message.user === state.snapshot.bot.userId) {
      return { kind: 'bot', key: 'bot', name: state.snapshot.bot.name };
    }
    const id = item.message.user;
    return { kind: 'user', key: id, id, name: userName(id) || id };
  }

  // An item in a timeline: a message, an ephemeral only the viewer sees, or Slack's own notice.
  function timelineItems(conversation, threadTs) {
    const inThread = (m) => (threadTs ? m.ts === threadTs || m.thread_ts === threadTs : isTopLevel(m));
    const items = [];
    for (const m of conversationMessages(conversation).filter(inThread)) {
      items.push({ key: `msg ${m.channel} ${m.ts}`, changeKey: `${m.channel} ${m.ts}`, message: m, sort: [Number(m.ts), 0] });
    }
    for (const e of visibleEphemerals(conversation).filter((e) => (threadTs ? e.thread_ts === threadTs : !e.thread_ts))) {
      items.push({ key: `eph ${e.user} ${e.ts}`, changeKey: `eph ${e.user} ${e.ts}`, message: e, ephemeral: true, sort: [Number(e.ts), 0] });
    }
    for (const n of state.notices.filter((n) => n.user === view.user && n.channel === conversation && (threadTs ? n.threadTs === threadTs : !n.threadTs))) {
      if (view.dismissed.has(n.key)) continue;
      items.push({ key: n.key, message: { text: n.text, ts: n.afterTs, channel: conversation }, notice: n, ephemeral: true, sort: [Number(n.afterTs), n.at] });
    }
    return items.sort((a, b) => a.sort[0] - b.sort[0] || a.sort[1] - b.sort[1]);
  }

  function timeOf(item) {
    return item.notice ? item.notice.at : state.times.get(item.message.ts);
  }

  function buttonsPending(html, message) {
    // Marks the buttons of a click still on its way, the way Slack greys them out.
    return html.replace(/<button type="button" class="bk-button([^"]*)" data-action-id="([^"]*)"/g, (whole, cls, actionId) =>
      view.pending.has(`${message.channel} ${message.ts} ${actionId}`)
        ? `<button type="button" disabled aria-busy="true" class="bk-button${cls} bk-button-pending" data-action-id="${actionId}"`
        : whole,
    );
  }

  function threadSummary(message, conversation) {
    const replies = repliesOf(conversation, message.ts);
    if (replies.length === 0) return '';
    const last = state.times.get(replies[replies.length - 1].ts);
    const faces = [...new Map(replies.map((r) => [authorOf({ message: r }).key, authorOf({ message: r })])).values()].slice(0, 3);
    return `<div class="thread-summary">
      ${faces.map((a) => avatar(a, 'tiny')).join('')}
      <button type="button" class="thread-link" data-thread-ts="${escapeHtml(message.ts)}">${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}</button>
      ${last ? `<span class="thread-last">Last reply ${escapeHtml(dayLabel(last).toLowerCase() === 'today' ? 'today' : dayLabel(last))} at ${escapeHtml(timeFormat.format(last))}</span>` : ''}
    </div>`;
  }

  function messageHtml(item, options) {
    const author = authorOf(item);
    const at = timeOf(item);
    const time = at ? `<time class="message-time" title="${escapeHtml(fullFormat.format(at))}">${escapeHtml(timeFormat.format(at))}</time>` : '';
    const kind = item.notice ? 'notice' : item.ephemeral ? 'ephemeral' : 'message';
    const classes = ['message', item.ephemeral ? 'ephemeral' : '', options.compact ? 'compact' : '', options.parent ? 'thread-parent' : ''].filter(Boolean).join(' ');
    const body = buttonsPending(item.notice ? `<div class="bk-text">${mrkdwn(item.message.text, ctx())}</div>` : renderMessageBody(item.message, ctx()), item.message);
    const label = item.ephemeral
      ? `<div class="ephemeral-label"><svg viewBox="0 0 20 20" width="14" height="14" aria-hidden="true"><path fill="currentColor" d="M10 4C5.5 4 2.2 7.3 1.2 9.6a1 1 0 0 0 0 .8C2.2 12.7 5.5 16 10 16s7.8-3.3 8.8-5.6a1 1 0 0 0 0-.8C17.8 7.3 14.5 4 10 4Zm0 10a4 4 0 1 1 0-8 4 4 0 0 1 0 8Zm0-6a2 2 0 1 0 0 4 2 2 0 0 0 0-4Z"/></svg>Only visible to you</div>`
      : '';
    const meta = options.compact
      ? ''
      : `<div class="message-meta"><span class="author">${escapeHtml(author.name)}</span>${author.kind !== 'user' ? '<span class="app-badge">APP</span>' : ''}${time}</div>`;
    const dismiss = item.ephemeral ? `<button type="button" class="dismiss" data-dismiss="${escapeHtml(item.notice ? item.notice.key : `${item.message.user} ${item.message.ts}`)}">Dismiss message</button>` : '';
    const thread = options.inThread ? '' : threadSummary(item.message, item.message.channel);
    return `<div class="${classes}" data-kind="${kind}" data-channel="${escapeHtml(item.message.channel)}" data-ts="${escapeHtml(item.message.ts)}" data-author="${escapeHtml(author.key)}">
      <div class="gutter">${options.compact ? (at ? `<time class="hover-time">${escapeHtml(timeFormat.format(at)).replace(/\s?[AP]M$/i, '')}</time>` : '') : avatar(author, 'large')}</div>
      <div class="message-content">${label}${meta}<div class="message-body">${body}</div>${thread}${dismiss}</div>
    </div>`;
  }

  /** Timeline items → keyed HTML rows, with day dividers and Slack's grouping of consecutive messages. */
  function rows(items, options) {
    const out = [];
    let previous;
    let previousDay;
    for (const item of items) {
      const at = timeOf(item);
      const day = at ? new Date(at).toDateString() : previousDay;
      if (day && day !== previousDay && !options.inThread) {
        out.push({ key: `day ${day}`, html: `<div class="day-divider" role="separator"><span>${escapeHtml(dayLabel(at))}</span></div>` });
        previous = undefined;
      }
      previousDay = day;
      const author = authorOf(item);
      const compact =
        !options.inThread &&
        previous !== undefined &&
        !item.ephemeral &&
        !previous.ephemeral &&
        authorOf(previous).key === author.key &&
        at !== undefined &&
        timeOf(previous) !== undefined &&
        at - timeOf(previous) < GROUP_WITHIN_MS &&
        !(previous.message.reply_count > 0);
      const parent = options.inThread && item.message.ts === options.threadTs;
      out.push({ key: item.key, changeKey: item.changeKey, html: messageHtml(item, { compact, inThread: options.inThread, parent }) });
      if (parent) {
        const count = repliesOf(item.message.channel, item.message.ts).length;
        out.push({ key: 'replies-divider', html: `<div class="replies-divider"><span>${count} ${count === 1 ? 'reply' : 'replies'}</span></div>` });
      }
      previous = item;
    }
    return out;
  }

  /** Updates a list in place: unchanged rows stay (scroll, focus and all), changed ones are swapped. */
  function reconcile(container, wanted) {
    const existing = new Map([...container.children].map((el) => [el.dataset.key, el]));
    let previous = null;
    for (const row of wanted) {
      let el = existing.get(row.key);
      existing.delete(row.key);
      if (!el || el._html !== row.html) {
        const template = document.createElement('template');
        template.innerHTML = row.html.trim();
        const fresh = template.content.firstElementChild;
        fresh.dataset.key = row.key;
        fresh._html = row.html;
        if (el && row.changeKey && view.changed.has(row.changeKey)) fresh.classList.add('just-updated');
        if (el) el.replaceWith(fresh);
        el = fresh;
      }
      const expected = previous ? previous.nextElementSibling : container.firstElementChild;
      if (el !== expected) container.insertBefore(el, expected);
      previous = el;
    }
    for (const el of existing.values()) el.remove();
  }

  function keepScrolledToBottom(container, update) {
    const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 40;
    update();
    if (atBottom) container.scrollTop = container.scrollHeight;
  }

  // ---- rendering the page -------------------------------------------------------------------

  function renderSidebar() {
    const s = state.snapshot;
    $('personas').innerHTML = s.personas
      .map((p) => {
        const selected = p.id === view.user;
        return `<button type="button" class="persona${selected ? ' selected' : ''}" role="radio" aria-checked="${selected}" data-user-id="${escapeHtml(p.id)}">
          ${avatar({ kind: 'user', id: p.id, name: p.name }, 'small')}
          <span class="persona-text"><span class="persona-name">${escapeHtml(p.name)}<span class="role role-${escapeHtml(p.role)}">${escapeHtml(p.role === 'member' ? 'member' : p.role)}</span></span><span class="persona-title">${escapeHtml(p.title)}</span></span>
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

  function renderChannel() {
    const s = state.snapshot;
    const isDm = view.conversation.startsWith('D');
    const name = isDm ? s.bot.name : channelName(view.conversation);
    $('channel-title').innerHTML = isDm ? `${avatar({ kind: 'bot' }, 'tiny')} ${escapeHtml(name)}` : `<span class="hash">#</span>${escapeHtml(name)}`;
    $('channel-topic').textContent = isDm
      ? `Your direct messages with ${s.bot.name}: it tells you here when a request of yours is decided.`
      : 'Pull access requests for shared ECR repositories; approvers decide here.';
    const input = $('composer-input');
    input.placeholder = isDm ? `Message ${name}` : `Message #${name}`;

    const you = persona(view.user);
    const intro = {
      key: `intro ${view.conversation} ${view.user}`,
      html: isDm
        ? `<div class="channel-intro">
            <h2>${escapeHtml(name)}</h2>
            <p>This is your conversation with <strong>${escapeHtml(name)}</strong>, as <strong>${escapeHtml(you.name)}</strong>: it tells you here when a request of yours is decided. Commands work here too.</p>
          </div>`
        : `<div class="channel-intro">
            <h2>#${escapeHtml(name)}</h2>
            <p>You are <strong>${escapeHtml(you.name)}</strong> (${escapeHtml(you.title)}). Switch people on the left.</p>
            <p>Try <code>/ecr-access request common-images 222233334444 pulls for the dashboards</code>, then become <strong>bob</strong> to approve it. <code>/ecr-access list</code> shows who can pull.</p>
          </div>`,
    };
    const container = $('messages');
    keepScrolledToBottom(container, () => reconcile(container, [intro, ...rows(timelineItems(view.conversation), {})]));
    markSeen(view.user, view.conversation);
  }

  function renderThread() {
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
    keepScrolledToBottom(container, () =>
      reconcile(container, rows(timelineItems(view.conversation, view.thread), { inThread: true, threadTs: view.thread })),
    );
  }

  // ---- the policy panel: each statement, its principals and actions; what just changed stands out

  function asList(value) {
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  }

  function principalsOf(statement) {
    const principal = statement.Principal;
    if (principal === undefined) return [];
    if (typeof principal === 'string') return [{ kind: 'AWS', value: principal }];
    return Object.entries(principal).flatMap(([kind, value]) => asList(value).map((v) => ({ kind, value: String(v) })));
  }

  function principalHtml(value) {
    const account = /^(arn:aws:iam::)(\d{12})(:.*)$/.exec(value);
    if (account) return `<span>${escapeHtml(account[1])}<strong class="account-id">${account[2]}</strong>${escapeHtml(account[3])}</span>`;
    if (/^\d{12}$/.test(value)) return `<span><strong class="account-id">${value}</strong></span>`;
    return `<span>${escapeHtml(value)}</span>`;
  }

  function parsePolicy(text) {
    if (text === null || text === undefined) return undefined;
    try {
      const parsed = JSON.parse(text);
      return { document: parsed, statements: asList(parsed.Statement) };
    } catch (error) {
      return { invalid: true };
    }
  }

  function jsonHtml(text) {
    let pretty = text;
    try {
      pretty = JSON.stringify(JSON.parse(text), null, 2);
    } catch (error) {
      // Shown as stored.
    }
    return escapeHtml(pretty).replace(/(&quot;(?:[^&]|&(?!quot;))*?&quot;)(\s*:)?/g, (whole, string, colon) =>
      colon ? `<span class="json-key">${string}</span>${colon}` : `<span class="json-string">${string}</span>`,
    );
  }

  function repositoryHtml(name, policy) {
    const parsed = parsePolicy(policy.policyText);
    const before = parsePolicy(policy.previousText);
    const earlier = new Set(before && before.statements ? before.statements.flatMap((s) => principalsOf(s).map((p) => p.value)) : []);
    const changed = policy.changedAt ? `<span class="updated-at" title="${escapeHtml(fullFormat.format(policy.changedAt))}">changed ${escapeHtml(timeFormat.format(policy.changedAt))}</span>` : '';
    let body;
    if (!parsed) {
      body = '<p class="no-policy">No repository policy: only the registry’s own account can pull.</p>';
    } else if (parsed.invalid) {
      body = '<p class="no-policy">The stored policy is not JSON.</p>';
    } else {
      body = parsed.statements
        .map((s) => {
          const effect = s.Effect === 'Deny' ? 'deny' : 'allow';
          const principals = principalsOf(s);
          const actions = asList(s.Action).concat(asList(s.NotAction).map((a) => `not ${a}`));
          return `<div class="statement">
            <div class="statement-head"><code class="sid">${escapeHtml(s.Sid || '(no Sid)')}</code><span class="effect effect-${effect}">${escapeHtml(s.Effect || '?')}</span>${s.Condition ? '<span class="condition">Condition</span>' : ''}</div>
            <ul class="principals">${principals
              .map((p) => {
                const added = before && !earlier.has(p.value);
                return `<li class="principal${added ? ' added' : ''}" data-principal="${escapeHtml(p.value)}">${p.kind !== 'AWS' ? `<span class="principal-kind">${escapeHtml(p.kind)}</span>` : ''}${principalHtml(p.value)}${added ? '<span class="new-tag">new</span>' : ''}</li>`;
              })
              .join('')}</ul>
            <div class="statement-actions">${actions.map((a) => `<span class="action">${escapeHtml(String(a))}</span>`).join('')}</div>
          </div>`;
        })
        .join('');
    }
    const open = view.openJson.has(name) ? ' open' : '';
    const json = parsed && !parsed.invalid ? `<details class="policy-json" data-repository="${escapeHtml(name)}"${open}><summary>Policy JSON</summary><pre>${jsonHtml(policy.policyText)}</pre></details>` : '';
    return `<section class="repository" data-repository="${escapeHtml(name)}">
      <h3 class="repository-name"><span class="repository-icon" aria-hidden="true">📦</span>${escapeHtml(name)}${changed}</h3>
      ${body}${json}
    </section>`;
  }

  function renderPolicies() {
    document.body.classList.toggle('policies-hidden', !view.showPolicies);
    $('toggle-policies').setAttribute('aria-pressed', String(view.showPolicies));
    $('policies').hidden = !view.showPolicies;
    const rowsWanted = [...state.policies.entries()].map(([name, policy]) => ({ key: `repo ${name}`, html: repositoryHtml(name, policy) }));
    reconcile($('repositories'), rowsWanted);
  }

  function render() {
    if (!state.snapshot) return;
    renderChannel();
    renderThread();
    renderSidebar();
    renderPolicies();
    view.changed.clear();
  }

  // ---- the composer and its slash-command suggestions --------------------------------------

  /** Slack's usage hints while a command and its subcommand are typed; gone once arguments follow. */
  function suggestions(text) {
    if (!text.startsWith('/') || text.includes('\n') || !state.snapshot) return [];
    const words = text.trimStart().split(/\s+/);
    if (words.length > 2) return [];
    const typed = words.join(' ');
    return state.snapshot.commands
      .flatMap((c) => c.usage)
      .filter((usage) => usage.startsWith(typed) || (words.length === 2 && words[1] === '' && usage.startsWith(words[0])))
      .map((usage) => ({ usage }));
  }

  function renderSuggestions() {
    const input = $('composer-input');
    const found = suggestions(input.value);
    const box = $('suggestions');
    box.hidden = found.length === 0;
    box.innerHTML = found.length
      ? `<div class="suggestions-title">Commands from <strong>${escapeHtml(state.snapshot.bot.name)}</strong></div>` +
        found.map((s) => `<button type="button" class="suggestion" data-usage="${escapeHtml(s.usage)}"><code>${escapeHtml(s.usage)}</code></button>`).join('')
      : '';
  }

  function autosize(input) {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
  }

  function wireComposer(formId, inputId, threadTs) {
    const form = $(formId);
    const input = $(inputId);
    const submit = () => {
      const text = input.value;
      input.value = '';
      autosize(input);
      if (inputId === 'composer-input') renderSuggestions();
      send(text, threadTs());
    };
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      submit();
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        submit();
      }
    });
    input.addEventListener('input', () => {
      autosize(input);
      if (inputId === 'composer-input') renderSuggestions();
    });
  }

  // ---- wiring -------------------------------------------------------------------------------

  function switchUser(userId) {
    view.user = userId;
    localStorage.setItem(STORED_USER, userId);
    if (view.conversation.startsWith('D')) {
      view.conversation = dmOf(userId);
      view.thread = undefined;
    }
    render();
  }

  document.addEventListener('click', (event) => {
    const target = event.target.closest('button, a');
    if (!target) return;
    if (target.classList.contains('persona')) return switchUser(target.dataset.userId);
    if (target.classList.contains('conversation-link')) {
      view.conversation = target.dataset.conversation;
      view.thread = undefined;
      render();
      $('composer-input').focus();
      return;
    }
    if (target.classList.contains('thread-link')) {
      view.thread = target.dataset.threadTs;
      render();
      return;
    }
    if (target.classList.contains('dismiss')) {
      view.dismissed.add(target.dataset.dismiss);
      render();
      return;
    }
    if (target.classList.contains('suggestion')) {
      const input = $('composer-input');
      input.value = `${target.dataset.usage.replace(/\s[<[].*$/, '')} `;
      renderSuggestions();
      input.focus();
      return;
    }
    if (target.matches('button.bk-button[data-action-id]') && target.closest('.message')) {
      event.preventDefault();
      click(target);
    }
  });

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

  $('close-thread').addEventListener('click', () => {
    view.thread = undefined;
    render();
  });
  $('toggle-policies').addEventListener('click', () => {
    view.showPolicies = !view.showPolicies;
    render();
  });

  wireComposer('composer', 'composer-input', () => undefined);
  wireComposer('thread-composer', 'thread-composer-input', () => view.thread);
  connect();
})();
