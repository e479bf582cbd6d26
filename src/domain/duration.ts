// How long access lasts when someone asks for a time limit: typed as whole hours or days
// (`12h`, `7d`), carried as milliseconds, and said back in words ("7 days").
import * as z from 'zod';

const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
/** The longest time limit anyone can type; a deployment may set a shorter one (checkDuration). */
export const MAX_DURATION_MS = 365 * DAY_MS;

const TYPED = /^\d+[hd]$/i;
const TOO_LONG = `a duration is at most ${MAX_DURATION_MS / DAY_MS}d (${MAX_DURATION_MS / HOUR_MS}h)`;

/** `12h` or `7d` (either case) as milliseconds, from 1 hour to 365 days. */
export const DurationText = z
  .string()
  .regex(TYPED, { message: 'a duration is a whole number of hours or days, like 12h or 7d' })
  .transform((text) => Number(text.slice(0, -1)) * (text.slice(-1).toLowerCase() === 'd' ? DAY_MS : HOUR_MS))
  .pipe(
    // Hundreds of digits make Infinity, which z.number() refuses as not a number: too long, too.
    z
      .number({ error: TOO_LONG })
      .min(HOUR_MS, { message: 'a duration is at least 1h, like 12h or 7d' })
      .max(MAX_DURATION_MS, { message: TOO_LONG }),
  );

function counted(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** A duration for people: whole days as days, else whole hours as hours, else minutes rounded up. */
export function formatDuration(ms: number): string {
  if (ms % DAY_MS === 0) return counted(ms / DAY_MS, 'day');
  if (ms % HOUR_MS === 0) return counted(ms / HOUR_MS, 'hour');
  return counted(Math.ceil(ms / MINUTE_MS), 'minute');
}

/** A deployment's rules for time limits, on top of what DurationText allows everyone. */
export interface DurationRules {
  /** The longest access a request may ask for here. */
  maxMs?: number | undefined;
  /** Every request must say how long it is for. */
  required?: boolean | undefined;
}

/** What is wrong with a request's time limit (undefined: none given) under a deployment's rules. */
export function checkDuration(durationMs: number | undefined, rules: DurationRules): string[] {
  if (durationMs === undefined) {
    return rules.required ? ['every request here needs a time limit: add --for, like --for 12h or --for 7d'] : [];
  }
  if (rules.maxMs !== undefined && durationMs > rules.maxMs) {
    const most = formatDuration(rules.maxMs);
    return [`access here lasts at most ${most}, not ${formatDuration(durationMs)}: ask for ${most} or less`];
  }
  return [];
}
