// `/ecr-access`: parse and validate at once (no I/O), answer Slack, and defer the slow part.
// Whatever the user typed is escaped before it is echoed, so it can neither ping nor link.
import type { App } from '@slack/bolt';
import { COMMAND, parseCommand } from '../../domain/command';
import { helpMessage } from '../blocks/help';
import { escapeText } from '../blocks/kit';
import { revokeConfirmation } from '../blocks/revoke-confirmation';
import type { Defer } from '../jobs';

/** A compile-time check that every kind of command is answered above. */
function unreachable(command: never): never {
  throw new Error(`unhandled command ${JSON.stringify(command)}`);
}

export function registerCommand(app: App, options: { defer: Defer; repositories: readonly string[] }): void {
  app.command(COMMAND, async ({ command, ack }) => {
    const parsed = parseCommand(command.text ?? '');
    const base = { user: command.user_id, responseUrl: command.response_url };
    try {
      switch (parsed.kind) {
        case 'help':
          return await ack({ response_type: 'ephemeral', ...helpMessage(options.repositories) });
        case 'unknown':
          return await ack({ response_type: 'ephemeral', ...helpMessage(options.repositories, escapeText(parsed.word)) });
        case 'invalid':
          return await ack({
            response_type: 'ephemeral',
            text: escapeText(`:x: ${parsed.problems.map((p) => `${p[0]?.toUpperCase()}${p.slice(1)}.`).join(' ')}\nUsage: \`${parsed.usage}\``),
          });
        case 'request':
          await options.defer({
            kind: 'request',
            ...base,
            repository: parsed.repository,
            account: parsed.account,
            ...(parsed.reason && { reason: parsed.reason }),
            ...(parsed.durationMs !== undefined && { durationMs: parsed.durationMs }),
          });
          return await ack({
            response_type: 'ephemeral',
            text: `:mag: Checking your request for \`${parsed.account}\` on \`${parsed.repository}\`…`,
          });
        case 'list':
          await options.defer({ kind: 'list', ...base, ...(parsed.repository && { repository: parsed.repository }) });
          return await ack({ response_type: 'ephemeral', text: ':mag: Reading the live repository policies…' });
        case 'revoke': {
          // Nothing is deferred yet: the Revoke button, behind Slack's confirm dialog, starts it.
          const { repository, account, reason } = parsed;
          return await ack({ response_type: 'ephemeral', ...revokeConfirmation({ repository, account, ...(reason && { reason }) }) });
        }
        case 'history':
          await options.defer({ kind: 'history', ...base, ...(parsed.subject && { subject: parsed.subject }) });
          return await ack({ response_type: 'ephemeral', text: ':mag: Reading the history…' });
        default:
          return unreachable(parsed);
      }
    } catch {
      // The job could not be handed over; the user hears so now rather than never.
      await ack({ response_type: 'ephemeral', text: ':warning: ecr-access could not start that just now. Try again in a minute.' });
    }
  });
}
