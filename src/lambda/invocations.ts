// Which Lambda invocation a log line belongs to, in the names Powertools Logger uses:
// function_request_id (the context's awsRequestId) and cold_start (true for the first invocation
// this container serves). AsyncLocalStorage carries them through all of the invocation's async
// work, so every line it writes has them, wherever in the app it is written.
import { AsyncLocalStorage } from 'node:async_hooks';
import * as z from 'zod';

/** The one part of Lambda's context object this reads; a context without it still runs. */
const LambdaContext = z.object({ awsRequestId: z.string().min(1) });

interface InvocationFields {
  readonly function_request_id?: string;
  readonly cold_start: boolean;
}

export interface Invocations {
  /** The fields of the invocation the caller is running in; none while the function initialises. */
  fields(): InvocationFields | undefined;
  /** Runs `work` as one invocation with this Lambda context. */
  run<T>(context: unknown, work: () => Promise<T>): Promise<T>;
}

export function invocations(): Invocations {
  const current = new AsyncLocalStorage<InvocationFields>();
  let served = 0;
  return {
    fields: () => current.getStore(),
    run(context, work) {
      const parsed = LambdaContext.safeParse(context);
      const fields: InvocationFields = {
        ...(parsed.success && { function_request_id: parsed.data.awsRequestId }),
        cold_start: served === 0,
      };
      served += 1;
      return current.run(fields, work);
    },
  };
}
