/**
 * The retry guard: a delivery Slack sends again goes no further than its acknowledgement, over
 * HTTP (X-Slack-Retry-Num) and over Socket Mode (retry_attempt), while a first delivery passes.
 */
import { acknowledgeRetriesOnly } from '../../../../src/slack/listeners/retries';

type GuardArgs = Parameters<typeof acknowledgeRetriesOnly>[0];

/** What Bolt hands a global middleware for one delivery, as far as the guard reads it. */
function buildArguments(retry: { retryNum?: number; retryReason?: string }) {
  const calls: string[] = [];
  const args = {
    context: { ...retry },
    ack: async () => {
      calls.push('ack');
    },
    next: async () => {
      calls.push('next');
    },
    logger: { info: () => undefined },
  } as unknown as GuardArgs;
  return { args, calls };
}

describe('acknowledgeRetriesOnly', () => {
  it('passes a first delivery on to the listeners, which acknowledge it', async () => {
    const { args, calls } = buildArguments({});
    await acknowledgeRetriesOnly(args);
    expect(calls).toEqual(['next']);
  });

  it('passes on a Socket Mode first delivery that says retry_attempt 0', async () => {
    const { args, calls } = buildArguments({ retryNum: 0, retryReason: '' });
    await acknowledgeRetriesOnly(args);
    expect(calls).toEqual(['next']);
  });

  it.each([
    ['an HTTP retry', { retryNum: 1, retryReason: 'http_timeout' }],
    ['a Socket Mode retry', { retryNum: 2, retryReason: 'timeout' }],
  ])('acknowledges %s and lets it go no further', async (_name, retry) => {
    const { args, calls } = buildArguments(retry);
    await acknowledgeRetriesOnly(args);
    expect(calls).toEqual(['ack']);
  });
});
