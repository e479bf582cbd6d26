// One structured (JSON lines) logger for the whole app; secrets are masked before anything is
// written. On Lambda each line also carries the invocation it belongs to (src/lambda/invocations.ts).
import * as z from 'zod';

/** The levels, least severe first; LOG_LEVEL and the deploy settings take these words. */
export const LogLevel = z.enum(['debug', 'info', 'warn', 'error']);
export type LogLevel = z.infer<typeof LogLevel>;
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

// Bot and user tokens, app-level tokens (Socket Mode), request signatures.
const SECRET_PATTERNS = [/xox[abposr]-[A-Za-z0-9-]+/g, /xapp-[A-Za-z0-9-]+/g, /v0=[a-f0-9]{64}/g];

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** Written at every level: CloudWatch takes the metrics in these lines (src/metrics.ts), so no level may drop them. */
  metric(message: string, fields: Record<string, unknown>): void;
}

/** The logger createLogger makes: its owner can add secrets read after it was made (from SSM). */
export interface MaskingLogger extends Logger {
  /** Masks these as well, from the next line on. */
  mask(secrets: readonly string[]): void;
}

function describe(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code !== undefined && { code }) };
  }
  return value;
}

export function createLogger(options: {
  level?: LogLevel;
  secrets?: readonly string[];
  write?: (line: string) => void;
  /** Fields for every line, asked for as each is written: on Lambda, the invocation's request ID and cold-start flag. */
  context?: () => object | undefined;
} = {}): MaskingLogger {
  const threshold = ORDER[options.level ?? 'info'];
  const secrets: string[] = [];
  const addSecrets = (more: readonly string[]): void => {
    for (const secret of more) if (secret.length >= 4 && !secrets.includes(secret)) secrets.push(secret);
  };
  addSecrets(options.secrets ?? []);
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const mask = (text: string): string => {
    let out = text;
    for (const secret of secrets) out = out.split(secret).join('[redacted]');
    for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '[redacted]');
    return out;
  };
  const line = (level: LogLevel | 'metric', message: string, fields: Record<string, unknown>) => {
    const entry = { level, time: new Date().toISOString(), message, ...options.context?.(), ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, describe(v)])) };
    // Masking each string before encoding: a secret with quotes or backslashes would otherwise
    // appear escaped in the JSON and slip past the mask.
    write(JSON.stringify(entry, (_key, value: unknown) => (typeof value === 'string' ? mask(value) : value)));
  };
  const log = (level: LogLevel) => (message: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[level] >= threshold) line(level, message, fields);
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    metric: (message, fields) => line('metric', message, fields),
    mask: addSecrets,
  };
}
