// A conversation (or one thread) as Slack lays it out: messages, the ephemerals only the
// viewer sees, and Slack's own notices, in order, with day dividers, consecutive messages of one
// author grouped, thread summaries, and buttons greyed out while their click is on its way.
import { dayLabel, fullFormat, timeFormat } from './formats.js';
import { conversationMessages, isTopLevel, renderContext, repliesOf, state, userName, view, visibleEphemerals } from './store.js';

const { mrkdwn, escapeHtml } = window.Mrkdwn;
const { renderMessageBody } = window.BlockKit;

/** Slack shows a message without name and avatar when the same author wrote just before. */
const GROUP_WITHIN_MS = 5 * 60 * 1000;
const AVATAR_COLOURS = ['#7c3085', '#1264a3', '#e8912d', '#2bac76', '#cd2553'];
const EYE =
  '<svg viewBox="0 0 20 20" width="14" height="14" aria-hidden="true"><path fill="currentColor" d="M10 4C5.5 4 2.2 7.3 1.2 9.6a1 1 0 0 0 0 .8C2.2 12.7 5.5 16 10 16s7.8-3.3 8.8-5.6a1 1 0 0 0 0-.8C17.8 7.3 14.5 4 10 4Zm0 10a4 4 0 1 1 0-8 4 4 0 0 1 0 8Zm0-6a2 2 0 1 0 0 4 2 2 0 0 0 0-4Z"/></svg>';

export function avatar(author, size) {
  const cls = `avatar avatar-${size}`;
  if (author.kind === 'bot') return `<span class="${cls} avatar-bot" aria-hidden="true"><img src="/favicon.svg" alt=""></span>`;
  if (author.kind === 'slackbot') return `<span class="${cls} avatar-slackbot" aria-hidden="true">S</span>`;
  const index = state.snapshot.users.findIndex((u) => u.id === author.id);
  const colour = AVATAR_COLOURS[Math.max(index, 0) % AVATAR_COLOURS.length];
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

/** What the viewer sees in a conversation, or in one of its threads, oldest first. */
function timelineItems(conversation, threadTs) {
  const belongs = (m) => (threadTs ? m.ts === threadTs || m.thread_ts === threadTs : isTopLevel(m));
  const items = [];
  for (const m of conversationMessages(conversation).filter(belongs)) {
    items.push({ key: `msg ${m.channel} ${m.ts}`, changeKey: `${m.channel} ${m.ts}`, message: m, sort: [Number(m.ts), 0] });
  }
  for (const e of visibleEphemerals(conversation).filter((e) => (threadTs ? e.thread_ts === threadTs : !e.thread_ts))) {
    items.push({ key: `eph ${e.user} ${e.ts}`, changeKey: `eph ${e.user} ${e.ts}`, message: e, ephemeral: true, sort: [Number(e.ts), 0] });
  }
  for (const n of state.notices) {
    if (n.user !== view.user || n.channel !== conversation || (threadTs ? n.threadTs !== threadTs : n.threadTs) || view.dismissed.has(n.key)) continue;
    items.push({ key: n.key, message: { text: n.text, ts: n.afterTs, channel: conversation }, notice: n, ephemeral: true, sort: [Number(n.afterTs), n.at] });
  }
  return items.sort((a, b) => a.sort[0] - b.sort[0] || a.sort[1] - b.sort[1]);
}

function timeOf(item) {
  return item.notice ? item.notice.at : state.times.get(item.message.ts);
}

/** Greys out the buttons of a click still on its way to the bot, as Slack does. */
function buttonsPending(html, message) {
  return html.replace(/<button type="button" class="bk-button([^"]*)" data-action-id="([^"]*)"/g, (whole, cls, actionId) =>
    view.pending.has(`${message.channel} ${message.ts} ${actionId}`)
      ? `<button type="button" disabled aria-busy="true" class="bk-button${cls} bk-button-pending" data-action-id="${actionId}"`
      : whole,
  );
}

function threadSummary(message) {
  const replies = repliesOf(message.channel, message.ts);
  if (replies.length === 0) return '';
  const last = state.times.get(replies[replies.length - 1].ts);
  const authors = [...new Map(replies.map((r) => [authorOf({ message: r }).key, authorOf({ message: r })])).values()].slice(0, 3);
  const when = last ? `<span class="thread-last">Last reply ${escapeHtml(dayLabel(last) === 'Today' ? 'today' : dayLabel(last))} at ${escapeHtml(timeFormat.format(last))}</span>` : '';
  return `<div class="thread-summary">${authors.map((a) => avatar(a, 'tiny')).join('')}
    <button type="button" class="thread-link" data-thread-ts="${escapeHtml(message.ts)}">${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}</button>${when}</div>`;
}

function messageHtml(item, options) {
  const author = authorOf(item);
  const at = timeOf(item);
  const kind = item.notice ? 'notice' : item.ephemeral ? 'ephemeral' : 'message';
  const classes = ['message', item.ephemeral && 'ephemeral', options.compact && 'compact', options.parent && 'thread-parent'].filter(Boolean).join(' ');
  const context = renderContext();
  const body = buttonsPending(item.notice ? `<div class="bk-text">${mrkdwn(item.message.text, context)}</div>` : renderMessageBody(item.message, context), item.message);
  const label = item.ephemeral ? `<div class="ephemeral-label">${EYE}Only visible to you</div>` : '';
  const time = at ? `<time class="message-time" title="${escapeHtml(fullFormat.format(at))}">${escapeHtml(timeFormat.format(at))}</time>` : '';
  const meta = options.compact
    ? ''
    : `<div class="message-meta"><span class="author">${escapeHtml(author.name)}</span>${author.kind !== 'user' ? '<span class="app-badge">APP</span>' : ''}${time}</div>`;
  const gutter = options.compact
    ? at ? `<time class="hover-time">${escapeHtml(timeFormat.format(at).replace(/\s?[AP]M$/i, ''))}</time>` : ''
    : avatar(author, 'large');
  const dismissKey = item.notice ? item.notice.key : `${item.message.user} ${item.message.ts}`;
  const dismiss = item.ephemeral ? `<button type="button" class="dismiss" data-dismiss="${escapeHtml(dismissKey)}">Dismiss message</button>` : '';
  const thread = options.inThread ? '' : threadSummary(item.message);
  return `<div class="${classes}" data-kind="${kind}" data-channel="${escapeHtml(item.message.channel)}" data-ts="${escapeHtml(item.message.ts)}" data-author="${escapeHtml(author.key)}">
    <div class="gutter">${gutter}</div>
    <div class="message-content">${label}${meta}<div class="message-body">${body}</div>${thread}${dismiss}</div>
  </div>`;
}

/**
 * A conversation's rows (or a thread's, when threadTs is given), keyed for reconcile():
 * day dividers, and consecutive messages of one author within a few minutes grouped.
 */
export function timelineRows(conversation, threadTs) {
  const inThread = threadTs !== undefined;
  const out = [];
  let previous;
  let previousDay;
  for (const item of timelineItems(conversation, threadTs)) {
    const at = timeOf(item);
    const day = at ? new Date(at).toDateString() : previousDay;
    if (day && day !== previousDay && !inThread) {
      out.push({ key: `day ${day}`, html: `<div class="day-divider" role="separator"><span>${escapeHtml(dayLabel(at))}</span></div>` });
      previous = undefined;
    }
    previousDay = day;
    const compact =
      !inThread &&
      previous !== undefined &&
      !item.ephemeral &&
      !previous.ephemeral &&
      authorOf(previous).key === authorOf(item).key &&
      at !== undefined &&
      timeOf(previous) !== undefined &&
      at - timeOf(previous) < GROUP_WITHIN_MS &&
      !(previous.message.reply_count > 0);
    const parent = inThread && item.message.ts === threadTs;
    out.push({ key: item.key, changeKey: item.changeKey, html: messageHtml(item, { compact, inThread, parent }) });
    if (parent) {
      const count = repliesOf(conversation, threadTs).length;
      out.push({ key: 'replies-divider', html: `<div class="replies-divider"><span>${count} ${count === 1 ? 'reply' : 'replies'}</span></div>` });
    }
    previous = item;
  }
  return out;
}
