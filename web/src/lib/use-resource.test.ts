import { describe, expect, it } from 'vitest';
import { useResource } from './use-resource';

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

describe('useResource', () => {
  it('tracks loading, data and error', async () => {
    let fail = false;
    const r = useResource(async () => {
      if (fail) throw new Error('nope');
      return 42;
    });
    expect(r.loading.value).toBe(true);
    await r.reload();
    expect(r.data.value).toBe(42);
    expect(r.loading.value).toBe(false);
    fail = true;
    await r.reload();
    expect(r.error.value).toBeInstanceOf(Error);
    expect(r.data.value).toBe(42);
  });

  it('lets only the latest load win and aborts the older one', async () => {
    const pending = [deferred<string>(), deferred<string>()];
    const signals: AbortSignal[] = [];
    let i = 0;
    const r = useResource((signal) => {
      signals.push(signal);
      return pending[i++]!.promise;
    }, { immediate: false });
    const first = r.reload();
    const second = r.reload();
    expect(signals[0]!.aborted).toBe(true);
    pending[1]!.resolve('new');
    await second;
    pending[0]!.resolve('old');
    await first;
    expect(r.data.value).toBe('new');
    expect(r.loading.value).toBe(false);
  });
});
