/**
 * How many cases a property test tries. Full strength normally; under mutation testing the
 * Stryker config sets ECR_ACCESS_PROPERTY_RUNS, which caps every property (and fast-check's
 * default), so each of hundreds of mutants is tried in seconds on two cores.
 */
import fc from 'fast-check';

const cap = Number(process.env.ECR_ACCESS_PROPERTY_RUNS) || undefined;

if (cap !== undefined) fc.configureGlobal({ ...fc.readConfigureGlobal(), numRuns: cap });

/** fast-check parameters for a property that tries `numRuns` cases at full strength. */
export function runs(numRuns: number): { numRuns: number } {
  return { numRuns: cap === undefined ? numRuns : Math.min(numRuns, cap) };
}
