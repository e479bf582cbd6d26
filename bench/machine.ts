// The machine the figures were taken on, as the README quotes it.
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

export function describeMachine() {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    // Not Linux: os.cpus() said what it could.
  }
  return {
    cores: cpus().length,
    cpuModel,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}
