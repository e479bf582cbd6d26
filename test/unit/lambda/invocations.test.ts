// Which invocation a log line belongs to: the request ID Lambda gives each invocation, and
// whether it is the container's first (a cold start), carried through the invocation's async work.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { invocations } from '../../../src/lambda/invocations';

describe('invocations', () => {
  it('has no fields outside an invocation, while the function initialises', () => {
    expect(invocations().fields()).toBeUndefined();
  });

  it('names the request ID of the invocation, across its awaits, and marks only the first as a cold start', async () => {
    const scope = invocations();
    const seen: unknown[] = [];
    const work = async () => {
      seen.push(scope.fields());
      await nextTurn();
      seen.push(scope.fields());
    };
    await scope.run({ awsRequestId: 'req-1', functionName: 'f' }, work);
    await scope.run({ awsRequestId: 'req-2' }, work);
    expect(seen).toEqual([
      { function_request_id: 'req-1', cold_start: true },
      { function_request_id: 'req-1', cold_start: true },
      { function_request_id: 'req-2', cold_start: false },
      { function_request_id: 'req-2', cold_start: false },
    ]);
  });

  it('keeps two overlapping invocations apart', async () => {
    const scope = invocations();
    const seen: Record<string, unknown> = {};
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = scope.run({ awsRequestId: 'req-a' }, async () => {
      await held;
      seen.a = scope.fields()?.function_request_id;
    });
    await scope.run({ awsRequestId: 'req-b' }, async () => {
      seen.b = scope.fields()?.function_request_id;
    });
    release();
    await first;
    expect(seen).toEqual({ a: 'req-a', b: 'req-b' });
  });

  it('runs an invocation whose context has no request ID, with the cold-start flag alone', async () => {
    const scope = invocations();
    await expect(scope.run({}, async () => scope.fields())).resolves.toEqual({ cold_start: true });
    await expect(scope.run(undefined, async () => scope.fields())).resolves.toEqual({ cold_start: false });
  });
});
