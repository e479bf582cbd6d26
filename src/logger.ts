// One structured (JSON lines) logger for the whole app; secrets are masked before anything is written.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const SECRET_PATTERNS = [/xox[abposr]-[A-Za-z0-9-]+/g, /v0=[a-f0-9]{64}/g];

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
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
} = {}): Logger {
  const threshold = ORDER[options.level ?? 'info'];
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 4);
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const mask = (text: string): string => {
    let out = text;
    for (const secret of secrets) out = out.split(secret).join('[redacted]');
    for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '[redacted]');
    return out;
  };
  const log = (level: LogLevel) => (message: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[level] < threshold) return;
    const entry = { level, time: new Date().toISOString(), message, ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, describe(v)])) };
    // Masking each string before encoding: a secret with quotes or backslashes would otherwise
    // appear escaped in the JSON and slip past the mask.
    write(JSON.stringify(entry, (_key, value: unknown) => (typeof value === 'string' ? mask(value) : value)));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
