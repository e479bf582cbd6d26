// Group commit: what callers ask for while a batch is on its way rides in the next one.
import { coalescing } from '../../../src/service/coalesce';

/** A batch sender the test finishes by hand, recording every batch it was given. */
function manualSender() {
  const batches: string[][] = [];
  const finishers: Array<{ resolve: (v: string) => void; reject: (e: Error) => void }> = [];
  const send = (batch: readonly string[]) =>
    new Promise<string>((resolve, reject) => {
      batches.push([...batch]);
      finishers.push({ resolve, reject });
    });
  return { send, batches, finishers };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('coalescing', () => {
  it('sends a lone call at once, on its own', async () => {
    const sender = manualSender();
    const call = coalescing(sender.send);
    const answer = call('a');
    await settle();
    expect(sender.batches).toEqual([['a']]);
    sender.finishers[0]!.resolve('done');
    await expect(answer).resolves.toBe('done');
  });

  it('gathers the calls made while a batch is in flight into the next batch, sent when the first settles', async () => {
    const sender = manualSender();
    const call = coalescing(sender.send);
    const first = call('a');
    await settle();
    const later = [call('b'), call('c'), call('d')];
    await settle();
    expect(sender.batches).toEqual([['a']]);
    sender.finishers[0]!.resolve('first');
    await first;
    await settle();
    expect(sender.batches).toEqual([['a'], ['b', 'c', 'd']]);
    sender.finishers[1]!.resolve('second');
    await expect(Promise.all(later)).resolves.toEqual(['second', 'second', 'second']);
  });

  it("gives every caller in a failed batch that batch's error, and carries on with the next", async () => {
    const sender = manualSender();
    const call = coalescing(sender.send);
    const first = call('a');
    await settle();
    const second = [call('b'), call('c')];
    await settle();
    sender.finishers[0]!.reject(new Error('throttled'));
    await expect(first).rejects.toThrow('throttled');
    await settle();
    sender.finishers[1]!.reject(new Error('down'));
    await expect(second[0]).rejects.toThrow('down');
    await expect(second[1]).rejects.toThrow('down');
    const third = call('d');
    await settle();
    expect(sender.batches.at(-1)).toEqual(['d']);
    sender.finishers[2]!.resolve('back');
    await expect(third).resolves.toBe('back');
  });

  it('puts calls made in the same moment into one batch', async () => {
    const sender = manualSender();
    const call = coalescing(sender.send);
    const answers = [call('a'), call('b')];
    await settle();
    expect(sender.batches).toEqual([['a', 'b']]);
    sender.finishers[0]!.resolve('both');
    await expect(Promise.all(answers)).resolves.toEqual(['both', 'both']);
  });
});
