// What a person on the sandbox page can do, checked at the boundary: type a slash command or
// a message, and click a button. Each goes through the Slack simulator exactly as Slack would
// deliver it, so the bot sees signed requests on its real receiver.
import { z } from 'zod';
import { SlackChannelId, SlackUserId } from '../../src/domain/slack-id';
import type { BotReply, SlackSimulator } from '../slack-simulator';
import { COMMANDS } from './page-state';

/** A channel, or a person's DM with the bot (D…). */
const ConversationId = z.union([SlackChannelId, z.string().regex(/^D[A-Z0-9]+$/)]);
const Ts = z.string().regex(/^\d+\.\d+$/);
const Text = z.string().trim().min(1).max(4000);

export const CommandInput = z.object({ user: SlackUserId, channel: ConversationId, text: Text });
export const ClickInput = z.object({ user: SlackUserId, channel: ConversationId, messageTs: Ts, actionId: z.string().min(1).max(255) });
/** How far the page's clock buttons move the sandbox's time. */
export const CLOCK_STEPS = { hour: 3_600_000, day: 86_400_000 } as const;
export const ClockInput = z.object({ advance: z.enum(['hour', 'day']) });
export const MessageInput = z.object({ user: SlackUserId, channel: ConversationId, text: Text, threadTs: Ts.optional() });
export const ShortcutInput = z.object({ user: SlackUserId, callbackId: z.string().min(1).max(255) });
export const SubmitInput = z.object({ user: SlackUserId, values: z.record(z.string().max(255), z.string().max(4000)) });
export const UserInput = z.object({ user: SlackUserId });
export const ViewClickInput = z.object({ user: SlackUserId, surface: z.enum(['modal', 'home']), actionId: z.string().min(1).max(255), blockId: z.string().min(1).max(255) });
export const SuggestInput = z.object({ user: SlackUserId, actionId: z.string().min(1).max(255), value: z.string().max(150) });

export type CommandInput = z.infer<typeof CommandInput>;
export type ClickInput = z.infer<typeof ClickInput>;
export type MessageInput = z.infer<typeof MessageInput>;
type SubmitInput = z.infer<typeof SubmitInput>;
type ViewClickInput = z.infer<typeof ViewClickInput>;

/** Said to the person by Slack itself (as Slackbot, only to them) when something went wrong. */
export type ActionOutcome = { ok: true } | { ok: false; notice: string };

/** Slack gives up on an app that has not acknowledged within 3 seconds. */
const SLACK_ACK_TIMEOUT_MS = 3000;

/** `/ecr-access list` and friends: what Slack does with a line that starts with a slash. */
export async function runCommand(slack: SlackSimulator, input: CommandInput): Promise<ActionOutcome> {
  const [, command = '', text = ''] = /^(\S+)\s*([\s\S]*)$/.exec(input.text) ?? [];
  if (!COMMANDS.some((known) => known.command === command)) {
    return {
      ok: false,
      notice: `\`${command}\` is not a valid command. In Slack, all messages that start with the "/" character are interpreted as commands. Try \`${COMMANDS[0]?.command ?? '/ecr-access'} help\`.`,
    };
  }
  try {
    const reply = await slack.slashCommand({ user: input.user, channel: input.channel, command, text: text.trim() });
    const failure = dispatchFailure(reply);
    return failure ? { ok: false, notice: `${command} failed with the error "${failure}"` } : { ok: true };
  } catch (error) {
    return { ok: false, notice: `${command} failed with the error "dispatch_failed" (${messageOf(error)})` };
  }
}

export async function clickButton(slack: SlackSimulator, input: ClickInput): Promise<ActionOutcome> {
  try {
    const reply = await slack.clickButton(input);
    const failure = dispatchFailure(reply);
    return failure ? { ok: false, notice: `ecr-access did not take that click: "${failure}" (HTTP ${reply.status}).` } : { ok: true };
  } catch (error) {
    return { ok: false, notice: `That click did not reach ecr-access: ${messageOf(error)}` };
  }
}

/** The ⚡ menu: a person runs one of the app's global shortcuts. */
export async function runShortcut(slack: SlackSimulator, input: z.infer<typeof ShortcutInput>): Promise<ActionOutcome> {
  try {
    const failure = dispatchFailure(await slack.runShortcut(input));
    return failure ? { ok: false, notice: `The shortcut failed with the error "${failure}".` } : { ok: true };
  } catch (error) {
    return { ok: false, notice: `The shortcut did not reach ecr-access: ${messageOf(error)}` };
  }
}

/**
 * A person submits their open modal. Slack's client refuses an empty required input itself; what
 * the app answers (field errors, a new view) reaches the page as a change of the modal.
 */
export async function submitView(slack: SlackSimulator, input: SubmitInput): Promise<ActionOutcome & { missing?: string[] }> {
  try {
    const outcome = await slack.submitView(input);
    if (outcome.outcome === 'refused') return { ok: false, notice: 'Please complete the required fields.', missing: outcome.missing };
    if (outcome.outcome === 'failed') return { ok: false, notice: `We had some trouble connecting. Try again? (${outcome.reason})` };
    return { ok: true };
  } catch (error) {
    return { ok: false, notice: `The form did not reach ecr-access: ${messageOf(error)}` };
  }
}

export async function closeView(slack: SlackSimulator, input: { user: string }): Promise<ActionOutcome> {
  try {
    await slack.closeView(input);
    return { ok: true };
  } catch (error) {
    return { ok: false, notice: messageOf(error) };
  }
}

/** A click on a button in the person's open modal or Home tab. */
export async function clickInView(slack: SlackSimulator, input: ViewClickInput): Promise<ActionOutcome> {
  try {
    const failure = dispatchFailure(await slack.clickInView(input));
    return failure ? { ok: false, notice: `ecr-access did not take that click: "${failure}".` } : { ok: true };
  } catch (error) {
    return { ok: false, notice: `That click did not reach ecr-access: ${messageOf(error)}` };
  }
}

/** A select whose options the app loads, as the person types into it. */
export async function suggestOptions(slack: SlackSimulator, input: z.infer<typeof SuggestInput>): Promise<ActionOutcome & { options?: Array<{ text: string; value: string }> }> {
  try {
    const { options } = await slack.suggestOptions(input);
    return { ok: true, options };
  } catch (error) {
    return { ok: false, notice: messageOf(error) };
  }
}

/** The person opens the app's Home tab: Slack tells the app (app_home_opened), which publishes it. */
export async function openHome(slack: SlackSimulator, input: { user: string }): Promise<ActionOutcome> {
  try {
    const failure = dispatchFailure(await slack.openHome(input));
    return failure ? { ok: false, notice: `ecr-access did not answer: "${failure}".` } : { ok: true };
  } catch (error) {
    return { ok: false, notice: messageOf(error) };
  }
}

/** A person typing a plain message; the bot does not listen to messages, but people read them. */
export function postMessage(slack: SlackSimulator, input: MessageInput): ActionOutcome {
  try {
    slack.postAsUser({ user: input.user, channel: input.channel, text: input.text, ...(input.threadTs && { threadTs: input.threadTs }) });
    return { ok: true };
  } catch (error) {
    return { ok: false, notice: `Your message was not sent: ${messageOf(error)}` };
  }
}

/** Slack's name for an app's failure to acknowledge, or undefined when it did. */
function dispatchFailure(reply: BotReply): string | undefined {
  if (reply.status !== 200) return 'dispatch_failed';
  if (reply.elapsedMs > SLACK_ACK_TIMEOUT_MS) return 'operation_timeout';
  return undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
