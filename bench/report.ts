// What every part hands back, and the one table they are printed in.

export interface Row {
  readonly measure: string;
  readonly value: string;
  readonly target?: string;
  /** Whether the target was met; a benchmark reports it, it does not fail on it. */
  readonly met?: boolean;
}

export interface PartResult {
  readonly part: number;
  readonly title: string;
  readonly rows: Row[];
  /** The same figures, machine-readable, for results.json. */
  readonly figures: Record<string, unknown>;
  /** Functional breakage seen while measuring (an approval not GRANTED, a refused answer …). */
  readonly problems: string[];
  /** Longer things a reader should see under the table, e.g. the message a user gets. */
  readonly notes?: string[];
  /** Why the part could not run at all, e.g. a missing build script. */
  readonly unavailable?: string;
  seconds?: number;
}

const pad = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - text.length));

export function renderTable(results: readonly PartResult[]): string {
  const lines: string[][] = [];
  const rule: string[] = [];
  for (const result of results) {
    lines.push([`${result.part}. ${result.title}`, '', '', '']);
    if (result.unavailable) lines.push(['  not available', result.unavailable, '', '']);
    for (const row of result.rows) {
      lines.push([`  ${row.measure}`, row.value, row.target ?? '', row.met === undefined ? '' : row.met ? 'yes' : 'NO']);
    }
    for (const problem of result.problems) lines.push(['  BROKEN', problem, '', '']);
    lines.push(rule);
  }
  const header = ['Measure', 'Value', 'Target', 'Met'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: readonly string[]) =>
    cells === rule ? widths.map((w) => '-'.repeat(w)).join('-+-') : cells.map((c, i) => pad(c, widths[i] ?? 0)).join(' | ').trimEnd();
  return [format(header), format(rule), ...lines.slice(0, -1).map(format)].join('\n');
}

export function renderNotes(results: readonly PartResult[]): string {
  return results
    .filter((r) => (r.notes ?? []).length > 0)
    .map((r) => [`${r.part}. ${r.title}`, ...(r.notes ?? []).map((n) => `   ${n.replace(/\s*\n\s*/g, ' ')}`)].join('\n'))
    .join('\n');
}
