/**
 * The server side of a WebSocket (RFC 6455), as much as Slack's Socket Mode needs: the opening
 * handshake, text messages both ways, ping answered with pong, and the closing handshake.
 * No extensions (a client's offer of permessage-deflate is declined by not answering it) and
 * no subprotocols. Frames from the client must be masked, frames to it are not (RFC 6455 §5.1).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** RFC 6455 §1.3: the key a server appends before hashing, to prove it speaks WebSocket. */
const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Slack's envelopes are a few KB; anything far larger is not Socket Mode traffic. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** Close codes this module sends (RFC 6455 §7.4.1). */
export const CLOSE = { normal: 1000, goingAway: 1001, protocolError: 1002, tooBig: 1009 } as const;

export interface WebSocketHandlers {
  message(text: string): void;
  /** Once, when the connection is gone: after the closing handshake, or when the TCP connection ended without one (1006). */
  closed(code: number, reason: string): void;
}

/** Answers an upgrade request that is not to be accepted, with a plain HTTP status, and hangs up. */
export function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
}

/** Completes the opening handshake, or refuses a request that is not one (400) and returns undefined. */
export function acceptWebSocket(request: IncomingMessage, socket: Duplex, head: Buffer, handlers: WebSocketHandlers): WebSocketConnection | undefined {
  const key = request.headers['sec-websocket-key'];
  const upgrade = request.headers.upgrade?.toLowerCase();
  if (request.method !== 'GET' || upgrade !== 'websocket' || typeof key !== 'string' || request.headers['sec-websocket-version'] !== '13') {
    refuseUpgrade(socket, 400, 'Bad Request');
    return undefined;
  }
  const accept = createHash('sha1').update(`${key}${HANDSHAKE_GUID}`).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  return new WebSocketConnection(socket, head, handlers);
}

export class WebSocketConnection {
  private buffered: Buffer;
  /** The parts of a fragmented message received so far. */
  private fragments: Buffer[] | undefined;
  private closeSent = false;
  private ended = false;

  constructor(
    private readonly socket: Duplex,
    head: Buffer,
    private readonly handlers: WebSocketHandlers,
  ) {
    this.buffered = Buffer.from(head);
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.readFrames();
    });
    socket.on('close', () => this.end(1006, 'the connection ended without a closing handshake'));
    // A reset by the peer ends the connection like any other end; 'close' follows.
    socket.on('error', () => undefined);
    if (this.buffered.length > 0) queueMicrotask(() => this.readFrames());
  }

  /** Open until either side has started to close it. */
  get isOpen(): boolean {
    return !this.closeSent && !this.ended;
  }

  send(text: string): void {
    if (this.isOpen) this.socket.write(frame(OPCODE.text, Buffer.from(text, 'utf8')));
  }

  /** Starts the closing handshake; the peer's close frame ends the connection. */
  close(code: number = CLOSE.normal, reason = ''): void {
    if (!this.isOpen) return;
    this.closeSent = true;
    this.socket.write(frame(OPCODE.close, closePayload(code, reason)));
  }

  /** Drops the TCP connection without a closing handshake, as a network failure would. */
  terminate(): void {
    this.socket.destroy();
  }

  private readFrames(): void {
    while (!this.ended) {
      const parsed = parseFrame(this.buffered);
      if (parsed === 'incomplete') return;
      if (parsed === 'unmasked' || parsed === 'too-big') {
        this.fail(parsed === 'unmasked' ? CLOSE.protocolError : CLOSE.tooBig, parsed === 'unmasked' ? 'client frames must be masked' : 'message too big');
        return;
      }
      this.buffered = this.buffered.subarray(parsed.length);
      this.onFrame(parsed.fin, parsed.opcode, parsed.payload);
    }
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case OPCODE.ping:
        if (!this.closeSent) this.socket.write(frame(OPCODE.pong, payload));
        return;
      case OPCODE.pong:
        return;
      case OPCODE.close: {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : CLOSE.normal;
        const reason = payload.subarray(2).toString('utf8');
        // Answer a close we did not start, then hang up (RFC 6455 §5.5.1).
        if (!this.closeSent) {
          this.closeSent = true;
          this.socket.write(frame(OPCODE.close, closePayload(code, '')));
        }
        this.socket.end();
        this.end(code, reason);
        return;
      }
      case OPCODE.text:
      case OPCODE.binary:
      case OPCODE.continuation: {
        const parts = opcode === OPCODE.continuation ? this.fragments : [];
        if (!parts) {
          this.fail(CLOSE.protocolError, 'continuation without a message');
          return;
        }
        parts.push(payload);
        if (parts.reduce((sum, part) => sum + part.length, 0) > MAX_MESSAGE_BYTES) {
          this.fail(CLOSE.tooBig, 'message too big');
          return;
        }
        if (!fin) {
          this.fragments = parts;
          return;
        }
        this.fragments = undefined;
        // Socket Mode speaks JSON text; a binary message is read as its UTF-8 text.
        if (!this.closeSent) this.handlers.message(Buffer.concat(parts).toString('utf8'));
        return;
      }
      default:
        this.fail(CLOSE.protocolError, `unknown opcode ${opcode}`);
    }
  }

  private fail(code: number, reason: string): void {
    this.close(code, reason);
    this.socket.end();
    this.end(code, reason);
  }

  private end(code: number, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.handlers.closed(code, reason);
  }
}

type ParsedFrame = { fin: boolean; opcode: number; payload: Buffer; length: number };

function parseFrame(data: Buffer): ParsedFrame | 'incomplete' | 'unmasked' | 'too-big' {
  if (data.length < 2) return 'incomplete';
  const first = data[0] as number;
  const second = data[1] as number;
  if ((second & 0x80) === 0) return 'unmasked';
  let length = second & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (data.length < 4) return 'incomplete';
    length = data.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (data.length < 10) return 'incomplete';
    const long = data.readBigUInt64BE(2);
    if (long > BigInt(MAX_MESSAGE_BYTES)) return 'too-big';
    length = Number(long);
    offset = 10;
  }
  if (length > MAX_MESSAGE_BYTES) return 'too-big';
  if (data.length < offset + 4 + length) return 'incomplete';
  const mask = data.subarray(offset, offset + 4);
  const payload = Buffer.from(data.subarray(offset + 4, offset + 4 + length));
  for (let i = 0; i < payload.length; i += 1) payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
  return { fin: (first & 0x80) !== 0, opcode: first & 0x0f, payload, length: offset + 4 + length };
}

/** One unfragmented, unmasked frame, as a server sends it. */
function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header =
    length < 126
      ? Buffer.from([0x80 | opcode, length])
      : length < 65_536
        ? Buffer.from([0x80 | opcode, 126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([0x80 | opcode, 127]), bigEndian64(length)]);
  return Buffer.concat([header, payload]);
}

function bigEndian64(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(value));
  return bytes;
}

function closePayload(code: number, reason: string): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(code);
  return Buffer.concat([bytes, Buffer.from(reason, 'utf8').subarray(0, 123)]);
}
