// Listens to a sandbox page's event stream from a test, as the page does in the browser, so a
// test waits on the change it expects instead of sleeping.
import type { PageEvent } from '../../sandbox/web/page-state';

export interface PageEvents {
  /** Every event so far, oldest first. */
  readonly seen: readonly PageEvent[];
  /** Resolves with pick's first defined value, over the events so far and those to come. */
  waitFor<T>(pick: (event: PageEvent) => T | undefined, timeoutMs?: number): Promise<T>;
  close(): void;
}

export async function openPageEvents(pageUrl: string): Promise<PageEvents> {
  const abort = new AbortController();
  const response = await fetch(new URL('/api/events', pageUrl), { signal: abort.signal });
  if (!response.ok || !response.body) throw new Error(`the event stream answered ${response.status}`);
  const seen: PageEvent[] = [];
  const waiters = new Set<() => void>();

  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').find((line) => line.startsWith('data: '));
          if (data === undefined) continue;
          seen.push(JSON.parse(data.slice('data: '.length)) as PageEvent);
          for (const wake of [...waiters]) wake();
        }
      }
    } catch {
      // Closed by close(), or the sandbox stopped; pending waits time out with what was seen.
    }
  })();

  return {
    seen,
    waitFor<T>(pick: (event: PageEvent) => T | undefined, timeoutMs = 10_000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        let checked = 0;
        const check = (): void => {
          for (; checked < seen.length; checked++) {
            const value = pick(seen[checked]!);
            if (value !== undefined) {
              finish();
              resolve(value);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          finish();
          const kinds = seen.map((event) => event.type).join(', ');
          reject(new Error(`no such page event within ${timeoutMs} ms; seen: ${kinds || 'none'}\n${pick.toString()}`));
        }, timeoutMs);
        const finish = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close() {
      abort.abort();
    },
  };
}

/** The text of a message or ephemeral, blocks included, for matching. */
export function textOf(item: { text?: string; blocks?: unknown[] }): string {
  return `${item.text ?? ''} ${JSON.stringify(item.blocks ?? [])}`;
}
