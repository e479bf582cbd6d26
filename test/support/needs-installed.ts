// Suites that need a program from the operating system (Java for DynamoDB Local, Chromium for
// the browser tests). When it is missing, one failing test says what to install and the suite's
// own tests are skipped, instead of every one of them failing on the same start-up error.

/** An error that is only its message: the stack would point here, not at the problem. */
function plainError(message: string): Error {
  const error = new Error(message);
  error.stack = message;
  return error;
}

/** `missing` is undefined when the program is there, or says what is missing and how to install it. */
export function describeNeeding(name: string, missing: string | undefined, body: () => void): void {
  describe(name, () => {
    if (missing === undefined) return body();
    it('has what it needs installed', () => {
      throw plainError(missing);
    });
    describe.skip('not run without it', body);
  });
}
