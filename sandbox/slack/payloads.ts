/**
 * Builds the bodies Slack POSTs to an app: slash commands (form fields) and block_actions
 * (a `payload=` form field holding JSON). Pure, so tests can build hostile variants from them.
 */
import { randomBytes } from 'node:crypto';
import type { SimBlock, SimMessage } from './types';

/** Who the app is in the workspace; every payload Slack sends repeats it. */
export interface AppIdentity {
  teamId: string;
  teamDomain: string;
  apiAppId: string;
  /** The deprecated verification token Slack still sends in every payload. */
  verificationToken: string;
}

/** Every field Slack sends with a slash command, in Slack's order. */
export interface SlashCommandFields {
  token: string;
  team_id: string;
  team_domain: string;
  channel_id: string;
  channel_name: string;
  user_id: string;
  user_name: string;
  command: string;
  text: string;
  api_app_id: string;
  is_enterprise_install: 'true' | 'false';
  response_url: string;
  trigger_id: string;
}

export interface SlashCommandInput {
  app: AppIdentity;
  user: { id: string; name: string };
  channel: { id: string; name: string };
  command: string;
  text: string;
  responseUrl: string;
  triggerId?: string;
}

export function slashCommandFields(input: SlashCommandInput): SlashCommandFields {
  return {
    token: input.app.verificationToken,
    team_id: input.app.teamId,
    team_domain: input.app.teamDomain,
    channel_id: input.channel.id,
    channel_name: input.channel.name,
    user_id: input.user.id,
    user_name: input.user.name,
    command: input.command,
    text: input.text,
    api_app_id: input.app.apiAppId,
    is_enterprise_install: 'false',
    response_url: input.responseUrl,
    trigger_id: input.triggerId ?? newTriggerId(),
  };
}

/** application/x-www-form-urlencoded, as Slack sends it (spaces as `+`, `/` as `%2F`). */
export function encodeSlashCommand(fields: SlashCommandFields): string {
  return new URLSearchParams(Object.entries(fields)).toString();
}

/** A button as it sits in a message's blocks. */
export interface ButtonElement {
  type: 'button';
  action_id: string;
  text: { type: 'plain_text'; text: string; emoji?: boolean };
  value?: string;
  style?: 'primary' | 'danger';
  url?: string;
}

interface ButtonAction {
  action_id: string;
  block_id: string;
  text: ButtonElement['text'];
  value?: string;
  style?: 'primary' | 'danger';
  type: 'button';
  action_ts: string;
}

export interface BlockActionsPayload {
  type: 'block_actions';
  user: { id: string; username: string; name: string; team_id: string };
  api_app_id: string;
  token: string;
  container: { type: 'message'; message_ts: string; channel_id: string; is_ephemeral: boolean };
  trigger_id: string;
  team: { id: string; domain: string };
  enterprise: null;
  is_enterprise_install: boolean;
  channel: { id: string; name: string };
  /** Slack leaves the message out when the clicked message was ephemeral. */
  message?: SimMessage;
  state: { values: Record<string, unknown> };
  response_url: string;
  actions: ButtonAction[];
}

export interface BlockActionsInput {
  app: AppIdentity;
  user: { id: string; name: string };
  channel: { id: string; name: string };
  messageTs: string;
  /** The clicked message as stored; omit for an ephemeral message. */
  message?: SimMessage;
  blockId: string;
  button: ButtonElement;
  responseUrl: string;
  triggerId?: string;
  actionTs?: string;
}

export function blockActionsPayload(input: BlockActionsInput): BlockActionsPayload {
  const { button } = input;
  const action: ButtonAction = {
    action_id: button.action_id,
    block_id: input.blockId,
    text: button.text,
    ...(button.value !== undefined ? { value: button.value } : {}),
    ...(button.style !== undefined ? { style: button.style } : {}),
    type: 'button',
    action_ts: input.actionTs ?? newActionTs(),
  };
  return {
    type: 'block_actions',
    user: { id: input.user.id, username: input.user.name, name: input.user.name, team_id: input.app.teamId },
    api_app_id: input.app.apiAppId,
    token: input.app.verificationToken,
    container: {
      type: 'message',
      message_ts: input.messageTs,
      channel_id: input.channel.id,
      is_ephemeral: input.message === undefined,
    },
    trigger_id: input.triggerId ?? newTriggerId(),
    team: { id: input.app.teamId, domain: input.app.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: input.channel.id, name: input.channel.name },
    ...(input.message !== undefined ? { message: input.message } : {}),
    state: { values: {} },
    response_url: input.responseUrl,
    actions: [action],
  };
}

/** Interactivity payloads travel as one form field, `payload`, holding the JSON. */
export function encodeInteractionPayload(payload: object): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** Finds the button a user would click: in an actions block, or as a section's accessory. */
export function findButton(
  blocks: readonly SimBlock[] | undefined,
  actionId: string,
): { blockId: string; button: ButtonElement } | undefined {
  for (const block of blocks ?? []) {
    const candidates = block.type === 'actions' ? asArray(block.elements) : [block.accessory];
    for (const element of candidates) {
      if (isButton(element) && element.action_id === actionId) {
        return { blockId: block.block_id ?? '', button: element };
      }
    }
  }
  return undefined;
}

/** Every action_id of every button in the blocks, for error messages that say what is there. */
export function buttonActionIds(blocks: readonly SimBlock[] | undefined): string[] {
  const ids: string[] = [];
  for (const block of blocks ?? []) {
    const candidates = block.type === 'actions' ? asArray(block.elements) : [block.accessory];
    for (const element of candidates) if (isButton(element)) ids.push(element.action_id);
  }
  return ids;
}

/** Shaped like Slack's: `<digits>.<digits>.<hex>`; opaque to the app. */
function newTriggerId(): string {
  return `${Date.now()}.${randomBytes(4).readUInt32BE(0)}.${randomBytes(16).toString('hex')}`;
}

/** Wall-clock seconds with microseconds, as Slack stamps actions. */
function newActionTs(): string {
  const ms = Date.now();
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1000).padStart(6, '0')}`;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isButton(value: unknown): value is ButtonElement {
  if (typeof value !== 'object' || value === null) return false;
  const element = value as Record<string, unknown>;
  return element.type === 'button' && typeof element.action_id === 'string';
}
