/**
 * A random source a failing test can name and a rerun can repeat: the seed comes from
 * ECR_ACCESS_TEST_SEED when set, else from the clock. mulberry32: small, fast, and plenty for
 * choosing moments in a test (not for anything secret).
 */
export interface SeededRandom {
  readonly seed: number;
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  below(n: number): number;
  /** Runs `test`, naming the seed in its error when it fails, so the same choices can be made again. */
  reporting<T>(test: () => Promise<T>): Promise<T>;
}

export function seededRandom(seed = Number(process.env.ECR_ACCESS_TEST_SEED) || Date.now() % 2 ** 31): SeededRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return {
    seed,
    next,
    below: (n) => Math.floor(next() * n),
    async reporting(test) {
      try {
        return await test();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw Object.assign(new Error(`${message}\n\nRandom choices from seed ${seed}: run again with ECR_ACCESS_TEST_SEED=${seed}`), { stack: error instanceof Error ? error.stack : undefined });
      }
    },
  };
}
