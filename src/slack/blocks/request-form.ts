// The request form: a modal with the repository, the account, how long, and why; what its
// submission says, read back as outside input; and the modal that answers it.
import type { types } from '@slack/bolt';
import * as z from 'zod';
import { TypedAccountId } from '../../domain/account';
import { MAX_REASON_LENGTH, Reason } from '../../domain/command';
import { DAY_MS, type DurationRules, formatDuration, HOUR_MS, MAX_DURATION_MS } from '../../domain/duration';
import { RepositoryName } from '../../domain/repository';
import { context, section } from './kit';

export const REQUEST_FORM = 'ecr_access_request_form';
/** The global shortcut "Request ECR pull access" (manifest.yml). */
export const REQUEST_SHORTCUT = 'ecr_access_request';
/** The block and action IDs of the form's inputs; a field error names its block. */
export const FORM_FIELD = { repository: 'repository', account: 'account', duration: 'duration', lambda: 'lambda', reason: 'reason' } as const;
export type FormField = (typeof FORM_FIELD)[keyof typeof FORM_FIELD];

/** Slack's limit on a static select's options; past it, the repositories are searched as one types (external_select). */
const STATIC_SELECT_LIMIT = 100;
const PERMANENT = 'permanent';
/** The durations the form offers, where the deployment allows them. */
const DURATIONS_OFFERED = [HOUR_MS, 12 * HOUR_MS, DAY_MS, 7 * DAY_MS, 30 * DAY_MS, 90 * DAY_MS, 180 * DAY_MS, 365 * DAY_MS];

type Option = types.PlainTextOption;
const option = (text: string, value: string): Option => ({ text: { type: 'plain_text', text: text.slice(0, 75) }, value });

/** What the form starts with: empty, or an existing grant's repository, account and duration (Extend). */
export interface FormStart {
  readonly repository?: string;
  readonly account?: string;
  readonly durationMs?: number;
  readonly lambda?: true;
}

/** The one box of the Lambda field: ticked, the account's Lambda functions may pull too. */
const LAMBDA_OPTION = {
  text: { type: 'plain_text' as const, text: 'Lambda functions in this account run images from it' },
  description: { type: 'plain_text' as const, text: 'Lets the Lambda service fetch them for this account’s functions, beside the pull access.' },
  value: 'lambda',
};

/** The durations to choose from: permanent unless every grant must end, then each within the longest allowed. */
export function durationChoices(rules: DurationRules): Array<{ label: string; durationMs?: number }> {
  const longest = rules.maxMs ?? MAX_DURATION_MS;
  const offered = DURATIONS_OFFERED.filter((ms) => ms <= longest);
  if (!offered.includes(longest)) offered.push(longest);
  return [...(rules.required ? [] : [{ label: 'No end: until someone revokes it' }]), ...offered.map((durationMs) => ({ label: formatDuration(durationMs), durationMs }))];
}

/** The repositories matching what someone typed into the form's select, at most as many as Slack shows. */
export function repositoryOptions(repositories: readonly string[], typed: string): Option[] {
  const query = typed.trim().toLowerCase();
  const matching = repositories.filter((name) => name.includes(query));
  // Names that start with what was typed come first.
  matching.sort((a, b) => Number(!a.startsWith(query)) - Number(!b.startsWith(query)));
  return matching.slice(0, STATIC_SELECT_LIMIT).map((name) => option(name, name));
}

function repositorySelect(repositories: readonly string[], start: string | undefined): types.InputBlock['element'] {
  const initial = start !== undefined && repositories.includes(start) ? { initial_option: option(start, start) } : {};
  const placeholder = { type: 'plain_text' as const, text: 'Choose or type a repository' };
  return repositories.length <= STATIC_SELECT_LIMIT
    ? { type: 'static_select', action_id: FORM_FIELD.repository, placeholder, options: repositories.map((name) => option(name, name)), ...initial }
    : { type: 'external_select', action_id: FORM_FIELD.repository, placeholder, min_query_length: 0, ...initial };
}

export function requestForm(input: { repositories: readonly string[]; durations: DurationRules; start?: FormStart }): types.ModalView {
  const { start = {} } = input;
  const choices = durationChoices(input.durations).map((choice) => option(choice.label, choice.durationMs === undefined ? PERMANENT : String(choice.durationMs)));
  const startDuration = start.durationMs === undefined ? (input.durations.required ? undefined : PERMANENT) : String(start.durationMs);
  const initialDuration = choices.find((choice) => choice.value === startDuration);
  return {
    type: 'modal',
    callback_id: REQUEST_FORM,
    title: { type: 'plain_text', text: 'Request ECR pull access' },
    submit: { type: 'plain_text', text: 'Request' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section('Read-only pull access to a shared ECR repository, for the AWS account your workload runs in. The approvers decide; you get a direct message when they do.'),
      {
        type: 'input',
        block_id: FORM_FIELD.repository,
        label: { type: 'plain_text', text: 'Repository' },
        element: repositorySelect(input.repositories, start.repository),
      },
      {
        type: 'input',
        block_id: FORM_FIELD.account,
        label: { type: 'plain_text', text: 'AWS account ID' },
        hint: { type: 'plain_text', text: '12 digits, as the AWS console shows them: dashes and spaces are fine.' },
        element: {
          type: 'plain_text_input',
          action_id: FORM_FIELD.account,
          placeholder: { type: 'plain_text', text: '222233334444' },
          max_length: 40,
          ...(start.account && { initial_value: start.account }),
        },
      },
      {
        type: 'input',
        block_id: FORM_FIELD.duration,
        label: { type: 'plain_text', text: 'For how long' },
        ...(input.durations.required && { hint: { type: 'plain_text' as const, text: 'Every grant here ends: choose how long it lasts.' } }),
        element: { type: 'static_select', action_id: FORM_FIELD.duration, options: choices, ...(initialDuration && { initial_option: initialDuration }) },
      },
      {
        type: 'input',
        block_id: FORM_FIELD.lambda,
        optional: true,
        label: { type: 'plain_text', text: 'Lambda' },
        element: { type: 'checkboxes', action_id: FORM_FIELD.lambda, options: [LAMBDA_OPTION], ...(start.lambda && { initial_options: [LAMBDA_OPTION] }) },
      },
      {
        type: 'input',
        block_id: FORM_FIELD.reason,
        optional: true,
        label: { type: 'plain_text', text: 'Why' },
        element: { type: 'plain_text_input', action_id: FORM_FIELD.reason, multiline: true, max_length: MAX_REASON_LENGTH, placeholder: { type: 'plain_text', text: 'nightly builds for the sales dashboards' } },
      },
    ],
  };
}

/** A submission's values, as Slack sends them (`view.state.values`): checked like any outside input. */
const Values = z.record(
  z.string(),
  z.record(
    z.string(),
    z.object({ value: z.string().nullish(), selected_option: z.object({ value: z.string() }).nullish(), selected_options: z.array(z.object({ value: z.string() })).nullish() }),
  ),
);

/** What the form asks for, read from a submission. */
export interface FormRequest {
  readonly repository: string;
  readonly account: string;
  /** The account as typed, when it was written in groups. */
  readonly typedAccount?: string;
  readonly durationMs?: number;
  readonly lambda?: true;
  readonly reason?: string;
}

const sentence = (problem: string) => `${problem[0]?.toUpperCase()}${problem.slice(1)}.`;

/** The submission read as a request, or what to show under each field that is wrong; no I/O. */
export function readRequestForm(values: unknown): { ok: true; request: FormRequest } | { ok: false; errors: Partial<Record<FormField, string>> } {
  const parsed = Values.safeParse(values);
  const field = (block: FormField) => (parsed.success ? parsed.data[block]?.[block] : undefined);
  const repository = RepositoryName.safeParse(field(FORM_FIELD.repository)?.selected_option?.value);
  const typed = field(FORM_FIELD.account)?.value?.trim() ?? '';
  const account = TypedAccountId.safeParse(typed);
  const chosen = field(FORM_FIELD.duration)?.selected_option?.value;
  const duration = chosen === PERMANENT ? { success: true as const, data: undefined } : z.coerce.number().int().min(HOUR_MS).max(MAX_DURATION_MS).safeParse(chosen);
  const reason = Reason.safeParse(field(FORM_FIELD.reason)?.value?.trim() ?? '');
  const errors: Partial<Record<FormField, string>> = {
    ...(!repository.success && { repository: 'Choose one of the repositories in the list.' }),
    ...(!account.success && { account: sentence(account.error.issues[0]?.message ?? 'an AWS account ID is exactly 12 digits') }),
    ...(!duration.success && { duration: 'Choose how long the access lasts.' }),
    ...(!reason.success && { reason: sentence(reason.error.issues[0]?.message ?? 'the reason is too long') }),
  };
  if (!repository.success || !account.success || !duration.success || !reason.success) return { ok: false, errors };
  return {
    ok: true,
    request: {
      repository: repository.data,
      account: account.data,
      ...(account.data !== typed && { typedAccount: typed }),
      ...(duration.data !== undefined && { durationMs: duration.data }),
      ...(field(FORM_FIELD.lambda)?.selected_options?.some((o) => o.value === LAMBDA_OPTION.value) && { lambda: true as const }),
      ...(reason.data && { reason: reason.data }),
    },
  };
}

/** The modal after a submission: what became of the request, and a button to close it. */
export function formAnswer(text: string): types.ModalView {
  return {
    type: 'modal',
    callback_id: `${REQUEST_FORM}_answer`,
    title: { type: 'plain_text', text: 'Request ECR pull access' },
    close: { type: 'plain_text', text: 'Done' },
    blocks: [section(text), context('`/ecr-access list` shows who can pull; your App Home shows your requests.')],
  };
}
