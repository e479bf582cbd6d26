// What the sandbox said (messages, ephemerals, policies) and what this page is looking at
// (who you are, which conversation, which thread), with the lookups the views need.
import { sandboxTime } from './formats.js';

const STORED_USER = 'ecr-access-sandbox.user';

export const state = {
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
  /** user → their Home tab as last published */
  homes: new Map(),
  /** user → their open modals, root first, each { view, errors } */
  modals: new Map(),
};

export const view = {
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
  /** In the app's conversation: its Home tab, or its Messages. */
  appTab: 'messages',
};

let noticeCount = 0;

// ---- lookups ------------------------------------------------------------------------------

const byTs = (a, b) => Number(a.ts) - Number(b.ts);
export const isTopLevel = (m) => !m.thread_ts || m.thread_ts === m.ts;
/** Slack gives each person one DM with the bot; the simulator names it after the user. */
export const dmOf = (userId) => `D${userId.slice(1)}`;
export const persona = (id) => state.snapshot.personas.find((p) => p.id === id);

export function userName(id) {
  if (!state.snapshot) return undefined;
  if (id === state.snapshot.bot.userId) return state.snapshot.bot.name;
  const user = state.snapshot.users.find((u) => u.id === id);
  return user?.name;
}

export function channelName(id) {
  const channel = state.snapshot?.channels.find((c) => c.id === id);
  return channel ? channel.name : undefined;
}

/**
 * What mrkdwn needs to show names, whose mentions to highlight, and the sandbox's time, so Slack's
 * dates ("Today", "Tomorrow") are told against it, as the bot's clock is.
 */
export const renderContext = () => ({ userName, channelName, currentUser: view.user, now: new Date(sandboxTime.now()) });

export function conversationMessages(conversation) {
  return [...state.messages.values()].filter((m) => m.channel === conversation).sort(byTs);
}

export function repliesOf(conversation, parentTs) {
  return conversationMessages(conversation).filter((m) => m.thread_ts === parentTs && m.ts !== parentTs);
}

export function visibleEphemerals(conversation) {
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

export function unreadCount(userId, conversation) {
  const seen = Number(view.lastSeen.get(`${userId} ${conversation}`) || 0);
  return conversationMessages(conversation).filter((m) => isTopLevel(m) && Number(m.ts) > seen && m.user !== userId).length;
}

export function markSeen(userId, conversation) {
  const messages = conversationMessages(conversation);
  const newest = messages.length > 0 ? messages[messages.length - 1].ts : '0';
  view.lastSeen.set(`${userId} ${conversation}`, newest);
}

// ---- changes ------------------------------------------------------------------------------

export function switchUser(userId) {
  view.user = userId;
  localStorage.setItem(STORED_USER, userId);
  if (view.conversation.startsWith('D')) {
    view.conversation = dmOf(userId);
    view.thread = undefined;
  }
}

/** Slack itself telling the current person something, e.g. that a command is not one. */
export function addNotice(conversation, text, threadTs) {
  noticeCount += 1;
  state.notices.push({ key: `notice ${noticeCount}`, user: view.user, channel: conversation, threadTs, text, afterTs: latestTs(), at: sandboxTime.now() });
}

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
  state.homes = new Map(Object.entries(snapshot.homes || {}));
  state.modals = new Map(Object.entries(snapshot.modals || {}));
  sandboxTime.offsetMs = Math.max(0, snapshot.now - Date.now());

  if (!view.user || !persona(view.user)) view.user = snapshot.personas[0].id;
  if (!view.conversation) view.conversation = snapshot.channels[0].id;
  // Whatever was there when the page opened counts as read.
  for (const p of snapshot.personas) {
    for (const conversation of [...snapshot.channels.map((c) => c.id), dmOf(p.id)]) {
      if (!view.lastSeen.has(`${p.id} ${conversation}`)) markSeen(p.id, conversation);
    }
  }
}

/** One event from the sandbox's stream, by its type (see sandbox/web/page-state.ts). */
export const apply = {
  snapshot(event) {
    load(event.snapshot);
  },
  message(event) {
    const m = event.message;
    const key = `${m.channel} ${m.ts}`;
    if (state.messages.has(key)) view.changed.add(key);
    state.messages.set(key, m);
    state.times.set(m.ts, event.at);
    // A parent's reply count lives on the parent; Slack updates it with each reply.
    if (m.thread_ts && m.thread_ts !== m.ts) {
      const parent = state.messages.get(`${m.channel} ${m.thread_ts}`);
      if (parent) {
        parent.thread_ts = parent.ts;
        parent.reply_count = repliesOf(m.channel, parent.ts).length;
      }
    }
  },
  message_deleted(event) {
    state.messages.delete(`${event.channel} ${event.ts}`);
  },
  ephemeral(event) {
    const key = `${event.ephemeral.user} ${event.ephemeral.ts}`;
    if (state.ephemerals.has(key)) view.changed.add(`eph ${key}`);
    state.ephemerals.set(key, event.ephemeral);
    state.times.set(event.ephemeral.ts, event.at);
  },
  ephemeral_deleted(event) {
    state.ephemerals.delete(`${event.user} ${event.ts}`);
  },
  modals(event) {
    if (event.stack.length === 0) state.modals.delete(event.user);
    else state.modals.set(event.user, event.stack);
  },
  home(event) {
    if (state.homes.has(event.user)) view.changed.add(`home ${event.user}`);
    state.homes.set(event.user, event.view);
  },
  clock(event) {
    sandboxTime.offsetMs = Math.max(0, event.now - Date.now());
  },
  policy(event) {
    const known = state.policies.get(event.repository.name);
    state.policies.set(event.repository.name, {
      policyText: event.repository.policyText,
      previousText: known ? known.policyText : undefined,
      changedAt: sandboxTime.now(),
    });
  },
};
