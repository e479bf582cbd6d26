// Slack's mrkdwn as HTML: *bold*, _italic_, ~strike~, `code`, ``` blocks ```, > quotes,
// :emoji:, and the <…> entities (mentions, channels, dates, links). Text is escaped first, so
// nothing a message says can become markup. A browser script and a CommonJS module (tests).
((root, factory) => {
  const api = factory();
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.Mrkdwn = api;
})(typeof self !== 'undefined' ? self : this, () => {
  'use strict';

  /** The shortcodes people and bots use most; an unknown one stays as typed, as in Slack. */
  const EMOJI = {
    white_check_mark: '✅', heavy_check_mark: '✔️', x: '❌', warning: '⚠️', no_entry: '⛔', no_entry_sign: '🚫',
    mag: '🔍', mag_right: '🔎', hourglass: '⌛', hourglass_flowing_sand: '⏳', inbox_tray: '📥', outbox_tray: '📤',
    lock: '🔒', unlock: '🔓', key: '🔑', closed_lock_with_key: '🔐', rocket: '🚀', tada: '🎉', wave: '👋',
    eyes: '👀', thumbsup: '👍', '+1': '👍', thumbsdown: '👎', '-1': '👎', ok_hand: '👌', raised_hands: '🙌',
    pray: '🙏', heart: '❤️', fire: '🔥', star: '⭐', sparkles: '✨', bulb: '💡', memo: '📝', clipboard: '📋',
    package: '📦', whale: '🐳', robot_face: '🤖', gear: '⚙️', hammer_and_wrench: '🛠️', information_source: 'ℹ️',
    question: '❓', exclamation: '❗', bangbang: '‼️', red_circle: '🔴', large_green_circle: '🟢',
    large_yellow_circle: '🟡', large_blue_circle: '🔵', arrow_right: '➡️', point_right: '👉', link: '🔗',
    calendar: '📅', clock1: '🕐', stopwatch: '⏱️', bell: '🔔', shield: '🛡️', smile: '😄', slightly_smiling_face: '🙂',
    thinking_face: '🤔', upside_down_face: '🙃', sweat_smile: '😅', cry: '😢', rotating_light: '🚨',
    construction: '🚧', ship: '🚢', cloud: '☁️', zap: '⚡', lock_with_ink_pen: '🔏', wastebasket: '🗑️',
    hourglass_done: '⌛', repeat: '🔁', arrows_counterclockwise: '🔄', heavy_plus_sign: '➕', heavy_minus_sign: '➖',
  };

  const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;');
  }

  /** Slack sends &, < and > escaped inside message text. */
  function decodeSlackEntities(text) {
    return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }

  function emojify(html) {
    return html.replace(/:([a-z0-9_+'-]+):/g, (whole, name) => {
      const emoji = EMOJI[name];
      return emoji ? `<span class="emoji" title=":${name}:">${emoji}</span>` : whole;
    });
  }

  /** plain_text: shown literally, shortcodes turned into emoji unless emoji is false. */
  function plainText(text, emoji) {
    const html = escapeHtml(text);
    return emoji === false ? html : emojify(html);
  }

  // ---- dates: <!date^1392734382^{date_short_pretty} {time}|fallback> -----------------------

  function ordinal(day) {
    const tens = day % 100;
    if (tens >= 11 && tens <= 13) return `${day}th`;
    return `${day}${{ 1: 'st', 2: 'nd', 3: 'rd' }[day % 10] || 'th'}`;
  }

  /** The calendar fields of an instant in a time zone (the viewer's, unless one is given). */
  function partsOf(date, timeZone) {
    const parts = {};
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric', month: 'numeric', day: 'numeric', weekday: 'long',
      hour: 'numeric', minute: '2-digit', second: '2-digit', hour12: true,
    });
    for (const part of format.formatToParts(date)) parts[part.type] = part.value;
    return {
      year: Number(parts.year), month: Number(parts.month), day: Number(parts.day),
      weekday: parts.weekday, hour: parts.hour, minute: parts.minute, second: parts.second, dayPeriod: parts.dayPeriod,
    };
  }

  function dayNumber(p) {
    return Date.UTC(p.year, p.month - 1, p.day) / 86400000;
  }

  function relativeDay(p, now, timeZone) {
    const diff = dayNumber(p) - dayNumber(partsOf(now, timeZone));
    return diff === 0 ? 'today' : diff === -1 ? 'yesterday' : diff === 1 ? 'tomorrow' : undefined;
  }

  function ago(seconds, now) {
    const delta = Math.round(now.getTime() / 1000 - seconds);
    const future = delta < 0;
    const span = Math.abs(delta);
    const units = [['year', 31536000], ['month', 2592000], ['day', 86400], ['hour', 3600], ['minute', 60]];
    for (const [unit, size] of units) {
      if (span >= size) {
        const n = Math.floor(span / size);
        const text = `${n} ${unit}${n === 1 ? '' : 's'}`;
        return future ? `in ${text}` : `${text} ago`;
      }
    }
    return future ? 'in a few seconds' : 'just now';
  }

  /**
   * Slack's date tokens, in the viewer's time zone: {date_num} {date_slash} {date} {date_short}
   * {date_long} {date_long_full}, the _pretty forms (today, yesterday), {day_divider_pretty},
   * {time} {time_secs} and {ago}.
   */
  function formatDate(seconds, format, options) {
    const opts = options || {};
    const now = opts.now || new Date();
    const p = partsOf(new Date(seconds * 1000), opts.timeZone);
    const month = MONTHS[p.month - 1];
    const forms = {
      date_num: `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`,
      date: `${month} ${ordinal(p.day)}, ${p.year}`,
      date_short: `${month.slice(0, 3)} ${p.day}, ${p.year}`,
      date_long: `${p.weekday}, ${month} ${ordinal(p.day)}, ${p.year}`,
      time: `${p.hour}:${p.minute} ${p.dayPeriod}`,
      time_secs: `${p.hour}:${p.minute}:${p.second} ${p.dayPeriod}`,
      ago: ago(seconds, now),
    };
    forms.date_slash = `${String(p.day).padStart(2, '0')}/${String(p.month).padStart(2, '0')}/${p.year}`;
    forms.date_long_full = `${month} ${p.day}, ${p.year}`;
    const relative = relativeDay(p, now, opts.timeZone);
    const thisYear = p.year === partsOf(now, opts.timeZone).year;
    return format.replace(/\{(\w+)\}/g, (whole, token, offset) => {
      // Slack capitalises a relative day that starts the text: "Today at 9:15", "granted today".
      const day = relative && offset === 0 ? relative[0].toUpperCase() + relative.slice(1) : relative;
      if (token === 'date_pretty') return day || forms.date;
      if (token === 'date_short_pretty') return day || forms.date_short;
      if (token === 'date_long_pretty') return day || forms.date_long;
      if (token === 'day_divider_pretty') return day || (thisYear ? `${p.weekday}, ${month} ${ordinal(p.day)}` : forms.date_long);
      return token in forms ? forms[token] : whole;
    });
  }

  // ---- <…> entities -------------------------------------------------------------------------

  function safeUrl(url) {
    return /^(https?:|mailto:)/i.test(url) ? url : undefined;
  }

  function entity(inner, ctx) {
    const bar = inner.indexOf('|');
    const target = bar < 0 ? inner : inner.slice(0, bar);
    const label = bar < 0 ? undefined : inner.slice(bar + 1);
    if (target.startsWith('@')) {
      const id = target.slice(1);
      const name = ctx.userName?.(id) || label || id;
      const self = ctx.currentUser === id ? ' mention-self' : '';
      return `<span class="mention${self}" data-user-id="${escapeHtml(id)}">@${escapeHtml(name)}</span>`;
    }
    if (target.startsWith('#')) {
      const id = target.slice(1);
      const name = ctx.channelName?.(id) || label || id;
      return `<span class="mention channel">#${escapeHtml(name)}</span>`;
    }
    if (target.startsWith('!date^')) {
      const [, seconds, format, link] = target.split('^');
      const when = Number(seconds);
      if (!Number.isFinite(when)) return escapeHtml(label || target);
      const shown = escapeHtml(formatDate(when, format || '{date_short} {time}', ctx));
      const title = escapeHtml(formatDate(when, '{date_long} {time_secs}', ctx));
      const url = link && safeUrl(link);
      return url
        ? `<a class="date" href="${escapeHtml(url)}" target="_blank" rel="noopener" title="${title}">${shown}</a>`
        : `<time class="date" datetime="${new Date(when * 1000).toISOString()}" title="${title}">${shown}</time>`;
    }
    if (target.startsWith('!subteam^')) {
      return `<span class="mention">${escapeHtml(label || `@${target.slice('!subteam^'.length)}`)}</span>`;
    }
    if (target.startsWith('!')) {
      const word = target.slice(1);
      return `<span class="mention broadcast">@${escapeHtml(label || word)}</span>`;
    }
    const url = safeUrl(decodeSlackEntities(target));
    const text = escapeHtml(decodeSlackEntities(label || target));
    return url ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener">${text}</a>` : text;
  }

  // ---- text ---------------------------------------------------------------------------------

  const HOLE = '\uE000';
  const HOLE_END = '\uE001';

  /** Bold, italic, strike and emoji on escaped text whose entities wait in holes. */
  function emphasise(html) {
    const around = (mark) =>
      new RegExp(`(^|[^\\w${mark}])${mark}(?=\\S)([^${mark}\\n]*?\\S)${mark}(?![\\w${mark}])`, 'g');
    return emojify(html)
      .replace(around('\\*'), '$1<strong>$2</strong>')
      .replace(around('_'), '$1<em>$2</em>')
      .replace(around('~'), '$1<del>$2</del>');
  }

  /**
   * One run of text outside code blocks: `inline code` and <entities> are set aside in holes, the
   * rest is escaped and emphasised (so *`bold code`* works), then the holes are filled.
   */
  function inline(text, ctx) {
    const holes = [];
    const hole = (html) => {
      holes.push(html);
      return `${HOLE}${holes.length - 1}${HOLE_END}`;
    };
    const withHoles = text
      .replace(/`([^`\n]+)`/g, (_whole, code) => hole(`<code>${escapeHtml(decodeSlackEntities(code))}</code>`))
      .replace(/<([^<>\n]+)>/g, (_whole, inner) => hole(entity(inner, ctx)));
    const html = quoteLines(emphasise(escapeHtml(decodeSlackEntities(withHoles))).split('\n')).join('');
    return html.replace(new RegExp(`${HOLE}(\\d+)${HOLE_END}`, 'g'), (_whole, index) => holes[Number(index)]);
  }

  /** Lines starting with "> " become one quote; the others are joined by line breaks. */
  function quoteLines(lines) {
    const out = [];
    let quote = [];
    const flushQuote = () => {
      if (quote.length === 0) return;
      out.push(`<blockquote>${quote.join('<br>')}</blockquote>`);
      quote = [];
    };
    lines.forEach((line, i) => {
      const quoted = /^&gt;\s?(.*)$/.exec(line);
      if (quoted) {
        quote.push(quoted[1]);
        return;
      }
      flushQuote();
      out.push(line + (i < lines.length - 1 ? '<br>' : ''));
    });
    flushQuote();
    return out;
  }

  /**
   * Slack mrkdwn → HTML.
   * @param {string} text
   * @param {{ userName?(id: string): string | undefined, channelName?(id: string): string | undefined,
   *           currentUser?: string, now?: Date, timeZone?: string }} [ctx]
   */
  function mrkdwn(text, ctx) {
    const context = ctx || {};
    const parts = String(text).split(/```([\s\S]*?)```/);
    return parts
      .map((part, i) => {
        if (i % 2 === 0) {
          // A code block is a block of its own: the line breaks around it are not repeated.
          const afterCode = i > 0 ? part.replace(/^\n/, '') : part;
          return inline(i < parts.length - 1 ? afterCode.replace(/\n$/, '') : afterCode, context);
        }
        const code = part.replace(/^\n/, '').replace(/\n$/, '');
        return `<pre class="code-block">${escapeHtml(decodeSlackEntities(code))}</pre>`;
      })
      .filter((html) => html !== '')
      .join('');
  }

  return { mrkdwn, plainText, escapeHtml, formatDate, EMOJI };
});
