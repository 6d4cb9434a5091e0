import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextTick, ref } from 'vue';
import { useDebouncedInput } from './use-debounced-input';

describe('useDebouncedInput', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('commits once after typing pauses', async () => {
    const source = ref<string | undefined>(undefined);
    const commit = vi.fn();
    const input = useDebouncedInput(() => source.value, commit, 300);
    input.text.value = 'u';
    await nextTick();
    input.text.value = 'un';
    await nextTick();
    input.text.value = 'unlim';
    await nextTick();
    vi.advanceTimersByTime(299);
    expect(commit).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(commit).toHaveBeenCalledExactlyOnceWith('unlim');
  });

  it('flush commits immediately and is not repeated by the timer', async () => {
    const commit = vi.fn();
    const input = useDebouncedInput(() => undefined, commit, 300);
    input.text.value = 'abc';
    await nextTick();
    input.flush();
    vi.advanceTimersByTime(1000);
    expect(commit).toHaveBeenCalledExactlyOnceWith('abc');
  });

  it('follows outside changes without committing them back', async () => {
    const source = ref<string | undefined>('old');
    const commit = vi.fn();
    const input = useDebouncedInput(() => source.value, commit, 300);
    expect(input.text.value).toBe('old');
    source.value = undefined;
    await nextTick();
    expect(input.text.value).toBe('');
    vi.advanceTimersByTime(1000);
    expect(commit).not.toHaveBeenCalled();
  });
});
