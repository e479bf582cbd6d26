/**
 * Slack's side of Socket Mode: apps.connections.open gives an app holding its app-level token a
 * single-use WebSocket URL; the connection opens with `hello`; slash commands and clicks arrive
 * as envelopes the app acknowledges by envelope_id (a slash command's ack may carry the answer
 * Slack shows); `disconnect` asks the app to reconnect. An envelope not acknowledged within
 * Slack's 3 s is sent again, with retry_attempt and retry_reason, on an open connection.
 *
 * Sources: https://docs.slack.dev/reference/methods/apps.connections.open/ (app-level token in
 * the Authorization header, `{ok, url}`), https://api.slack.com/apis/connections/socket-implement
 * (hello, envelopes, acks, disconnect), and the envelopes Slack's SDKs test against.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { decodeWebApiCall, parseJsonObject, readBody } from './request-body';
import type { ApiCall, SentEnvelope, SimulatorEvent, SocketModeEnvelopeType } from './types';
import { acceptWebSocket, CLOSE, refuseUpgrade, type WebSocketConnection } from './web-socket';

/** The interactions whose acknowledgement carries an answer, as their HTTP response does. */
const ANSWERED_INTERACTIONS = new Set(['view_submission', 'block_suggestion']);

/** How long Slack waits for an acknowledgement before it gives up on that delivery. */
const SLACK_ACK_TIMEOUT_MS = 3000;
/** As the Events API: a delivery is sent at most three more times. */
const MAX_RETRIES = 3;
/** Slack's hosts are named applink-…; this one says where it runs. */
const DEBUG_HOST = 'applink-simulator';
const LINK_PATH = '/link/';

export interface SocketModeOptions {
  /** The app-level token apps.connections.open accepts; without one it accepts none. */
  appToken?: string;
  /** Refused on apps.connections.open with not_allowed_token_type, as Slack refuses it. */
  botToken: string;
  appId: string;
  /** How long an envelope waits for its ack before it is sent again (Slack's 3 s by default). */
  ackTimeoutMs?: number;
  baseUrl(): string;
  record(event: SimulatorEvent): void;
}

/** The acknowledgement of a delivery, by whichever attempt was acknowledged first. */
export interface SocketModeAck {
  envelope: SentEnvelope;
  /** What the ack carried, when the envelope accepted a response payload. */
  payload?: Record<string, unknown>;
  /** From the first attempt's sending to this ack. */
  elapsedMs: number;
}

interface Connection {
  readonly id: string;
  readonly socket: WebSocketConnection;
  /** Told to reconnect: Slack sends it nothing more. */
  draining: boolean;
}

interface Delivery {
  readonly type: SocketModeEnvelopeType;
  readonly payload: Record<string, unknown>;
  readonly startedAt: number;
  attempts: number;
  timer?: NodeJS.Timeout;
  resolve(ack: SocketModeAck): void;
  reject(error: Error): void;
}

export class SocketModeConnections {
  /** The app's Socket Mode switch (manifest.yml's socket_mode_enabled): on, commands and clicks go over its connections. */
  enabled: boolean;
  ackTimeoutMs: number;

  private readonly tickets = new Set<string>();
  private readonly connections: Connection[] = [];
  private readonly sent: SentEnvelope[] = [];
  /** Envelopes sent and not yet acknowledged, by envelope_id. */
  private readonly awaiting = new Map<string, { delivery: Delivery; envelope: SentEnvelope; accepts: boolean }>();
  private readonly deliveries = new Set<Delivery>();
  private acksToLose = 0;
  private nextConnection = 0;
  private turn = 0;

  constructor(private readonly options: SocketModeOptions & { enabled?: boolean }) {
    this.enabled = options.enabled ?? false;
    this.ackTimeoutMs = options.ackTimeoutMs ?? SLACK_ACK_TIMEOUT_MS;
  }

  /** Every envelope sent, retries included, oldest first. */
  get envelopes(): readonly SentEnvelope[] {
    return this.sent.map((e) => ({ ...e }));
  }

  /** Connections open and not told to reconnect. */
  get openConnections(): number {
    return this.connections.filter((c) => c.socket.isOpen && !c.draining).length;
  }

  /** apps.connections.open: a fresh single-use URL for the app-level token in the Authorization header, and nothing else. */
  async answerConnectionsOpen(request: IncomingMessage): Promise<ApiCall> {
    const at = Date.now();
    const decoded = decodeWebApiCall(request, await readBody(request));
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const params = decoded.ok ? decoded.params : {};
    let result: Record<string, unknown> & { ok: boolean; error?: string };
    if (!decoded.ok) result = { ok: false, error: decoded.error };
    // Slack reads this method's token only from the header; one given as a parameter is an error.
    else if (bearer === undefined) result = { ok: false, error: 'not_authed' };
    else if (bearer === this.options.botToken) result = { ok: false, error: 'not_allowed_token_type' };
    else if (this.options.appToken === undefined || bearer !== this.options.appToken) result = { ok: false, error: 'invalid_auth' };
    else {
      const ticket = randomBytes(16).toString('hex');
      this.tickets.add(ticket);
      const url = new URL(`${LINK_PATH}?ticket=${ticket}&app_id=${this.options.appId}`, this.options.baseUrl().replace(/^http/, 'ws'));
      result = { ok: true, url: url.toString() };
    }
    return { method: 'apps.connections.open', params, at, ok: result.ok, ...(result.error !== undefined && { error: result.error }), status: 200, result };
  }

  /** A WebSocket upgrade at the URL apps.connections.open gave: accepted once per ticket, then `hello`. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://simulator');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== LINK_PATH || !this.tickets.delete(ticket)) {
      refuseUpgrade(socket, 401, 'Unauthorized');
      return;
    }
    const id = `C${++this.nextConnection}`;
    // Frames are read once the handshake is done, so nothing arrives before `connection` is set.
    let connection: Connection | undefined;
    const accepted = acceptWebSocket(request, socket, head, {
      message: (text) => connection && this.onMessage(connection, text),
      closed: (code) => {
        this.connections.splice(this.connections.findIndex((c) => c.id === id), 1);
        this.options.record({ kind: 'socket_closed', connection: id, code });
      },
    });
    if (!accepted) return;
    connection = { id, socket: accepted, draining: false };
    this.connections.push(connection);
    accepted.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.openConnections,
        debug_info: { host: DEBUG_HOST, build_number: 1, approximate_connection_time: 18_060 },
        connection_info: { app_id: this.options.appId },
      }),
    );
    this.options.record({ kind: 'socket_opened', connection: id });
  }

  /**
   * Sends one slash command or interaction as an envelope and resolves with its first
   * acknowledgement; unacknowledged, it is sent again after the ack timeout, up to three times.
   * Rejects when no connection is open to send it on (Slack's dispatch_failed), or when no
   * attempt was ever acknowledged.
   */
  deliver(type: SocketModeEnvelopeType, payload: Record<string, unknown>): Promise<SocketModeAck> {
    if (this.openConnections === 0) {
      return Promise.reject(new Error('dispatch_failed: the app has no Socket Mode connection open'));
    }
    return new Promise<SocketModeAck>((resolve, reject) => {
      const delivery: Delivery = { type, payload, startedAt: Date.now(), attempts: 0, resolve, reject };
      this.deliveries.add(delivery);
      this.attempt(delivery);
    });
  }

  /** Asks every open connection to reconnect, as Slack does before it moves or refreshes one; they get nothing more. */
  requestReconnect(reason = 'refresh_requested'): void {
    for (const connection of this.connections) {
      if (!connection.socket.isOpen || connection.draining) continue;
      connection.draining = true;
      connection.socket.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: DEBUG_HOST } }));
    }
  }

  /** The next `count` acknowledgements never arrive, as if lost on the way or sent after Slack gave up. */
  loseAcks(count: number): void {
    this.acksToLose += count;
  }

  /** Ends every connection and every delivery still waiting. */
  close(): void {
    for (const delivery of this.deliveries) {
      clearTimeout(delivery.timer);
      delivery.reject(new Error('the Slack simulator was closed'));
    }
    this.deliveries.clear();
    this.awaiting.clear();
    for (const connection of [...this.connections]) {
      connection.socket.close(CLOSE.goingAway, 'simulator closing');
      connection.socket.terminate();
    }
  }

  private attempt(delivery: Delivery): void {
    const connection = this.pickConnection();
    const retry = delivery.attempts;
    delivery.attempts += 1;
    if (connection) {
      const envelope: SentEnvelope = {
        envelope_id: randomUUID(),
        type: delivery.type,
        retry_attempt: retry,
        connection: connection.id,
        at: Date.now(),
      };
      // What the app's acknowledgement may answer with: a command's reply, a submission's response_action, a select's options.
      const accepts = delivery.type === 'slash_commands' || (delivery.type === 'interactive' && ANSWERED_INTERACTIONS.has(String(delivery.payload.type)));
      connection.socket.send(
        JSON.stringify({
          envelope_id: envelope.envelope_id,
          payload: delivery.payload,
          type: delivery.type,
          accepts_response_payload: accepts,
          // A first delivery says nothing of retries, as Slack's slash command and interactive envelopes do.
          ...(retry > 0 && { retry_attempt: retry, retry_reason: 'timeout' }),
        }),
      );
      this.sent.push(envelope);
      this.awaiting.set(envelope.envelope_id, { delivery, envelope, accepts });
      this.options.record({ kind: 'envelope_sent', envelope: { ...envelope } });
    }
    delivery.timer = setTimeout(() => {
      if (delivery.attempts > MAX_RETRIES) {
        this.deliveries.delete(delivery);
        delivery.reject(new Error(`operation_timeout: no attempt of this ${delivery.type} envelope was acknowledged`));
        return;
      }
      this.attempt(delivery);
    }, this.ackTimeoutMs);
  }

  private onMessage(connection: Connection, text: string): void {
    const message = parseJsonObject(text);
    const id = typeof message?.envelope_id === 'string' ? message.envelope_id : undefined;
    const waiting = id === undefined ? undefined : this.awaiting.get(id);
    // An ack for an envelope Slack gave up on, or for none it sent, changes nothing.
    if (!waiting) return;
    const { delivery, envelope } = waiting;
    if (this.acksToLose > 0) {
      this.acksToLose -= 1;
      envelope.ackLost = true;
      this.options.record({ kind: 'envelope_ack_lost', envelope: { ...envelope } });
      return;
    }
    // Every attempt of a delivery is answered by its first ack; later ones are late.
    for (const [other, entry] of this.awaiting) if (entry.delivery === delivery) this.awaiting.delete(other);
    clearTimeout(delivery.timer);
    this.deliveries.delete(delivery);
    envelope.ackedAt = Date.now();
    envelope.ackedOn = connection.id;
    const payload = typeof message?.payload === 'object' && message.payload !== null && !Array.isArray(message.payload) ? (message.payload as Record<string, unknown>) : undefined;
    this.options.record({ kind: 'envelope_acked', envelope: { ...envelope } });
    delivery.resolve({
      envelope: { ...envelope },
      ...(payload && waiting.accepts && { payload }),
      elapsedMs: envelope.ackedAt - delivery.startedAt,
    });
  }

  /** Round-robin over the connections that are open and not told to reconnect, as Slack spreads envelopes over an app's connections. */
  private pickConnection(): Connection | undefined {
    const usable = this.connections.filter((c) => c.socket.isOpen && !c.draining);
    if (usable.length === 0) return undefined;
    return usable[this.turn++ % usable.length];
  }
}
