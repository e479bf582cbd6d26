// The sandbox's clock in the top bar: its time, how far it is ahead of the wall clock, and the
// buttons that move it on (handled in app.js).
import { fullFormat, sandboxTime } from './formats.js';

const $ = (id) => document.getElementById(id);
const shortFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' });

/** "1 day 2 hours ahead", to the hour. */
function aheadText(offsetMs) {
  const hours = Math.round(offsetMs / 3_600_000);
  const days = Math.floor(hours / 24);
  const rest = hours % 24;
  const parts = [days && `${days} day${days === 1 ? '' : 's'}`, rest && `${rest} hour${rest === 1 ? '' : 's'}`].filter(Boolean);
  return `${parts.join(' ')} ahead`;
}

export function renderClock() {
  const now = new Date(sandboxTime.now());
  const time = $('clock-now');
  time.textContent = shortFormat.format(now);
  time.dateTime = now.toISOString();
  time.title = fullFormat.format(now);
  const ahead = $('clock-ahead');
  ahead.hidden = sandboxTime.offsetMs < 30 * 60_000;
  ahead.textContent = ahead.hidden ? '' : aheadText(sandboxTime.offsetMs);
}
