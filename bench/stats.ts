// Order statistics for latency samples, and the rounding the table and the JSON share.

/** The nearest-rank percentile (p in 0–100) of the samples; NaN for none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export const mean = (samples: readonly number[]) => samples.reduce((a, b) => a + b, 0) / samples.length;

export const median = (samples: readonly number[]) => percentile(samples, 50);

export function summary(samples: readonly number[]) {
  return {
    count: samples.length,
    p50: round(percentile(samples, 50)),
    p90: round(percentile(samples, 90)),
    p99: round(percentile(samples, 99)),
    max: round(Math.max(...samples)),
  };
}

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
