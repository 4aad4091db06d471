import { afterEach, describe, expect, it, vi } from 'vitest';
import { batchOfOne, GroupCommit, type ItemResult, LATER } from '../src/db/group-commit.js';

/** A run whose batches are recorded and held until the test lets each one finish. */
function heldRun<T>(answer: (item: T) => ItemResult<string> = (item) => ({ value: `ok:${item}` })) {
  const batches: T[][] = [];
  const releases: (() => void)[] = [];
  const run = async (items: readonly T[]) => {
    batches.push([...items]);
    await new Promise<void>((resolve) => releases.push(resolve));
    return items.map(answer);
  };
  /** Lets the oldest held batch finish, then waits until the next one (if any) has started. */
  const release = async () => {
    releases.shift()!();
    await flush();
  };
  return { run, batches, release };
}

/** Lets every queued promise callback run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('group commit', () => {
  it('an item handed in while nothing is in flight goes at once, alone, with no timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'Date'] });
    const run = vi.fn(async (items: readonly number[]) => items.map((n) => ({ value: n * 2 })));
    const group = new GroupCommit({ run, maxBatch: 10 });
    // No fake timer is ever advanced: the batch starts on the event loop's next turn.
    expect(await group.submit(21)).toBe(42);
    expect(run.mock.calls).toEqual([[[21]]]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('items handed in while a batch is in flight go together in the next one, in arrival order', async () => {
    const { run, batches, release } = heldRun<string>();
    const group = new GroupCommit({ run, maxBatch: 10 });
    const first = group.submit('a');
    await flush();
    const rest = ['b', 'c', 'd'].map((item) => group.submit(item));
    await flush();
    expect(batches).toEqual([['a']]);
    expect(group.waiting).toBe(3);
    await release();
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
    await release();
    expect(await first).toBe('ok:a');
    expect(await Promise.all(rest)).toEqual(['ok:b', 'ok:c', 'ok:d']);
  });

  it('items handed in before the event loop turns go together', async () => {
    const run = vi.fn(async (items: readonly number[]) => items.map((value) => ({ value })));
    const group = new GroupCommit({ run, maxBatch: 10 });
    expect(await Promise.all([1, 2, 3].map((n) => group.submit(n)))).toEqual([1, 2, 3]);
    expect(run.mock.calls).toEqual([[[1, 2, 3]]]);
  });

  it('a batch takes at most maxBatch items; the rest wait their turn in order', async () => {
    const { run, batches, release } = heldRun<number>();
    const group = new GroupCommit({ run, maxBatch: 2 });
    const all = [0, 1, 2, 3, 4, 5].map((n) => group.submit(n));
    await flush();
    for (let i = 0; i < 3; i++) await release();
    expect(batches).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    expect(await Promise.all(all)).toEqual(['ok:0', 'ok:1', 'ok:2', 'ok:3', 'ok:4', 'ok:5']);
  });

  it('each caller gets its own result or its own error', async () => {
    const group = new GroupCommit<number, number>({
      run: async (items) =>
        items.map((n) => (n % 2 ? { error: new Error(`odd ${n}`) } : { value: n * 10 })),
      maxBatch: 10,
    });
    const settled = await Promise.allSettled([1, 2, 3, 4].map((n) => group.submit(n)));
    expect(settled).toEqual([
      { status: 'rejected', reason: new Error('odd 1') },
      { status: 'fulfilled', value: 20 },
      { status: 'rejected', reason: new Error('odd 3') },
      { status: 'fulfilled', value: 40 },
    ]);
  });

  it('an item the batch defers goes first in the next batch, before later arrivals', async () => {
    let deferred = false;
    const { run, batches, release } = heldRun<string>((item) => {
      if (item === 'x2' && !deferred) {
        deferred = true;
        return LATER;
      }
      return { value: `ok:${item}` };
    });
    const group = new GroupCommit({ run, maxBatch: 10 });
    const firsts = [group.submit('x1'), group.submit('x2')];
    await flush();
    const late = group.submit('y');
    await release();
    expect(batches).toEqual([
      ['x1', 'x2'],
      ['x2', 'y'],
    ]);
    await release();
    expect(await Promise.all([...firsts, late])).toEqual(['ok:x1', 'ok:x2', 'ok:y']);
  });

  it('a failed batch is retried item by item through single: only the bad item fails', async () => {
    const single = vi.fn(async (n: number) => {
      if (n === 13) throw new Error('unlucky');
      return n;
    });
    const group = new GroupCommit<number, number>({
      run: async (items) => {
        if (items.includes(13)) throw new Error('the batch failed');
        return items.map((value) => ({ value }));
      },
      single,
      maxBatch: 10,
    });
    const settled = await Promise.allSettled([11, 12, 13, 14].map((n) => group.submit(n)));
    expect(settled).toEqual([
      { status: 'fulfilled', value: 11 },
      { status: 'fulfilled', value: 12 },
      { status: 'rejected', reason: new Error('unlucky') },
      { status: 'fulfilled', value: 14 },
    ]);
    expect(single.mock.calls.map(([n]) => n)).toEqual([11, 12, 13, 14]);
    // The queue goes on after a failure, as batches again.
    expect(await Promise.all([1, 2].map((n) => group.submit(n)))).toEqual([1, 2]);
    expect(single).toHaveBeenCalledTimes(4);
  });

  it('batchOfOne makes the batch function the one-item path: each item of a failed batch is written alone by the same function', async () => {
    const runs: number[][] = [];
    const run = async (items: readonly number[]): Promise<ItemResult<number>[]> => {
      runs.push([...items]);
      if (items.length > 1 && items.includes(13)) throw new Error('the batch failed');
      return items.map((n) => (n === 13 ? { error: new Error('unlucky') } : { value: n * 2 }));
    };
    const group = new GroupCommit({ run, single: batchOfOne(run), maxBatch: 10 });
    const settled = await Promise.allSettled([11, 12, 13].map((n) => group.submit(n)));
    expect(settled).toEqual([
      { status: 'fulfilled', value: 22 },
      { status: 'fulfilled', value: 24 },
      { status: 'rejected', reason: new Error('unlucky') },
    ]);
    expect(runs).toEqual([[11, 12, 13], [11], [12], [13]]);
    // A batch of one that defers its only item is a bug, said so, not a hang.
    await expect(batchOfOne(async () => [LATER])(1)).rejects.toThrow(/deferred/);
  });

  it('without single, every caller of a failed batch gets its error, and the next batch still runs', async () => {
    let calls = 0;
    const group = new GroupCommit<number, number>({
      run: async (items) => {
        if (calls++ === 0) throw new Error('connection lost');
        return items.map((value) => ({ value }));
      },
      maxBatch: 10,
    });
    const settled = await Promise.allSettled([1, 2].map((n) => group.submit(n)));
    expect(settled.map((s) => s.status === 'rejected' && (s.reason as Error).message)).toEqual([
      'connection lost',
      'connection lost',
    ]);
    expect(await group.submit(3)).toBe(3);
  });

  it('a run that defers every item, or answers for the wrong number of items, fails that batch', async () => {
    const deferAll = new GroupCommit<number, number>({
      run: async (items) => items.map(() => LATER),
      maxBatch: 10,
    });
    await expect(deferAll.submit(1)).rejects.toThrow(/deferred every item/);
    const short = new GroupCommit<number, number>({ run: async () => [], maxBatch: 10 });
    await expect(short.submit(1)).rejects.toThrow(/0 results for 1 items/);
  });

  it('refuses a batch cap below one', () => {
    const run = async () => [];
    expect(() => new GroupCommit({ run, maxBatch: 0 })).toThrow(RangeError);
    expect(() => new GroupCommit({ run, maxBatch: 1.5 })).toThrow(RangeError);
  });
});
