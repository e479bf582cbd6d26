// Mutation testing (`npm run mutation`): StrykerJS changes src/domain and src/service (the use
// cases and the one policy path) one small edit at a time and checks that some unit test fails
// for each change. README's "Test it" says how to read it.
// Stryker 9 (not 10): 9 runs on Node 20 and 22, 10 needs Node 22.

// Property tests try at most this many cases per property under mutation (fast-check's numRuns,
// read by test/unit/domain/property-runs.ts). Every mutant in the policy rules runs every
// property: at full strength the fuzz tests alone take 20 s a mutant, at 25 a fraction of a
// second, and the example tests do the killing.
process.env.ECR_ACCESS_PROPERTY_RUNS ??= '25';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  mutate: ['src/domain/**/*.ts', 'src/service/**/*.ts'],
  testRunner: 'jest',
  jest: {
    configFile: 'jest.config.js',
    // The unit tests only: integration and browser suites start servers and take minutes.
    config: { roots: ['<rootDir>/test/unit'] },
  },
  coverageAnalysis: 'perTest',
  // Module-level code (zod schemas, constant tables) runs once, when a file is loaded, so a
  // mutant there means reloading and running every test: over half the mutants and most of
  // the time. They are left out of the score.
  ignoreStatic: true,
  // Mutants that do not type-check are dropped instead of run (ts-jest only transpiles).
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  concurrency: 2,
  // Only the mutants in code that changed since the stored run are tested again; the file is
  // kept in the repository so CI starts from the last committed results.
  incremental: true,
  incrementalFile: 'test/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
  // Mutants in the message of an EcrAccessError are not tested: see the ignorer's comment.
  plugins: ['@stryker-mutator/*', './test/mutation/error-message-ignorer.mjs'],
  ignorers: ['error-message'],
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
};
