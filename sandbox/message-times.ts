// When each message appeared, by its ts. The simulator's timestamps count up from a fixed
// start (so test runs compare), which is no wall clock; the sandbox page shows these instead.
export class MessageTimes {
  private readonly times = new Map<string, number>();

  constructor(
    saved: Record<string, number> = {},
    private readonly now: () => number = Date.now,
  ) {
    for (const [ts, at] of Object.entries(saved)) this.times.set(ts, at);
  }

  /** The time `ts` was first seen, which is now if it was never seen before. */
  stamp(ts: string): number {
    const known = this.times.get(ts);
    if (known !== undefined) return known;
    const at = this.now();
    this.times.set(ts, at);
    return at;
  }

  get(ts: string): number | undefined {
    return this.times.get(ts);
  }

  /** The times of the given timestamps only, so forgotten messages do not pile up on disk. */
  pick(timestamps: Iterable<string>): Record<string, number> {
    const picked: Record<string, number> = {};
    for (const ts of timestamps) {
      const at = this.times.get(ts);
      if (at !== undefined) picked[ts] = at;
    }
    return picked;
  }
}
