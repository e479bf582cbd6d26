/**
 * The Slack simulator's views, driven the way a Bolt app meets them: modals opened from a fresh
 * trigger_id, updated, pushed and closed; submissions answered with field errors or a new view;
 * selects that load their options from the app; clicks in a modal or a Home tab; the Home tab
 * published per person and app_home_opened sent through the Events API; and Slack's limits on
 * views (100 blocks, 3,000 characters of text, a trigger good for 3 seconds).
 */
import type { AddressInfo } from 'node:net';
import { App, LogLevel, type types, webApi } from '@slack/bolt';
import { startSlackSimulator, type SlackSimulator } from '../../sandbox/slack-simulator';

const SIGNING_SECRET = 'test-signing-secret';
const BOT_TOKEN = 'xoxb-test-token';
const ALICE = 'U0REQUESTER';
const BOB = 'U0APPROVER';

type View = types.ModalView;

const section = (text: string) => ({ type: 'section' as const, text: { type: 'mrkdwn' as const, text } });

/** A modal with a text input, a select and a button, as an app would build one. */
const FORM: View = {
  type: 'modal',
  callback_id: 'form',
  title: { type: 'plain_text', text: 'Request access' },
  submit: { type: 'plain_text', text: 'Request' },
  close: { type: 'plain_text', text: 'Cancel' },
  notify_on_close: true,
  blocks: [
    {
      type: 'input',
      block_id: 'account',
      label: { type: 'plain_text', text: 'AWS account ID' },
      element: { type: 'plain_text_input', action_id: 'account' },
    },
    {
      type: 'input',
      block_id: 'repository',
      label: { type: 'plain_text', text: 'Repository' },
      element: { type: 'external_select', action_id: 'repository', min_query_length: 0 },
    },
    {
      type: 'input',
      block_id: 'reason',
      optional: true,
      label: { type: 'plain_text', text: 'Reason' },
      element: { type: 'plain_text_input', action_id: 'reason', initial_value: 'builds' },
    },
    { type: 'actions', block_id: 'more', elements: [{ type: 'button', action_id: 'help', text: { type: 'plain_text', text: 'Help' }, value: 'h' }] },
  ],
};

let sim: SlackSimulator;
let app: App;
let slack: webApi.WebClient;
/** Slack's clock, stepped by the tests: trigger_ids expire by it. */
let now = Date.parse('2026-12-01T09:00:00Z');
/** What the app received, by kind, in order. */
let received: Array<Record<string, unknown>>;

beforeEach(async () => {
  now = Date.parse('2026-12-01T09:00:00Z');
  received = [];
  sim = await startSlackSimulator({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, now: () => now, rateLimits: 'off' });
  app = new App({
    signingSecret: SIGNING_SECRET,
    token: BOT_TOKEN,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } },
  });
  app.use(async ({ body, next }) => {
    received.push(body as Record<string, unknown>);
    await next();
  });
  const server = await app.start({ port: 0, host: '127.0.0.1' });
  sim.setBotUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`);
  slack = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, logLevel: webApi.LogLevel.ERROR });
});

afterEach(async () => {
  await app.stop();
  await sim.close();
});

/** The Web API's refusal: Slack's error and its messages. */
async function refusal(call: Promise<unknown>): Promise<{ error: string; messages: string[] }> {
  try {
    await call;
  } catch (error) {
    const data = (error as { data?: { error?: string; response_metadata?: { messages?: string[] } } }).data;
    return { error: data?.error ?? String(error), messages: data?.response_metadata?.messages ?? [] };
  }
  throw new Error('the call was not refused');
}

/** The trigger_id of a slash command the app acknowledges without using it. */
async function triggerFromCommand(user = ALICE): Promise<string> {
  app.command('/ecr-access', async ({ ack }) => ack());
  return (await sim.slashCommand({ user, text: '' })).fields.trigger_id;
}

/** Opens FORM for Alice from a slash command, as an app does. */
async function openForm(view: View = FORM) {
  app.command('/ecr-access', async ({ ack, body, client }) => {
    await client.views.open({ trigger_id: body.trigger_id, view });
    await ack();
  });
  await sim.slashCommand({ user: ALICE, text: '' });
  const [modal] = sim.modals(ALICE);
  if (!modal) throw new Error('no modal opened');
  return modal.view;
}

describe('views.open', () => {
  it('opens a modal for the person whose trigger_id it exchanges, and answers the view', async () => {
    const view = await openForm();
    expect(view).toMatchObject({ type: 'modal', callback_id: 'form', title: { text: 'Request access' }, id: expect.stringMatching(/^V/) });
    expect(sim.modals(BOB)).toEqual([]);
  });

  it('refuses a trigger_id used once already', async () => {
    const trigger = await triggerFromCommand();
    await slack.views.open({ trigger_id: trigger, view: FORM });
    expect(await refusal(slack.views.open({ trigger_id: trigger, view: FORM }))).toEqual({ error: 'invalid_arguments', messages: ['[ERROR] invalid `trigger_id` [json-pointer:/trigger_id]'] });
  });

  it('refuses a trigger_id more than 3 seconds old, in Slack’s words', async () => {
    const trigger = await triggerFromCommand();
    now += 3001;
    expect(await refusal(slack.views.open({ trigger_id: trigger, view: FORM }))).toEqual({
      error: 'invalid_arguments',
      messages: ['[ERROR] `trigger_id` expired [json-pointer:/trigger_id]'],
    });
    expect(sim.modals(ALICE)).toEqual([]);
  });

  it('takes a trigger_id exactly 3 seconds old', async () => {
    const trigger = await triggerFromCommand();
    now += 3000;
    await expect(slack.views.open({ trigger_id: trigger, view: FORM })).resolves.toMatchObject({ ok: true });
  });

  it('refuses a view of 101 blocks, and takes one of 100', async () => {
    const blocks = (n: number) => Array.from({ length: n }, (_, i) => section(`line ${i}`));
    expect(await refusal(slack.views.open({ trigger_id: await triggerFromCommand(), view: { ...FORM, blocks: blocks(101) } }))).toEqual({
      error: 'invalid_arguments',
      messages: ['[ERROR] must be less than 101 items [json-pointer:/view/blocks]'],
    });
    await expect(slack.views.open({ trigger_id: await triggerFromCommand(), view: { ...FORM, blocks: blocks(100) } })).resolves.toMatchObject({ ok: true });
  });

  it('refuses section text over 3,000 characters, naming where it is', async () => {
    const view = { ...FORM, blocks: [section('x'.repeat(3001))] };
    expect(await refusal(slack.views.open({ trigger_id: await triggerFromCommand(), view }))).toEqual({
      error: 'invalid_arguments',
      messages: ['[ERROR] must be less than 3001 characters [json-pointer:/view/blocks/0/text/text]'],
    });
  });

  it('refuses a modal title over 24 characters, and a modal with inputs but no submit button', async () => {
    const { submit: _submit, ...noSubmit } = FORM;
    const view = { ...noSubmit, title: { type: 'plain_text' as const, text: 'A title far too long for Slack' } };
    expect((await refusal(slack.views.open({ trigger_id: await triggerFromCommand(), view }))).messages).toEqual([
      '[ERROR] must be less than 25 characters [json-pointer:/view/title/text]',
      '[ERROR] missing required field: submit [json-pointer:/view]',
    ]);
  });
});

describe('views.update and views.push', () => {
  it('updates an open modal by its ID, giving it a new hash', async () => {
    const view = await openForm();
    const updated = await slack.views.update({ view_id: view.id, view: { ...FORM, blocks: [section('Done')] } });
    expect(updated.view).toMatchObject({ id: view.id, blocks: [{ type: 'section' }] });
    expect(updated.view?.hash).not.toBe(view.hash);
    expect(sim.modals(ALICE)[0]!.view.blocks).toHaveLength(1);
  });

  it('refuses an update made against an older hash', async () => {
    const view = await openForm();
    await slack.views.update({ view_id: view.id, view: FORM });
    expect((await refusal(slack.views.update({ view_id: view.id, hash: view.hash, view: FORM }))).error).toBe('hash_conflict');
  });

  it('answers not_found for a modal the person closed', async () => {
    const view = await openForm();
    app.view({ callback_id: 'form', type: 'view_closed' }, async ({ ack }) => ack());
    await sim.closeView({ user: ALICE });
    expect((await refusal(slack.views.update({ view_id: view.id, view: FORM }))).error).toBe('not_found');
  });

  it('pushes at most two views on a modal, each from a trigger out of the modal', async () => {
    await openForm();
    const triggers: string[] = [];
    app.action('help', async ({ ack, body }) => {
      triggers.push((body as { trigger_id: string }).trigger_id);
      await ack();
    });
    const pushed = { ...FORM, blocks: [FORM.blocks[3]!] };
    for (let i = 0; i < 2; i++) {
      await sim.clickInView({ user: ALICE, surface: 'modal', actionId: 'help' });
      await slack.views.push({ trigger_id: triggers.at(-1)!, view: pushed });
    }
    await sim.clickInView({ user: ALICE, surface: 'modal', actionId: 'help' });
    expect((await refusal(slack.views.push({ trigger_id: triggers.at(-1)!, view: pushed }))).error).toBe('push_limit_reached');
    expect(sim.modals(ALICE)).toHaveLength(3);
  });

  it('refuses to push from a trigger that did not come from a modal', async () => {
    await openForm();
    expect((await refusal(slack.views.push({ trigger_id: await triggerFromCommand(), view: FORM }))).error).toBe('invalid_arguments');
  });
});

describe('submitting a modal', () => {
  it('sends what the person typed and chose as the view’s state, initial values included', async () => {
    await openForm();
    let values: unknown;
    app.view('form', async ({ ack, view }) => {
      values = view.state.values;
      await ack();
    });
    const outcome = await sim.submitView({ user: ALICE, values: { account: '222233334444', repository: 'common-images' } });
    expect(outcome.outcome).toBe('closed');
    expect(values).toEqual({
      account: { account: { type: 'plain_text_input', value: '222233334444' } },
      repository: { repository: { type: 'external_select', selected_option: { text: { type: 'plain_text', text: 'common-images', emoji: true }, value: 'common-images' } } },
      reason: { reason: { type: 'plain_text_input', value: 'builds' } },
    });
    expect(sim.modals(ALICE)).toEqual([]);
  });

  it('sends nothing while a required input is empty, as Slack’s client refuses it', async () => {
    await openForm();
    const before = received.length;
    expect(await sim.submitView({ user: ALICE, values: { account: '222233334444' } })).toEqual({ outcome: 'refused', missing: ['repository'] });
    expect(received).toHaveLength(before);
  });

  it('shows field errors under their inputs and keeps the modal open', async () => {
    await openForm();
    app.view('form', async ({ ack }) => ack({ response_action: 'errors', errors: { account: 'An AWS account ID is 12 digits.' } }));
    const outcome = await sim.submitView({ user: ALICE, values: { account: '1234', repository: 'common-images' } });
    expect(outcome).toMatchObject({ outcome: 'errors', errors: { account: 'An AWS account ID is 12 digits.' } });
    expect(sim.modals(ALICE)).toEqual([expect.objectContaining({ errors: { account: 'An AWS account ID is 12 digits.' } })]);
  });

  it('fails a submission whose errors name a block that is not an input, leaving the modal as it was', async () => {
    await openForm();
    app.view('form', async ({ ack }) => ack({ response_action: 'errors', errors: { nowhere: 'x' } }));
    expect(await sim.submitView({ user: ALICE, values: { account: '1', repository: 'a' } })).toMatchObject({ outcome: 'failed' });
    expect(sim.modals(ALICE)[0]!.errors).toEqual({});
  });

  it('replaces the modal with the view an update answer carries, in the same place', async () => {
    const view = await openForm();
    app.view('form', async ({ ack }) => ack({ response_action: 'update', view: { type: 'modal', title: { type: 'plain_text', text: 'Sent' }, blocks: [section('With the approvers')] } }));
    const outcome = await sim.submitView({ user: ALICE, values: { account: '222233334444', repository: 'common-images' } });
    expect(outcome).toMatchObject({ outcome: 'updated', view: { id: view.id, title: { text: 'Sent' } } });
  });

  it('refuses an update answer that breaks Slack’s limits, keeping the modal', async () => {
    await openForm();
    app.view('form', async ({ ack }) => ack({ response_action: 'update', view: { type: 'modal', title: { type: 'plain_text', text: 'Sent' }, blocks: Array.from({ length: 101 }, () => section('x')) } }));
    expect(await sim.submitView({ user: ALICE, values: { account: '1', repository: 'a' } })).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(/less than 101 items/) });
    expect(sim.modals(ALICE)[0]!.view.callback_id).toBe('form');
  });
});

describe('closing a modal', () => {
  it('tells the app with view_closed when the view asked for it', async () => {
    await openForm();
    let closed: unknown;
    app.view({ callback_id: 'form', type: 'view_closed' }, async ({ ack, view }) => {
      closed = view.id;
      await ack();
    });
    await sim.closeView({ user: ALICE });
    expect(closed).toMatch(/^V/);
    expect(sim.modals(ALICE)).toEqual([]);
  });

  it('tells the app nothing when the view did not ask', async () => {
    await openForm({ ...FORM, notify_on_close: false });
    const before = received.length;
    expect(await sim.closeView({ user: ALICE })).toBeUndefined();
    expect(received).toHaveLength(before);
  });
});

describe('a select whose options the app loads', () => {
  it('sends block_suggestion with what was typed, and shows at most 100 of the options the app answers', async () => {
    await openForm();
    app.options<'block_suggestion'>({ action_id: 'repository' }, async ({ ack, payload }) => {
      const names = Array.from({ length: 150 }, (_, i) => `${payload.value}-${i}`);
      await ack({ options: names.map((name) => ({ text: { type: 'plain_text', text: name }, value: name })) });
    });
    const { options } = await sim.suggestOptions({ user: ALICE, actionId: 'repository', value: 'team' });
    expect(options).toHaveLength(100);
    expect(options[0]).toEqual({ text: 'team-0', value: 'team-0' });
  });
});

describe('clicks in a view', () => {
  it('sends block_actions with the view as the container, and neither a channel nor a response_url', async () => {
    const view = await openForm();
    app.action('help', async ({ ack }) => ack());
    await sim.clickInView({ user: ALICE, surface: 'modal', actionId: 'help' });
    const click = received.at(-1)!;
    expect(click).toMatchObject({ type: 'block_actions', container: { type: 'view', view_id: view.id }, view: { id: view.id }, trigger_id: expect.any(String) });
    expect(click).not.toHaveProperty('response_url');
    expect(click).not.toHaveProperty('channel');
  });
});

describe('the Home tab', () => {
  const HOME: types.HomeView = { type: 'home', blocks: [section('Your requests')], private_metadata: 'p' };

  it('keeps one Home tab per person, replaced by each views.publish', async () => {
    await slack.views.publish({ user_id: ALICE, view: HOME });
    const second = await slack.views.publish({ user_id: ALICE, view: { ...HOME, blocks: [section('None yet')] } });
    expect(sim.home(ALICE)).toMatchObject({ id: second.view?.id, type: 'home', blocks: [{ text: { text: 'None yet' } }] });
    expect(sim.home(BOB)).toBeUndefined();
  });

  it('refuses a Home tab of 101 blocks, and an unknown user', async () => {
    const blocks = Array.from({ length: 101 }, () => section('x'));
    expect((await refusal(slack.views.publish({ user_id: ALICE, view: { ...HOME, blocks } }))).messages).toEqual(['[ERROR] must be less than 101 items [json-pointer:/view/blocks]']);
    expect(await refusal(slack.views.publish({ user_id: 'U0NOBODY', view: HOME }))).toEqual({ error: 'invalid_arguments', messages: ['invalid `user_id`'] });
  });

  it('sends app_home_opened through the Events API, signed, with the Home tab as published', async () => {
    const published = await slack.views.publish({ user_id: ALICE, view: HOME });
    let event: Record<string, unknown> | undefined;
    app.event('app_home_opened', async ({ event: opened }) => {
      event = opened as unknown as Record<string, unknown>;
    });
    const reply = await sim.openHome({ user: ALICE });
    expect(reply.status).toBe(200);
    await sim.waitFor(() => event);
    expect(event).toMatchObject({ type: 'app_home_opened', user: ALICE, tab: 'home', channel: 'D0REQUESTER', view: { id: published.view?.id } });
  });

  it('sends a click in the Home tab with the Home view as its container', async () => {
    await slack.views.publish({ user_id: ALICE, view: { ...HOME, blocks: [FORM.blocks[3]!] } });
    app.action('help', async ({ ack }) => ack());
    await sim.clickInView({ user: ALICE, surface: 'home', actionId: 'help' });
    expect(received.at(-1)).toMatchObject({ container: { type: 'view', view_id: sim.home(ALICE)!.id }, view: { type: 'home' } });
  });
});

describe('global shortcuts', () => {
  it('sends the shortcut with its callback_id and a fresh trigger_id the app can open a modal with', async () => {
    app.shortcut('request_access', async ({ ack, shortcut, client }) => {
      await client.views.open({ trigger_id: shortcut.trigger_id, view: FORM });
      await ack();
    });
    const reply = await sim.runShortcut({ user: BOB, callbackId: 'request_access' });
    expect(reply.status).toBe(200);
    expect(received.at(-1)).toMatchObject({ type: 'shortcut', callback_id: 'request_access', user: { id: BOB } });
    expect(sim.modals(BOB)).toHaveLength(1);
  });
});
