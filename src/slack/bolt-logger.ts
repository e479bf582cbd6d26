// Bolt's logger interface over the app's structured logger, so Bolt's lines are JSON too.
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../logger';

export function boltLogger(logger: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const line = (parts: unknown[]) => parts.map((p) => (p instanceof Error ? p.message : typeof p === 'string' ? p : JSON.stringify(p))).join(' ');
  return {
    debug: (...parts) => logger.debug(line(parts), { source: 'bolt' }),
    info: (...parts) => logger.info(line(parts), { source: 'bolt' }),
    warn: (...parts) => logger.warn(line(parts), { source: 'bolt' }),
    error: (...parts) => logger.error(line(parts), { source: 'bolt' }),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
