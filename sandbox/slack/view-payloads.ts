/**
 * The bodies Slack sends an app around views: a global shortcut, a modal's submission and its
 * closing, a select's request for options (block_suggestion), a click in a modal or a Home tab,
 * and the app_home_opened event. Pure, so tests can build hostile variants from them.
 */
import { randomBytes } from 'node:crypto';
import type { AppIdentity, ButtonElement } from './payloads';
import type { SimView } from './types';

interface Person {
  id: string;
  name: string;
}

const team = (app: AppIdentity) => ({ id: app.teamId, domain: app.teamDomain });
const user = (app: AppIdentity, person: Person) => ({ id: person.id, username: person.name, name: person.name, team_id: app.teamId });
const actionTs = () => `${Math.floor(Date.now() / 1000)}.${String(Date.now() % 1000).padStart(3, '0')}000`;

export function shortcutPayload(input: { app: AppIdentity; user: Person; callbackId: string; triggerId: string }) {
  return {
    type: 'shortcut',
    token: input.app.verificationToken,
    action_ts: actionTs(),
    team: team(input.app),
    user: { id: input.user.id, username: input.user.name, team_id: input.app.teamId },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: input.callbackId,
    trigger_id: input.triggerId,
  };
}

export function viewSubmissionPayload(input: { app: AppIdentity; user: Person; view: SimView; triggerId: string }) {
  return {
    type: 'view_submission',
    team: team(input.app),
    user: user(input.app, input.user),
    api_app_id: input.app.apiAppId,
    token: input.app.verificationToken,
    trigger_id: input.triggerId,
    view: input.view,
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export function viewClosedPayload(input: { app: AppIdentity; user: Person; view: SimView; isCleared: boolean }) {
  return {
    type: 'view_closed',
    team: team(input.app),
    user: user(input.app, input.user),
    api_app_id: input.app.apiAppId,
    token: input.app.verificationToken,
    view: input.view,
    is_cleared: input.isCleared,
    is_enterprise_install: false,
    enterprise: null,
  };
}

export function blockSuggestionPayload(input: { app: AppIdentity; user: Person; view: SimView; actionId: string; blockId: string; value: string }) {
  return {
    type: 'block_suggestion',
    user: user(input.app, input.user),
    container: { type: 'view', view_id: input.view.id },
    api_app_id: input.app.apiAppId,
    token: input.app.verificationToken,
    action_id: input.actionId,
    block_id: input.blockId,
    value: input.value,
    team: team(input.app),
    enterprise: null,
    is_enterprise_install: false,
    view: input.view,
  };
}

/** A click on a button in a modal or a Home tab: Slack sends the view, and no channel and no response_url. */
export function viewBlockActionsPayload(input: { app: AppIdentity; user: Person; view: SimView; blockId: string; button: ButtonElement; triggerId: string }) {
  const { button } = input;
  return {
    type: 'block_actions',
    user: user(input.app, input.user),
    api_app_id: input.app.apiAppId,
    token: input.app.verificationToken,
    container: { type: 'view', view_id: input.view.id },
    trigger_id: input.triggerId,
    team: team(input.app),
    enterprise: null,
    is_enterprise_install: false,
    view: input.view,
    actions: [
      {
        action_id: button.action_id,
        block_id: input.blockId,
        text: button.text,
        ...(button.value !== undefined && { value: button.value }),
        ...(button.style !== undefined && { style: button.style }),
        type: 'button',
        action_ts: actionTs(),
      },
    ],
  };
}

/** The Events API's envelope around app_home_opened, posted as JSON. */
export function appHomeOpenedEvent(input: { app: AppIdentity; user: string; channel: string; view?: SimView; at: number }) {
  const eventTs = `${Math.floor(input.at / 1000)}.${String((input.at % 1000) * 1000).padStart(6, '0')}`;
  return {
    token: input.app.verificationToken,
    team_id: input.app.teamId,
    api_app_id: input.app.apiAppId,
    event: { type: 'app_home_opened', user: input.user, channel: input.channel, tab: 'home', ...(input.view && { view: input.view }), event_ts: eventTs },
    type: 'event_callback',
    event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: Math.floor(input.at / 1000),
  };
}
