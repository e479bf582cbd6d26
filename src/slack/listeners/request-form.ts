// The request form: `/ecr-access` alone and the global shortcut open it; its submission runs the
// request's checks (src/service/submit-request.ts) before Slack's 3 s are up, so a refusal of one
// field is shown on that field, and the job that records the request answers in the same modal.
// The repository select, past Slack's 100 options, loads its options as one types.
import type { App } from '@slack/bolt';
import type { DurationRules } from '../../domain/duration';
import type { RepositoryRules } from '../../domain/repository-rules';
import type { Clock } from '../../service/ports';
import type { checkRequest, NewRequest } from '../../service/submit-request';
import { withinAckWindow } from '../ack-window';
import { formAnswer, readRequestForm, REQUEST_FORM, REQUEST_SHORTCUT, repositoryOptions, requestForm, FORM_FIELD, type FormStart } from '../blocks/request-form';
import type { Defer } from '../jobs';
import { FORM_SENDING, FORM_STILL_CHECKING, formFieldError, JOB_NOT_STARTED, submitReply } from '../messages';

export interface RequestFormOptions {
  readonly defer: Defer;
  readonly rules: RepositoryRules;
  /** Every repository shared now: the names rules give, and those a pattern matches in the registry (src/service/shared-repositories.ts). */
  readonly repositories: () => Promise<readonly string[]>;
  /** The deployment's time limits, which the form offers; a repository's own are checked when it is sent. */
  readonly durations: DurationRules;
  /** The request's checks, as submitRequest runs them; they read, and write nothing. */
  readonly check: (request: NewRequest) => ReturnType<typeof checkRequest>;
  readonly clock: Pick<Clock, 'sleep'>;
}

const LISTING_REUSED_MS = 60_000;

/** Opens the form for whoever holds the trigger; Slack's refusal (an expired trigger) is thrown. */
export type OpenForm = (triggerId: string, start?: FormStart) => Promise<void>;

export function registerRequestForm(app: App, options: RequestFormOptions): OpenForm {
  const { durations } = options;
  /**
   * The shared repositories, read again at most once a minute: a pattern's are listed from the
   * registry (a call per 1,000), and the select asks for options at each keystroke.
   */
  let listed: { names: readonly string[]; at: number } | undefined;
  const repositories = async () => {
    if (!listed || Date.now() - listed.at >= LISTING_REUSED_MS) listed = { names: await options.repositories(), at: Date.now() };
    return listed.names;
  };
  const open: OpenForm = async (triggerId, start) => {
    await app.client.views.open({ trigger_id: triggerId, view: requestForm({ repositories: await repositories(), durations, ...(start && { start }) }) });
  };

  app.shortcut(REQUEST_SHORTCUT, async ({ ack, shortcut, logger }) => {
    // Opened before the acknowledgement, as for the command: both are due within the trigger's 3 s.
    // No channel and no response_url to answer in: a form that cannot open is only logged.
    await open(shortcut.trigger_id).catch((error: unknown) => logger.error(`the request form did not open: ${String(error)}`));
    await ack();
  });

  app.options<'block_suggestion'>({ action_id: FORM_FIELD.repository }, async ({ ack, payload }) => {
    await ack({ options: repositoryOptions(await repositories(), payload.value) });
  });

  app.view(REQUEST_FORM, async ({ ack, body, view, logger }) => {
    const read = readRequestForm(view.state.values);
    if (!read.ok) return ack({ response_action: 'errors', errors: read.errors });
    const { typedAccount, ...request } = read.request;
    const user = body.user.id;
    // A check that failed (ECR or DynamoDB did not answer) is left to the job, which checks again and says what went wrong.
    const checked = await withinAckWindow(options.check({ requester: user, ...request }), options.clock).catch((error: unknown) => {
      logger.warn(`the request form's checks failed; the job checks again: ${String(error)}`);
      return undefined;
    });
    if (checked && checked.value.code !== 'checked') {
      const onField = formFieldError(checked.value, typedAccount);
      if (onField) return ack({ response_action: 'errors', errors: { [onField.field]: onField.text } });
      return ack({ response_action: 'update', view: formAnswer(submitReply(checked.value, typedAccount)) });
    }
    try {
      // Checked, or still being checked: the job records it, checking again, and answers in this modal.
      await options.defer({ kind: 'request', user, ...request, ...(typedAccount && { typedAccount }), viewId: view.id });
    } catch {
      return ack({ response_action: 'update', view: formAnswer(JOB_NOT_STARTED) });
    }
    return ack({ response_action: 'update', view: formAnswer(checked ? FORM_SENDING : FORM_STILL_CHECKING) });
  });

  return open;
}
