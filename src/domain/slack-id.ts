// Slack's IDs as Slack writes them, drawn once for every boundary that checks one: the
// environment, the deploy settings, stored requests, jobs and the sandbox page.
import * as z from 'zod';

/** Any Slack ID (user, channel, team…), where the kind does not matter. */
export const SlackId = z.string().regex(/^[A-Z0-9]{2,32}$/, { message: 'not a Slack ID' });

/** A person (U…, or W… in an Enterprise Grid). */
export const SlackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, { message: 'Slack user IDs look like U012ABCDEF' });

/** A public (C…) or private (G…) channel, never its #name. */
export const SlackChannelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/, { message: 'must be a channel ID like C012ABCDEF, not a #name' });

/** A bot, as auth.test's bot_id names it. */
export const SlackBotId = z.string().regex(/^B[A-Z0-9]+$/, { message: 'Slack bot IDs look like B012ABCDEF' });

/** A user group (S…), as approvers may be given. */
export const SlackUserGroupId = z.string().regex(/^S[A-Z0-9]{2,}$/, { message: 'must be a Slack user group ID like S012ABCDEF' });
