/**
 * A local stand-in for Slack on both sides: the Web API and response_url the bot calls (views
 * included), and the slash commands, shortcuts, clicks, modal submissions and events Slack sends
 * the bot, as signed HTTP requests or, in Socket Mode, as envelopes on the bot's WebSocket
 * connections. Dev tooling, never in the Lambda.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PostToBotOptions } from './slack/bot-client';
import {
  BotDriver,
  type ClickButtonInput,
  type ClickButtonResult,
  type SlashCommandInput,
  type SlashCommandResult,
} from './slack/bot-driver';
import { ChangeFeed } from './slack/events';
import { FaultBook } from './slack/faults';
import { RateLimiter, type RateLimitSetting } from './slack/rate-limits';
import type { AppIdentity } from './slack/payloads';
import { answerResponseUrl } from './slack/response-url-endpoint';
import { ResponseUrls } from './slack/response-urls';
import { SocketModeConnections } from './slack/socket-mode';
import { Triggers } from './slack/triggers';
import { ViewDriver, type SubmitOutcome } from './slack/view-driver';
import { SlackViews, type InputValues, type OpenModal } from './slack/views';
import type {
  ApiCall,
  BotReply,
  Fault,
  ResponseUrlContext,
  ResponseUrlPost,
  SentEnvelope,
  SimChannel,
  SimEphemeral,
  SimMessage,
  SimUser,
  SimView,
  SimulatorEvent,
} from './slack/types';
import { answerWebApiCall } from './slack/web-api-endpoint';
import { SlackWorkspace, type WorkspaceHistory } from './slack/workspace';

export type * from './slack/types';
export type { WorkspaceHistory } from './slack/workspace';
export type { PostToBotOptions } from './slack/bot-client';
export type { RateLimitSetting } from './slack/rate-limits';
export type { ClickButtonInput, ClickButtonResult, SlashCommandInput, SlashCommandResult } from './slack/bot-driver';
export type { SubmitOutcome } from './slack/view-driver';
export type { InputValues, OpenModal } from './slack/views';
export type { AppIdentity, BlockActionsPayload } from './slack/payloads';
export { signSlackRequest } from './slack/signature';

export interface SlackSimulatorOptions {
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  signingSecret: string;
  botToken: string;
  /** The app-level token (xapp-…) apps.connections.open accepts; without it no Socket Mode connection opens. */
  appToken?: string;
  /**
   * The app's Socket Mode switch (manifest.yml's socket_mode_enabled): on, slash commands and
   * clicks go as envelopes over the bot's Socket Mode connections instead of to its URL.
   */
  socketMode?: boolean;
  /** How long an envelope waits for its acknowledgement before Slack sends it again (3 s by default). */
  socketModeAckTimeoutMs?: number;
  /** Defaults to UBOT00001. */
  botUserId?: string;
  botId?: string;
  teamId?: string;
  /** The bot is a member unless botIsMember is false. */
  channels?: Array<{ id: string; name: string; botIsMember?: boolean }>;
  users?: SimUser[];
  usergroups?: Record<string, string[]>;
  /** Where slash commands and clicks go; can also be set after start with setBotUrl. */
  botUrl?: string;
  /** Added to every Web API call and response_url answer. */
  latencyMs?: number;
  /**
   * Slack's Web API rate limits (src/slack/web-api-limits.ts): 'slack' (the default) enforces
   * them, 'off' lets every call through, { scale, now } shortens the windows or steps the clock.
   */
  rateLimits?: RateLimitSetting;
  /** Slack's clock (epoch milliseconds): each message's ts is the time it was posted. The wall clock by default. */
  now?: () => number;
}

const DEFAULT_CHANNELS: SimChannel[] = [{ id: 'C0APPROVALS', name: 'ecr-approvals', botIsMember: true }];
const DEFAULT_USERS: SimUser[] = [
  { id: 'U0REQUESTER', name: 'alice' },
  { id: 'U0APPROVER', name: 'bob' },
  { id: 'U0OTHER', name: 'carol' },
];
const DEFAULT_USERGROUPS: Record<string, string[]> = { S0APPROVERS: ['U0APPROVER'] };

const TEAM_NAME = 'Sandbox';
const TEAM_DOMAIN = 'sandbox';
const BOT_NAME = 'ecr-access';

export async function startSlackSimulator(options: SlackSimulatorOptions): Promise<SlackSimulator> {
  const simulator = new SlackSimulator(options);
  await simulator.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return simulator;
}

export class SlackSimulator {
  readonly signingSecret: string;
  readonly botToken: string;
  readonly identity: AppIdentity;
  /** Added to every Web API call and response_url answer (a timer, not a busy wait). */
  latencyMs: number;

  private readonly workspace: SlackWorkspace;
  private readonly faults = new FaultBook();
  private readonly limits: RateLimiter;
  private readonly feed = new ChangeFeed();
  private readonly responseUrls = new ResponseUrls(() => this.baseUrl);
  private readonly socketMode: SocketModeConnections;
  private readonly driver: BotDriver;
  private readonly triggers: Triggers;
  private readonly views: SlackViews;
  private readonly viewDriver: ViewDriver;
  private readonly server: Server;
  private readonly recordedCalls: ApiCall[] = [];
  private readonly recordedResponses: ResponseUrlPost[] = [];
  private baseUrl = '';
  private currentBotUrl: string | undefined;

  /** Use startSlackSimulator; a simulator has no URL until it listens. */
  constructor(options: SlackSimulatorOptions) {
    if (!options.signingSecret) throw new Error('startSlackSimulator: signingSecret is required');
    if (!options.botToken) throw new Error('startSlackSimulator: botToken is required');
    this.signingSecret = options.signingSecret;
    this.botToken = options.botToken;
    this.latencyMs = options.latencyMs ?? 0;
    this.limits = new RateLimiter(options.rateLimits);
    this.currentBotUrl = options.botUrl;
    const teamId = options.teamId ?? 'T0SANDBOX';
    this.identity = {
      teamId,
      teamDomain: TEAM_DOMAIN,
      apiAppId: 'A0ECRACCESS',
      verificationToken: 'sandbox-verification-token',
    };
    this.workspace = new SlackWorkspace(
      {
        teamId,
        appId: this.identity.apiAppId,
        botUserId: options.botUserId ?? 'UBOT00001',
        botId: options.botId ?? 'BBOT00001',
        channels: (options.channels ?? DEFAULT_CHANNELS).map((c) => ({ ...c, botIsMember: c.botIsMember ?? true })),
        users: options.users ?? DEFAULT_USERS,
        usergroups: options.usergroups ?? DEFAULT_USERGROUPS,
      },
      (event) => this.feed.record(event),
      options.now,
    );
    this.socketMode = new SocketModeConnections({
      ...(options.appToken !== undefined && { appToken: options.appToken }),
      botToken: options.botToken,
      appId: this.identity.apiAppId,
      ...(options.socketMode !== undefined && { enabled: options.socketMode }),
      ...(options.socketModeAckTimeoutMs !== undefined && { ackTimeoutMs: options.socketModeAckTimeoutMs }),
      baseUrl: () => this.baseUrl,
      record: (event) => this.feed.record(event),
    });
    const now = options.now ?? Date.now;
    this.triggers = new Triggers(now);
    this.views = new SlackViews(
      { teamId, appId: this.identity.apiAppId, botId: this.workspace.config.botId },
      this.triggers,
      (event) => this.feed.record(event),
      now,
    );
    this.driver = new BotDriver({
      workspace: this.workspace,
      identity: this.identity,
      signingSecret: this.signingSecret,
      responseUrls: this.responseUrls,
      socketMode: this.socketMode,
      triggers: this.triggers,
      botUrl: () => this.currentBotUrl,
      record: (event) => this.feed.record(event),
    });
    this.viewDriver = new ViewDriver({
      workspace: this.workspace,
      views: this.views,
      triggers: this.triggers,
      identity: this.identity,
      now,
      send: (type, payload, to) => this.driver.send(type, payload, to),
    });
    this.server = createServer((request, response) => {
      this.route(request, response).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain' });
        response.end(`simulator error: ${error instanceof Error ? error.message : String(error)}`);
      });
    });
    // The URLs apps.connections.open gives out.
    this.server.on('upgrade', (request, socket, head) => this.socketMode.upgrade(request, socket, head));
  }

  /** Called once by startSlackSimulator. */
  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.baseUrl = `http://${shownHost}:${address.port}`;
  }

  get url(): string {
    return this.baseUrl;
  }

  /** What Bolt takes as `clientOptions.slackApiUrl` (trailing slash included). */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  get botUrl(): string | undefined {
    return this.currentBotUrl;
  }

  setBotUrl(url: string): void {
    this.currentBotUrl = url;
    this.feed.record({ kind: 'config_changed', what: 'bot_url' });
  }

  get botUserId(): string {
    return this.workspace.config.botUserId;
  }

  get botId(): string {
    return this.workspace.config.botId;
  }

  get teamId(): string {
    return this.workspace.config.teamId;
  }

  /** Every Web API call, oldest first, including refused and faulted ones. */
  get calls(): readonly ApiCall[] {
    return [...this.recordedCalls];
  }

  /** Every Web API call answered with HTTP 429, oldest first: from an armed fault or the method's limit. */
  get rateLimitedCalls(): readonly ApiCall[] {
    return this.recordedCalls.filter((call) => call.status === 429);
  }

  /** Every response_url POST, oldest first, including refused ones. */
  get responses(): readonly ResponseUrlPost[] {
    return [...this.recordedResponses];
  }

  get users(): SimUser[] {
    return this.workspace.users;
  }

  get channels(): SimChannel[] {
    return this.workspace.channels;
  }

  get usergroups(): Record<string, string[]> {
    return this.workspace.usergroups;
  }

  /** Top-level messages of a channel (ID or name), a DM ID, or a user's DM; replies are in thread(). */
  messages(channel: string): SimMessage[] {
    return this.workspace.messages(channel);
  }

  /** The parent message followed by its replies. */
  thread(channel: string, ts: string): SimMessage[] {
    return this.workspace.thread(channel, ts);
  }

  ephemerals(user: string): SimEphemeral[] {
    return this.workspace.ephemerals(user);
  }

  dms(user: string): SimMessage[] {
    return this.workspace.dms(user);
  }

  /** Every conversation (replies included) and the ts clock, e.g. to save a sandbox between runs. */
  history(): WorkspaceHistory {
    return this.workspace.snapshotHistory();
  }

  /**
   * Replaces every conversation with a saved history, so messages the bot stored the ts of (a
   * request's card) can still be updated and replied to. Ephemerals are not kept, as in Slack.
   */
  restoreHistory(saved: WorkspaceHistory): void {
    this.workspace.restoreHistory(saved);
  }

  setUsergroup(id: string, userIds: string[]): void {
    this.workspace.setUsergroup(id, userIds);
  }

  addUser(user: SimUser): void {
    this.workspace.addUser(user);
  }

  /** A human typing in a channel, e.g. to give the bot a message it may not edit. */
  postAsUser(input: { user: string; channel: string; text: string; threadTs?: string }): SimMessage {
    const conversation = this.workspace.resolveConversation(input.channel);
    if (!conversation) throw new Error(`postAsUser: unknown channel ${input.channel}`);
    return this.workspace.postMessage(conversation.id, { text: input.text }, input.threadTs, input.user);
  }

  on(_event: 'event', listener: (event: SimulatorEvent) => void): this {
    this.feed.on(listener);
    return this;
  }

  off(_event: 'event', listener: (event: SimulatorEvent) => void): this {
    this.feed.off(listener);
    return this;
  }

  /**
   * Resolves with the predicate's first value other than undefined, null or false, checked now
   * and after every recorded change (no polling). A predicate that throws counts as "not yet".
   */
  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
    return this.feed.waitFor(predicate, timeoutMs);
  }

  /** Whether commands and clicks go over Socket Mode connections (the app's Socket Mode switch). */
  get socketModeEnabled(): boolean {
    return this.socketMode.enabled;
  }

  setSocketMode(enabled: boolean): void {
    this.socketMode.enabled = enabled;
    this.feed.record({ kind: 'config_changed', what: 'socket_mode' });
  }

  /** Socket Mode connections open and not asked to reconnect. */
  get socketModeConnections(): number {
    return this.socketMode.openConnections;
  }

  /** Every envelope sent over Socket Mode, retries included, oldest first, with what became of its ack. */
  get envelopes(): readonly SentEnvelope[] {
    return this.socketMode.envelopes;
  }

  /** Sends `disconnect` on every open Socket Mode connection, as Slack does before refreshing one; none gets another envelope. */
  requestSocketModeReconnect(reason = 'refresh_requested'): void {
    this.socketMode.requestReconnect(reason);
  }

  /** The next `count` Socket Mode acks are lost, so Slack sends those envelopes again after its ack timeout. */
  loseSocketModeAcks(count = 1): void {
    this.socketMode.loseAcks(count);
  }

  /** Arms a fault for a Web API method (e.g. 'chat.postMessage'), or for 'response_url'. */
  setFault(method: string, fault: Fault): void {
    this.faults.set(method, fault);
    this.feed.record({ kind: 'config_changed', what: 'faults' });
  }

  clearFaults(): void {
    this.faults.clear();
    this.feed.record({ kind: 'config_changed', what: 'faults' });
  }

  /** A user types a slash command; a message in the ack shows up as Slack would show it. */
  slashCommand(input: SlashCommandInput): Promise<SlashCommandResult> {
    return this.driver.slashCommand(input);
  }

  /** A user clicks a button on a message (or on an ephemeral only they see). */
  clickButton(input: ClickButtonInput): Promise<ClickButtonResult> {
    return this.driver.clickButton(input);
  }

  /** A user runs a global shortcut; Slack sends a fresh trigger_id with it. */
  runShortcut(input: { user: string; callbackId: string; botUrl?: string }): Promise<BotReply & { triggerId: string }> {
    return this.viewDriver.shortcut(input);
  }

  /**
   * A user fills their open modal (block ID → text, or a select's option value; inputs left out
   * keep their initial value) and submits it; the bot's answer is applied as Slack applies it.
   */
  submitView(input: { user: string; values?: InputValues; botUrl?: string }): Promise<SubmitOutcome> {
    return this.viewDriver.submit(input);
  }

  /** A user closes their open modal; the bot hears of it when the view set notify_on_close. */
  closeView(input: { user: string; botUrl?: string }): Promise<BotReply | undefined> {
    return this.viewDriver.close(input);
  }

  /** A user types into a select whose options the bot loads (block_suggestion); the options it gave. */
  suggestOptions(input: { user: string; actionId: string; value: string; botUrl?: string }) {
    return this.viewDriver.suggest(input);
  }

  /** A user clicks a button in their open modal or their Home tab (no channel, no response_url). */
  clickInView(input: { user: string; surface: 'modal' | 'home'; actionId: string; blockId?: string; botUrl?: string }): Promise<BotReply> {
    return this.viewDriver.click(input);
  }

  /** A user opens the app's Home tab: app_home_opened through the Events API. */
  openHome(input: { user: string; botUrl?: string }): Promise<BotReply> {
    return this.viewDriver.openHome(input);
  }

  /** The user's open modals, root first, each with the errors shown on its inputs. */
  modals(user: string): OpenModal[] {
    return this.views.modalStack(user);
  }

  /** The user's Home tab as last published, if ever. */
  home(user: string): SimView | undefined {
    return this.views.home(user);
  }

  /** Every user's Home tab and open modals. */
  viewsSnapshot(): ReturnType<SlackViews['snapshot']> {
    return this.views.snapshot();
  }

  /** Posts any body to the bot, signed correctly unless the options say otherwise. */
  postToBot(rawBody: string, options: PostToBotOptions = {}): Promise<BotReply> {
    return this.driver.postToBot(rawBody, options);
  }

  /** A fresh trigger_id for a user, good for one views.open within 3 s, for tests that build their own payloads. */
  issueTrigger(user: string): string {
    return this.triggers.issue(user);
  }

  /** A fresh response_url for a user in a channel, for tests that build their own payloads. */
  newResponseUrl(context: Omit<ResponseUrlContext, 'id' | 'uses'>): string {
    return this.responseUrls.create(context);
  }

  async close(): Promise<void> {
    this.feed.abandonWaits(new Error('the Slack simulator was closed'));
    this.socketMode.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // fetch keeps connections alive; without this, close waits for them to time out.
      this.server.closeAllConnections();
    });
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://simulator').pathname;
    const api = /^\/api\/([\w.]+)$/.exec(path);
    if (api?.[1] !== undefined) return this.serveWebApi(api[1], request, response);
    const responseUrl = /^\/response\/([\w-]+)$/.exec(path);
    if (responseUrl?.[1] !== undefined && request.method === 'POST') {
      return this.serveResponseUrl(responseUrl[1], request, response);
    }
    response.writeHead(404, { 'Content-Type': 'text/plain' });
    response.end('not found');
  }

  private async serveWebApi(method: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    // apps.connections.open takes the app-level token, which the other methods do not know.
    const { call, headers } =
      method === 'apps.connections.open'
        ? { call: await this.socketMode.answerConnectionsOpen(request), headers: {} }
        : await answerWebApiCall(
            {
              context: { workspace: this.workspace, views: this.views, teamName: TEAM_NAME, teamDomain: TEAM_DOMAIN, botName: BOT_NAME },
              botToken: this.botToken,
              faults: this.faults,
              limits: this.limits,
              latencyMs: this.latencyMs,
            },
            method,
            request,
          );
    // Recorded before answering, so a caller that awaited the call already sees it in `calls`.
    this.recordedCalls.push(call);
    this.feed.record({ kind: 'api_call', call });
    response.writeHead(call.status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
    response.end(JSON.stringify(call.result));
  }

  private async serveResponseUrl(id: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { post, headers } = await answerResponseUrl(
      { workspace: this.workspace, faults: this.faults, latencyMs: this.latencyMs, responseUrls: this.responseUrls },
      id,
      request,
    );
    this.recordedResponses.push(post);
    this.feed.record({ kind: 'response_url', post });
    response.writeHead(post.status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
    response.end(post.error ?? 'ok');
  }
}
