// Types for mrkdwn.js, a plain browser script that the tests also load as a CommonJS module.

export interface MrkdwnContext {
  /** A user's display name, for <@U…> mentions. */
  userName?(id: string): string | undefined;
  /** A channel's name, for <#C…> links. */
  channelName?(id: string): string | undefined;
  /** Mentions of this user are highlighted, as Slack highlights mentions of you. */
  currentUser?: string;
  /** For relative dates (today, yesterday); defaults to the current time. */
  now?: Date;
  /** For dates; defaults to the viewer's. */
  timeZone?: string;
}

/** Slack mrkdwn → HTML; everything the text says is escaped. */
export function mrkdwn(text: string, ctx?: MrkdwnContext): string;
/** plain_text → HTML, shortcodes as emoji unless emoji is false. */
export function plainText(text: string, emoji?: boolean): string;
export function escapeHtml(text: string): string;
/** Slack's date tokens ({date_short_pretty}, {time}, …) for a Unix time in seconds. */
export function formatDate(seconds: number, format: string, options?: { now?: Date; timeZone?: string }): string;
export const EMOJI: Readonly<Record<string, string>>;
