/**
 * Slack's message timestamps: seconds since the epoch with six decimals (`1700000000.000100`),
 * which is also each message's ID within its conversation. Kept as microseconds to compare them.
 */

export function tsOf(micros: bigint): string {
  const text = micros.toString().padStart(7, '0');
  return `${text.slice(0, -6)}.${text.slice(-6)}`;
}

export function microsOf(ts: string): bigint {
  const match = /^(\d+)\.(\d{6})$/.exec(ts);
  if (!match) throw new Error(`not a Slack timestamp: ${ts}`);
  return BigInt(`${match[1]}${match[2]}`);
}

/**
 * A time argument such as `oldest` or `latest`, in microseconds: Slack takes a Unix time with or
 * without decimals ("1700000000", "1700000000.5"). Undefined when it is not one.
 */
export function timeArgument(value: string): bigint | undefined {
  const match = /^(\d+)(?:\.(\d*))?$/.exec(value);
  if (!match) return undefined;
  return BigInt(match[1] ?? '0') * 1_000_000n + BigInt((match[2] ?? '').slice(0, 6).padEnd(6, '0'));
}
