// Group commit for store calls: calls made while one is on its way ride together in the next.
// Alone, a call goes out at once; under a burst, many callers share each round trip.

/**
 * Wraps `send`, which takes a batch, into a function of one input. Every input given while a
 * batch is in flight joins the next batch, which goes out when the one in flight has settled.
 * Each caller gets the answer (or the error) of the batch its input went out in.
 */
export function coalescing<In, Out>(send: (batch: readonly In[]) => Promise<Out>): (input: In) => Promise<Out> {
  let forming: { batch: In[]; sent: Promise<Out> } | undefined;
  let inFlight: Promise<unknown> = Promise.resolve();
  return (input) => {
    if (forming) {
      forming.batch.push(input);
      return forming.sent;
    }
    const batch = [input];
    const sent = inFlight.then(() => {
      // From here on the batch is on its way: later inputs start the next one.
      forming = undefined;
      return send(batch);
    });
    forming = { batch, sent };
    inFlight = sent.catch(() => undefined);
    return sent;
  };
}
