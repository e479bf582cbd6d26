// Server-sent events to every open sandbox page: each gets the whole picture when it connects
// (and again when it reconnects after a restart), then each change as it happens.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PageEvent } from './page-state';

/** How long a page waits before reconnecting, e.g. while the sandbox restarts. */
const RECONNECT_MS = 1000;

export class EventStream {
  private readonly pages = new Set<ServerResponse>();

  open(request: IncomingMessage, response: ServerResponse, first: PageEvent): void {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    response.write(`retry: ${RECONNECT_MS}\n\n`);
    this.pages.add(response);
    request.on('close', () => this.pages.delete(response));
    this.write(response, first);
  }

  send(event: PageEvent): void {
    for (const page of this.pages) this.write(page, event);
  }

  get size(): number {
    return this.pages.size;
  }

  /** Ends every stream, so the server can close. */
  closeAll(): void {
    for (const page of this.pages) page.end();
    this.pages.clear();
  }

  private write(page: ServerResponse, event: PageEvent): void {
    // One JSON line per event: JSON.stringify never emits a raw newline.
    page.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  }
}
