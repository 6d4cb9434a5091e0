import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHeapRelease } from './heap-release.js';

const MB = 1024 * 1024;

/** A heap whose size the test sets, and a gc that drops it to the live size. */
function fakeHeap(live: number) {
  const heap = { used: live, live, collections: 0 };
  return {
    heap,
    gc: () => {
      heap.collections++;
      heap.used = heap.live;
    },
    heapUsed: () => heap.used,
  };
}

/** A job worker whose run the test ends when it likes. */
function controlledWorker() {
  let finish!: () => void;
  const worker = {
    job: { name: 'x' },
    handle: vi.fn((payload: number) => new Promise<number>((resolve) => (finish = () => resolve(payload * 2)))),
  };
  return { worker, finish: () => finish() };
}

describe('heap release', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('collects once the tracked jobs have been quiet, not while one runs', async () => {
    const { heap, gc, heapUsed } = fakeHeap(50 * MB);
    const release = createHeapRelease({ quietMs: 1000, minGrowthBytes: 32 * MB, gc, heapUsed });
    const a = controlledWorker();
    const b = controlledWorker();
    const [wa, wb] = release.track([a.worker, b.worker]);

    const runA = wa!.handle(1);
    const runB = wb!.handle(2);
    heap.used = 200 * MB;
    a.finish();
    expect(await runA).toBe(2);
    await vi.advanceTimersByTimeAsync(5000);
    expect(heap.collections).toBe(0); // b still runs

    b.finish();
    expect(await runB).toBe(4);
    await vi.advanceTimersByTimeAsync(999);
    expect(heap.collections).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(heap.collections).toBe(1);
    expect(heap.used).toBe(50 * MB);
  });

  it('a job starting within the quiet period puts the collection off until it ends', async () => {
    const { heap, gc, heapUsed } = fakeHeap(50 * MB);
    const release = createHeapRelease({ quietMs: 1000, minGrowthBytes: 32 * MB, gc, heapUsed });
    const a = controlledWorker();
    const [wa] = release.track([a.worker]);
    heap.used = 200 * MB;
    const first = wa!.handle(1);
    a.finish();
    await first;
    await vi.advanceTimersByTimeAsync(500);
    const second = wa!.handle(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(heap.collections).toBe(0);
    a.finish();
    await second;
    await vi.advanceTimersByTimeAsync(1000);
    expect(heap.collections).toBe(1);
  });

  it('skips the collection when the heap grew less than the threshold since the last one', async () => {
    const { heap, gc, heapUsed } = fakeHeap(50 * MB);
    const release = createHeapRelease({ quietMs: 1000, minGrowthBytes: 32 * MB, gc, heapUsed });
    const a = controlledWorker();
    const [wa] = release.track([a.worker]);
    const run = async (usedAfter: number) => {
      const p = wa!.handle(0);
      heap.used = usedAfter;
      a.finish();
      await p;
      await vi.advanceTimersByTimeAsync(1000);
    };
    await run(100 * MB);
    expect(heap.collections).toBe(1); // 100 MB used against 0 after no collection yet
    heap.live = 60 * MB;
    await run(80 * MB); // 30 MB over the 50 MB left by the last collection
    expect(heap.collections).toBe(1);
    await run(90 * MB);
    expect(heap.collections).toBe(2);
    expect(heap.used).toBe(60 * MB);
  });

  it('a failing job counts as ended and its error passes through', async () => {
    const { heap, gc, heapUsed } = fakeHeap(50 * MB);
    const release = createHeapRelease({ quietMs: 1000, minGrowthBytes: 32 * MB, gc, heapUsed });
    const [w] = release.track([{ job: { name: 'x' }, handle: (_: number) => Promise.reject(new Error('boom')) }]);
    heap.used = 200 * MB;
    await expect(w!.handle(1)).rejects.toThrow('boom');
    await vi.advanceTimersByTimeAsync(1000);
    expect(heap.collections).toBe(1);
  });

  it('does nothing without a gc function (node started without --expose-gc)', async () => {
    const release = createHeapRelease({ quietMs: 1000, gc: undefined, heapUsed: () => 500 * MB });
    const [w] = release.track([{ job: { name: 'x' }, handle: (n: number) => Promise.resolve(n) }]);
    expect(await w!.handle(3)).toBe(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop clears a pending collection', async () => {
    const { heap, gc, heapUsed } = fakeHeap(50 * MB);
    const release = createHeapRelease({ quietMs: 1000, minGrowthBytes: 32 * MB, gc, heapUsed });
    const [w] = release.track([{ job: { name: 'x' }, handle: (n: number) => Promise.resolve(n) }]);
    heap.used = 200 * MB;
    await w!.handle(1);
    release.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(heap.collections).toBe(0);
  });
});
