// `/ecr-access`: parse and validate at once (no I/O), answer Slack, and defer the slow part. What
// needs no I/O is answered in the acknowledgement (a bad account ID, a repository ecr-access does
// not share); the rest gets an interim line that the job's answer replaces. Whatever the user typed
// is escaped before it is echoed, so it can neither ping nor link.
import type { App } from '@slack/bolt';
import { COMMAND, parseCommand } from '../../domain/command';
import { type RepositoryRules, shareable } from '../../domain/repository-rules';
import { helpMessage } from '../blocks/help';
import { escapeText } from '../blocks/kit';
import type { Defer } from '../jobs';
import { accountAsRead, formNotOpened, historyRefusal, JOB_NOT_STARTED, listRefusal, revokeReply, submitReply } from '../messages';
import type { OpenForm } from './request-form';

/** A compile-time check that every kind of command is answered above. */
function unreachable(command: never): never {
  throw new Error(`unhandled command ${JSON.stringify(command)}`);
}

/** Slack's error code for a refused Web API call, or what went wrong on the way. */
const slackErrorOf = (error: unknown): string => (error as { data?: { error?: string } }).data?.error ?? (error instanceof Error ? error.message : String(error));

export function registerCommand(app: App, options: { defer: Defer; rules: RepositoryRules; openForm: OpenForm }): void {
  const repositories = shareable(options.rules);
  const shared = (repository: string) => options.rules.ruleFor(repository) !== undefined;
  app.command(COMMAND, async ({ command, ack }) => {
    const parsed = parseCommand(command.text ?? '');
    const base = { user: command.user_id, responseUrl: command.response_url };
    const answer = (text: string) => ack({ response_type: 'ephemeral', text });
    try {
      switch (parsed.kind) {
        case 'form':
          // The form opens within the trigger's 3 s; the acknowledgement then shows nothing more.
          try {
            await options.openForm(command.trigger_id);
          } catch (error) {
            return await answer(formNotOpened(slackErrorOf(error)));
          }
          return await ack();
        case 'help':
          return await ack({ response_type: 'ephemeral', ...helpMessage(repositories) });
        case 'unknown':
          return await ack({ response_type: 'ephemeral', ...helpMessage(repositories, escapeText(parsed.word)) });
        case 'invalid':
          return await answer(escapeText(`:x: ${parsed.problems.map((p) => `${p[0]?.toUpperCase()}${p.slice(1)}.`).join(' ')}\nUsage: \`${parsed.usage}\``));
        case 'request': {
          const { repository, account, typedAccount, reason, durationMs, lambda } = parsed;
          if (!shared(repository)) return await answer(submitReply({ code: 'not-shareable', repository, repositories }));
          await options.defer({
            kind: 'request',
            ...base,
            repository,
            account,
            ...(typedAccount && { typedAccount }),
            ...(reason && { reason }),
            ...(durationMs !== undefined && { durationMs }),
            ...(lambda && { lambda }),
          });
          return await answer(`:mag: Checking your request for ${accountAsRead(account, typedAccount)} on \`${repository}\`…`);
        }
        case 'list':
          if (parsed.repository !== undefined && !shared(parsed.repository)) {
            return await answer(listRefusal({ code: 'not-shareable', repository: parsed.repository, repositories }));
          }
          await options.defer({ kind: 'list', ...base, ...(parsed.repository && { repository: parsed.repository }) });
          return await answer(':mag: Reading the live repository policies…');
        case 'revoke': {
          const { repository, account, typedAccount, reason } = parsed;
          if (!shared(repository)) return await answer(revokeReply({ code: 'not-shareable', repository, repositories }));
          // The job reads what the revoke would end, and answers with a Revoke button only when it would end something.
          await options.defer({ kind: 'revoke-preview', ...base, repository, account, ...(typedAccount && { typedAccount }), ...(reason && { reason }) });
          return await answer(`:mag: Checking what revoking ${accountAsRead(account, typedAccount)} from \`${repository}\` would change…`);
        }
        case 'history': {
          const { subject } = parsed;
          if (subject && 'repository' in subject && !shared(subject.repository)) {
            return await answer(historyRefusal({ code: 'not-shareable', repository: subject.repository, repositories }));
          }
          const forJob = subject && ('repository' in subject ? { repository: subject.repository } : { account: subject.account });
          await options.defer({ kind: 'history', ...base, ...(forJob && { subject: forJob }) });
          return await answer(':mag: Reading the history…');
        }
        default:
          return unreachable(parsed);
      }
    } catch {
      // The job could not be handed over; the user hears so now rather than never.
      await answer(JOB_NOT_STARTED);
    }
  });
}
