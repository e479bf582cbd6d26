// What an AWS SDK call rejected with, in the terms a test asserts on.

/** The error a promise rejects with: its name, message and HTTP status, so a test can assert on them together. */
export async function failureOf(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    const { name, message, $metadata } = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name, message, status: $metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
