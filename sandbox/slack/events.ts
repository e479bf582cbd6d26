/**
 * The simulator's change feed: every recorded change is emitted here, the latest few are kept
 * for error messages, and `waitFor` re-checks its condition on each one instead of polling.
 */
import { EventEmitter } from 'node:events';
import type { SimulatorEvent } from './types';

/** How many recent changes a waitFor timeout reports, to show what did happen instead. */
const RECENT_KEPT = 15;

export class ChangeFeed {
  private readonly emitter = new EventEmitter();
  private readonly recent: string[] = [];
  private readonly pendingWaits = new Set<(reason: Error) => void>();

  constructor() {
    // Every pending waitFor listens; more than Node's default 10 is normal, not a leak.
    this.emitter.setMaxListeners(0);
  }

  record(event: SimulatorEvent): void {
    this.recent.push(describeEvent(event));
    if (this.recent.length > RECENT_KEPT) this.recent.shift();
    this.emitter.emit('event', event);
  }

  on(listener: (event: SimulatorEvent) => void): void {
    this.emitter.on('event', listener);
  }

  off(listener: (event: SimulatorEvent) => void): void {
    this.emitter.off('event', listener);
  }

  /**
   * Resolves with the predicate's first value other than undefined, null or false, checked now
   * and again after every recorded change. A predicate that throws counts as "not yet".
   */
  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let lastError: unknown;
      const check = (): void => {
        try {
          const value = predicate();
          if (value === undefined || value === null || value === false) return;
          finish();
          resolve(value);
        } catch (error) {
          lastError = error;
        }
      };
      const abandon = (reason: Error): void => {
        finish();
        reject(reason);
      };
      const timer = setTimeout(() => abandon(new Error(this.describeTimeout(predicate, timeoutMs, lastError))), timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.emitter.off('event', check);
        this.pendingWaits.delete(abandon);
      };
      this.emitter.on('event', check);
      this.pendingWaits.add(abandon);
      check();
    });
  }

  /** Rejects every pending waitFor, so a test fails fast instead of at its timeout. */
  abandonWaits(reason: Error): void {
    for (const abandon of [...this.pendingWaits]) abandon(reason);
  }

  private describeTimeout(predicate: () => unknown, timeoutMs: number, lastError: unknown): string {
    const source = predicate.toString().replace(/\s+/g, ' ').slice(0, 200);
    const threw = lastError === undefined ? '' : `\nlast error from the predicate: ${String(lastError)}`;
    const recent = this.recent.length > 0 ? this.recent.map((line) => `  ${line}`).join('\n') : '  (none)';
    return `waitFor: still not true after ${timeoutMs} ms: ${source}${threw}\nrecent simulator events:\n${recent}`;
  }
}

function describeEvent(event: SimulatorEvent): string {
  switch (event.kind) {
    case 'api_call':
      return `api ${event.call.method} → ${event.call.ok ? 'ok' : event.call.error}`;
    case 'response_url':
      return `response_url ${event.post.id} → ${event.post.status} ${event.post.error ?? event.post.outcome}`;
    case 'message_posted':
    case 'message_updated':
      return `${event.kind} ${event.message.channel} ${event.message.ts}: ${event.message.text.slice(0, 60)}`;
    case 'message_deleted':
      return `message_deleted ${event.channel} ${event.ts}`;
    case 'ephemeral_posted':
      return `ephemeral for ${event.ephemeral.user}: ${event.ephemeral.text.slice(0, 60)}`;
    case 'ephemeral_deleted':
      return `ephemeral_deleted for ${event.user} ${event.ts}`;
    case 'bot_request':
      return `bot answered ${event.reply.status}`;
    case 'config_changed':
      return `config_changed ${event.what}`;
    case 'socket_opened':
      return `Socket Mode connection ${event.connection} opened`;
    case 'socket_closed':
      return `Socket Mode connection ${event.connection} closed (${event.code})`;
    case 'envelope_sent':
    case 'envelope_acked':
    case 'envelope_ack_lost':
      return `${event.kind} ${event.envelope.type} retry ${event.envelope.retry_attempt} on ${event.envelope.connection}`;
    case 'modals':
      return `modals of ${event.user}: ${event.stack.map((m) => m.view.callback_id || m.view.id).join(' > ') || 'none'}`;
    case 'home_published':
      return `home published for ${event.user}: ${event.view.blocks.length} blocks`;
  }
}
