// Times as Slack shows them, in the viewer's locale and time zone.
export const timeFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
export const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });

/** The sandbox's time: the wall clock, plus however far the clock buttons moved it. */
export const sandboxTime = {
  offsetMs: 0,
  now: () => Date.now() + sandboxTime.offsetMs,
};

/** Today, Yesterday, or the date: the label of a day divider, by the sandbox's time. */
export function dayLabel(at) {
  const day = new Date(at).toDateString();
  const now = sandboxTime.now();
  if (day === new Date(now).toDateString()) return 'Today';
  if (day === new Date(now - 86400000).toDateString()) return 'Yesterday';
  return dayFormat.format(new Date(at));
}
